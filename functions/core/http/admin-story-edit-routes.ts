import {
  type HoldResult,
  MAX_RANK,
  setStoryHeld,
  setStoryPick,
  storyListItem,
} from "../stories/story-admin.js";
import {
  type CorrectionDeps,
  type CorrectionResult,
  correctionSummary,
  correctStory,
} from "../stories/story-correction.js";
import { adminRoute, bad, callerOf, jsonBody, optionalString, unlessStopped } from "./admin-request.js";
import { jsonObjectBody } from "./audit-entry.js";
import type { ApiContext } from "./context.js";
import type { Route } from "./router.js";
import { type HttpRequest, type HttpResponse, jsonResponse } from "./types.js";

/**
 * PATCH /admin/stories/{id}: an editor's change to one story (the same core functions as `digest
 * stories hold|release|lead|rank`). Apart from the other story routes because a corrected headline is
 * read as an imported one is (the story parsers): deployed, the story-import function answers it.
 */

/**
 * What the route reads of the API context: the stories; the editions (a story of an edition awaiting
 * approval is corrected in it too); where the renderer is (locally), the edition's re-rendering.
 */
export type StoryEditContext = Pick<ApiContext, "stories" | "clock" | "rerenderEdition"> & {
  editions: CorrectionDeps["editions"];
};

const FIELDS = ["held", "lead", "rank", "headline", "excerpt"] as const;

const noStory = (id: string) => `no story ${id}`;

const inEdition = (id: string, editionId: string): HttpResponse =>
  jsonResponse(409, {
    error: `story ${id} is already in edition ${editionId}: changing it now changes nothing`,
    editionId,
  });

/** A correction refused: the story's edition was released (or is past approval) already. */
const correctionRefused = (id: string, editionId: string, status: string | null): HttpResponse =>
  jsonResponse(409, {
    error:
      status === null
        ? `story ${id} is already in edition ${editionId}: changing it now changes nothing`
        : `story ${id} is in edition ${editionId}, which is ${status}: only a story of an edition ` +
          "awaiting approval can be corrected (what went out stays as it went)",
    editionId,
    ...(status ? { status } : {}),
  });

/**
 * `held` (true holds it back, false releases it), `lead` (true picks it as its day's lead, false
 * unpicks it), `rank` (its order in its section, 1 first; null clears it), `headline` and `excerpt`
 * (an editor's correction, cleaned and capped as imported text is; null takes it back), any of them.
 * 200 the story as listed (with `notices` when a correction was cut to fit, and `edition: {id, stale}`
 * for a correction of a story of an edition awaiting approval: stale until its copy is rendered
 * again, at once where this process has the renderer); 409 when the story is already in an edition
 * (frozen: the change would change nothing), but for a correction while that edition awaits approval.
 */
const editStoryRoute = adminRoute<StoryEditContext>(
  "PATCH",
  "/admin/stories/{id}",
  async (req, params, ctx) => {
    const id = params.id ?? "";
    const body = jsonBody(req, FIELDS);
    if (FIELDS.every((f) => body[f] === undefined)) bad("body", `send ${FIELDS.join(", ")}`);
    if (body.held !== undefined && typeof body.held !== "boolean") bad("held", "held must be true or false");
    if (body.lead !== undefined && typeof body.lead !== "boolean") bad("lead", "lead must be true or false");
    const rank = body.rank;
    if (
      rank !== undefined &&
      rank !== null &&
      (typeof rank !== "number" || !Number.isInteger(rank) || rank < 1 || rank > MAX_RANK)
    ) {
      bad("rank", `rank must be a whole number from 1 to ${MAX_RANK}, or null`);
    }
    const headline = optionalString(body, "headline");
    const excerpt = optionalString(body, "excerpt");

    // The correction first: a text it refuses (400) then changes nothing else either.
    let corrected: CorrectionResult | null = null;
    if (headline !== undefined || excerpt !== undefined) {
      // A story in an edition may still be corrected (while the edition awaits approval), never held
      // or picked: a request asking for both is refused before the correction is written.
      const picks = body.held !== undefined || body.lead !== undefined || rank !== undefined;
      const frozenIn = picks ? (await ctx.stories.get(id))?.editionId : null;
      if (frozenIn) return inEdition(id, frozenIn);
      const by = req.caller ? callerOf(req).email : null;
      corrected = await correctStory(ctx, id, { headline, excerpt }, ctx.clock(), by);
      unlessStopped(corrected, noStory(id));
      if (corrected.outcome === "in-edition")
        return correctionRefused(id, corrected.editionId, corrected.status);
      if (corrected.outcome === "changed" && corrected.edition && ctx.rerenderEdition) {
        const rendered = await ctx.rerenderEdition(corrected.edition.id);
        corrected.edition.stale = rendered?.staleSince !== undefined;
      }
    }
    let result: HoldResult | null = null;
    const stopped = () => result?.outcome === "in-edition" || result?.outcome === "not-found";
    if (body.held !== undefined) result = await setStoryHeld(ctx.stories, id, body.held as boolean);
    if (!stopped() && (body.lead !== undefined || rank !== undefined)) {
      const change = {
        ...(body.lead !== undefined ? { lead: body.lead as boolean } : {}),
        ...(rank !== undefined ? { rank: rank as number | null } : {}),
      };
      result = await setStoryPick(ctx.stories, id, change, ctx.clock());
    }
    if (result) {
      unlessStopped(result, noStory(id));
      if (result.outcome === "in-edition") return inEdition(id, result.editionId);
    }
    if (corrected) {
      const { before, notices } = corrected;
      // Held or picked after the correction: the story as it is now.
      const story = result?.story ?? corrected.story;
      const edition = corrected.outcome === "changed" ? corrected.edition : undefined;
      const answer = jsonResponse(200, {
        ...storyListItem(story),
        ...(notices.length ? { notices } : {}),
        ...(edition ? { edition } : {}),
      });
      if (corrected.outcome === "unchanged") return answer;
      return { ...answer, audit: { summary: `${correctionSummary(before, story)} → 200` } };
    }
    if (result === null) return bad("body", `send ${FIELDS.join(", ")}`);
    return jsonResponse(200, storyListItem(result.story));
  },
  { role: "editor", audit: { action: storyEditAction } },
);

/** story.hold or story.release when `held` is set, story.correct for a headline or excerpt, else story.pick. */
function storyEditAction(req: HttpRequest): string {
  const body = jsonObjectBody(req);
  if (body?.held === true) return "story.hold";
  if (body?.held === false) return "story.release";
  return body?.headline !== undefined || body?.excerpt !== undefined ? "story.correct" : "story.pick";
}

/** The story edit route. */
export const storyEditRoutes: Route<StoryEditContext>[] = [editStoryRoute];

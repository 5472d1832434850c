import { dayInZone, isDay } from "../kernel/dates.js";
import {
  type HoldResult,
  listStoriesOfDay,
  MAX_RANK,
  removeStory,
  setStoryHeld,
  setStoryPick,
  storyListItem,
} from "../stories/story-admin.js";
import { adminRoute, bad, jsonBody, unlessStopped } from "./admin-request.js";
import { jsonObjectBody } from "./audit-entry.js";
import type { ApiContext } from "./context.js";
import type { Route } from "./router.js";
import { type HttpRequest, jsonResponse } from "./types.js";

/**
 * The admin API's story routes: list a day, remove one, hold or release it, pick it as its day's lead,
 * set its order (the same core functions as `digest stories …`). Importing a body of stories is in
 * admin-story-import-routes.ts.
 */

const noStory = (id: string) => `no story ${id}`;

const listStoriesRoute = adminRoute(
  "GET",
  "/admin/stories",
  async (req, _params, ctx) => {
    const date = req.query.date || dayInZone(ctx.clock(), ctx.config.timeZone);
    if (!isDay(date)) bad("date", "date must be a day as YYYY-MM-DD");
    // One Query returns the whole day: there is no next page.
    return jsonResponse(200, { items: await listStoriesOfDay(ctx.stories, date), nextCursor: null });
  },
  { role: "viewer" },
);

const removeStoryRoute = adminRoute(
  "DELETE",
  "/admin/stories/{id}",
  async (_req, params, ctx) => {
    const id = params.id ?? "";
    const result = await removeStory(ctx.stories, id);
    unlessStopped(result, noStory(id));
    if (result.outcome === "in-edition") {
      const { editionId } = result;
      const error = `story ${id} went out in edition ${editionId}: kept, since the emails that carried it link to it`;
      return jsonResponse(409, { error, editionId });
    }
    return jsonResponse(200, { removed: true, id });
  },
  { role: "editor", audit: { action: "story.remove" } },
);

/**
 * PATCH /admin/stories/{id}: `held` (true holds it back, false releases it), `lead` (true picks it as its
 * day's lead, false unpicks it) and `rank` (its order in its section, 1 first; null clears it), any of
 * them. 409 when the story is already in an edition (frozen: the change would change nothing).
 */
const editStoryRoute = adminRoute(
  "PATCH",
  "/admin/stories/{id}",
  async (req, params, ctx) => {
    const id = params.id ?? "";
    const body = jsonBody(req, ["held", "lead", "rank"]);
    if (body.held === undefined && body.lead === undefined && body.rank === undefined) {
      bad("body", "send held, lead or rank");
    }
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
    let result: HoldResult | null = null;
    if (body.held !== undefined) result = await setStoryHeld(ctx.stories, id, body.held as boolean);
    const stopped = result?.outcome === "in-edition" || result?.outcome === "not-found";
    if (!stopped && (body.lead !== undefined || rank !== undefined)) {
      const change = {
        ...(body.lead !== undefined ? { lead: body.lead as boolean } : {}),
        ...(rank !== undefined ? { rank: rank as number | null } : {}),
      };
      result = await setStoryPick(ctx.stories, id, change, ctx.clock());
    }
    if (result === null) return bad("body", "send held, lead or rank");
    unlessStopped(result, noStory(id));
    if (result.outcome === "in-edition") {
      const { editionId } = result;
      const error = `story ${id} is already in edition ${editionId}: changing it now changes nothing`;
      return jsonResponse(409, { error, editionId });
    }
    return jsonResponse(200, storyListItem(result.story));
  },
  { role: "editor", audit: { action: storyEditAction } },
);

/** story.hold or story.release when `held` is set, else story.pick (lead, rank). */
function storyEditAction(req: HttpRequest): string {
  const held = jsonObjectBody(req)?.held;
  return held === true ? "story.hold" : held === false ? "story.release" : "story.pick";
}

/** The story routes. */
export const storyRoutes: Route<ApiContext>[] = [listStoriesRoute, removeStoryRoute, editStoryRoute];

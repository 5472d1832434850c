import { dayInZone, isDay } from "../kernel/dates.js";
import {
  acceptedStoryMediaTypes,
  type HoldResult,
  importStoryBody,
  listStoriesOfDay,
  MAX_RANK,
  removeStory,
  setStoryHeld,
  setStoryPick,
  storyExtensionFor,
  storyListItem,
} from "../stories/story-admin.js";
import { adminRoute, bad, jsonBody, MAX_IMPORT_REPORTS, unlessStopped } from "./admin-request.js";
import type { ApiContext } from "./context.js";
import type { Route } from "./router.js";
import { HttpError, jsonResponse } from "./types.js";

/**
 * The admin API's story routes: import a body of stories, list a day, remove one, hold or release it,
 * pick it as its day's lead, set its order (the same core functions as `digest stories …`).
 */

const noStory = (id: string) => `no story ${id}`;

/** Largest story import body: under the 6 MB a Lambda invocation's payload may carry. */
export const MAX_STORY_BODY_BYTES = 5 * 1024 * 1024;

/** Import options a POST /admin/stories takes as query parameters (the flags of `digest stories import`). */
const STORY_IMPORT_OPTIONS = ["url", "publishedAt", "section", "source"] as const;

/**
 * The field a story problem names ("headline: required" → headline, a page with "no headline: …" →
 * headline), else the body as a whole.
 */
const problemField = (reason: string) =>
  /^(\w+): /.exec(reason)?.[1] ?? /^no (headline|body)\b/.exec(reason)?.[1] ?? "body";

const importStoriesRoute = adminRoute("POST", "/admin/stories", async (req, _params, ctx) => {
  const mediaType = (req.headers["content-type"] ?? "").split(";")[0]?.trim().toLowerCase() ?? "";
  const extension = storyExtensionFor(mediaType);
  if (!extension) {
    throw new HttpError(
      415,
      `cannot import stories from ${mediaType || "a body without a content type"} ` +
        `(send one of: ${acceptedStoryMediaTypes().join(", ")})`,
    );
  }
  if (Buffer.byteLength(req.body) > MAX_STORY_BODY_BYTES) {
    throw new HttpError(413, `the body is larger than ${MAX_STORY_BODY_BYTES} bytes: send fewer stories`);
  }
  for (const key of Object.keys(req.query)) {
    if (!(STORY_IMPORT_OPTIONS as readonly string[]).includes(key))
      bad(key, `unknown parameter ${key} (allowed: ${STORY_IMPORT_OPTIONS.join(", ")})`);
  }
  const report = await importStoryBody(ctx.stories, extension, req.body, {
    defaults: {
      url: req.query.url,
      publishedAt: req.query.publishedAt,
      section: req.query.section,
      source: req.query.source,
    },
    timeZone: ctx.config.timeZone,
    now: ctx.clock(),
  });
  const { imported, updated, skipped, invalid } = report.counts;
  const answer = {
    imported,
    updated,
    skipped,
    invalid,
    problems: report.problems.slice(0, MAX_IMPORT_REPORTS),
    ...(report.problems.length > MAX_IMPORT_REPORTS
      ? { problemsOmitted: report.problems.length - MAX_IMPORT_REPORTS }
      : {}),
    notices: report.notices.slice(0, MAX_IMPORT_REPORTS),
    ids: report.storyIds,
  };
  const first = report.problems[0];
  if (imported + updated + skipped === 0) {
    // Nothing valid was sent: say what is wrong with the first record, and list every problem.
    const error = first ? `line ${first.line}: ${first.reason}` : "the body holds no story";
    return jsonResponse(400, { error, field: first ? problemField(first.reason) : "body", ...answer });
  }
  return jsonResponse(200, answer);
});

const listStoriesRoute = adminRoute("GET", "/admin/stories", async (req, _params, ctx) => {
  const date = req.query.date || dayInZone(ctx.clock(), ctx.config.timeZone);
  if (!isDay(date)) bad("date", "date must be a day as YYYY-MM-DD");
  // One Query returns the whole day: there is no next page.
  return jsonResponse(200, { items: await listStoriesOfDay(ctx.stories, date), nextCursor: null });
});

const removeStoryRoute = adminRoute("DELETE", "/admin/stories/{id}", async (_req, params, ctx) => {
  const id = params.id ?? "";
  const result = await removeStory(ctx.stories, id);
  unlessStopped(result, noStory(id));
  if (result.outcome === "in-edition") {
    const { editionId } = result;
    const error = `story ${id} went out in edition ${editionId}: kept, since the emails that carried it link to it`;
    return jsonResponse(409, { error, editionId });
  }
  return jsonResponse(200, { removed: true, id });
});

/**
 * PATCH /admin/stories/{id}: `held` (true holds it back, false releases it), `lead` (true picks it as its
 * day's lead, false unpicks it) and `rank` (its order in its section, 1 first; null clears it), any of
 * them. 409 when the story is already in an edition (frozen: the change would change nothing).
 */
const editStoryRoute = adminRoute("PATCH", "/admin/stories/{id}", async (req, params, ctx) => {
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
});

/** The story routes. */
export const storyRoutes: Route<ApiContext>[] = [
  { ...importStoriesRoute, maxBodyBytes: MAX_STORY_BODY_BYTES },
  listStoriesRoute,
  removeStoryRoute,
  editStoryRoute,
];

import { dayInZone, isDay } from "../kernel/dates.js";
import { listStoriesOfDay, removeStory, setStoryHeld, storyListItem } from "../stories/story-admin.js";
import { adminRoute, bad, jsonBody, unlessStopped } from "./admin-request.js";
import type { ApiContext } from "./context.js";
import type { Route } from "./router.js";
import { jsonResponse } from "./types.js";

/**
 * The admin API's story routes: list a day, remove, hold or release one (the same core functions as
 * `digest stories …`). Importing a body of stories is in admin-story-import-routes.ts.
 */

const noStory = (id: string) => `no story ${id}`;

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

const holdStoryRoute = adminRoute("PATCH", "/admin/stories/{id}", async (req, params, ctx) => {
  const id = params.id ?? "";
  const body = jsonBody(req, ["held"]);
  if (typeof body.held !== "boolean") bad("held", "held must be true or false");
  const result = await setStoryHeld(ctx.stories, id, body.held as boolean);
  unlessStopped(result, noStory(id));
  if (result.outcome === "in-edition") {
    const { editionId } = result;
    const error = `story ${id} is already in edition ${editionId}: holding it now changes nothing`;
    return jsonResponse(409, { error, editionId });
  }
  return jsonResponse(200, storyListItem(result.story));
});

/** The story routes. */
export const storyRoutes: Route<ApiContext>[] = [listStoriesRoute, removeStoryRoute, holdStoryRoute];

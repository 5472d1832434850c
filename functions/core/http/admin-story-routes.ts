import { dayInZone, isDay } from "../kernel/dates.js";
import { listStoriesOfDay, removeStory } from "../stories/story-admin.js";
import { adminRoute, bad, unlessStopped } from "./admin-request.js";
import type { ApiContext } from "./context.js";
import type { Route } from "./router.js";
import { jsonResponse } from "./types.js";

/**
 * The admin API's story routes the api function answers: list a day, remove one (the same core
 * functions as `digest stories …`). Changing one (hold, lead, order, a corrected headline) is in
 * admin-story-edit-routes.ts and importing a body of stories in admin-story-import-routes.ts: they
 * load the story parsers, so deployed the story-import function answers them.
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

/** The story routes. */
export const storyRoutes: Route<ApiContext>[] = [listStoriesRoute, removeStoryRoute];

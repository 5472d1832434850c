import { editionPreviewRoutes } from "./admin-edition-preview-routes.js";
import { editionRoutes } from "./admin-edition-routes.js";
import { jobRoutes } from "./admin-job-routes.js";
import { storyRoutes } from "./admin-story-routes.js";
import { subscriberRoutes } from "./admin-subscriber-routes.js";
import { suppressionRoutes } from "./admin-suppression-routes.js";
import { teamRoutes } from "./admin-team-routes.js";
import type { ApiContext } from "./context.js";
import type { Route } from "./router.js";

/**
 * The admin API, all but its story import (`POST /admin/stories`, in admin-story-import-routes.ts: it
 * loads the story parsers, so deployed it is a function of its own, and `digest serve` adds it).
 * Every route is marked admin, so the router's single check guards it (locally a bearer token,
 * deployed IAM or JWT). Handlers only parse the request and map the result: every operation is the
 * same core function `digest subscribers …` and `digest editions …` call. Errors answer JSON
 * `{error, field?}`: 400 names the field, 404 unknown, 409 a refused state change. Literal paths
 * first. The imports read large bodies; every other route the router's 1 MB default. The routes
 * themselves are in admin-subscriber-routes.ts, admin-edition-routes.ts and admin-story-routes.ts;
 * what they share in admin-request.ts.
 */
export const adminRoutes: Route<ApiContext>[] = [
  ...jobRoutes,
  ...subscriberRoutes,
  ...suppressionRoutes,
  ...editionRoutes,
  ...editionPreviewRoutes,
  ...storyRoutes,
  ...teamRoutes,
];

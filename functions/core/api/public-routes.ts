import type { Route } from "../http/router.js";
import type { ApiContext } from "./context.js";

/** Public routes: sign-up, confirmation, one-click unsubscribe, preferences. */
export const publicRoutes: Route<ApiContext>[] = [];

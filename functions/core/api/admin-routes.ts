import type { Route } from "../http/router.js";
import type { ApiContext } from "./context.js";

/** Admin routes: every one is marked admin, so the router's single check guards it. */
export const adminRoutes: Route<ApiContext>[] = [];

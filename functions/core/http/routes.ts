import { adminRoutes } from "./admin-routes.js";
import type { ApiContext } from "./context.js";
import { errorPage } from "./pages/error.js";
import { publicRoutes } from "./public-routes.js";
import { type AdminAuth, createRouter, type HttpHandler } from "./router.js";
import type { HttpRequest } from "./types.js";

/** The whole HTTP API: public pages and the admin API, behind one router and one admin check. */
export function createApi(
  context: ApiContext,
  adminAuth: AdminAuth,
  onError?: (err: unknown, req: HttpRequest) => void,
): HttpHandler {
  return createRouter([...publicRoutes, ...adminRoutes], {
    context,
    adminAuth,
    onError,
    renderError: (status, message) => errorPage(context.config, status, message),
  });
}

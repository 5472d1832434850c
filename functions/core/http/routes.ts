import { adminRoutes } from "./admin-routes.js";
import type { ApiContext } from "./context.js";
import { errorPage } from "./pages/error.js";
import { publicRoutes } from "./public-routes.js";
import { type AdminAuth, createRouter, type HttpHandler, type Route } from "./router.js";
import type { HttpRequest } from "./types.js";

/**
 * What the api function answers: the public pages and the admin API, all but the story import
 * (`storyImportRoutes`, admin-story-import-routes.ts), which deployed is the story-import function's:
 * it loads the story parsers, and the function that answers readers' clicks should not carry them.
 * `digest serve` answers both sets in one process.
 */
export const apiFunctionRoutes: Route<ApiContext>[] = [...publicRoutes, ...adminRoutes];

/** The HTTP API over `routes`, behind one router and one admin check; public errors as pages. */
export function createApi(
  routes: Route<ApiContext>[],
  context: ApiContext,
  adminAuth: AdminAuth,
  onError?: (err: unknown, req: HttpRequest) => void,
): HttpHandler {
  return createRouter(routes, {
    context,
    adminAuth,
    onError,
    renderError: (status, message) => errorPage(context.config, status, message),
    audit: context.audit ? (entry) => context.audit?.record(entry) ?? Promise.resolve() : null,
    clock: context.clock,
  });
}

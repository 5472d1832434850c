import { HttpError, type HttpRequest, type HttpResponse, jsonResponse } from "./types.js";

/**
 * One router for every HTTP entry point. Routes are matched by method and path pattern; routes marked
 * `admin` pass the single admin authorisation check here, nowhere else.
 */

export type AdminAuthResult = "ok" | "missing" | "denied";
/** Decides whether a request carries admin credentials: none → 401, wrong → 403. */
export type AdminAuth = (req: HttpRequest) => AdminAuthResult;

export interface Route<C> {
  method: string;
  /** Literal segments and {params}, e.g. "/admin/subscribers/{email}". */
  pattern: string;
  admin?: boolean;
  handle(req: HttpRequest, params: Record<string, string>, ctx: C): Promise<HttpResponse>;
}

export interface RouterOptions<C> {
  adminAuth: AdminAuth;
  /** How a 4xx from a public (non-admin) route is shown; admin routes always answer JSON. */
  renderError?: (status: number, message: string, req: HttpRequest) => HttpResponse;
  onError?: (err: unknown, req: HttpRequest) => void;
  context: C;
}

function match(pattern: string, path: string): Record<string, string> | null {
  const want = pattern.split("/").filter(Boolean);
  const got = path.split("/").filter(Boolean);
  if (want.length !== got.length) return null;
  const params: Record<string, string> = {};
  for (let i = 0; i < want.length; i++) {
    const w = want[i] as string;
    const g = got[i] as string;
    if (w.startsWith("{") && w.endsWith("}")) {
      try {
        params[w.slice(1, -1)] = decodeURIComponent(g);
      } catch {
        return null;
      }
    } else if (w !== g) {
      return null;
    }
  }
  return params;
}

export function createRouter<C>(
  routes: Route<C>[],
  options: RouterOptions<C>,
): (req: HttpRequest) => Promise<HttpResponse> {
  return async (req) => {
    const method = req.method.toUpperCase() === "HEAD" ? "GET" : req.method.toUpperCase();
    let allowed: string[] = [];
    for (const route of routes) {
      const params = match(route.pattern, req.path);
      if (!params) continue;
      if (route.method !== method) {
        allowed.push(route.method);
        continue;
      }
      const isAdmin = Boolean(route.admin);
      try {
        if (isAdmin) {
          const auth = options.adminAuth(req);
          if (auth === "missing") {
            return jsonResponse(
              401,
              { error: "authentication required" },
              { "www-authenticate": 'Bearer realm="digest admin"' },
            );
          }
          if (auth === "denied") return jsonResponse(403, { error: "not allowed" });
        }
        return await route.handle(req, params, options.context);
      } catch (err) {
        if (err instanceof HttpError) {
          if (isAdmin || !options.renderError) {
            return jsonResponse(
              err.status,
              err.field ? { error: err.message, field: err.field } : { error: err.message },
            );
          }
          return options.renderError(err.status, err.message, req);
        }
        options.onError?.(err, req);
        return isAdmin || !options.renderError
          ? jsonResponse(500, { error: "internal error" })
          : options.renderError(500, "Something went wrong on our side. Please try again later.", req);
      }
    }
    allowed = [...new Set(allowed)];
    if (allowed.length > 0)
      return {
        ...jsonResponse(405, { error: "method not allowed" }),
        headers: { allow: allowed.join(", ") },
      };
    const notFound = "not found";
    return req.path.startsWith("/admin/") || !options.renderError
      ? jsonResponse(404, { error: notFound })
      : options.renderError(404, "This page does not exist.", req);
  };
}

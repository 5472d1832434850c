import type { Phrase } from "../kernel/i18n/index.js";
import type { AuditEntry } from "../team/ports.js";
import { type Caller, hasRole, type Role, refusal } from "../team/roles.js";
import { auditEntryFor } from "./audit-entry.js";
import { HttpError, type HttpRequest, type HttpResponse, jsonResponse } from "./types.js";

/**
 * One router for every HTTP entry point. Routes are matched by method and path pattern; routes marked
 * `admin` pass the single admin authorisation check here, nowhere else: the caller's credentials, then
 * the route's least role. Every admin write that succeeded is recorded in the audit log here too.
 */

export type AdminAuthResult = { caller: Caller } | "missing" | "denied";
/** Decides who the caller is: no credentials → 401, credentials not valid → 403 (admin-auth.ts). */
export type AdminAuth = (req: HttpRequest) => Promise<AdminAuthResult>;

/** How an admin write is named in the audit log. */
export interface RouteAudit {
  /** Dotted, e.g. "subscriber.add"; a function when the request decides (erase or unsubscribe). */
  action: string | ((req: HttpRequest) => string);
  /** The id it touched; the route's first path parameter unless given. */
  target?: (params: Record<string, string>, body: Record<string, unknown> | null) => string;
}

export interface Route<C> {
  method: string;
  /** Literal segments and {params}, e.g. "/admin/subscribers/{email}". */
  pattern: string;
  admin?: boolean;
  /** The least role that may call this admin route (owner unless set: a route that forgot is not open). */
  role?: Role;
  /** An admin route anyone may call (the sign-in code exchange): JSON errors, no credentials checked. */
  anonymous?: boolean;
  /** How its writes are named in the audit log (non-GET admin routes). */
  audit?: RouteAudit;
  /** Largest request body this route reads; DEFAULT_MAX_BODY_BYTES unless set (imports set their own). */
  maxBodyBytes?: number;
  handle(req: HttpRequest, params: Record<string, string>, ctx: C): Promise<HttpResponse>;
}

export interface RouterOptions<C> {
  adminAuth: AdminAuth;
  /** How a 4xx from a public (non-admin) route is shown; admin routes always answer JSON. */
  renderError?: (status: number, message: string | Phrase, req: HttpRequest) => HttpResponse;
  onError?: (err: unknown, req: HttpRequest) => void;
  /** Records an admin write (absent: nothing is recorded, e.g. a test's own router). */
  audit?: ((entry: AuditEntry) => Promise<void>) | null;
  /** The audit log's clock (tests shift it). */
  clock?: () => Date;
  context: C;
}

/** Largest body a route reads unless it says otherwise: forms and JSON are small. */
export const DEFAULT_MAX_BODY_BYTES = 1024 * 1024;

/**
 * The request handler every entry point calls. Its body policy lets a server that streams the body
 * (`digest serve`) stop reading at the matched route's limit and answer 413 before buffering the rest.
 */
export interface HttpHandler {
  (req: HttpRequest): Promise<HttpResponse>;
  /** The largest body the route matching `method` and `path` reads (the default when none matches). */
  bodyLimit(method: string, path: string): number;
  /** The 413 answer for a body over that limit: JSON for admin routes, a page for public ones. */
  tooLarge(method: string, path: string): HttpResponse;
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

/**
 * Records an entry; a failure to record is reported (onError) but does not turn the write that
 * already happened into an error its caller would retry.
 */
async function recordQuietly<C>(options: RouterOptions<C>, entry: AuditEntry, req: HttpRequest) {
  try {
    await options.audit?.(entry);
  } catch (err) {
    options.onError?.(err, req);
  }
}

const methodOf = (method: string) => (method.toUpperCase() === "HEAD" ? "GET" : method.toUpperCase());

export function createRouter<C>(routes: Route<C>[], options: RouterOptions<C>): HttpHandler {
  const routeFor = (method: string, path: string) =>
    routes.find((r) => r.method === methodOf(method) && match(r.pattern, path) !== null);
  const bodyLimit = (method: string, path: string) =>
    routeFor(method, path)?.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  const tooLarge = (method: string, path: string): HttpResponse => {
    const limit = bodyLimit(method, path);
    const message = `the body is larger than ${limit} bytes`;
    if (path.startsWith("/admin/") || !options.renderError) return jsonResponse(413, { error: message });
    return options.renderError(
      413,
      { key: "error.tooLarge", params: { limit: String(limit) } },
      {
        method,
        path,
        query: {},
        headers: {},
        body: "",
        sourceIp: null,
      },
    );
  };

  const handle = async (req: HttpRequest): Promise<HttpResponse> => {
    const method = methodOf(req.method);
    let allowed: string[] = [];
    for (const route of routes) {
      const params = match(route.pattern, req.path);
      if (!params) continue;
      if (route.method !== method) {
        allowed.push(route.method);
        continue;
      }
      const isAdmin = Boolean(route.admin);
      // A server that buffered the body already (API Gateway) still gets the route's limit.
      if (Buffer.byteLength(req.body) > (route.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES)) {
        return tooLarge(req.method, req.path);
      }
      try {
        if (isAdmin && !route.anonymous) {
          const auth = await options.adminAuth(req);
          if (auth === "missing") {
            return jsonResponse(
              401,
              { error: "authentication required" },
              { "www-authenticate": 'Bearer realm="digest admin"' },
            );
          }
          if (auth === "denied") return jsonResponse(403, { error: "not allowed" });
          const need = route.role ?? "owner";
          if (!hasRole(auth.caller.role, need))
            return jsonResponse(403, { error: refusal(need, auth.caller.role), need });
          req.caller = auth.caller;
        }
        const response = await route.handle(req, params, options.context);
        if (isAdmin && method !== "GET" && response.status < 400 && options.audit) {
          const entry = auditEntryFor(route, req, params, response, options.clock?.() ?? new Date());
          if (entry) await recordQuietly(options, entry, req);
        }
        const { audit: _audit, ...answer } = response;
        return answer;
      } catch (err) {
        if (err instanceof HttpError) {
          if (isAdmin || !options.renderError) {
            return jsonResponse(
              err.status,
              err.field ? { error: err.message, field: err.field } : { error: err.message },
            );
          }
          return options.renderError(err.status, err.phrase ?? err.message, req);
        }
        options.onError?.(err, req);
        return isAdmin || !options.renderError
          ? jsonResponse(500, { error: "internal error" })
          : options.renderError(500, { key: "error.internal" }, req);
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
      : options.renderError(404, { key: "error.noPage" }, req);
  };
  return Object.assign(handle, { bodyLimit, tooLarge });
}

import { normalizeEmail, parseSections } from "../subscribers/subscribers.js";
import type { Caller, Role } from "../team/roles.js";
import type { ApiContext } from "./context.js";
import type { Route, RouteAudit } from "./router.js";
import { HttpError, type HttpRequest } from "./types.js";

/**
 * What every admin route does with a request before and after it calls the core: query parameters and
 * JSON bodies read strictly (a typo is a 400 naming the field), and the core's outcome mapped to an
 * answer (unlessStopped).
 */

/** Most problems listed in an import answer; the counts stay exact. */
export const MAX_IMPORT_REPORTS = 1000;

export function bad(field: string, message: string): never {
  throw new HttpError(400, message, field);
}

/** An optional query parameter from a fixed set of values. */
export function queryChoice<T extends string>(
  req: HttpRequest,
  name: string,
  choices: readonly T[],
): T | undefined {
  const value = req.query[name];
  if (value === undefined || value === "") return undefined;
  if (!(choices as readonly string[]).includes(value))
    bad(name, `${name} must be one of ${choices.join(", ")}`);
  return value as T;
}

export function queryInt(req: HttpRequest, name: string, min: number, max: number, fallback: number): number {
  const value = req.query[name];
  if (value === undefined || value === "") return fallback;
  const n = Number(value);
  if (!/^\d+$/.test(value) || n < min || n > max)
    bad(name, `${name} must be a whole number from ${min} to ${max}`);
  return n;
}

export function queryBool(req: HttpRequest, name: string): boolean {
  const value = req.query[name];
  if (value === undefined || value === "" || value === "false" || value === "0") return false;
  if (value === "true" || value === "1") return true;
  return bad(name, `${name} must be true or false`);
}

/** The JSON object body of a POST/PATCH; only `allowed` fields (a typo is an error, not silently ignored). */
export function jsonBody(req: HttpRequest, allowed: readonly string[]): Record<string, unknown> {
  const type = (req.headers["content-type"] ?? "").toLowerCase();
  if (!type.includes("application/json"))
    throw new HttpError(415, "send a JSON body (content-type: application/json)");
  let value: unknown;
  try {
    value = JSON.parse(req.body || "{}");
  } catch {
    throw new HttpError(400, "the body is not valid JSON", "body");
  }
  if (value === null || typeof value !== "object" || Array.isArray(value))
    bad("body", "the body must be a JSON object");
  const body = value as Record<string, unknown>;
  for (const key of Object.keys(body)) {
    if (!allowed.includes(key)) bad(key, `unknown field ${key} (allowed: ${allowed.join(", ")})`);
  }
  return body;
}

/** deliveryHour: a whole hour 0–23, or null for the configured default. */
export function optionalHour(body: Record<string, unknown>): number | null | undefined {
  const value = body.deliveryHour;
  if (value === undefined || value === null) return value;
  if (typeof value !== "number" || !Number.isInteger(value) || value < 0 || value > 23) {
    bad("deliveryHour", "deliveryHour must be a whole hour from 0 to 23, or null");
  }
  return value as number;
}

export function optionalString(
  body: Record<string, unknown>,
  name: string,
  nullable = true,
): string | null | undefined {
  const value = body[name];
  if (value === undefined) return undefined;
  if (value === null && nullable) return null;
  if (typeof value !== "string") bad(name, `${name} must be a string${nullable ? " or null" : ""}`);
  return value;
}

/** sections: an array of names, or one string split on ';' or ','; null or [] means all sections. */
export function optionalSections(body: Record<string, unknown>): string[] | undefined {
  const value = body.sections;
  if (value === undefined) return undefined;
  if (value === null) return [];
  if (typeof value === "string") return parseSections(value);
  if (Array.isArray(value) && value.every((v) => typeof v === "string"))
    return parseSections(value.join(";"));
  return bad("sections", "sections must be an array of section names");
}

/** The subscriber address from the path, normalised; a malformed one is a 400, an unknown one a 404. */
export function pathEmail(params: Record<string, string>): string {
  const normalized = normalizeEmail(params.email ?? "");
  if ("error" in normalized) bad("email", normalized.error);
  return normalized.email;
}

/** Who may call an admin route (its least role) and how its writes are named in the audit log. */
export interface RouteAccess {
  role: Role;
  audit?: RouteAudit;
}

/**
 * An admin route: `handle` parses the request, calls the core and maps its outcome to an answer. `C`:
 * the part of the API context it reads (a function that serves only this route builds only that).
 * `access`: its least role (the router refuses a caller below it) and its audit name; a route without
 * a role is the owner's.
 */
export function adminRoute<C = ApiContext>(
  method: string,
  pattern: string,
  handle: Route<C>["handle"],
  access?: RouteAccess,
): Route<C> {
  return { method, pattern, admin: true, handle, ...access };
}

/** The caller the router authenticated (every admin route but the anonymous ones has one). */
export function callerOf(req: HttpRequest): Caller {
  if (!req.caller) throw new Error("no caller on an admin request: the router's auth check did not run");
  return req.caller;
}

/** Where consent evidence says an admin action came from: the caller's own note, the caller, the IP. */
export function consentSource(req: HttpRequest, what: string, given: string | null | undefined): string {
  const caller = req.caller;
  const who = caller ? `${caller.email} (${caller.via})` : "an unknown caller";
  const via = `${what} by ${who} from ${req.sourceIp ?? "unknown address"}`;
  return given?.trim() ? `${given.trim().slice(0, 200)} (${via})` : via;
}

/** Core outcomes that stop an admin action, whichever operation it was. */
type Stopped =
  | { outcome: "not-found" }
  | { outcome: "invalid"; field: string; error: string }
  | { outcome: "refused"; reason: string }
  | { outcome: "conflict" | "failed"; error: string };

/**
 * Returns when the core's `result` went through; otherwise throws its answer: 404 `missing` when there
 * is no such thing, 400 naming the field, 409 with the reason a state change was refused or conflicts,
 * 502 when a message the action needed could not be sent.
 */
export function unlessStopped<R extends { outcome: string }>(
  result: R,
  missing = "not found",
): asserts result is Exclude<R, Stopped> {
  const stopped = result as unknown as Stopped;
  switch (stopped.outcome) {
    case "not-found":
      throw new HttpError(404, missing);
    case "invalid":
      throw new HttpError(400, stopped.error, stopped.field);
    case "refused":
      throw new HttpError(409, stopped.reason);
    case "conflict":
      throw new HttpError(409, stopped.error);
    case "failed":
      throw new HttpError(502, stopped.error);
  }
}

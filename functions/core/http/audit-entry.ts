import { randomUUID } from "node:crypto";
import { type AuditEntry, auditTarget } from "../team/ports.js";
import type { Route } from "./router.js";
import type { HttpRequest, HttpResponse } from "./types.js";

/**
 * The audit entry of an admin write that went through: who (the router's caller), what (the route's
 * `audit.action`, else its method and pattern), which target, and a short summary: the fields the
 * request set — values only of fields that are neither personal nor secret — and the answer's
 * status, or the route's own before/after. Never a token, a secret or the body verbatim.
 */

/** Fields whose values are shown in a summary: settings, never personal data or secrets. */
const SHOWN_VALUES = new Set([
  "role",
  "status",
  "held",
  "lead",
  "rank",
  "deliveryHour",
  "timezone",
  "sections",
  "section",
  "reason",
  "format",
  "pending",
  "erase",
  "includeRejected",
]);
const MAX_SUMMARY = 300;

/** The JSON object body, or null when the body is no JSON object (CSV, a story file, none). */
export function jsonObjectBody(req: HttpRequest): Record<string, unknown> | null {
  if (!(req.headers["content-type"] ?? "").toLowerCase().includes("application/json")) return null;
  try {
    const value = JSON.parse(req.body || "null") as unknown;
    return value && typeof value === "object" && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : null;
  } catch {
    return null;
  }
}

function shown(key: string, value: unknown): string {
  if (!SHOWN_VALUES.has(key)) return key;
  const text = Array.isArray(value) ? value.join(";") : String(value);
  return `${key}=${text.slice(0, 60)}`;
}

/** "set name, role=editor; erase=true → 200", or for a file body "text/csv, 1234 bytes → 200". */
export function requestSummary(
  req: HttpRequest,
  body: Record<string, unknown> | null,
  status: number,
): string {
  const parts: string[] = [];
  if (body && Object.keys(body).length > 0)
    parts.push(
      `set ${Object.entries(body)
        .map(([k, v]) => shown(k, v))
        .join(", ")}`,
    );
  else if (req.body) {
    const type = (req.headers["content-type"] ?? "no content type").split(";")[0];
    parts.push(`${type}, ${Buffer.byteLength(req.body)} bytes`);
  }
  const query = Object.entries(req.query).filter(([k]) => k !== "cursor");
  if (query.length > 0) parts.push(query.map(([k, v]) => shown(k, v)).join(", "));
  return `${parts.join("; ")}${parts.length ? " " : ""}→ ${status}`;
}

export function auditEntryFor<C>(
  route: Route<C>,
  req: HttpRequest,
  params: Record<string, string>,
  response: HttpResponse,
  now: Date,
): AuditEntry | null {
  const caller = req.caller;
  if (!caller) return null;
  const body = jsonObjectBody(req);
  const named = route.audit?.action;
  const action =
    typeof named === "function" ? named(req) : (named ?? `${req.method.toUpperCase()} ${route.pattern}`);
  const target =
    response.audit?.target ?? route.audit?.target?.(params, body) ?? Object.values(params)[0] ?? "";
  const summary = response.audit?.summary ?? requestSummary(req, body, response.status);
  return {
    id: randomUUID(),
    at: now.toISOString(),
    actor: caller.email,
    via: caller.via,
    action,
    target: auditTarget(target),
    summary: summary.slice(0, MAX_SUMMARY),
  };
}

import { editionResending } from "../delivery/resend-failed.js";
import { cancelEdition, DEFAULT_EDITION_DAYS, MAX_EDITION_DAYS } from "../edition/edition-admin.js";
import { editionReportWithStats, listEditionsWithStats } from "../events/edition-stats-report.js";
import { dayInZone, parseDay } from "../kernel/dates.js";
import {
  acceptedStoryMediaTypes,
  importStoryBody,
  listStoriesOfDay,
  removeStory,
  setStoryHeld,
  storyExtensionFor,
  storyListItem,
} from "../stories/story-admin.js";
import { eraseSubscriber } from "../subscribers/erasure.js";
import {
  addSubscriber,
  findSubscriber,
  type SubscriberPatch,
  subscriberDetail,
  unsubscribeSubscriber,
  updateSubscriber,
} from "../subscribers/subscriber-admin.js";
import { SUBSCRIBER_CSV_HEADER, subscriberCsvLine } from "../subscribers/subscriber-csv.js";
import { type ImportReport, importSubscriberCsv } from "../subscribers/subscriber-import.js";
import {
  allSubscribers,
  InvalidCursorError,
  listSubscribers,
  MAX_PAGE_SIZE,
  resolveSectionFilter,
  type SubscriberFilter,
} from "../subscribers/subscriber-list.js";
import {
  normalizeEmail,
  parseSections,
  SUBSCRIBER_STATUSES,
  type SubscriberStatus,
  toView,
} from "../subscribers/subscribers.js";
import type { ApiContext } from "./context.js";
import type { Route } from "./router.js";
import { HttpError, type HttpRequest, jsonResponse, textResponse } from "./types.js";

/**
 * The admin API. Every route is marked admin, so the router's single check guards it (locally a
 * bearer token, deployed IAM or JWT). Handlers only parse the request and map the result: every
 * operation is the same core function `digest subscribers …` and `digest editions …` call.
 * Errors answer JSON `{error, field?}`: 400 names the field, 404 unknown, 409 a refused state change.
 */

/** Most problems listed in an import answer; the counts stay exact. */
export const MAX_IMPORT_REPORTS = 1000;

const DEFAULT_PAGE_SIZE = 100;

function bad(field: string, message: string): never {
  throw new HttpError(400, message, field);
}

/** An optional query parameter from a fixed set of values. */
function queryChoice<T extends string>(req: HttpRequest, name: string, choices: readonly T[]): T | undefined {
  const value = req.query[name];
  if (value === undefined || value === "") return undefined;
  if (!(choices as readonly string[]).includes(value))
    bad(name, `${name} must be one of ${choices.join(", ")}`);
  return value as T;
}

function queryInt(req: HttpRequest, name: string, min: number, max: number, fallback: number): number {
  const value = req.query[name];
  if (value === undefined || value === "") return fallback;
  const n = Number(value);
  if (!/^\d+$/.test(value) || n < min || n > max)
    bad(name, `${name} must be a whole number from ${min} to ${max}`);
  return n;
}

function queryBool(req: HttpRequest, name: string): boolean {
  const value = req.query[name];
  if (value === undefined || value === "" || value === "false" || value === "0") return false;
  if (value === "true" || value === "1") return true;
  return bad(name, `${name} must be true or false`);
}

/** status= and section= of list and export. */
function subscriberFilter(req: HttpRequest, ctx: ApiContext): SubscriberFilter {
  const status = queryChoice<SubscriberStatus>(req, "status", SUBSCRIBER_STATUSES);
  const raw = req.query.section?.trim();
  if (!raw) return { status };
  const resolved = resolveSectionFilter(raw, ctx);
  if ("outcome" in resolved) bad("section", resolved.error);
  return { status, section: resolved.section };
}

/** The JSON object body of a POST/PATCH; only `allowed` fields (a typo is an error, not silently ignored). */
function jsonBody(req: HttpRequest, allowed: readonly string[]): Record<string, unknown> {
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
function optionalHour(body: Record<string, unknown>): number | null | undefined {
  const value = body.deliveryHour;
  if (value === undefined || value === null) return value;
  if (typeof value !== "number" || !Number.isInteger(value) || value < 0 || value > 23) {
    bad("deliveryHour", "deliveryHour must be a whole hour from 0 to 23, or null");
  }
  return value as number;
}

function optionalString(
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
function optionalSections(body: Record<string, unknown>): string[] | undefined {
  const value = body.sections;
  if (value === undefined) return undefined;
  if (value === null) return [];
  if (typeof value === "string") return parseSections(value);
  if (Array.isArray(value) && value.every((v) => typeof v === "string"))
    return parseSections(value.join(";"));
  return bad("sections", "sections must be an array of section names");
}

/** The subscriber address from the path, normalised; a malformed one is a 400, an unknown one a 404. */
function pathEmail(params: Record<string, string>): string {
  const normalized = normalizeEmail(params.email ?? "");
  if ("error" in normalized) bad("email", normalized.error);
  return normalized.email;
}

function isDay(value: string): boolean {
  try {
    parseDay(value);
    return true;
  } catch {
    return false;
  }
}

/** An admin route: `handle` parses the request, calls the core and maps its outcome to an answer. */
function adminRoute(method: string, pattern: string, handle: Route<ApiContext>["handle"]): Route<ApiContext> {
  return { method, pattern, admin: true, handle };
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
function unlessStopped<R extends { outcome: string }>(
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

const noSubscriber = (email: string) => `${email} is not a subscriber`;
const noEdition = (id: string) => `no edition ${id}`;
const noStory = (id: string) => `no story ${id}`;

/** Where consent evidence says an admin action came from: the caller's own note, the principal, the IP. */
function consentSource(req: HttpRequest, what: string, given: string | null | undefined): string {
  const who = req.principal ? `${req.principal.kind} ${req.principal.id}` : "admin token";
  const via = `${what} by ${who} from ${req.sourceIp ?? "unknown address"}`;
  return given?.trim() ? `${given.trim().slice(0, 200)} (${via})` : via;
}

const listRoute = adminRoute("GET", "/admin/subscribers", async (req, _params, ctx) => {
  const filter = subscriberFilter(req, ctx);
  const limit = queryInt(req, "limit", 1, MAX_PAGE_SIZE, DEFAULT_PAGE_SIZE);
  try {
    const page = await listSubscribers(ctx, filter, req.query.cursor || null, limit);
    return jsonResponse(200, { items: page.items.map(toView), nextCursor: page.nextCursor });
  } catch (err) {
    if (err instanceof InvalidCursorError) bad("cursor", err.message);
    throw err;
  }
});

const addRoute = adminRoute("POST", "/admin/subscribers", async (req, _params, ctx) => {
  const body = jsonBody(req, ["email", "name", "sections", "timezone", "deliveryHour", "status", "source"]);
  const email = optionalString(body, "email", false);
  if (email === undefined) bad("email", "email is required");
  const status = body.status ?? "active";
  if (status !== "active" && status !== "pending") bad("status", "status must be active or pending");
  const result = await addSubscriber(ctx, {
    email: email as string,
    name: optionalString(body, "name"),
    sections: optionalSections(body),
    timezone: optionalString(body, "timezone"),
    deliveryHour: optionalHour(body),
    status,
    consent: {
      method: "admin",
      at: ctx.clock().toISOString(),
      source: consentSource(req, "added through the admin API", optionalString(body, "source")),
    },
  });
  unlessStopped(result);
  if ("blocked" in result) return jsonResponse(409, { error: result.note, reason: result.blocked });
  const detail = await subscriberDetail(ctx, result.subscriber);
  const location = `/admin/subscribers/${encodeURIComponent(detail.email)}`;
  return result.outcome === "imported" ? jsonResponse(201, detail, { location }) : jsonResponse(200, detail);
});

const importRoute = adminRoute("POST", "/admin/subscribers/import", async (req, _params, ctx) => {
  const type = (req.headers["content-type"] ?? "").toLowerCase();
  if (!/^(text\/csv|application\/csv|text\/plain)\b/.test(type)) {
    throw new HttpError(415, "send the CSV as the body with content-type: text/csv");
  }
  const pending = queryBool(req, "pending");
  const errors: { line: number; reason: string }[] = [];
  const notes: { line: number; reason: string }[] = [];
  let errorsOmitted = 0;
  let notesOmitted = 0;
  const onReport = (r: ImportReport) => {
    const list = r.kind === "invalid" || r.kind === "failed" ? errors : notes;
    if (list.length < MAX_IMPORT_REPORTS) list.push({ line: r.line, reason: r.reason });
    else if (list === errors) errorsOmitted++;
    else notesOmitted++;
  };
  let summary: Awaited<ReturnType<typeof importSubscriberCsv>>;
  try {
    summary = await importSubscriberCsv(ctx, req.body, {
      status: pending ? "pending" : "active",
      consent: {
        method: "import",
        at: ctx.clock().toISOString(),
        source: consentSource(req, "imported through the admin API", req.query.source),
      },
      onReport,
    });
  } catch (err) {
    // Only the header can stop an import before it starts; storage errors are 500s.
    if (/^the (header|file)/.test((err as Error).message)) bad("body", (err as Error).message);
    throw err;
  }
  return jsonResponse(200, {
    ...summary,
    errors,
    ...(errorsOmitted ? { errorsOmitted } : {}),
    notes,
    ...(notesOmitted ? { notesOmitted } : {}),
  });
});

const exportRoute = adminRoute("GET", "/admin/subscribers/export", async (req, _params, ctx) => {
  const format = queryChoice(req, "format", ["csv", "json"] as const) ?? "csv";
  const filter = subscriberFilter(req, ctx);
  const views = [];
  for await (const s of allSubscribers(ctx, filter)) views.push(toView(s));
  views.sort((a, b) => (a.email < b.email ? -1 : a.email > b.email ? 1 : 0));
  const day = ctx.clock().toISOString().slice(0, 10);
  if (format === "json") return jsonResponse(200, views);
  const body = [SUBSCRIBER_CSV_HEADER, ...views.map(subscriberCsvLine)].join("\r\n");
  return textResponse(200, `${body}\r\n`, "text/csv; charset=utf-8", {
    "content-disposition": `attachment; filename="subscribers-${day}.csv"`,
  });
});

const showRoute = adminRoute("GET", "/admin/subscribers/{email}", async (_req, params, ctx) => {
  const email = pathEmail(params);
  const s = await findSubscriber(ctx, email);
  if (!s) throw new HttpError(404, noSubscriber(email));
  return jsonResponse(200, await subscriberDetail(ctx, s));
});

const updateRoute = adminRoute("PATCH", "/admin/subscribers/{email}", async (req, params, ctx) => {
  const email = pathEmail(params);
  const body = jsonBody(req, ["name", "sections", "timezone", "deliveryHour", "status"]);
  const status = body.status;
  if (status !== undefined && status !== "active" && status !== "paused" && status !== "unsubscribed") {
    bad("status", "status can only be set to active (from paused), paused or unsubscribed");
  }
  const patch: SubscriberPatch = {
    name: optionalString(body, "name"),
    sections: optionalSections(body),
    timezone: optionalString(body, "timezone"),
    deliveryHour: optionalHour(body),
    status: status as SubscriberPatch["status"],
  };
  const result = await updateSubscriber(ctx, email, patch);
  unlessStopped(result, noSubscriber(email));
  return jsonResponse(200, await subscriberDetail(ctx, result.subscriber));
});

const deleteRoute = adminRoute("DELETE", "/admin/subscribers/{email}", async (req, params, ctx) => {
  const email = pathEmail(params);
  if (queryBool(req, "erase")) {
    unlessStopped(await eraseSubscriber(ctx, email), noSubscriber(email));
    return jsonResponse(200, { erased: true });
  }
  const result = await unsubscribeSubscriber(ctx, email);
  unlessStopped(result, noSubscriber(email));
  return jsonResponse(200, await subscriberDetail(ctx, result.subscriber));
});

const listEditionsRoute = adminRoute("GET", "/admin/editions", async (req, _params, ctx) => {
  const cursor = req.query.cursor || undefined;
  if (cursor !== undefined && !isDay(cursor)) bad("cursor", "cursor must be a day as YYYY-MM-DD");
  const days = queryInt(req, "days", 1, MAX_EDITION_DAYS, DEFAULT_EDITION_DAYS);
  return jsonResponse(200, await listEditionsWithStats(ctx, { to: cursor, days }));
});

const showEditionRoute = adminRoute("GET", "/admin/editions/{id}", async (_req, params, ctx) => {
  const report = await editionReportWithStats(ctx, params.id ?? "");
  if (!report) throw new HttpError(404, noEdition(params.id ?? ""));
  return jsonResponse(200, report);
});

const resendRoute = adminRoute("POST", "/admin/editions/{id}/resend-failed", async (req, params, ctx) => {
  const includeRejected = queryBool(req, "includeRejected");
  const sending = editionResending(ctx);
  if (!sending) {
    throw new HttpError(501, "resending is not available here: run digest editions resend-failed <id>");
  }
  const id = params.id ?? "";
  const result = await sending.resendFailed(id, { includeRejected });
  unlessStopped(result, noEdition(id));
  // Deployed: enqueued for the send functions, nothing sent yet.
  if (result.outcome === "queued") return jsonResponse(202, { editionId: id, ...result });
  const { summary, retried, rejectedLeft, gone } = result;
  return jsonResponse(200, { ...summary, retried, rejectedLeft, gone });
});

/** Largest story import body: under the 6 MB a Lambda invocation's payload may carry. */
export const MAX_STORY_BODY_BYTES = 5 * 1024 * 1024;

/** Import options a POST /admin/stories takes as query parameters (the flags of `digest stories import`). */
const STORY_IMPORT_OPTIONS = ["url", "publishedAt", "section", "source"] as const;

/**
 * The field a story problem names ("headline: required" → headline, a page with "no headline: …" →
 * headline), else the body as a whole.
 */
const problemField = (reason: string) =>
  /^(\w+): /.exec(reason)?.[1] ?? /^no (headline|body)\b/.exec(reason)?.[1] ?? "body";

const importStoriesRoute = adminRoute("POST", "/admin/stories", async (req, _params, ctx) => {
  const mediaType = (req.headers["content-type"] ?? "").split(";")[0]?.trim().toLowerCase() ?? "";
  const extension = storyExtensionFor(mediaType);
  if (!extension) {
    throw new HttpError(
      415,
      `cannot import stories from ${mediaType || "a body without a content type"} ` +
        `(send one of: ${acceptedStoryMediaTypes().join(", ")})`,
    );
  }
  if (Buffer.byteLength(req.body) > MAX_STORY_BODY_BYTES) {
    throw new HttpError(413, `the body is larger than ${MAX_STORY_BODY_BYTES} bytes: send fewer stories`);
  }
  for (const key of Object.keys(req.query)) {
    if (!(STORY_IMPORT_OPTIONS as readonly string[]).includes(key))
      bad(key, `unknown parameter ${key} (allowed: ${STORY_IMPORT_OPTIONS.join(", ")})`);
  }
  const report = await importStoryBody(ctx.stories, extension, req.body, {
    defaults: {
      url: req.query.url,
      publishedAt: req.query.publishedAt,
      section: req.query.section,
      source: req.query.source,
    },
    timeZone: ctx.config.timeZone,
    now: ctx.clock(),
  });
  const { imported, updated, skipped, invalid } = report.counts;
  const answer = {
    imported,
    updated,
    skipped,
    invalid,
    problems: report.problems.slice(0, MAX_IMPORT_REPORTS),
    ...(report.problems.length > MAX_IMPORT_REPORTS
      ? { problemsOmitted: report.problems.length - MAX_IMPORT_REPORTS }
      : {}),
    notices: report.notices.slice(0, MAX_IMPORT_REPORTS),
    ids: report.storyIds,
  };
  const first = report.problems[0];
  if (imported + updated + skipped === 0) {
    // Nothing valid was sent: say what is wrong with the first record, and list every problem.
    const error = first ? `line ${first.line}: ${first.reason}` : "the body holds no story";
    return jsonResponse(400, { error, field: first ? problemField(first.reason) : "body", ...answer });
  }
  return jsonResponse(200, answer);
});

const listStoriesRoute = adminRoute("GET", "/admin/stories", async (req, _params, ctx) => {
  const date = req.query.date || dayInZone(ctx.clock(), ctx.config.timeZone);
  if (!isDay(date)) bad("date", "date must be a day as YYYY-MM-DD");
  // One Query returns the whole day: there is no next page.
  return jsonResponse(200, { items: await listStoriesOfDay(ctx.stories, date), nextCursor: null });
});

const removeStoryRoute = adminRoute("DELETE", "/admin/stories/{id}", async (_req, params, ctx) => {
  const id = params.id ?? "";
  const result = await removeStory(ctx.stories, id);
  unlessStopped(result, noStory(id));
  if (result.outcome === "in-edition") {
    const { editionId } = result;
    const error = `story ${id} went out in edition ${editionId}: kept, since the emails that carried it link to it`;
    return jsonResponse(409, { error, editionId });
  }
  return jsonResponse(200, { removed: true, id });
});

const holdStoryRoute = adminRoute("PATCH", "/admin/stories/{id}", async (req, params, ctx) => {
  const id = params.id ?? "";
  const body = jsonBody(req, ["held"]);
  if (typeof body.held !== "boolean") bad("held", "held must be true or false");
  const result = await setStoryHeld(ctx.stories, id, body.held as boolean);
  unlessStopped(result, noStory(id));
  if (result.outcome === "in-edition") {
    const { editionId } = result;
    const error = `story ${id} is already in edition ${editionId}: holding it now changes nothing`;
    return jsonResponse(409, { error, editionId });
  }
  return jsonResponse(200, storyListItem(result.story));
});

const cancelEditionRoute = adminRoute("POST", "/admin/editions/{id}/cancel", async (_req, params, ctx) => {
  const id = params.id ?? "";
  const result = await cancelEdition(ctx, id);
  unlessStopped(result, noEdition(id));
  return jsonResponse(200, { ...result.report, alreadyCancelled: result.outcome === "already-cancelled" });
});

/** Largest subscriber CSV `digest serve` reads (~100k rows fit; API Gateway itself stops at 10 MB). */
export const MAX_SUBSCRIBER_CSV_BYTES = 50 * 1024 * 1024;

/**
 * Admin routes: every one is marked admin, so the router's single check guards it. Literal paths
 * first. The imports read large bodies; every other route the router's 1 MB default.
 */
export const adminRoutes: Route<ApiContext>[] = [
  listRoute,
  addRoute,
  { ...importRoute, maxBodyBytes: MAX_SUBSCRIBER_CSV_BYTES },
  exportRoute,
  showRoute,
  updateRoute,
  deleteRoute,
  listEditionsRoute,
  showEditionRoute,
  resendRoute,
  { ...importStoriesRoute, maxBodyBytes: MAX_STORY_BODY_BYTES },
  listStoriesRoute,
  removeStoryRoute,
  holdStoryRoute,
  cancelEditionRoute,
];

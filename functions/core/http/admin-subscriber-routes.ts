import { eraseSubscriber } from "../subscribers/erasure.js";
import { SearchIndexUnavailableError } from "../subscribers/search-keys.js";
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
import { SUBSCRIBER_STATUSES, type SubscriberStatus, toView } from "../subscribers/subscribers.js";
import { ERASED_TARGET } from "../team/ports.js";
import {
  adminRoute,
  bad,
  consentSource,
  jsonBody,
  MAX_IMPORT_REPORTS,
  optionalHour,
  optionalSections,
  optionalString,
  pathEmail,
  queryBool,
  queryChoice,
  queryInt,
  unlessStopped,
} from "./admin-request.js";
import type { ApiContext } from "./context.js";
import type { Route } from "./router.js";
import { HttpError, type HttpRequest, jsonResponse, textResponse } from "./types.js";

/**
 * The admin API's subscriber routes: list, add, import, export, show, update, unsubscribe or erase
 * (the same core functions as `digest subscribers …`).
 */

const DEFAULT_PAGE_SIZE = 100;
/**
 * Rows POST /admin/subscribers/import takes: well within API Gateway's 30 s at the import's rate.
 * A larger file is a job (admin-job-routes.ts).
 */
export const SYNC_IMPORT_MAX_ROWS = 10_000;
/** Subscribers GET /admin/subscribers/export answers with: about 2 MB of JSON, under Lambda's 6 MB. */
export const SYNC_EXPORT_MAX_ROWS = 20_000;

/** Physical lines of a body (an upper bound of its rows: a quoted value may span lines). */
function lineCount(body: string): number {
  let lines = body.length > 0 ? 1 : 0;
  for (let i = body.indexOf("\n"); i >= 0; i = body.indexOf("\n", i + 1)) lines++;
  return body.endsWith("\n") ? lines - 1 : lines;
}

/** The searches of list and export, each at most this long (an address's 254, a name's 200). */
const SEARCH_MAX_LENGTH = 254;

/**
 * status=, section= and one search of list and export: prefix= (the start of an address), name= (the
 * start of a name, any case or accents) or q= (the console's box: either).
 */
function subscriberFilter(req: HttpRequest, ctx: ApiContext): SubscriberFilter {
  const status = queryChoice<SubscriberStatus>(req, "status", SUBSCRIBER_STATUSES);
  const searches: Pick<SubscriberFilter, "prefix" | "name" | "q"> = {};
  for (const key of ["prefix", "name", "q"] as const) {
    const value = req.query[key]?.trim();
    if (!value) continue;
    if (value.length > SEARCH_MAX_LENGTH) bad(key, `${key} is longer than an address`);
    searches[key] = value;
  }
  if (Object.keys(searches).length > 1) bad("q", "search with one of q, prefix or name");
  const raw = req.query.section?.trim();
  if (!raw) return { status, ...searches };
  const resolved = resolveSectionFilter(raw, ctx);
  if ("outcome" in resolved) bad("section", resolved.error);
  return { status, section: resolved.section, ...searches };
}

const noSubscriber = (email: string) => `${email} is not a subscriber`;

const listRoute = adminRoute(
  "GET",
  "/admin/subscribers",
  async (req, _params, ctx) => {
    const filter = subscriberFilter(req, ctx);
    const limit = queryInt(req, "limit", 1, MAX_PAGE_SIZE, DEFAULT_PAGE_SIZE);
    try {
      const page = await listSubscribers(ctx, filter, req.query.cursor || null, limit);
      return jsonResponse(200, { items: page.items.map(toView), nextCursor: page.nextCursor });
    } catch (err) {
      if (err instanceof InvalidCursorError) bad("cursor", err.message);
      if (err instanceof SearchIndexUnavailableError) throw new HttpError(503, err.message);
      throw err;
    }
  },
  { role: "viewer" },
);

const addRoute = adminRoute(
  "POST",
  "/admin/subscribers",
  async (req, _params, ctx) => {
    const body = jsonBody(req, [
      "email",
      "name",
      "sections",
      "timezone",
      "locale",
      "deliveryHour",
      "status",
      "source",
    ]);
    const email = optionalString(body, "email", false);
    if (email === undefined) bad("email", "email is required");
    const status = body.status ?? "active";
    if (status !== "active" && status !== "pending") bad("status", "status must be active or pending");
    const result = await addSubscriber(ctx, {
      email: email as string,
      name: optionalString(body, "name"),
      sections: optionalSections(body),
      timezone: optionalString(body, "timezone"),
      locale: optionalString(body, "locale"),
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
    return result.outcome === "imported"
      ? jsonResponse(201, detail, { location })
      : jsonResponse(200, detail);
  },
  { role: "owner", audit: { action: "subscriber.add", target: (_p, body) => String(body?.email ?? "") } },
);

const importRoute = adminRoute(
  "POST",
  "/admin/subscribers/import",
  async (req, _params, ctx) => {
    const type = (req.headers["content-type"] ?? "").toLowerCase();
    if (!/^(text\/csv|application\/csv|text\/plain)\b/.test(type)) {
      throw new HttpError(415, "send the CSV as the body with content-type: text/csv");
    }
    const pending = queryBool(req, "pending");
    const lines = lineCount(req.body);
    if (lines > SYNC_IMPORT_MAX_ROWS + 1) {
      throw new HttpError(
        413,
        `the file has ${lines} lines; this route imports at most ${SYNC_IMPORT_MAX_ROWS} rows (API Gateway stops a request at 30 s): import it as a job, POST /admin/subscribers/import-jobs`,
      );
    }
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
  },
  { role: "owner", audit: { action: "subscriber.import", target: () => "subscribers" } },
);

const exportRoute = adminRoute(
  "GET",
  "/admin/subscribers/export",
  async (req, _params, ctx) => {
    const format = queryChoice(req, "format", ["csv", "json"] as const) ?? "csv";
    const filter = subscriberFilter(req, ctx);
    const views = [];
    for await (const s of allSubscribers(ctx, filter)) {
      if (views.length === SYNC_EXPORT_MAX_ROWS) {
        throw new HttpError(
          413,
          `more than ${SYNC_EXPORT_MAX_ROWS} subscribers match (Lambda answers at most 6 MB): export them as a job, POST /admin/subscribers/export-jobs`,
        );
      }
      views.push(toView(s));
    }
    views.sort((a, b) => (a.email < b.email ? -1 : a.email > b.email ? 1 : 0));
    const day = ctx.clock().toISOString().slice(0, 10);
    if (format === "json") return jsonResponse(200, views);
    const body = [SUBSCRIBER_CSV_HEADER, ...views.map(subscriberCsvLine)].join("\r\n");
    return textResponse(200, `${body}\r\n`, "text/csv; charset=utf-8", {
      "content-disposition": `attachment; filename="subscribers-${day}.csv"`,
    });
  },
  { role: "owner" },
);

const showRoute = adminRoute(
  "GET",
  "/admin/subscribers/{email}",
  async (_req, params, ctx) => {
    const email = pathEmail(params);
    const s = await findSubscriber(ctx, email);
    if (!s) throw new HttpError(404, noSubscriber(email));
    return jsonResponse(200, await subscriberDetail(ctx, s));
  },
  { role: "viewer" },
);

const updateRoute = adminRoute(
  "PATCH",
  "/admin/subscribers/{email}",
  async (req, params, ctx) => {
    const email = pathEmail(params);
    const body = jsonBody(req, ["name", "sections", "timezone", "locale", "deliveryHour", "status"]);
    const status = body.status;
    if (status !== undefined && status !== "active" && status !== "paused" && status !== "unsubscribed") {
      bad("status", "status can only be set to active (from paused), paused or unsubscribed");
    }
    const patch: SubscriberPatch = {
      name: optionalString(body, "name"),
      sections: optionalSections(body),
      timezone: optionalString(body, "timezone"),
      locale: optionalString(body, "locale"),
      deliveryHour: optionalHour(body),
      status: status as SubscriberPatch["status"],
    };
    const result = await updateSubscriber(ctx, email, patch);
    unlessStopped(result, noSubscriber(email));
    return jsonResponse(200, await subscriberDetail(ctx, result.subscriber));
  },
  { role: "owner", audit: { action: "subscriber.update" } },
);

const deleteRoute = adminRoute(
  "DELETE",
  "/admin/subscribers/{email}",
  async (req, params, ctx) => {
    const email = pathEmail(params);
    if (queryBool(req, "erase")) {
      unlessStopped(await eraseSubscriber(ctx, email), noSubscriber(email));
      // An erasure leaves no address behind: in the audit log neither.
      return {
        ...jsonResponse(200, { erased: true }),
        audit: { target: ERASED_TARGET, summary: "erased → 200" },
      };
    }
    const result = await unsubscribeSubscriber(ctx, email);
    unlessStopped(result, noSubscriber(email));
    return jsonResponse(200, await subscriberDetail(ctx, result.subscriber));
  },
  {
    role: "owner",
    audit: {
      action: (req) => (queryBool(req, "erase") ? "subscriber.erase" : "subscriber.unsubscribe"),
    },
  },
);

/** Largest subscriber CSV `digest serve` reads (~100k rows fit; API Gateway itself stops at 10 MB). */
export const MAX_SUBSCRIBER_CSV_BYTES = 50 * 1024 * 1024;

/** The subscriber routes, in the order the router tries them (literal paths before {email}). */
export const subscriberRoutes: Route<ApiContext>[] = [
  listRoute,
  addRoute,
  { ...importRoute, maxBodyBytes: MAX_SUBSCRIBER_CSV_BYTES },
  exportRoute,
  showRoute,
  updateRoute,
  deleteRoute,
];

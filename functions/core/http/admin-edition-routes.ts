import { approvedSending } from "../delivery/approved-send.js";
import { decodeResendCursor, editionResending, type ResendCursor } from "../delivery/resend-failed.js";
import { approveEdition, holdEdition } from "../edition/approval.js";
import { cancelEdition, DEFAULT_EDITION_DAYS, MAX_EDITION_DAYS } from "../edition/edition-admin.js";
import { editionReportWithStats, listEditionsWithStats } from "../events/edition-stats-report.js";
import { overview } from "../events/overview.js";
import { isDay } from "../kernel/dates.js";
import { adminRoute, bad, callerOf, queryBool, queryInt, unlessStopped } from "./admin-request.js";
import type { ApiContext } from "./context.js";
import type { Route } from "./router.js";
import { HttpError, type HttpRequest, jsonResponse } from "./types.js";

/**
 * The admin API's edition routes: list, report, resend the failed recipients, cancel (the same core
 * functions as `digest editions …`).
 */

const noEdition = (id: string) => `no edition ${id}`;

const listEditionsRoute = adminRoute(
  "GET",
  "/admin/editions",
  async (req, _params, ctx) => {
    const cursor = req.query.cursor || undefined;
    if (cursor !== undefined && !isDay(cursor)) bad("cursor", "cursor must be a day as YYYY-MM-DD");
    const days = queryInt(req, "days", 1, MAX_EDITION_DAYS, DEFAULT_EDITION_DAYS);
    return jsonResponse(200, await listEditionsWithStats(ctx, { to: cursor, days }));
  },
  { role: "viewer" },
);

const showEditionRoute = adminRoute(
  "GET",
  "/admin/editions/{id}",
  async (_req, params, ctx) => {
    const report = await editionReportWithStats(ctx, params.id ?? "");
    if (!report) throw new HttpError(404, noEdition(params.id ?? ""));
    return jsonResponse(200, report);
  },
  { role: "viewer" },
);

const resendRoute = adminRoute(
  "POST",
  "/admin/editions/{id}/resend-failed",
  async (req, params, ctx) => {
    const includeRejected = queryBool(req, "includeRejected");
    let cursor: ResendCursor | undefined;
    if (req.query.cursor) {
      cursor = decodeResendCursor(req.query.cursor) ?? undefined;
      if (!cursor) bad("cursor", "cursor must be the nextCursor of an earlier resend-failed answer");
    }
    const sending = editionResending(ctx);
    if (!sending) {
      throw new HttpError(501, "resending is not available here: run digest editions resend-failed <id>");
    }
    const id = params.id ?? "";
    const result = await sending.resendFailed(id, { includeRejected, cursor });
    unlessStopped(result, noEdition(id));
    // Deployed: enqueued for the send functions, nothing sent yet; with a nextCursor, call again with it.
    if (result.outcome === "queued") return jsonResponse(202, { editionId: id, ...result });
    const { summary, retried, rejectedLeft, gone } = result;
    return jsonResponse(200, { ...summary, retried, rejectedLeft, gone });
  },
  { role: "editor", audit: { action: "edition.resend-failed" } },
);

const cancelEditionRoute = adminRoute(
  "POST",
  "/admin/editions/{id}/cancel",
  async (_req, params, ctx) => {
    const id = params.id ?? "";
    const result = await cancelEdition(ctx, id);
    unlessStopped(result, noEdition(id));
    return jsonResponse(200, { ...result.report, alreadyCancelled: result.outcome === "already-cancelled" });
  },
  { role: "editor", audit: { action: "edition.cancel" } },
);

/** Who an admin call acts as in an approval record: the caller the router authenticated. */
const actorOf = (req: HttpRequest) => callerOf(req).email;

const approveRoute = adminRoute(
  "POST",
  "/admin/editions/{id}/approve",
  async (req, params, ctx) => {
    const id = params.id ?? "";
    const result = await approveEdition(ctx, id, actorOf(req));
    unlessStopped(result, noEdition(id));
    const sending = ctx.config.deliveryMode === "edition" ? approvedSending(ctx) : null;
    if (!sending) {
      // Deployed, compose's approval round fans it out within a minute; with local delivery, the
      // hourly dispatch delivers it.
      const report = await editionReportWithStats(ctx, id);
      return jsonResponse(202, { ...report, message: "approved: the send starts within a minute" });
    }
    const summary = await sending.sendApproved(result.edition);
    return jsonResponse(200, { ...(await editionReportWithStats(ctx, id)), summary });
  },
  { role: "editor", audit: { action: "edition.approve" } },
);

const holdRoute = adminRoute(
  "POST",
  "/admin/editions/{id}/hold",
  async (req, params, ctx) => {
    const id = params.id ?? "";
    const result = await holdEdition(ctx, id, actorOf(req));
    unlessStopped(result, noEdition(id));
    return jsonResponse(200, await editionReportWithStats(ctx, id));
  },
  { role: "editor", audit: { action: "edition.hold" } },
);

const overviewRoute = adminRoute(
  "GET",
  "/admin/overview",
  // With the languages a subscriber may have (the default first): the console's subscriber editor
  // offers them.
  async (_req, _params, ctx) => {
    return jsonResponse(200, { ...(await overview(ctx)), locales: ctx.config.locales });
  },
  { role: "viewer" },
);

/** The edition routes. */
export const editionRoutes: Route<ApiContext>[] = [
  overviewRoute,
  listEditionsRoute,
  showEditionRoute,
  resendRoute,
  cancelEditionRoute,
  approveRoute,
  holdRoute,
];

import type { Suppression } from "../kernel/ports.js";
import { isErasedKey } from "../subscribers/subscribers.js";
import { SUPPRESSION_REASONS, suppressAddress, unsuppressAddress } from "../subscribers/suppression-admin.js";
import { adminRoute, bad, jsonBody, optionalString, queryInt } from "./admin-request.js";
import type { ApiContext } from "./context.js";
import type { Route } from "./router.js";
import { HttpError, jsonResponse } from "./types.js";

/**
 * The admin API's suppression routes (the console's Suppressions page): list by address prefix, add,
 * lift. The same core functions as `digest suppressions list|add|remove`.
 */

/** Pages of the list one request reads at most while looking for `limit` entries with the prefix. */
export const SUPPRESSION_PAGES_PER_REQUEST = 20;

const listRoute = adminRoute(
  "GET",
  "/admin/suppressions",
  async (req, _params, ctx) => {
    const prefix = (req.query.prefix ?? "").trim().toLowerCase();
    const limit = queryInt(req, "limit", 1, 500, 50);
    // The list is one table scanned in pages: a request reads a bounded number of them and says where
    // the next one continues (nextCursor), whether or not it found `limit` entries with the prefix.
    const items: Suppression[] = [];
    let cursor: string | null = req.query.cursor || null;
    let pages = 0;
    do {
      let page: Awaited<ReturnType<typeof ctx.suppressions.list>>;
      try {
        page = await ctx.suppressions.list(cursor, limit);
      } catch (err) {
        if (cursor && err instanceof SyntaxError)
          bad("cursor", "cursor must be the nextCursor of an earlier answer");
        throw err;
      }
      items.push(...page.items.filter((s) => s.email.toLowerCase().startsWith(prefix)));
      cursor = page.nextCursor;
      pages++;
    } while (cursor && items.length < limit && pages < SUPPRESSION_PAGES_PER_REQUEST);
    return jsonResponse(200, { items, nextCursor: cursor });
  },
  { role: "viewer" },
);

const addRoute = adminRoute(
  "POST",
  "/admin/suppressions",
  async (req, _params, ctx) => {
    const body = jsonBody(req, ["email", "reason", "detail"]);
    const email = optionalString(body, "email", false);
    if (!email) bad("email", "email is required");
    const reason = optionalString(body, "reason", false) ?? "manual";
    if (!(SUPPRESSION_REASONS as readonly string[]).includes(reason))
      bad("reason", `reason must be one of ${SUPPRESSION_REASONS.join(", ")}`);
    const detail = optionalString(body, "detail")?.trim() || "added through the admin API";
    const result = await suppressAddress(ctx, { email, reason, detail });
    if (result.outcome === "invalid") bad("email", result.error);
    if (result.outcome === "erased") return jsonResponse(200, { email, erased: true });
    const status = result.outcome === "suppressed" ? 201 : 200;
    return jsonResponse(status, { ...result.entry, alreadySuppressed: result.outcome === "already" });
  },
  { role: "owner", audit: { action: "suppression.add", target: (_p, body) => String(body?.email ?? "") } },
);

const removeRoute = adminRoute(
  "DELETE",
  "/admin/suppressions/{email}",
  async (_req, params, ctx) => {
    const raw = params.email ?? "";
    if (isErasedKey(raw))
      throw new HttpError(409, "an erased address's entry cannot be removed: it records the erasure");
    const result = await unsuppressAddress(ctx, raw);
    switch (result.outcome) {
      case "invalid":
        return bad("email", result.error);
      case "erased":
        throw new HttpError(409, `${raw} was erased (GDPR): its hashed suppression entry stays`);
      case "not-suppressed":
        throw new HttpError(404, `${raw} is not suppressed`);
      default:
        return jsonResponse(200, {
          email: result.entry?.email ?? result.subscriber?.email ?? raw,
          restoredStatus: result.restoredStatus,
        });
    }
  },
  { role: "owner", audit: { action: "suppression.remove" } },
);

/** The suppression routes. */
export const suppressionRoutes: Route<ApiContext>[] = [listRoute, addRoute, removeRoute];

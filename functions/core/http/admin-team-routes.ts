import { AUDIT_CSV_HEADER, auditCsvLine } from "../team/audit.js";
import { type AuditQuery, InvalidAuditCursorError } from "../team/ports.js";
import {
  addMember,
  changeRole,
  createToken,
  exchangeSignInCode,
  listMembers,
  listTokens,
  removeMember,
  revokeToken,
} from "../team/team-admin.js";
import {
  adminRoute,
  bad,
  callerOf,
  jsonBody,
  optionalString,
  queryInt,
  unlessStopped,
} from "./admin-request.js";
import type { ApiContext } from "./context.js";
import type { Route } from "./router.js";
import { HttpError, type HttpRequest, jsonResponse, textResponse } from "./types.js";

/**
 * The team, its tokens, the console's sign-in and the audit log: `/admin/team…` (owner),
 * `POST /admin/session` (a one-time code for a console session), `GET /admin/me`, `/admin/audit…`.
 * The same core functions as `digest team …`.
 */

function teamOf(ctx: ApiContext) {
  if (!ctx.team) throw new HttpError(501, "the team is not set up in this deployment");
  return ctx.team;
}

function auditOf(ctx: ApiContext) {
  if (!ctx.audit) throw new HttpError(501, "the audit log is not set up in this deployment");
  return ctx.audit;
}

const noMember = (email: string) => `${email} is no member of the team`;

const meRoute = adminRoute("GET", "/admin/me", async (req) => jsonResponse(200, callerOf(req)), {
  role: "viewer",
});

const sessionRoute: Route<ApiContext> = {
  ...adminRoute(
    "POST",
    "/admin/session",
    async (req, _params, ctx) => {
      const body = jsonBody(req, ["code"]);
      const code = optionalString(body, "code", false);
      const session = await exchangeSignInCode(teamOf(ctx), code ?? "", ctx.clock());
      if (!session)
        throw new HttpError(
          401,
          "this sign-in link was used or has expired: restart digest serve for a new one",
        );
      req.caller = { ...session.member, via: "token" };
      return {
        ...jsonResponse(200, session),
        audit: { target: session.member.email, summary: "signed in with a one-time code → 200" },
      };
    },
    { role: "viewer", audit: { action: "session.signin" } },
  ),
  anonymous: true,
};

const listTeamRoute = adminRoute(
  "GET",
  "/admin/team",
  async (_req, _params, ctx) => jsonResponse(200, { items: await listMembers(teamOf(ctx)) }),
  { role: "owner" },
);

const addMemberRoute = adminRoute(
  "POST",
  "/admin/team",
  async (req, _params, ctx) => {
    const body = jsonBody(req, ["email", "role"]);
    const input = { email: body.email, role: body.role };
    const result = await addMember(
      teamOf(ctx),
      input,
      callerOf(req).email,
      ctx.clock(),
      ctx.directory ?? undefined,
    );
    unlessStopped(result);
    const { member, created, before, invited } = result;
    const summary = created
      ? `role=${member.role}${invited ? ", invited" : ""} → 201`
      : `role: ${before} → ${member.role} → 200`;
    return {
      ...jsonResponse(created ? 201 : 200, { ...member, invited }),
      audit: { target: member.email, summary },
    };
  },
  { role: "owner", audit: { action: "team.add" } },
);

const changeRoleRoute = adminRoute(
  "PATCH",
  "/admin/team/{email}",
  async (req, params, ctx) => {
    const body = jsonBody(req, ["role"]);
    const email = params.email ?? "";
    const result = await changeRole(teamOf(ctx), email, body.role, ctx.directory ?? undefined);
    unlessStopped(result, noMember(email));
    const summary = `role: ${result.before} → ${result.member.role}`;
    return { ...jsonResponse(200, result.member), audit: { summary } };
  },
  { role: "owner", audit: { action: "team.role" } },
);

const removeMemberRoute = adminRoute(
  "DELETE",
  "/admin/team/{email}",
  async (_req, params, ctx) => {
    const email = params.email ?? "";
    const result = await removeMember(teamOf(ctx), email, ctx.directory ?? undefined);
    unlessStopped(result, noMember(email));
    return {
      ...jsonResponse(200, { removed: true, email: result.member.email }),
      audit: { summary: `was ${result.member.role}` },
    };
  },
  { role: "owner", audit: { action: "team.remove" } },
);

const createTokenRoute = adminRoute(
  "POST",
  "/admin/team/{email}/tokens",
  async (req, params, ctx) => {
    const body = jsonBody(req, ["label"]);
    const email = params.email ?? "";
    const result = await createToken(teamOf(ctx), email, body.label, ctx.clock());
    unlessStopped(result, noMember(email));
    // The token is in this answer only; the audit names its id and label.
    return {
      ...jsonResponse(201, { id: result.id, token: result.token }),
      audit: { summary: `token ${result.id} (${result.info.label}) → 201` },
    };
  },
  { role: "owner", audit: { action: "team.token.create" } },
);

const listTokensRoute = adminRoute(
  "GET",
  "/admin/team/{email}/tokens",
  async (_req, params, ctx) => {
    const email = params.email ?? "";
    const result = await listTokens(teamOf(ctx), email);
    unlessStopped(result, noMember(email));
    return jsonResponse(200, { items: result.items });
  },
  { role: "owner" },
);

const revokeTokenRoute = adminRoute(
  "DELETE",
  "/admin/team/{email}/tokens/{id}",
  async (_req, params, ctx) => {
    const id = params.id ?? "";
    unlessStopped(await revokeToken(teamOf(ctx), params.email ?? "", id), `no token ${id}`);
    return { ...jsonResponse(200, { revoked: true, id }), audit: { summary: `token ${id} revoked` } };
  },
  { role: "owner", audit: { action: "team.token.revoke" } },
);

/** ISO time or day (YYYY-MM-DD); `to` as a day means through its end. */
function timeBound(req: HttpRequest, name: "from" | "to"): string | undefined {
  const value = req.query[name];
  if (!value) return undefined;
  if (/^\d{4}-\d{2}-\d{2}$/.test(value))
    return name === "to" ? `${value}T23:59:59.999Z` : `${value}T00:00:00.000Z`;
  const at = Date.parse(value);
  if (Number.isNaN(at)) bad(name, `${name} must be a day (YYYY-MM-DD) or an ISO time`);
  return new Date(at).toISOString();
}

function auditQuery(req: HttpRequest, limit: number): AuditQuery {
  return {
    actor: req.query.actor || undefined,
    action: req.query.action || undefined,
    target: req.query.target || undefined,
    from: timeBound(req, "from"),
    to: timeBound(req, "to"),
    cursor: req.query.cursor || null,
    limit,
  };
}

const listAuditRoute = adminRoute(
  "GET",
  "/admin/audit",
  async (req, _params, ctx) => {
    try {
      return jsonResponse(200, await auditOf(ctx).list(auditQuery(req, queryInt(req, "limit", 1, 500, 100))));
    } catch (err) {
      if (err instanceof InvalidAuditCursorError) bad("cursor", err.message);
      throw err;
    }
  },
  { role: "viewer" },
);

/** Most entries one export answers (about 5 MB of JSON, under Lambda's 6 MB): narrow it with from/to. */
export const AUDIT_EXPORT_MAX = 20_000;

const exportAuditRoute = adminRoute(
  "GET",
  "/admin/audit/export",
  async (req, _params, ctx) => {
    const format = req.query.format || "csv";
    if (format !== "csv" && format !== "json") bad("format", "format must be one of csv, json");
    const audit = auditOf(ctx);
    const items = [];
    let query = auditQuery(req, 500);
    for (;;) {
      const page = await audit.list(query);
      items.push(...page.items);
      if (items.length > AUDIT_EXPORT_MAX)
        throw new HttpError(413, `more than ${AUDIT_EXPORT_MAX} entries match: narrow it with from and to`);
      if (!page.nextCursor) break;
      query = { ...query, cursor: page.nextCursor };
    }
    if (format === "json") return jsonResponse(200, items);
    const day = ctx.clock().toISOString().slice(0, 10);
    return textResponse(
      200,
      `${[AUDIT_CSV_HEADER, ...items.map(auditCsvLine)].join("\r\n")}\r\n`,
      "text/csv; charset=utf-8",
      {
        "content-disposition": `attachment; filename="audit-${day}.csv"`,
      },
    );
  },
  { role: "owner" },
);

/** Literal paths before {email}. */
export const teamRoutes: Route<ApiContext>[] = [
  meRoute,
  sessionRoute,
  listAuditRoute,
  exportAuditRoute,
  listTeamRoute,
  addMemberRoute,
  changeRoleRoute,
  removeMemberRoute,
  createTokenRoute,
  listTokensRoute,
  revokeTokenRoute,
];

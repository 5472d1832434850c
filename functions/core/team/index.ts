/**
 * core/team — who may run the digest, and what they did.
 *
 * Owns: the roles (`roles.ts`: owner > editor > viewer, the caller `{email, role, via}`), the team's
 * members, personal API tokens (`dgt_…`, stored as SHA-256 only, revocable, with lastUsedAt and an
 * optional expiry) and the one-time sign-in codes `digest serve` prints (`team-admin.ts`; demoting or
 * removing an owner runs under `owners-lock.ts`, so the last owner stays), the audit
 * log's entries and its CSV (`audit.ts`), and the ports behind them (`ports.ts`: TeamStore, AuditLog,
 * and VerifyJwt, which a deployment implements with aws-jwt-verify). The one auth check that maps a
 * request to a caller is `http/admin-auth.ts`; the router enforces each route's role and records every
 * admin write (`http/router.ts`, `http/audit-entry.ts`); the routes are `http/admin-team-routes.ts`;
 * `digest team …` is `local/commands/team.ts` and the CLI's audit `local/cli-audit.ts`.
 */
export * from "./audit.js";
export * from "./member-directory.js";
export * from "./ports.js";
export * from "./roles.js";
export * from "./team-admin.js";

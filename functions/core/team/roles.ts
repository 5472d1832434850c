/**
 * Roles, least first: a viewer reads; an editor also runs the edition (stories, feeds, approve, send,
 * cancel); an owner may do everything (subscriber writes, exports, erasure, the team).
 */
export const ROLES = ["viewer", "editor", "owner"] as const;
export type Role = (typeof ROLES)[number];

export const isRole = (value: unknown): value is Role =>
  typeof value === "string" && (ROLES as readonly string[]).includes(value);

/** True when `have` is at least `need`. */
export const hasRole = (have: Role, need: Role): boolean => ROLES.indexOf(have) >= ROLES.indexOf(need);

/** The highest of `roles`, or null when there is none. */
export function highestRole(roles: readonly string[]): Role | null {
  let best: Role | null = null;
  for (const r of roles) if (isRole(r) && (best === null || hasRole(r, best))) best = r;
  return best;
}

/** How the caller proved who they are. */
export type CallerVia = "admin-token" | "token" | "jwt" | "iam" | "cli";

/** Who is calling, as the one auth check decided: handlers and the audit read it. */
export interface Caller {
  /** The member's address (IAM: the principal's ARN; the local admin token: LOCAL_OWNER_EMAIL). */
  email: string;
  role: Role;
  via: CallerVia;
}

/** Who the local admin token (`admin-token`, DIGEST_ADMIN_TOKEN) and console sessions act as. */
export const LOCAL_OWNER_EMAIL = "owner@localhost";

/** "this needs the editor role; you are a viewer": what a 403 says. */
export function refusal(need: Role, have: Role): string {
  const article = have === "owner" || have === "editor" ? "an" : "a";
  return `this needs the ${need} role; you are ${article} ${have}`;
}

import { createHash, timingSafeEqual } from "node:crypto";
import { IssuerUnavailableError, type TeamStore, type VerifyJwt } from "../team/ports.js";
import { type Caller, highestRole, LOCAL_OWNER_EMAIL } from "../team/roles.js";
import { secretHash, TOKEN_PREFIX } from "../team/team-admin.js";
import type { AdminAuth } from "./router.js";
import { HttpError } from "./types.js";

/**
 * The one auth check of every admin route: it maps whatever the request carries to a caller
 * `{email, role, via}`, or says the credentials are missing (401) or not valid (403).
 * - an IAM principal API Gateway authenticated (deployed scripts with AWS credentials) → owner;
 * - `Authorization: Bearer <local admin token>` (admin-token file / DIGEST_ADMIN_TOKEN) → the local owner;
 * - `Bearer dgt_…` → the member whose personal token it is (by its SHA-256; revoked, expired, or a
 *   removed member's: refused);
 * - `Bearer <JWT>` → verified by `verifyJwt`, then the member with its email, else its `groups`
 *   (unless that email was removed from the team: a removal keeps them out).
 */
export interface CallerAuthOptions {
  /** The local admin token; none deployed. */
  adminToken?: string | null;
  /** Members and tokens; without it personal tokens are refused. */
  team?: TeamStore | null;
  /** JWT verification (deployed: Cognito through aws-jwt-verify); without it JWTs are refused. */
  verifyJwt?: VerifyJwt | null;
  clock?: () => Date;
}

const digest = (s: string) => createHash("sha256").update(s).digest();
/** lastUsedAt is written at most this often per token: a script's every call is no write. */
const TOUCH_EVERY_MS = 60_000;
const JWT_SHAPE = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;

export function callerAuth(opts: CallerAuthOptions = {}): AdminAuth {
  const { adminToken = null, team = null, verifyJwt = null } = opts;
  const clock = opts.clock ?? (() => new Date());
  if (adminToken !== null && adminToken.length < 16)
    throw new Error("the admin token must be at least 16 characters");
  const expected = adminToken === null ? null : digest(adminToken);

  async function personalToken(token: string): Promise<Caller | null> {
    if (!team) return null;
    const stored = await team.tokenByHash(secretHash(token));
    const now = clock();
    if (!stored || (stored.expiresAt !== null && stored.expiresAt <= now.toISOString())) return null;
    let caller: Caller;
    if (stored.localOwner) caller = { email: LOCAL_OWNER_EMAIL, role: "owner", via: "token" };
    else {
      const member = await team.getMember(stored.email);
      if (!member) return null;
      caller = { email: member.email, role: member.role, via: "token" };
    }
    const last = stored.lastUsedAt ? Date.parse(stored.lastUsedAt) : 0;
    if (now.getTime() - last >= TOUCH_EVERY_MS)
      await team.touchToken(stored.email, stored.id, now.toISOString());
    return caller;
  }

  async function jwt(token: string): Promise<Caller | null> {
    if (!verifyJwt) return null;
    const identity = await verifyJwt(token).catch((err: unknown) => {
      if (err instanceof IssuerUnavailableError)
        throw new HttpError(503, "the sign-in keys could not be fetched from the issuer: try again shortly");
      throw err;
    });
    if (!identity) return null;
    const email = identity.email?.trim().toLowerCase() ?? null;
    const member = email && team ? await team.getMember(email) : null;
    if (member) return { email: member.email, role: member.role, via: "jwt" };
    // Removed from the team: out, whatever groups the issuer (not told of the removal) still lists.
    if (email && team && (await team.wasRemoved(email))) return null;
    const role = highestRole(identity.groups);
    return role ? { email: email ?? identity.subject, role, via: "jwt" } : null;
  }

  return async (req) => {
    if (req.principal?.kind === "iam")
      return { caller: { email: req.principal.id, role: "owner", via: "iam" } };
    const header = req.headers.authorization;
    if (!header) return "missing";
    const match = /^Bearer\s+(\S+)$/i.exec(header.trim());
    if (!match) return "denied";
    const token = match[1] as string;
    let caller: Caller | null = null;
    if (token.startsWith(TOKEN_PREFIX)) caller = await personalToken(token);
    else if (JWT_SHAPE.test(token)) caller = await jwt(token);
    else if (expected && timingSafeEqual(digest(token), expected))
      caller = { email: LOCAL_OWNER_EMAIL, role: "owner", via: "admin-token" };
    return caller ? { caller } : "denied";
  };
}

/** Locally, with only the admin token (what tests of other routes use): the local owner. */
export function bearerTokenAuth(token: string): AdminAuth {
  return callerAuth({ adminToken: token });
}

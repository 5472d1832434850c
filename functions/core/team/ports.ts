import type { Role } from "./roles.js";

/**
 * The team's ports: members and their personal API tokens and the one-time sign-in codes
 * (TeamStore), the audit log (AuditLog), and the JWT verification a deployment plugs in (VerifyJwt).
 * One DynamoDB implementation each in functions/adapters/dynamo/.
 */

export interface Member {
  /** Normalised (lower-case) address. */
  email: string;
  role: Role;
  createdAt: string;
  /** Who added them (an email, or `cli:<OS user>`). */
  addedBy: string;
}

/** A personal API token as listed: never the token itself, which is shown once when made. */
export interface TokenInfo {
  id: string;
  label: string;
  createdAt: string;
  lastUsedAt: string | null;
  expiresAt: string | null;
}

/** A token as stored: its SHA-256 hash (hex), never the token. */
export interface StoredToken extends TokenInfo {
  email: string;
  hash: string;
  /** A console session of the local owner (minted by a sign-in code): it is no member of the team. */
  localOwner?: boolean;
}

/** A one-time sign-in code as stored: its hash; taken (deleted) on use. */
export interface StoredSignInCode {
  hash: string;
  email: string;
  expiresAt: string;
}

export interface TeamStore {
  listMembers(): Promise<Member[]>;
  getMember(email: string): Promise<Member | null>;
  /** Creates or replaces the member. */
  putMember(member: Member): Promise<void>;
  /**
   * Removes the member and every token of theirs, and remembers the removal (until they are put
   * again): false when there was no such member.
   */
  deleteMember(email: string): Promise<boolean>;
  /**
   * Whether this address was removed from the team and not added again: their sign-in token's groups
   * (the issuer's, which a removal here does not change) must not let them back in.
   */
  wasRemoved(email: string): Promise<boolean>;
  /**
   * Takes the team's owners lock for `holder` until `expiresAt` (one conditional write): false while
   * another holder has it and it has not expired. Changes that may leave no owner run under it.
   */
  lockOwners(holder: string, now: Date, expiresAt: Date): Promise<boolean>;
  /** Gives the owners lock back, if `holder` still has it. */
  unlockOwners(holder: string): Promise<void>;
  putToken(token: StoredToken): Promise<void>;
  /** The token whose hash this is (read consistently: a revoked token is gone at once), or null. */
  tokenByHash(hash: string): Promise<StoredToken | null>;
  listTokens(email: string): Promise<StoredToken[]>;
  deleteToken(email: string, id: string): Promise<boolean>;
  /** Records a use (lastUsedAt). */
  touchToken(email: string, id: string, at: string): Promise<void>;
  putSignInCode(code: StoredSignInCode): Promise<void>;
  /** Deletes and returns the code (single use: of two concurrent takes only one gets it). */
  takeSignInCode(hash: string): Promise<StoredSignInCode | null>;
}

/** One audit entry: who did what to which target; never tokens, secrets or a body verbatim. */
export interface AuditEntry {
  id: string;
  /** ISO time, milliseconds. */
  at: string;
  /** The member's email, `cli:<OS user>`, or an IAM principal. */
  actor: string;
  via: string;
  /** Dotted: subscriber.add, edition.cancel, team.add … */
  action: string;
  target: string;
  /** A short before/after of the fields changed. */
  summary: string;
}

export interface AuditQuery {
  actor?: string;
  action?: string;
  target?: string;
  /** ISO time or day, inclusive. */
  from?: string;
  /** ISO time or day, inclusive (a day means to its end). */
  to?: string;
  cursor?: string | null;
  limit: number;
}

export interface AuditPage {
  /** Newest first. */
  items: AuditEntry[];
  nextCursor: string | null;
}

export interface AuditLog {
  record(entry: AuditEntry): Promise<void>;
  /** A page of entries, newest first; throws InvalidAuditCursorError on a cursor it did not make. */
  list(query: AuditQuery): Promise<AuditPage>;
  /**
   * GDPR erasure: every entry whose target is `target` (an address) gets the target "(erased)";
   * returns how many. The entries stay (who did what, when); the person's address goes.
   */
  forget(target: string): Promise<number>;
}

/** The target an erased subscriber's entries keep. */
export const ERASED_TARGET = "(erased)";

/** Targets are compared as stored: addresses lower-case and trimmed, as erasure looks them up. */
export const auditTarget = (target: string) => (target.includes("@") ? target.trim().toLowerCase() : target);

export class InvalidAuditCursorError extends Error {
  override name = "InvalidAuditCursorError";
  constructor() {
    super("cursor must be the nextCursor of an earlier answer");
  }
}

/** What a verified JWT says about its bearer (DEPLOYED implements it with aws-jwt-verify). */
export interface JwtIdentity {
  subject: string;
  email: string | null;
  groups: string[];
}
/**
 * Verifies a JWT (signature, issuer, audience, expiry); null when it is not valid. Throws
 * IssuerUnavailableError when the issuer's keys cannot be fetched: an outage, not a bad token.
 */
export type VerifyJwt = (token: string) => Promise<JwtIdentity | null>;

/** The JWT issuer's signing keys could not be fetched (the issuer is down or unreachable). */
export class IssuerUnavailableError extends Error {
  override name = "IssuerUnavailableError";
}

import { createHash, randomBytes } from "node:crypto";
import { normalizeEmail } from "../subscribers/subscribers.js";
import { type MemberDirectory, NO_MEMBER_DIRECTORY } from "./member-directory.js";
import { whileOwnersLocked } from "./owners-lock.js";
import type { Member, StoredToken, TeamStore, TokenInfo } from "./ports.js";
import { isRole, LOCAL_OWNER_EMAIL, ROLES, type Role } from "./roles.js";

/**
 * The team's operations, shared by the /admin/team routes and `digest team …`: members and roles
 * (the last owner stays), personal API tokens (`dgt_` + 32 random bytes, stored as a SHA-256 hash),
 * and the one-time sign-in codes `digest serve` prints.
 */

export const TOKEN_PREFIX = "dgt_";
/** How long a sign-in code from `digest serve` may be used (once). */
export const SIGN_IN_CODE_MINUTES = 15;
/** How long the console session a sign-in code is exchanged for lasts. */
export const SESSION_HOURS = 12;
export const SESSION_LABEL = "console session";
const MAX_LABEL = 100;

/** SHA-256 (hex): what is stored of a token or code. */
export const secretHash = (secret: string) => createHash("sha256").update(secret).digest("hex");

export type TeamResult<T> =
  | ({ outcome: "ok" } & T)
  | { outcome: "not-found" }
  | { outcome: "invalid"; field: string; error: string }
  | { outcome: "conflict"; error: string };

function validEmail(raw: unknown): { email: string } | { outcome: "invalid"; field: string; error: string } {
  if (typeof raw !== "string") return { outcome: "invalid", field: "email", error: "email is required" };
  const n = normalizeEmail(raw);
  return "error" in n ? { outcome: "invalid", field: "email", error: n.error } : n;
}

function validRole(raw: unknown): Role | { outcome: "invalid"; field: string; error: string } {
  return isRole(raw)
    ? raw
    : { outcome: "invalid", field: "role", error: `role must be one of ${ROLES.join(", ")}` };
}

/** Members, owners first, then by address. */
export async function listMembers(team: TeamStore): Promise<Member[]> {
  const members = await team.listMembers();
  return members.sort(
    (a, b) => ROLES.indexOf(b.role) - ROLES.indexOf(a.role) || a.email.localeCompare(b.email),
  );
}

/**
 * Adds a member (or sets the role of one already there: demoting the last owner is refused). The
 * directory lets them sign in first (deployed: Cognito's invitation mail), so a failure there leaves
 * the team as it was; `invited` is false for a person who had a sign-in already.
 */
export async function addMember(
  team: TeamStore,
  input: { email: unknown; role: unknown },
  addedBy: string,
  now: Date,
  directory: MemberDirectory = NO_MEMBER_DIRECTORY,
): Promise<TeamResult<{ member: Member; created: boolean; before: Role | null; invited: boolean }>> {
  const checked = validEmail(input.email);
  if ("outcome" in checked) return checked;
  const role = validRole(input.role);
  if (typeof role !== "string") return role;
  if (checked.email === LOCAL_OWNER_EMAIL)
    return {
      outcome: "invalid",
      field: "email",
      error: `${LOCAL_OWNER_EMAIL} is the local admin token's owner`,
    };
  const existing = await team.getMember(checked.email);
  if (existing) {
    const changed = await changeRole(team, existing.email, role, directory);
    return changed.outcome === "ok" ? { ...changed, created: false, invited: false } : changed;
  }
  const member: Member = { email: checked.email, role, createdAt: now.toISOString(), addedBy };
  const { invited } = await directory.invite(member.email, role);
  await team.putMember(member);
  return { outcome: "ok", member, created: true, before: null, invited };
}

const lastOwner = (email: string) => `${email} is the team's last owner: make someone else an owner first`;

async function isLastOwner(team: TeamStore, member: Member): Promise<boolean> {
  if (member.role !== "owner") return false;
  return (await team.listMembers()).filter((m) => m.role === "owner").length <= 1;
}

/** Sets a member's role, and their sign-in's group with it (also when the role stays: a repair). */
export async function changeRole(
  team: TeamStore,
  rawEmail: string,
  rawRole: unknown,
  directory: MemberDirectory = NO_MEMBER_DIRECTORY,
): Promise<TeamResult<{ member: Member; before: Role }>> {
  const role = validRole(rawRole);
  if (typeof role !== "string") return role;
  const email = rawEmail.trim().toLowerCase();
  const found = await team.getMember(email);
  if (!found) return { outcome: "not-found" };
  const set = async (member: Member): Promise<TeamResult<{ member: Member; before: Role }>> => {
    const updated = { ...member, role };
    await directory.setRole(member.email, role);
    if (role !== member.role) await team.putMember(updated);
    return { outcome: "ok", member: updated, before: member.role };
  };
  if (found.role !== "owner" || role === "owner") return set(found);
  // An owner demoted: checked and written while no other owner change runs, on the member as now.
  return whileOwnersLocked(team, async () => {
    const member = await team.getMember(email);
    if (!member) return { outcome: "not-found" };
    if (await isLastOwner(team, member)) return { outcome: "conflict", error: lastOwner(member.email) };
    return set(member);
  });
}

/**
 * Removes a member, their tokens and their sign-in (the directory first: should it fail, they are
 * still a member and the removal can be run again); the last owner stays.
 */
export async function removeMember(
  team: TeamStore,
  rawEmail: string,
  directory: MemberDirectory = NO_MEMBER_DIRECTORY,
): Promise<TeamResult<{ member: Member }>> {
  const email = rawEmail.trim().toLowerCase();
  const found = await team.getMember(email);
  if (!found) return { outcome: "not-found" };
  const remove = async (member: Member): Promise<TeamResult<{ member: Member }>> => {
    await directory.remove(member.email);
    await team.deleteMember(member.email);
    return { outcome: "ok", member };
  };
  if (found.role !== "owner") return remove(found);
  // An owner removed: as a demotion (changeRole), while no other owner change runs.
  return whileOwnersLocked(team, async () => {
    const member = await team.getMember(email);
    if (!member) return { outcome: "not-found" };
    if (await isLastOwner(team, member)) return { outcome: "conflict", error: lastOwner(member.email) };
    return remove(member);
  });
}

const info = ({ id, label, createdAt, lastUsedAt, expiresAt }: StoredToken): TokenInfo => ({
  id,
  label,
  createdAt,
  lastUsedAt,
  expiresAt,
});

/** A new token: the secret (to show once) and what is stored of it. */
function mintToken(
  email: string,
  label: string,
  now: Date,
  expiresAt: Date | null,
): { token: string; stored: StoredToken } {
  const token = `${TOKEN_PREFIX}${randomBytes(32).toString("base64url")}`;
  return {
    token,
    stored: {
      id: randomBytes(8).toString("hex"),
      email,
      hash: secretHash(token),
      label,
      createdAt: now.toISOString(),
      lastUsedAt: null,
      expiresAt: expiresAt ? expiresAt.toISOString() : null,
    },
  };
}

/** A new personal API token for a member; the token is returned once and only its hash is kept. */
export async function createToken(
  team: TeamStore,
  rawEmail: string,
  rawLabel: unknown,
  now: Date,
): Promise<TeamResult<{ id: string; token: string; info: TokenInfo }>> {
  if (rawLabel !== undefined && rawLabel !== null && typeof rawLabel !== "string")
    return { outcome: "invalid", field: "label", error: "label must be a string" };
  const label = (rawLabel ?? "").trim().slice(0, MAX_LABEL) || "API token";
  const member = await team.getMember(rawEmail.trim().toLowerCase());
  if (!member) return { outcome: "not-found" };
  const { token, stored } = mintToken(member.email, label, now, null);
  await team.putToken(stored);
  return { outcome: "ok", id: stored.id, token, info: info(stored) };
}

export async function listTokens(
  team: TeamStore,
  rawEmail: string,
): Promise<TeamResult<{ items: TokenInfo[] }>> {
  const email = rawEmail.trim().toLowerCase();
  if (!(await team.getMember(email))) return { outcome: "not-found" };
  const tokens = await team.listTokens(email);
  return { outcome: "ok", items: tokens.map(info).sort((a, b) => a.createdAt.localeCompare(b.createdAt)) };
}

export async function revokeToken(
  team: TeamStore,
  rawEmail: string,
  id: string,
): Promise<TeamResult<object>> {
  return (await team.deleteToken(rawEmail.trim().toLowerCase(), id))
    ? { outcome: "ok" }
    : { outcome: "not-found" };
}

/** A one-time sign-in code for the local owner (what `digest serve` prints in its console link). */
export async function mintSignInCode(team: TeamStore, now: Date): Promise<string> {
  const code = randomBytes(24).toString("base64url");
  const expiresAt = new Date(now.getTime() + SIGN_IN_CODE_MINUTES * 60_000).toISOString();
  await team.putSignInCode({ hash: secretHash(code), email: LOCAL_OWNER_EMAIL, expiresAt });
  return code;
}

/**
 * Exchanges a sign-in code (once) for a console session: a personal token of the local owner,
 * labelled "console session", expiring after SESSION_HOURS; null for a used, unknown or expired code.
 */
export async function exchangeSignInCode(
  team: TeamStore,
  code: string,
  now: Date,
): Promise<{ token: string; member: { email: string; role: Role } } | null> {
  if (!code) return null;
  const taken = await team.takeSignInCode(secretHash(code));
  if (!taken || taken.expiresAt <= now.toISOString()) return null;
  const expires = new Date(now.getTime() + SESSION_HOURS * 3_600_000);
  const { token, stored } = mintToken(taken.email, SESSION_LABEL, now, expires);
  await team.putToken({ ...stored, localOwner: true });
  return { token, member: { email: taken.email, role: "owner" } };
}

/** The members an approval request goes to: the team's owners and editors (approval-mail.ts's port). */
export function teamApprovers(team: Pick<TeamStore, "listMembers">): { approvers(): Promise<string[]> } {
  return {
    approvers: async () =>
      (await team.listMembers()).filter((m) => m.role === "owner" || m.role === "editor").map((m) => m.email),
  };
}

import {
  addMember,
  createToken,
  listMembers,
  removeMember,
  type TeamResult,
} from "../../core/team/team-admin.js";
import { cliActor } from "../cli-audit.js";
import { CommandError, type Io, parseFlags, UsageError } from "../cli-support.js";
import type { Runtime } from "../runtime.js";

/**
 * `digest team add|list|remove|token`: the admin team and personal API tokens, on the same core as
 * the /admin/team routes. Under --aws it is the deployed team, and the console's Cognito user pool
 * with it: `add` invites (Cognito mails a temporary password) into the role's group, a new role moves
 * the group, `remove` deletes the sign-in.
 */

function stopped(result: TeamResult<object>, what: string): void {
  if (result.outcome === "not-found") throw new CommandError(`${what} is no member of the team`);
  if (result.outcome === "invalid") throw new UsageError(result.error);
  if (result.outcome === "conflict") throw new CommandError(result.error);
}

function onlyEmail(positionals: string[], command: string): string {
  const [email, extra] = positionals;
  if (!email) throw new UsageError(`team ${command} needs an email`);
  if (extra !== undefined) throw new UsageError(`unexpected argument ${extra}`);
  return email;
}

/** `digest team add <email> --role owner|editor|viewer` (again: changes the role). */
export async function addMemberCommand(
  rt: Runtime,
  io: Io,
  args: string[],
  env: NodeJS.ProcessEnv,
): Promise<number> {
  const { values, positionals } = parseFlags(args, { role: { type: "string" } });
  const email = onlyEmail(positionals, "add");
  if (!values.role) throw new UsageError("team add needs --role owner|editor|viewer");
  const result = await addMember(
    rt.team(),
    { email, role: values.role },
    cliActor(env),
    new Date(),
    rt.memberDirectory(),
  );
  stopped(result, email);
  if (result.outcome !== "ok") return 1;
  const { member, created, before, invited } = result;
  io.out(created ? `added ${member.email} as ${member.role}` : `${member.email}: ${before} → ${member.role}`);
  if (rt.aws)
    io.out(
      invited
        ? `invited: Cognito mailed ${member.email} a temporary password for the admin console (valid 7 days)`
        : `${member.email} can sign in to the admin console already (no new invitation); group ${member.role}`,
    );
  else if (created) io.out(`their API token: digest team token ${member.email}`);
  return 0;
}

/** `digest team list [--json]`. */
export async function listMembersCommand(rt: Runtime, io: Io, args: string[]): Promise<number> {
  const { values, positionals } = parseFlags(args, { json: { type: "boolean" } });
  if (positionals.length > 0) throw new UsageError(`unexpected argument ${positionals[0]}`);
  const members = await listMembers(rt.team());
  if (values.json) {
    io.out(JSON.stringify(members, null, 2));
    return 0;
  }
  if (members.length === 0) io.out("no members yet: digest team add <email> --role owner|editor|viewer");
  for (const m of members) io.out(`${m.email}\t${m.role}\tadded ${m.createdAt.slice(0, 10)} by ${m.addedBy}`);
  return 0;
}

/** `digest team remove <email>`: the member and their tokens go; the last owner stays. */
export async function removeMemberCommand(rt: Runtime, io: Io, args: string[]): Promise<number> {
  const { positionals } = parseFlags(args, {});
  const email = onlyEmail(positionals, "remove");
  const result = await removeMember(rt.team(), email, rt.memberDirectory());
  stopped(result, email);
  io.out(
    `removed ${email.trim().toLowerCase()} and their tokens${rt.aws ? " and their console sign-in" : ""}`,
  );
  return 0;
}

/** `digest team token <email> [--label L]`: prints a new personal API token (shown this once). */
export async function memberTokenCommand(rt: Runtime, io: Io, args: string[]): Promise<number> {
  const { values, positionals } = parseFlags(args, { label: { type: "string" } });
  const email = onlyEmail(positionals, "token");
  const result = await createToken(rt.team(), email, values.label ?? "CLI", new Date());
  stopped(result, email);
  if (result.outcome !== "ok") return 1;
  io.out(result.token);
  io.err(
    `token ${result.id} for ${email}: shown once, stored hashed; send it as Authorization: Bearer <token>`,
  );
  return 0;
}

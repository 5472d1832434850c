import { randomUUID } from "node:crypto";
import { userInfo } from "node:os";
import { dayInZone, isDay } from "../core/kernel/dates.js";
import { type AuditEntry, auditTarget, ERASED_TARGET } from "../core/team/ports.js";
import type { Runtime } from "./runtime.js";

/**
 * The audit of CLI writes, in one place: `main` (cli.ts) calls recordCliWrite after a command that
 * writes succeeded. The entry names the command's action, its target (the arguments before the
 * first flag: addresses, ids, files) and the flags it was given, by name only: never a value, so no
 * secret a flag carried reaches the log. Reads (list, show, export, serve, preview) are not recorded.
 */
/** Who a CLI write is recorded as: `cli:<OS user>`. */
export function cliActor(env: NodeJS.ProcessEnv = process.env): string {
  let name = env.USER || env.LOGNAME || env.USERNAME || "";
  try {
    name ||= userInfo().username;
  } catch {}
  return `cli:${name || "unknown"}`;
}

export const CLI_AUDIT_ACTIONS: Record<string, string> = {
  "stories import": "story.import",
  "stories remove": "story.remove",
  "stories hold": "story.hold",
  "stories release": "story.release",
  "stories lead": "story.pick",
  "stories rank": "story.pick",
  "stories correct": "story.correct",
  "feeds add": "feed.add",
  "feeds remove": "feed.remove",
  "feeds poll": "feed.poll",
  "subscribers add": "subscriber.add",
  "subscribers import": "subscriber.import",
  "subscribers remove": "subscriber.unsubscribe",
  "subscribers update": "subscriber.update",
  "subscribers erase": "subscriber.erase",
  send: "edition.send",
  compose: "edition.compose",
  dispatch: "edition.dispatch",
  "suppressions add": "suppression.add",
  "suppressions remove": "suppression.remove",
  "suppressions import": "suppression.import",
  "ses-events": "ses-events.apply",
  "editions resend-failed": "edition.resend-failed",
  "editions cancel": "edition.cancel",
  "editions recount": "edition.recount",
  "team add": "team.add",
  "team remove": "team.remove",
  "team token": "team.token.create",
};

/** The audit action of `args` (the command line without --aws), or null for a read. */
export function cliAuditAction(args: string[]): { action: string; rest: string[] } | null {
  const [name = "", sub = ""] = args;
  if (args.includes("--dry-run")) return null;
  const two = CLI_AUDIT_ACTIONS[`${name} ${sub}`];
  if (two) return { action: two, rest: args.slice(2) };
  const one = CLI_AUDIT_ACTIONS[name];
  return one ? { action: one, rest: args.slice(1) } : null;
}

/** The commands of a day's edition: their target is the edition, the --date given or the day they ran for. */
const EDITION_DAY_ACTIONS = new Set(["edition.send", "edition.compose", "edition.dispatch"]);

/** The value of `--date` (as `--date D` or `--date=D`) when it is a day; any other value is never read. */
function dateFlag(rest: string[]): string | null {
  const at = rest.findIndex((a) => a === "--date" || a.startsWith("--date="));
  if (at < 0) return null;
  const flag = rest[at] ?? "";
  const value = flag.includes("=") ? flag.slice(flag.indexOf("=") + 1) : (rest[at + 1] ?? "");
  return isDay(value) ? value : null;
}

export function cliAuditEntry(
  args: string[],
  env: NodeJS.ProcessEnv,
  now: Date,
  timeZone = "UTC",
): AuditEntry | null {
  const found = cliAuditAction(args);
  if (!found) return null;
  const { action, rest } = found;
  const firstFlag = rest.findIndex((a) => a.startsWith("-"));
  const targets = firstFlag < 0 ? rest : rest.slice(0, firstFlag);
  const flags = rest.filter((a) => a.startsWith("--")).map((a) => a.split("=")[0]);
  const command = args.slice(0, args.length - rest.length).join(" ");
  const named = EDITION_DAY_ACTIONS.has(action)
    ? (dateFlag(rest) ?? dayInZone(now, timeZone))
    : targets.join(" ");
  return {
    id: randomUUID(),
    at: now.toISOString(),
    actor: cliActor(env),
    via: "cli",
    action,
    // An erasure leaves no address behind: in the audit log neither.
    target: action === "subscriber.erase" ? ERASED_TARGET : auditTarget(named.slice(0, 200)),
    summary: `digest ${command}${flags.length ? ` ${flags.join(" ")}` : ""}`.slice(0, 300),
  };
}

/** Records a CLI write that succeeded; a failure to record is said on stderr, the write stands. */
export async function recordCliWrite(
  rt: Runtime,
  args: string[],
  env: NodeJS.ProcessEnv,
  warn: (line: string) => void,
): Promise<void> {
  const entry = cliAuditEntry(args, env, new Date(), rt.config.timeZone);
  if (!entry) return;
  try {
    await rt.auditLog().record(entry);
  } catch (err) {
    warn(`digest: the audit log did not record this ${entry.action}: ${(err as Error).message}`);
  }
}

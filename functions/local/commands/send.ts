import { dayInZone } from "../../core/dates.js";
import { ALL_SECTIONS, variantKey } from "../../core/edition.js";
import {
  composeEdition,
  deliverEdition,
  renderVariant,
  type SendAlert,
  type SendSummary,
  summaryLine,
} from "../../core/send-edition.js";
import type { Subscriber } from "../../core/subscribers.js";
import { type Io, parseFlags, requireDay, UsageError } from "../cli-support.js";
import type { Runtime } from "../runtime.js";

/** Progress on a terminal (stderr, a quarter second apart at most); none when piped. */
export function progressReporter(io: Io) {
  if (!io.interactive) return undefined;
  let last = 0;
  return (done: number, s: SendSummary) => {
    const now = Date.now();
    if (now - last < 250) return;
    last = now;
    process.stderr.write(
      `\r  ${done} recipients processed: sent=${s.sent} already_sent=${s.alreadySent} failed=${s.failed}   `,
    );
  };
}

/**
 * `digest send [--date D] [--dry-run] [--resume-halted]`: builds the day's edition and sends it; a rerun
 * resumes and never sends anyone the same edition twice. Exit 1 when any recipient failed, the quota
 * stopped it, or the safety pause halted it (a halted edition continues only with --resume-halted).
 */
export async function sendCommand(rt: Runtime, io: Io, args: string[]): Promise<number> {
  const { values, positionals } = parseFlags(args, {
    date: { type: "string" },
    "dry-run": { type: "boolean" },
    "resume-halted": { type: "boolean" },
  });
  if (positionals.length > 0) throw new UsageError(`unexpected argument ${positionals[0]}`);
  const day = requireDay(values.date, "--date") ?? dayInZone(new Date(), rt.config.timeZone);
  const deps = await rt.deps();
  const composed = await composeEdition(deps, day, { dryRun: values["dry-run"] });
  if (composed.kind === "empty") {
    io.out(composed.reason);
    return 0;
  }
  if (composed.kind === "cancelled") {
    io.out(`edition ${composed.edition.editionId} was cancelled: nothing sent`);
    return 0;
  }
  const { edition } = composed;
  const leftOut = Object.values(edition.leftOutBySection).reduce((a, b) => a + b, 0);
  if (values["dry-run"]) return dryRun(io, deps, edition, leftOut);
  if (leftOut > 0)
    io.err(`${leftOut} stor${leftOut === 1 ? "y" : "ies"} left out to stay under Gmail's clip`);
  if (edition.haltedBecause && !values["resume-halted"]) {
    io.err(
      `digest: edition ${edition.editionId} is halted: ${edition.haltedBecause}; nothing sent. ` +
        `Rerun with --resume-halted to continue once the cause is dealt with.`,
    );
    return 1;
  }
  const progress = progressReporter(io);
  const summary = await deliverEdition(
    { ...deps, onProgress: progress, onAlert: alertPrinter(io) },
    edition,
    {
      resumeHalted: values["resume-halted"],
      onBatchError: batchErrorPrinter(io, progress),
    },
  );
  if (progress) process.stderr.write("\n");
  if (summary.stoppedBecause) {
    const rerun = summary.haltedBecause
      ? "rerun with --resume-halted once the cause is dealt with"
      : "rerun later to resume";
    io.err(`stopped: ${summary.stoppedBecause}; ${summary.remaining} left: ${rerun}`);
  }
  if (rt.outboxRoot && summary.sent + summary.alreadySent > 0)
    io.err(`outbox: ${rt.outboxRoot}/${edition.editionId}/`);
  io.out(summaryLine(summary));
  return summary.failed > 0 || summary.stoppedBecause ? 1 : 0;
}

/** Prints the safety pause's alert (stderr). */
export function alertPrinter(io: Io) {
  return (a: SendAlert) =>
    io.err(
      `ALERT: edition ${a.editionId} paused itself: ${a.reason}. Check the bounces and complaints ` +
        `(digest suppressions list), then rerun with --resume-halted to continue.`,
    );
}

/**
 * Reports a queue message whose processing threw: it comes back for another delivery, and after the
 * last one its recipients count as failed.
 */
export function batchErrorPrinter(io: Io, progress: unknown) {
  return (error: Error, receiveCount: number) => {
    if (progress) process.stderr.write("\n");
    io.err(`digest: processing a queue message failed (delivery ${receiveCount}): ${error.message}`);
  };
}

/** Shows what each section set would get, sending nothing and storing nothing. */
async function dryRun(
  io: Io,
  deps: Awaited<ReturnType<Runtime["deps"]>>,
  edition: Parameters<typeof renderVariant>[1] & { editionId: string },
  leftOut: number,
): Promise<number> {
  const groups = new Map<string, number>();
  let skipped = 0;
  let cursor: string | null = null;
  do {
    const page: { items: Subscriber[]; nextCursor: string | null } = await deps.subscribers.list(
      { status: "active" },
      cursor,
      500,
    );
    for (const s of page.items) {
      const key = variantKey(s.sections, edition.sections);
      if (key === null) skipped++;
      else groups.set(key, (groups.get(key) ?? 0) + 1);
    }
    cursor = page.nextCursor;
  } while (cursor);
  io.out(`dry run: edition ${edition.editionId}, ${edition.stories.length} stories, ${leftOut} left out`);
  if (!groups.has(ALL_SECTIONS)) groups.set(ALL_SECTIONS, 0);
  for (const [key, recipients] of groups) {
    const variant = renderVariant(deps, edition, key);
    io.out(`\n[${key}] ${recipients} recipient(s), ${Buffer.byteLength(variant.html)} bytes of HTML`);
    io.out(`  subject: ${variant.subject}`);
    const sections = key === ALL_SECTIONS ? edition.sections : key.split("|");
    for (const section of sections) {
      for (const s of edition.stories.filter((x) => x.section === section))
        io.out(`  ${section}: ${s.headline}`);
    }
  }
  if (skipped > 0) io.out(`\n${skipped} active subscriber(s) have no story in their sections today`);
  return 0;
}

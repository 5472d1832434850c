import type { EditionDeps } from "../../core/delivery/edition-sender.js";
import type { QueueRunDeps } from "../../core/delivery/queue-run.js";
import type { SendAlert } from "../../core/delivery/safety-pause.js";
import { EDITION_CANCELLED } from "../../core/delivery/send-batch.js";
import { deliverEdition, stopMessage, summaryLine } from "../../core/delivery/send-edition.js";
import type { SendSummary } from "../../core/delivery/send-summary.js";
import { composeEdition } from "../../core/edition/compose.js";
import { dayInZone } from "../../core/kernel/dates.js";
import type { EditionRecord } from "../../core/kernel/ports.js";
import { teamApprovers } from "../../core/team/team-admin.js";
import { CommandError, type Io, parseFlags, requireDay, UsageError } from "../cli-support.js";
import type { Runtime } from "../runtime.js";
import { dryRunCommand } from "./dry-run.js";
import { waitForApproval } from "./edition-approval.js";

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
 * `digest send [--date D] [--dry-run [--json]] [--resume-halted] [--no-wait]`: builds the day's edition
 * and sends it (with config `approval`, once approved: see edition-approval.ts);
 * a rerun resumes and never sends anyone the same edition twice. Exit 1 when any recipient failed, the
 * quota stopped it, the safety pause halted it (a halted edition continues only with --resume-halted)
 * or the edition was cancelled. `--dry-run` shows what each section set would get (see dry-run.ts).
 */
export async function sendCommand(rt: Runtime, io: Io, args: string[]): Promise<number> {
  const { values, positionals } = parseFlags(args, {
    date: { type: "string" },
    "dry-run": { type: "boolean" },
    "resume-halted": { type: "boolean" },
    "no-wait": { type: "boolean" },
    json: { type: "boolean" },
  });
  if (positionals.length > 0) throw new UsageError(`unexpected argument ${positionals[0]}`);
  if (values.json && !values["dry-run"]) throw new UsageError("--json goes with --dry-run");
  const day = requireDay(values.date, "--date") ?? dayInZone(new Date(), rt.config.timeZone);
  const deps = await rt.deps();
  if (values["dry-run"]) return dryRunCommand(io, deps, day, values.json === true);
  const composed = await composeEdition(deps, day);
  if (composed.kind === "empty") {
    io.out(composed.reason);
    return 0;
  }
  if (composed.kind === "cancelled") {
    throw new CommandError(
      `edition ${composed.edition.editionId} was cancelled (digest editions cancel): it is not resumed; nothing sent`,
    );
  }
  const edition = await waitForApproval(io, deps, composed, {
    wait: !values["no-wait"],
    team: teamApprovers(rt.team()),
  });
  if (!edition) return 0;
  const leftOut = Object.values(edition.leftOutBySection).reduce((a, b) => a + b, 0);
  if (leftOut > 0)
    io.err(`${leftOut} stor${leftOut === 1 ? "y" : "ies"} left out to stay under Gmail's clip`);
  if (edition.haltedBecause && !values["resume-halted"]) {
    io.err(
      `digest: edition ${edition.editionId} is halted: ${edition.haltedBecause}; nothing sent. ` +
        `Rerun with --resume-halted to continue once the cause is dealt with.`,
    );
    return 1;
  }
  return deliverAndReport(rt, io, deps, edition, { resumeHalted: values["resume-halted"] });
}

/**
 * Delivers `edition` (deliverEdition) with progress and alerts on the terminal, and prints the
 * summary line; exit 1 when a recipient failed or the run stopped early. `digest send` and
 * `digest editions approve` end here.
 */
export async function deliverAndReport(
  rt: Runtime,
  io: Io,
  deps: QueueRunDeps,
  edition: EditionRecord,
  opts: { resumeHalted?: boolean } = {},
): Promise<number> {
  const progress = progressReporter(io);
  const summary = await deliverEdition(
    { ...deps, onProgress: progress, onAlert: alertPrinter(io) },
    edition,
    {
      resumeHalted: opts.resumeHalted,
      onBatchError: batchErrorPrinter(io, progress),
    },
  );
  if (progress) process.stderr.write("\n");
  if (summary.stoppedBecause === EDITION_CANCELLED) {
    io.err(`stopped: edition ${edition.editionId} was cancelled; ${summary.remaining} recipient(s) not sent`);
  } else if (summary.stoppedBecause) {
    io.err(stopMessage(summary) ?? "");
  }
  if (rt.outboxRoot && summary.sent + summary.alreadySent > 0)
    io.err(`outbox: ${rt.outboxRoot}/${edition.editionId}/`);
  if (summary.skipped > 0) await explainSkipped(deps, edition, summary.skipped, io);
  io.out(summaryLine(summary));
  return summary.failed > 0 || summary.stoppedBecause ? 1 : 0;
}

/** Most skipped recipients named after a send; the others are counted. */
const MAX_NAMED_SKIPS = 20;

/**
 * Says on stderr whom the send skipped and why. A recipient is skipped for one reason: the sections
 * they chose have nothing in this edition (suppressed ones are counted apart). Read back from the
 * send ledger's "skipped" entries of the edition, at most MAX_NAMED_SKIPS by address.
 */
async function explainSkipped(
  deps: EditionDeps,
  edition: { editionId: string; sections: readonly string[] },
  skipped: number,
  io: Io,
): Promise<void> {
  const ids: string[] = [];
  let cursor: string | null = null;
  do {
    const page = await deps.ledger.list(edition.editionId, ["skipped"], cursor, MAX_NAMED_SKIPS - ids.length);
    ids.push(...page.items.map((entry) => entry.subscriberId));
    cursor = page.nextCursor;
  } while (cursor && ids.length < MAX_NAMED_SKIPS);
  const subscribers = await Promise.all(ids.map((id) => deps.subscribers.getById(id)));
  subscribers.forEach((s, i) => {
    const who = s ? s.email : `subscriber ${ids[i]} (no longer on the list)`;
    const chose = s?.sections.length ? `chose ${s.sections.join(", ")}; ` : "";
    io.err(`skipped: ${who}: ${chose}this edition has nothing in those sections`);
  });
  if (skipped > ids.length) {
    io.err(
      `skipped: … and ${skipped - ids.length} more, for the same reason (digest editions show ${edition.editionId})`,
    );
  }
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

import { DynamoEditionStore } from "../../adapters/dynamo/edition-store.js";
import { DynamoSendLedger } from "../../adapters/dynamo/send-ledger.js";
import { resendFailed } from "../../core/delivery/resend-failed.js";
import { stopMessage, summaryLine } from "../../core/delivery/send-edition.js";
import { DEFAULT_EDITION_DAYS, MAX_EDITION_DAYS, recountEdition } from "../../core/edition/edition-admin.js";
import { describeEngagement, describeRates, formatRate } from "../../core/events/edition-stats.js";
import {
  type EditionStatsDeps,
  editionReportWithStats,
  listEditionsWithStats,
} from "../../core/events/edition-stats-report.js";
import { CommandError, type Io, parseFlags, requireDay, UsageError } from "../cli-support.js";
import type { Runtime } from "../runtime.js";
import { alertPrinter, batchErrorPrinter, progressReporter } from "./send.js";

/** `digest editions list|show`: the same core functions as GET /admin/editions[/{id}]. */
function deps(rt: Runtime): EditionStatsDeps {
  return {
    editions: new DynamoEditionStore(rt.db, rt.tables.editions),
    ledger: new DynamoSendLedger(rt.db, rt.tables.sends),
    config: rt.config,
    clock: () => new Date(),
  };
}

/**
 * `digest editions show <id> [--json]`: status, stories, per-recipient counts from the ledger and the
 * delivery figures from SES events (rates against SES's thresholds, with a verdict).
 */
export async function showEditionCommand(rt: Runtime, io: Io, args: string[]): Promise<number> {
  const { values, positionals } = parseFlags(args, { json: { type: "boolean" } });
  if (positionals.length !== 1) throw new UsageError("editions show takes one edition id");
  const id = positionals[0] as string;
  const report = await editionReportWithStats(deps(rt), id);
  if (!report) throw new CommandError(`no edition ${id}`);
  if (values.json) {
    io.out(JSON.stringify(report, null, 2));
    return 0;
  }
  const { counts, delivery } = report;
  io.out(`edition ${report.id} (${report.date}): ${report.status}`);
  if (report.haltedBecause) io.out(`halted: ${report.haltedBecause}`);
  io.out(
    `stories: ${report.stories.length} in ${report.sections.join(", ")}${report.leftOut ? `, ${report.leftOut} left out` : ""}`,
  );
  for (const d of report.dropped) io.out(`dropped: ${d.headline} (${d.section}): ${d.reason}`);
  // queued: claimed and not yet sent (in flight, or left by a crashed sender until its lease runs out).
  io.out(
    `recipients: queued=${counts.queued} sent=${counts.sent} failed=${counts.failed} rejected=${counts.rejected} suppressed=${counts.suppressed} skipped=${counts.skipped}`,
  );
  if (report.countedFrom === "entries") {
    io.out(
      `counted from every ledger entry (sent before counters were kept): digest editions recount ${report.id}`,
    );
  }
  if (counts.failed + counts.rejected > 0) {
    const flag = counts.rejected > 0 ? " [--include-rejected]" : "";
    io.out(`retry the failed ones: digest editions resend-failed ${report.id}${flag}`);
  }
  io.out(
    `delivery: sent=${delivery.sent} delivered=${delivery.delivered} (${formatRate(delivery.deliveryRate)}) ` +
      `bounced=${delivery.bounced} soft_bounced=${delivery.softBounced} complained=${delivery.complained}`,
  );
  for (const line of describeEngagement(delivery)) io.out(line);
  for (const line of describeRates(delivery)) io.out(line);
  io.out(`verdict: ${delivery.verdict}`);
  for (const note of delivery.notes) io.out(`note: ${note}`);
  return 0;
}

/**
 * `digest editions recount <id> [--json]`: rebuilds the edition's ledger counters from its entries
 * (an edition sent before they existed, or one a crashed sender left short); prints the counts.
 */
export async function recountEditionCommand(rt: Runtime, io: Io, args: string[]): Promise<number> {
  const { values, positionals } = parseFlags(args, { json: { type: "boolean" } });
  if (positionals.length !== 1) throw new UsageError("editions recount takes one edition id");
  const id = positionals[0] as string;
  const result = await recountEdition(deps(rt), id);
  if (result.outcome === "not-found") throw new CommandError(`no edition ${id}`);
  if (result.outcome === "refused") throw new CommandError(result.reason);
  const { counts } = result;
  if (values.json) {
    io.out(JSON.stringify(counts, null, 2));
    return 0;
  }
  io.out(
    `edition ${id} recounted: queued=${counts.sending} sent=${counts.sent} failed=${counts.failed} ` +
      `rejected=${counts.rejected} suppressed=${counts.suppressed} skipped=${counts.skipped}`,
  );
  return 0;
}

/**
 * `digest editions resend-failed <id> [--include-rejected] [--json]`: retries the recipients whose send
 * failed (permanent rejections only with --include-rejected), through the same queue and sender as
 * `digest send`; nobody already sent is touched. Prints the send summary line; exit 1 when some still
 * fail or the quota stopped it.
 */
export async function resendFailedCommand(rt: Runtime, io: Io, args: string[]): Promise<number> {
  const { values, positionals } = parseFlags(args, {
    "include-rejected": { type: "boolean" },
    json: { type: "boolean" },
  });
  if (positionals.length !== 1) throw new UsageError("editions resend-failed takes one edition id");
  const id = positionals[0] as string;
  const deps = await rt.deps();
  const progress = values.json ? undefined : progressReporter(io);
  const result = await resendFailed({ ...deps, onProgress: progress, onAlert: alertPrinter(io) }, id, {
    includeRejected: values["include-rejected"],
    onBatchError: batchErrorPrinter(io, progress),
  });
  if (progress) process.stderr.write("\n");
  if (result.outcome === "not-found") throw new CommandError(`no edition ${id}`);
  if (result.outcome === "refused") throw new CommandError(result.reason);
  const { summary, retried, rejectedLeft, gone } = result;
  const stillFailing = summary.failed > 0 || summary.stoppedBecause !== null;
  if (values.json) {
    io.out(JSON.stringify({ ...summary, retried, rejectedLeft, gone }, null, 2));
    return stillFailing ? 1 : 0;
  }
  if (retried === 0) io.err(`edition ${id}: no failed recipients to resend`);
  if (gone > 0) io.err(`${gone} failed recipient(s) no longer exist (erased): not sent`);
  if (rejectedLeft > 0) {
    io.err(
      `${rejectedLeft} rejected recipient(s) not retried (a permanent rejection, e.g. a bad address, ` +
        "is likely to repeat): add --include-rejected to retry them",
    );
  }
  const stopped = stopMessage(summary);
  if (stopped) io.err(stopped);
  io.out(summaryLine(summary));
  return stillFailing ? 1 : 0;
}

/** `digest editions list [--json] [--days N] [--to YYYY-MM-DD]`: editions of the last N days, newest first. */
export async function listEditionsCommand(rt: Runtime, io: Io, args: string[]): Promise<number> {
  const { values, positionals } = parseFlags(args, {
    json: { type: "boolean" },
    days: { type: "string" },
    to: { type: "string" },
  });
  if (positionals.length > 0) throw new UsageError(`unexpected argument ${positionals[0]}`);
  const days = values.days === undefined ? DEFAULT_EDITION_DAYS : Number(values.days);
  if (!Number.isInteger(days) || days < 1 || days > MAX_EDITION_DAYS) {
    throw new UsageError(`--days expects a whole number from 1 to ${MAX_EDITION_DAYS}`);
  }
  const { items } = await listEditionsWithStats(deps(rt), { to: requireDay(values.to, "--to"), days });
  if (values.json) {
    io.out(JSON.stringify(items, null, 2));
    return 0;
  }
  for (const e of items) {
    const d = e.delivery;
    io.out(
      `${e.id.padEnd(12)} ${e.status.padEnd(10)} stories=${e.stories}${e.leftOut ? ` left_out=${e.leftOut}` : ""} ` +
        `sent=${d.sent} delivered=${d.delivered} bounce=${formatRate(d.bounceRate.rate)} ` +
        `complaint=${formatRate(d.complaintRate.rate)} ${d.verdict}  ${e.updatedAt}`,
    );
  }
  io.out(
    `${items.length} edition${items.length === 1 ? "" : "s"} in the ${days} days to ${values.to ?? "today"}`,
  );
  return 0;
}

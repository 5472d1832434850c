import { dispatchDue } from "../../core/dispatch.js";
import type { RecipientBatch } from "../../core/ports.js";
import { deliverRecipients } from "../../core/send-edition.js";
import { CommandError, type Io, parseFlags, UsageError } from "../cli-support.js";
import type { Runtime } from "../runtime.js";

/**
 * `digest dispatch [--at ISO]`: local morning delivery by hand (deployed, an hourly schedule runs it):
 * sends the current edition to the active subscribers whose delivery hour is the hour of `--at` (now
 * by default) in their own zone. Rerunning it sends nobody twice.
 */
export async function dispatchCommand(rt: Runtime, io: Io, args: string[]): Promise<number> {
  const { values, positionals } = parseFlags(args, { at: { type: "string" } });
  if (positionals.length > 0) throw new UsageError(`unexpected argument ${positionals[0]}`);
  const at = values.at === undefined ? new Date() : new Date(values.at);
  if (Number.isNaN(at.getTime())) throw new UsageError(`--at expects an ISO 8601 time, got "${values.at}"`);
  const deps = await rt.deps();
  const totals = { recipients: 0, sent: 0, alreadySent: 0, skipped: 0, suppressed: 0, failed: 0 };
  const batches: RecipientBatch[] = [];
  let summary: Awaited<ReturnType<typeof dispatchDue>>;
  try {
    summary = await dispatchDue({ ...deps, queue: { enqueue: async (b) => void batches.push(...b) } }, at);
  } catch (err) {
    if ((err as Error).name === "ValidationException" && /bySlot/.test((err as Error).message)) {
      throw new CommandError(
        "this data directory's subscribers table predates the local-delivery index: start from a fresh DIGEST_HOME",
      );
    }
    throw err;
  }
  if (!summary.editionId) {
    io.out(`no edition going out for ${at.toISOString()}: nothing dispatched`);
    return 0;
  }
  const edition = await deps.editions.get(summary.editionId);
  if (!edition) throw new CommandError(`edition ${summary.editionId} vanished`);
  for (const batch of batches) {
    const s = await deliverRecipients(deps, edition, batch.emails);
    totals.recipients += s.recipients;
    totals.sent += s.sent;
    totals.alreadySent += s.alreadySent;
    totals.skipped += s.skipped;
    totals.suppressed += s.suppressed;
    totals.failed += s.failed;
  }
  io.out(
    `dispatch at=${at.toISOString()} edition=${summary.editionId} recipients=${totals.recipients} sent=${totals.sent} ` +
      `already_sent=${totals.alreadySent} skipped=${totals.skipped} suppressed=${totals.suppressed} failed=${totals.failed}`,
  );
  return totals.failed > 0 ? 1 : 0;
}

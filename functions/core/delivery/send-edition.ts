import { isStale, rerenderIfStale } from "../edition/edition-rerender.js";
import { ledgerCountsOf } from "../edition/ledger-counts.js";
import type { EditionRecord } from "../kernel/ports.js";
import { createEditionSender, type EditionDeps } from "./edition-sender.js";
import { fanOutEdition } from "./fan-out.js";
import { deliverThroughQueue, type QueueDeliverOptions, type QueueRunDeps } from "./queue-run.js";
import { RecipientSendError } from "./recipient-send-error.js";
import { EDITION_CANCELLED } from "./send-batch.js";
import { QUOTA_STOP } from "./send-quota.js";
import { sendToRecipients } from "./send-recipients.js";
import { emptySummary, type SendSummary } from "./send-summary.js";

/**
 * The daily job's second half: deliver the composed edition (edition/compose.ts) to every active
 * subscriber exactly once, resuming where an earlier run stopped. The sending engine itself is in
 * edition-sender.ts, the per-queue-message step in send-batch.ts.
 */

/**
 * Sends the edition to every active subscriber who has not had it, the way the deployed stack does:
 * fan-out (a new delivery round: pages of the sharded status index, ≤ 50 addresses a message) into an
 * in-process queue with SQS's contract, drained by consumers that run the send Lambda's per-message
 * step (`processRecipientBatch`) and settle each message as it does, sharing one pacer at the mailer's
 * MaxSendRate. The last message to settle sets the edition's final status (edition-delivery.ts):
 * "sent", or "partial" when a recipient failed or the run stopped early; an edition cancelled
 * meanwhile stays "cancelled". An edition halted by the safety pause is left alone (nothing sent)
 * unless `opts.resumeHalted`.
 */
export async function deliverEdition(
  deps: QueueRunDeps,
  edition: EditionRecord,
  opts: Omit<QueueDeliverOptions, "sentBefore"> = {},
): Promise<SendSummary> {
  // A correction made while it awaited approval, not rendered yet (made where no renderer was):
  // rendered before the first reader is queued. (The sending engine checks the stored edition again.)
  if (isStale(edition)) await rerenderIfStale(deps, edition.editionId);
  const sentBefore = (await ledgerCountsOf(deps.ledger, edition)).sent;
  const { summary, refused } = await deliverThroughQueue(
    deps,
    edition,
    async (queue) =>
      (await fanOutEdition({ subscribers: deps.subscribers, queue, editions: deps.editions }, edition))
        .recipients,
    { ...opts, sentBefore },
  );
  if (refused || (await deps.editions.getStatus(edition.editionId)) !== "cancelled") return summary;
  // Cancelled while sending (`digest editions cancel`), which is final. Messages in flight at the
  // cancel still went out: the archive keeps the edition for them.
  if (summary.sent > 0) await deps.editions.markReachedReaders(edition.editionId);
  return { ...summary, stoppedBecause: summary.stoppedBecause ?? EDITION_CANCELLED };
}

/**
 * Sends the edition to the given addresses with an engine of its own (no queue): each is looked up
 * again, so someone who unsubscribed or was suppressed since is not mailed. The edition's status is
 * left to the ledger's counts. Throws, once every send settled, when one failed with an error other
 * than a MailError (those recipients are left failed, for a retry).
 */
export async function deliverRecipients(
  deps: EditionDeps,
  edition: EditionRecord,
  emails: readonly string[],
): Promise<SendSummary> {
  const sender = await createEditionSender(deps, edition);
  const tally = emptySummary(edition);
  const { errors } = await sendToRecipients(deps, sender, emails, tally);
  await deps.ledger.flushCounts();
  if (errors.length > 0) throw new Error(RecipientSendError.summarise(errors), { cause: errors[0]?.cause });
  const { stoppedBecause, haltedBecause } = sender.summary;
  return { ...tally, stoppedBecause, haltedBecause };
}

/**
 * The line that says why a run stopped early and what to do, or null when it did not stop. A daily
 * quota stop says how many were not sent and that a rerun after the quota resets resumes.
 */
export function stopMessage(s: SendSummary): string | null {
  if (!s.stoppedBecause) return null;
  const left = `${s.remaining.toLocaleString("en-US")} left`;
  if (s.haltedBecause) {
    return `stopped: ${s.stoppedBecause}; ${left}: rerun with --resume-halted once the cause is dealt with`;
  }
  if (s.stoppedBecause.startsWith(QUOTA_STOP)) {
    return `stopped: ${s.stoppedBecause}; ${left}, not sent: rerun after the quota resets (it resumes)`;
  }
  return `stopped: ${s.stoppedBecause}; ${left}: rerun later to resume`;
}

/** Formats the summary line of `digest send` (the contract other tools parse). */
export function summaryLine(s: SendSummary): string {
  return (
    `edition=${s.editionId} stories=${s.stories} recipients=${s.recipients} sent=${s.sent} ` +
    `already_sent=${s.alreadySent} skipped=${s.skipped} suppressed=${s.suppressed} failed=${s.failed}` +
    (s.remaining > 0 ? ` remaining=${s.remaining}` : "")
  );
}

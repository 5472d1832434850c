import type { EditionRecord, RecipientBatch } from "../kernel/ports.js";
import { settlementOf, settleQueueMessage } from "./edition-delivery.js";
import {
  createEditionSender,
  type DeliverOptions,
  type EditionDeps,
  type EditionSender,
} from "./edition-sender.js";
import { RecipientSendError } from "./recipient-send-error.js";
import { type BatchOutcomes, sendToRecipients } from "./send-recipients.js";
import { emptySummary, type SendSummary } from "./send-summary.js";

/**
 * One queue message of the send queue, processed the same way wherever it is consumed: by the send
 * Lambda (SQS event source) and by the local run (the in-process queue, `deliverThroughQueue` in
 * queue-run.ts).
 */

/**
 * What a process keeps between queue messages: each edition it sends (loaded once) and one sending
 * engine per edition, so every message handled by the process shares one pacer, one concurrency limit,
 * the rendered variants and the safety pause. The send Lambda keeps one per container; a local run
 * one per run.
 */
export interface SendBatchCache {
  /** The stored edition (loaded once, again after `maxAgeMs`), or null when there is none. */
  edition(deps: EditionDeps, editionId: string): Promise<EditionRecord | null>;
  /** The engine of `edition`, created on first use. */
  sender(deps: EditionDeps, edition: EditionRecord): Promise<EditionSender>;
  /** Drops what is kept about an edition: the next message loads it and starts a new engine. */
  forget(editionId: string): void;
}

export interface SendBatchCacheOptions {
  /** How long an edition and its engine are reused (the Lambda re-reads now and then). Default: forever. */
  maxAgeMs?: number;
  /** For every engine the cache starts (the local run: the edition's ledger count and --resume-halted). */
  deliver?: DeliverOptions & { sentBefore?: number };
  now?: () => number;
}

export function createSendCache(opts: SendBatchCacheOptions = {}): SendBatchCache {
  const maxAgeMs = opts.maxAgeMs ?? Number.POSITIVE_INFINITY;
  const clock = opts.now ?? Date.now;
  const entries = new Map<
    string,
    { at: number; edition: Promise<EditionRecord | null>; sender?: Promise<EditionSender> }
  >();
  const entryFor = (deps: EditionDeps, editionId: string, known?: EditionRecord) => {
    let entry = entries.get(editionId);
    if (entry && clock() - entry.at > maxAgeMs) entry = undefined;
    if (!entry) {
      const edition = known ? Promise.resolve(known) : deps.editions.get(editionId);
      const created = { at: clock(), edition };
      entries.set(editionId, created);
      edition.catch(() => {
        if (entries.get(editionId) === created) entries.delete(editionId);
      });
      entry = created;
    }
    return entry;
  };
  return {
    edition: (deps, editionId) => entryFor(deps, editionId).edition,
    sender(deps, edition) {
      const entry = entryFor(deps, edition.editionId, edition);
      if (!entry.sender) {
        const sender = createEditionSender(deps, edition, opts.deliver);
        entry.sender = sender;
        sender.catch(() => {
          if (entries.get(edition.editionId) === entry) entries.delete(edition.editionId);
        });
      }
      return entry.sender;
    },
    forget(editionId) {
      entries.delete(editionId);
    },
  };
}

/**
 * done: delete the message. retry: some recipient may still be reached (transient failures to the end,
 * the daily quota): fail the message so the queue delivers it again. dropped: consumed without sending
 * (the edition was cancelled, or halted by the safety pause: `send --resume-halted` continues it).
 */
export type BatchVerdict = "done" | "retry" | "dropped";

/** Why a send stopped when its edition was cancelled (`digest editions cancel`). */
export const EDITION_CANCELLED = "edition cancelled";

export interface RecipientBatchResult {
  verdict: BatchVerdict;
  /** Why the message is retried or dropped. */
  reason: string | null;
  /** This message's counts (`recipients`: its addresses that are still active subscribers). */
  summary: SendSummary;
  outcomes: BatchOutcomes;
}

/**
 * A queue message whose processing ended with unexpected errors (not MailErrors: a bug, an SDK or a
 * store failure), thrown once every recipient of the message settled. `result` holds the message's
 * counts and outcomes as they are (those recipients count as failed, retryable, their claims
 * released); the message must fail so the queue delivers it again. The message is the errors'
 * (each distinct one once).
 */
export class RecipientBatchError extends Error {
  override name = "RecipientBatchError";
  constructor(
    readonly errors: readonly RecipientSendError[],
    readonly result: RecipientBatchResult,
  ) {
    super(RecipientSendError.summarise(errors), { cause: errors[0]?.cause });
  }
}

/**
 * Processes one queue message (up to 50 addresses of an edition): the body of the send Lambda and of
 * each local consumer. Recipients already in the ledger are skipped, so a redelivery, a Lambda retry
 * or a second consumer sends nobody twice. Throws when the edition does not exist (the queue retries
 * the message and dead-letters it in the end), and a RecipientBatchError, only after all of the
 * message's sends settled, when a recipient's send failed with an error other than a MailError.
 */
export async function processRecipientBatch(
  deps: EditionDeps,
  batch: RecipientBatch,
  cache: SendBatchCache,
): Promise<RecipientBatchResult> {
  const edition = await cache.edition(deps, batch.editionId);
  if (!edition) {
    cache.forget(batch.editionId);
    throw new Error(`edition ${batch.editionId} does not exist`);
  }
  // Read afresh for every message (the cache may predate a cancel): a cancel stops the send within a
  // message. Its recipients are acknowledged unsent (counted as remaining), the ledger left untouched.
  // Only the status is read: the edition item holds every story, and this runs once per message.
  const status =
    edition.status === "cancelled" ? edition.status : await deps.editions.getStatus(batch.editionId);
  if (status === "cancelled") {
    const unique = [...new Set(batch.emails)];
    const summary = { ...emptySummary(edition), remaining: unique.length, stoppedBecause: EDITION_CANCELLED };
    const outcomes: BatchOutcomes = new Map(unique.map((email) => [email, "remaining"]));
    return { verdict: "dropped", reason: EDITION_CANCELLED, summary, outcomes };
  }
  const sender = await cache.sender(deps, edition);
  const summary = emptySummary(edition);
  const { outcomes, errors } = await sendToRecipients(deps, sender, batch.emails, summary);
  // The ledger's per-state counters: what this message's writes changed (and any other message of
  // this process that settled meanwhile), one ADD. Same caveat as `sent` below.
  await deps.ledger.flushCounts();
  // The edition's `sent` counter, so that lists need not read the ledger: one ADD per message. Exact
  // under redelivery (a recipient already in the ledger comes back "already_sent", never "sent");
  // only a crash between the sends and this write leaves the counter short (the ledger stays exact).
  await deps.editions.addStats(edition.editionId, { sent: summary.sent });
  const result = verdictOf(edition, summary, outcomes, cache);
  // Thrown, not folded into "retry": an unexpected error is likely a bug and must reach the logs (the
  // Lambda fails this message alone; the local run reports it), but only now that nothing is in flight.
  if (errors.length > 0) throw new RecipientBatchError(errors, result);
  return result;
}

/** What becomes of a processed message, by its counts. */
function verdictOf(
  edition: EditionRecord,
  summary: SendSummary,
  outcomes: BatchOutcomes,
  cache: SendBatchCache,
): RecipientBatchResult {
  if (summary.haltedBecause) {
    // The ledger knows who was not reached; `digest send --date D --resume-halted` sends to them.
    cache.forget(edition.editionId);
    return { verdict: "dropped", reason: `edition halted: ${summary.haltedBecause}`, summary, outcomes };
  }
  if (summary.stoppedBecause || summary.retryable > 0) {
    // A quota stop holds for this engine only: the next message starts afresh (the quota is rolling).
    if (summary.stoppedBecause) cache.forget(edition.editionId);
    const left = summary.remaining + summary.retryable;
    const why = summary.stoppedBecause ? `: ${summary.stoppedBecause}` : "";
    return { verdict: "retry", reason: `${left} recipient(s) left for a retry${why}`, summary, outcomes };
  }
  return { verdict: "done", reason: null, summary, outcomes };
}

/** Where a queue message is in its life: how often it was delivered, and how often it may be. */
export interface MessageDelivery {
  /** Deliveries so far, this one included (SQS ApproximateReceiveCount). */
  receiveCount: number;
  /** Deliveries before the queue moves it to the dead-letter queue (maxReceiveCount); null: unknown. */
  maxReceives: number | null;
}

/**
 * What every consumer does once it processed a queue message (or failed to): when the message is over,
 * records how it ended for its edition's delivery round, which settles the edition when it was the
 * last (see edition-delivery.ts). Over: processed to "done" or "dropped", or failed on its last
 * delivery (the queue moves it to the dead-letter queue next: its recipients count as not reached,
 * or failed, until a redrive delivers it again). A message that will be delivered again is left
 * alone. `result`: what the processing returned or its RecipientBatchError carried (null: it threw
 * before any recipient settled). Returns the status it set the edition to, if it did.
 */
export async function settleProcessed(
  deps: Pick<EditionDeps, "editions">,
  batch: RecipientBatch,
  processed: { result: RecipientBatchResult | null; failed: boolean },
  delivery: MessageDelivery,
): Promise<"sent" | "partial" | null> {
  const lastDelivery = delivery.maxReceives !== null && delivery.receiveCount >= delivery.maxReceives;
  if (processed.failed && !lastDelivery) return null;
  return settleQueueMessage(deps.editions, batch, settlementOf(processed.result?.outcomes));
}

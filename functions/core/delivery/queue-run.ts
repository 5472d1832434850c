import type {
  EditionRecord,
  InProcessQueueFactory,
  QueueMessage,
  RecipientBatch,
  RecipientQueue,
} from "../kernel/ports.js";
import { settleQueueMessage } from "./edition-delivery.js";
import type { DeliverOptions, EditionDeps } from "./edition-sender.js";
import { parseRecipientBatch } from "./fan-out.js";
import {
  createSendCache,
  processRecipientBatch,
  RecipientBatchError,
  type RecipientBatchResult,
  settleProcessed,
} from "./send-batch.js";
import type { BatchOutcomes } from "./send-recipients.js";
import { countOutcome, emptySummary, type RecipientOutcome, type SendSummary } from "./send-summary.js";

/**
 * What a local run of an edition needs: the sending engine's deps and the in-process queue it sends
 * through (functions/local hands in the adapter's LocalQueue; the Lambda functions use SQS instead).
 */
export interface QueueRunDeps extends EditionDeps {
  inProcessQueue: InProcessQueueFactory;
}

/** How the local run drives its in-process queue (defaults in LOCAL_QUEUE_DEFAULTS). */
export interface LocalQueueRun {
  /** Pollers, like the event source's concurrency. */
  consumers?: number;
  /** Messages per receive, processed in parallel like one Lambda invocation's records. */
  batchSize?: number;
  visibilityTimeoutMs?: number;
  /** Deliveries of a message before it goes to the dead-letter list. */
  maxReceiveCount?: number;
  /** Wait before a failed message is delivered again, by its receive count so far. */
  retryDelayMs?: (receiveCount: number) => number;
}

export const LOCAL_QUEUE_DEFAULTS = {
  consumers: 2,
  batchSize: 2,
  visibilityTimeoutMs: 30_000,
  maxReceiveCount: 3,
  retryDelayMs: (receiveCount: number) => Math.min(10_000, 1000 * 2 ** (receiveCount - 1)),
} satisfies Required<LocalQueueRun>;

export interface QueueDeliverOptions extends DeliverOptions {
  /** Messages of this edition the ledger counted as sent before the run, for the safety pause. */
  sentBefore?: number;
  queue?: LocalQueueRun;
  /** Told when processing a queue message threw (it is retried, then dead-lettered). */
  onBatchError?: (error: Error, receiveCount: number) => void;
}

export interface QueueDeliverResult {
  summary: SendSummary;
  /** The edition is halted and `resumeHalted` was not given: nothing was enqueued or sent. */
  refused: boolean;
  /** Queue messages that reached the dead-letter list (their recipients count as failed). */
  deadLetters: number;
}

const RETRIED: ReadonlySet<string> = new Set(["failed", "remaining"]);

/**
 * The local run of the deployed path: `produce` enqueues recipient batches (fan-out) into an in-process
 * queue with SQS's contract while consumers drain it through `processRecipientBatch`, sharing one
 * engine (one pacer at the mailer's rate, `sendConcurrency` recipients in flight). A failed message
 * comes back after a short delay, up to `maxReceiveCount` deliveries. The daily quota or the safety
 * pause stops the consumers; what is still queued counts as remaining.
 *
 * The summary counts each recipient once, by what finally became of it in this run: a recipient that
 * failed on one delivery of its message and was sent on the next counts as sent.
 */
export async function deliverThroughQueue(
  deps: QueueRunDeps,
  edition: EditionRecord,
  produce: (queue: RecipientQueue) => Promise<number>,
  opts: QueueDeliverOptions = {},
): Promise<QueueDeliverResult> {
  const run = { ...LOCAL_QUEUE_DEFAULTS, ...opts.queue };
  const cache = createSendCache({
    deliver: { resumeHalted: opts.resumeHalted, sentBefore: opts.sentBefore },
  });
  const sender = await cache.sender(deps, edition);
  if (sender.refused) return { summary: sender.summary, refused: true, deadLetters: 0 };

  const queue = deps.inProcessQueue({
    visibilityTimeoutMs: run.visibilityTimeoutMs,
    maxReceiveCount: run.maxReceiveCount,
  });
  const totals = emptySummary(edition);
  let inactive = 0;
  const count = (outcome: RecipientOutcome | "inactive", delta: number) => {
    if (outcome === "inactive") inactive += delta;
    else countOutcome(totals, outcome, delta);
  };
  // Per message still in the queue: what each of its recipients came to on its latest delivery.
  const seen = new Map<string, Map<string, RecipientOutcome | "inactive">>();
  const record = (messageId: string, outcomes: BatchOutcomes) => {
    const known = seen.get(messageId) ?? new Map<string, RecipientOutcome | "inactive">();
    seen.set(messageId, known);
    for (const [email, outcome] of outcomes) {
      const before = known.get(email);
      if (before !== undefined && !RETRIED.has(before)) continue;
      if (before !== undefined) count(before, -1);
      count(outcome, 1);
      known.set(email, outcome);
    }
  };

  let recipients = 0;
  let producerDone = false;
  let producerError: unknown = null;
  let stopping = false;
  const producing = produce(queue)
    .then(
      (n) => {
        recipients = n;
      },
      (err: unknown) => {
        producerError = err;
      },
    )
    .finally(() => {
      producerDone = true;
      queue.notify();
    });

  await queue.consume({
    consumers: run.consumers,
    batchSize: run.batchSize,
    heartbeat: true,
    producerDone: () => producerDone,
    stop: () => stopping || producerError !== null,
    retryDelayMs: (m) => run.retryDelayMs(m.receiveCount),
    handler: async (messages) => {
      const batchItemFailures: string[] = [];
      const took = (messageId: string, result: RecipientBatchResult) => {
        record(messageId, result.outcomes);
        const { stoppedBecause, haltedBecause } = result.summary;
        if (stoppedBecause) {
          stopping = true;
          totals.stoppedBecause ??= stoppedBecause;
          totals.haltedBecause ??= haltedBecause;
        }
      };
      // Each message settles on its own (processRecipientBatch returns or throws only once its sends
      // settled), so the batch is answered only when nothing of it is in flight.
      const report = (err: unknown, m: QueueMessage) =>
        opts.onBatchError?.(err instanceof Error ? err : new Error(String(err)), m.receiveCount);
      await Promise.all(
        messages.map(async (m) => {
          let batch: RecipientBatch | null = null;
          let result: RecipientBatchResult | null = null;
          let failed = false;
          try {
            batch = parseRecipientBatch(m.body);
            result = await processRecipientBatch(deps, batch, cache);
            took(m.messageId, result);
            failed = result.verdict === "retry";
          } catch (err) {
            // Unexpected errors: what the message did still counts; it comes back for the rest.
            if (err instanceof RecipientBatchError) {
              took(m.messageId, err.result);
              result = err.result;
            }
            report(err, m);
            failed = true;
          }
          try {
            if (batch) {
              const delivery = { receiveCount: m.receiveCount, maxReceives: run.maxReceiveCount };
              await settleProcessed(deps, batch, { result, failed }, delivery);
            }
          } catch (err) {
            // Not recorded: the message comes back and records it then.
            report(err, m);
            failed = true;
          }
          if (failed) batchItemFailures.push(m.messageId);
          else seen.delete(m.messageId);
        }),
      );
      return { batchItemFailures };
    },
  });
  await producing;
  if (producerError !== null) throw producerError;

  // Not reached: the rest of the messages still queued (the run stopped), and what dead-lettered
  // messages never got to (failed for good in this run).
  const unreached = (messageId: string, body: string, as: RecipientOutcome) => {
    const known = seen.get(messageId);
    for (const email of new Set(parseRecipientBatch(body).emails)) {
      if (!known?.has(email)) count(as, 1);
    }
  };
  for (const m of queue.pending()) unreached(m.messageId, m.body, "remaining");
  for (const m of queue.deadLetters) unreached(m.messageId, m.body, "failed");
  // The run gives up on what is still queued (it dies with this process): those messages are over
  // for the edition's round, their recipients not reached, so the round completes ("partial"). A
  // rerun starts a new round. (Dead-lettered ones were recorded on their last delivery.)
  for (const m of queue.pending())
    await settleQueueMessage(deps.editions, parseRecipientBatch(m.body), "unreached");

  totals.recipients = recipients - inactive;
  totals.stoppedBecause ??= sender.summary.stoppedBecause;
  totals.haltedBecause ??= sender.summary.haltedBecause;
  return { summary: totals, refused: false, deadLetters: queue.deadLetters.length };
}

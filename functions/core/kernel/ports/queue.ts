/** One queue message: up to 50 recipients of an edition, by address (the edition itself is stored, never queued). */
export interface RecipientBatch {
  editionId: string;
  emails: string[];
  /** Its group in the edition's delivery round (see BatchRef); absent on messages of older versions. */
  group?: number;
  index?: number;
}

/** The send queue (SQS deployed): at-least-once delivery of recipient batches to the send function. */
export interface RecipientQueue {
  enqueue(batches: readonly RecipientBatch[]): Promise<void>;
}

/** A message as a consumer of the in-process queue receives it. */
export interface QueueMessage {
  messageId: string;
  body: string;
  /** Deliveries so far, this one included (SQS ApproximateReceiveCount). */
  receiveCount: number;
}

/** How consumers drain an in-process queue: the local counterpart of Lambda's SQS event source. */
export interface QueueConsumers<M extends QueueMessage = QueueMessage> {
  /** Concurrent pollers, like the event source mapping's concurrency. Default 1. */
  consumers?: number;
  /** Messages per receive (≤ 10), handed to `handler` together. Default 1. */
  batchSize?: number;
  /**
   * Processes one received batch and answers like an SQS partial batch response: the ids of the
   * messages that failed. Those stay in the queue (visible again after `retryDelayMs`); the others are
   * deleted. Throwing fails the whole batch: nothing is deleted and it all comes back after the
   * visibility timeout, as when a Lambda invocation fails.
   */
  handler(messages: M[]): Promise<{ batchItemFailures: string[] }>;
  /** Visibility of a failed message before its next delivery; default: the queue's visibility timeout. */
  retryDelayMs?(message: M): number;
  /** Stop receiving (the batches in progress finish). Checked before every receive. */
  stop?(): boolean;
  /** True once nothing more will be sent: consumers return when the queue is empty. Default: always. */
  producerDone?(): boolean;
  /**
   * Extends the visibility of messages in progress every third of the timeout, so a slow batch is
   * not delivered twice while it runs (a crashed consumer stops doing so and its messages come back).
   */
  heartbeat?: boolean;
}

/**
 * An in-process queue with SQS's contract (functions/adapters/local-queue.ts): what the local run of
 * an edition sends through, so it drains the same queue messages through the same per-message step
 * as the send Lambda. functions/local hands one in (QueueRunDeps.inProcessQueue).
 */
export interface InProcessQueue extends RecipientQueue {
  /** Drains the queue with `opts.consumers` pollers until `stop()`, or the producer is done and it is empty. */
  consume(opts: QueueConsumers): Promise<void>;
  /** Wakes waiting consumers so they look again (e.g. when the producer is done). */
  notify(): void;
  /** Every message still in the queue (visible or in flight). */
  pending(): { messageId: string; body: string }[];
  /** Messages moved out after `maxReceiveCount` deliveries, oldest first. */
  readonly deadLetters: readonly { messageId: string; body: string }[];
}

/** Makes an empty in-process queue. */
export type InProcessQueueFactory = (opts: {
  /** How long a received message stays invisible unless deleted (SQS VisibilityTimeout). */
  visibilityTimeoutMs: number;
  /** Deliveries before a message goes to the dead-letter list (SQS maxReceiveCount). */
  maxReceiveCount: number;
}) => InProcessQueue;

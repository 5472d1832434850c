import { randomUUID } from "node:crypto";
import type { InProcessQueue, QueueConsumers, QueueMessage, RecipientBatch } from "../core/kernel/ports.js";

/**
 * An in-process queue with Amazon SQS's contract, so the local run drains the same queue messages
 * through the same per-message function as the send Lambda:
 * - at-least-once: a received message stays in the queue, invisible, until it is deleted with the
 *   receipt handle of its latest receive; not deleted within its visibility timeout (the consumer
 *   crashed, hung or reported it failed), it becomes visible again and is delivered again;
 * - batches: one receive returns up to 10 messages;
 * - receive counts, and a dead-letter list: a message already received `maxReceiveCount` times is
 *   moved to `deadLetters` instead of being delivered again (SQS's redrive policy);
 * - ChangeMessageVisibility, stale receipt handles (a delete or visibility change with the handle of an
 *   earlier receive does nothing, as in SQS) and partial batch failures (see `consumeQueue`).
 * Pure and deterministic given `now`: unit tests drive it with an injected clock. Only `receiveWait`
 * and `consumeQueue` wait, with real timers.
 */

/** SQS returns at most 10 messages per ReceiveMessage. */
export const MAX_RECEIVE_BATCH = 10;

export interface LocalQueueOptions {
  /** How long a received message stays invisible unless deleted (SQS VisibilityTimeout). Default 30 s. */
  visibilityTimeoutMs?: number;
  /** Deliveries before a message goes to the dead-letter list (SQS maxReceiveCount). Default: never. */
  maxReceiveCount?: number;
  /** Epoch milliseconds; default Date.now. */
  now?: () => number;
}

export interface ReceivedMessage extends QueueMessage {
  /** Valid until the message is received again; delete and changeVisibility need the latest one. */
  receiptHandle: string;
  sentAt: number;
}

export interface DeadLetter {
  messageId: string;
  body: string;
  receiveCount: number;
  sentAt: number;
}

interface Entry {
  messageId: string;
  body: string;
  sentAt: number;
  receiveCount: number;
  /** When it is (or becomes) visible again; 0 while it waits in `ready`. */
  visibleAt: number;
  receipt: string | null;
  deleted: boolean;
}

export class LocalQueue implements InProcessQueue {
  readonly visibilityTimeoutMs: number;
  readonly maxReceiveCount: number;
  private readonly now: () => number;
  /** Visible messages in arrival order (a FIFO with a moving head; deleted ones are skipped lazily). */
  private ready: Entry[] = [];
  private head = 0;
  /** Received and not deleted: invisible until `visibleAt`. */
  private readonly inFlight = new Map<string, Entry>();
  private readonly byReceipt = new Map<string, Entry>();
  private readonly dead: DeadLetter[] = [];
  private readonly waiters = new Set<() => void>();
  private live = 0;

  constructor(opts: LocalQueueOptions = {}) {
    this.visibilityTimeoutMs = opts.visibilityTimeoutMs ?? 30_000;
    this.maxReceiveCount = opts.maxReceiveCount ?? Number.POSITIVE_INFINITY;
    this.now = opts.now ?? Date.now;
    if (!(this.visibilityTimeoutMs >= 0)) throw new RangeError("visibilityTimeoutMs must be >= 0");
    if (!(this.maxReceiveCount >= 1)) throw new RangeError("maxReceiveCount must be >= 1");
  }

  /** Adds one message (SendMessage); returns its id. */
  send(body: string): string {
    const entry: Entry = {
      messageId: randomUUID(),
      body,
      sentAt: this.now(),
      receiveCount: 0,
      visibleAt: 0,
      receipt: null,
      deleted: false,
    };
    this.ready.push(entry);
    this.live++;
    this.notify();
    return entry.messageId;
  }

  /** The RecipientQueue port (fan-out): one message per recipient batch, as SendMessageBatch would. */
  async enqueue(batches: readonly RecipientBatch[]): Promise<void> {
    for (const batch of batches) this.send(JSON.stringify(batch));
  }

  /**
   * Up to `max` (≤ 10) visible messages, each now invisible for `visibilityTimeoutMs` and with a new
   * receipt handle (ReceiveMessage without waiting). A message already delivered `maxReceiveCount`
   * times is moved to the dead-letter list instead.
   */
  receive(max = 1, visibilityTimeoutMs = this.visibilityTimeoutMs): ReceivedMessage[] {
    const limit = Math.min(Math.max(1, Math.floor(max)), MAX_RECEIVE_BATCH);
    const now = this.now();
    this.releaseExpired(now);
    const out: ReceivedMessage[] = [];
    while (out.length < limit && this.head < this.ready.length) {
      const entry = this.ready[this.head++] as Entry;
      if (entry.deleted || this.inFlight.has(entry.messageId)) continue;
      if (entry.receiveCount >= this.maxReceiveCount) {
        this.toDeadLetters(entry);
        continue;
      }
      entry.receiveCount++;
      entry.visibleAt = now + visibilityTimeoutMs;
      if (entry.receipt) this.byReceipt.delete(entry.receipt);
      entry.receipt = `${entry.messageId}#${entry.receiveCount}#${randomUUID()}`;
      this.byReceipt.set(entry.receipt, entry);
      this.inFlight.set(entry.messageId, entry);
      out.push({
        messageId: entry.messageId,
        receiptHandle: entry.receipt,
        body: entry.body,
        receiveCount: entry.receiveCount,
        sentAt: entry.sentAt,
      });
    }
    if (this.head > 1024 && this.head * 2 > this.ready.length) {
      this.ready = this.ready.slice(this.head);
      this.head = 0;
    }
    return out;
  }

  /**
   * Like `receive`, but waits (long polling, real time) up to `waitMs` for a message to become visible:
   * a new one, or one whose visibility timeout ran out.
   */
  async receiveWait(max: number, waitMs: number, visibilityTimeoutMs?: number): Promise<ReceivedMessage[]> {
    const deadline = Date.now() + waitMs;
    for (;;) {
      const got = this.receive(max, visibilityTimeoutMs);
      const left = deadline - Date.now();
      if (got.length > 0 || left <= 0) return got;
      const nextVisible = this.nextVisibleIn();
      await this.waitForChange(Math.max(1, Math.min(left, nextVisible)));
    }
  }

  /** Deletes the message received with this handle (DeleteMessage); false for a stale or unknown handle. */
  delete(receiptHandle: string): boolean {
    const entry = this.byReceipt.get(receiptHandle);
    if (!entry || entry.receipt !== receiptHandle || entry.deleted) return false;
    entry.deleted = true;
    this.byReceipt.delete(receiptHandle);
    this.inFlight.delete(entry.messageId);
    this.live--;
    this.notify();
    return true;
  }

  /**
   * Makes the message visible again `timeoutMs` from now (ChangeMessageVisibility; 0 = at once, a
   * heartbeat extends it); false for a stale handle or a message no longer in flight (its visibility
   * timeout already ran out).
   */
  changeVisibility(receiptHandle: string, timeoutMs: number): boolean {
    this.releaseExpired(this.now());
    const entry = this.byReceipt.get(receiptHandle);
    if (!entry || entry.receipt !== receiptHandle || entry.deleted || !this.inFlight.has(entry.messageId))
      return false;
    entry.visibleAt = this.now() + Math.max(0, timeoutMs);
    this.notify();
    return true;
  }

  /** Messages moved out after `maxReceiveCount` deliveries, oldest first. */
  get deadLetters(): readonly DeadLetter[] {
    return this.dead;
  }

  /** Messages neither deleted nor dead-lettered: visible ones and those in flight. */
  get size(): number {
    return this.live;
  }

  /** Counts as SQS's approximate attributes name them. */
  stats(): { visible: number; inFlight: number; dead: number } {
    this.releaseExpired(this.now());
    return { visible: this.live - this.inFlight.size, inFlight: this.inFlight.size, dead: this.dead.length };
  }

  /** Every message still in the queue (visible or in flight), in no particular order. */
  pending(): { messageId: string; body: string }[] {
    const seen = new Set<string>();
    const out: { messageId: string; body: string }[] = [];
    for (const entry of [...this.inFlight.values(), ...this.ready.slice(this.head)]) {
      if (entry.deleted || seen.has(entry.messageId)) continue;
      seen.add(entry.messageId);
      out.push({ messageId: entry.messageId, body: entry.body });
    }
    return out;
  }

  /** Drains the queue (see consumeQueue). */
  consume(opts: QueueConsumers): Promise<void> {
    return consumeQueue(this, opts);
  }

  /** Wakes every `receiveWait` (and `consumeQueue`) so it looks again, e.g. when the producer is done. */
  notify(): void {
    for (const wake of [...this.waiters]) wake();
  }

  /** In-flight messages whose visibility timeout has run out go back to the visible list (oldest first). */
  private releaseExpired(now: number): void {
    const expired: Entry[] = [];
    for (const entry of this.inFlight.values()) {
      if (entry.visibleAt <= now) expired.push(entry);
    }
    if (expired.length === 0) return;
    expired.sort((a, b) => a.visibleAt - b.visibleAt || a.sentAt - b.sentAt);
    for (const entry of expired) {
      this.inFlight.delete(entry.messageId);
      entry.visibleAt = 0;
      this.ready.push(entry);
    }
  }

  private toDeadLetters(entry: Entry): void {
    entry.deleted = true;
    if (entry.receipt) this.byReceipt.delete(entry.receipt);
    this.live--;
    this.dead.push({
      messageId: entry.messageId,
      body: entry.body,
      receiveCount: entry.receiveCount,
      sentAt: entry.sentAt,
    });
    this.notify();
  }

  /** Milliseconds until the next in-flight message becomes visible (Infinity when none is in flight). */
  private nextVisibleIn(): number {
    let next = Number.POSITIVE_INFINITY;
    for (const entry of this.inFlight.values()) next = Math.min(next, entry.visibleAt);
    return next === Number.POSITIVE_INFINITY ? next : Math.max(0, next - this.now());
  }

  private waitForChange(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const wake = () => {
        clearTimeout(timer);
        this.waiters.delete(wake);
        resolve();
      };
      const timer = setTimeout(wake, ms);
      this.waiters.add(wake);
    });
  }
}

/** The port's consumer options (QueueConsumers in core/kernel/ports.ts), plus the long-poll wait. */
export interface ConsumeOptions extends QueueConsumers<ReceivedMessage> {
  /** Long-poll wait per receive, ms. Default 200. */
  waitMs?: number;
}

/**
 * Drains `queue` with `consumers` pollers, each receiving up to `batchSize` messages and handing them
 * to `handler` (the local counterpart of Lambda's SQS event source with ReportBatchItemFailures).
 * Returns when `stop()` says so or when the producer is done and no message is left (dead-lettered
 * ones excluded); always after every batch in progress is done. Rejects with the first poller's error
 * (a throwing `retryDelayMs`, say), also only after the others finished their batches.
 */
export async function consumeQueue(queue: LocalQueue, opts: ConsumeOptions): Promise<void> {
  const consumers = Math.max(1, opts.consumers ?? 1);
  const batchSize = opts.batchSize ?? 1;
  const stop = opts.stop ?? (() => false);
  const producerDone = opts.producerDone ?? (() => true);
  const waitMs = opts.waitMs ?? 200;
  // A poller that fails stops the others after their batches in progress (rethrown once they are done).
  let broken = false;
  const poll = async () => {
    try {
      await pollUntilDone();
    } catch (err) {
      broken = true;
      throw err;
    }
  };
  const pollUntilDone = async () => {
    while (!stop() && !broken) {
      if (queue.size === 0 && producerDone()) return;
      const messages = await queue.receiveWait(batchSize, waitMs);
      if (messages.length === 0) continue;
      const beat =
        opts.heartbeat && queue.visibilityTimeoutMs > 0
          ? setInterval(
              () => {
                for (const m of messages) queue.changeVisibility(m.receiptHandle, queue.visibilityTimeoutMs);
              },
              Math.max(10, queue.visibilityTimeoutMs / 3),
            )
          : null;
      let failed: Set<string>;
      try {
        failed = new Set((await opts.handler(messages)).batchItemFailures);
      } catch {
        // The whole batch failed: leave every message to its visibility timeout.
        continue;
      } finally {
        if (beat) clearInterval(beat);
      }
      for (const m of messages) {
        if (!failed.has(m.messageId)) queue.delete(m.receiptHandle);
        else if (opts.retryDelayMs) queue.changeVisibility(m.receiptHandle, opts.retryDelayMs(m));
      }
    }
  };
  const wakeOnStop = setInterval(() => {
    if (stop() || producerDone() || broken) queue.notify();
  }, waitMs);
  try {
    // allSettled: a poller that fails must not return while the others' batches are in progress.
    const pollers = await Promise.allSettled(Array.from({ length: consumers }, poll));
    const failed = pollers.find((p) => p.status === "rejected");
    if (failed) throw failed.reason;
  } finally {
    clearInterval(wakeOnStop);
  }
}

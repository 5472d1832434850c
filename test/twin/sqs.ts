import { createHash, randomUUID } from "node:crypto";
import type { SQSBatchResponse, SQSEvent } from "aws-lambda";
import { type Clock, ManualClock } from "./clock.js";
import type { EventSourceMappingModel, QueueModel } from "./stack-model.js";

/**
 * Standard SQS queues with the template's contract, on a virtual clock (no real waiting): a received
 * message is invisible for the queue's VisibilityTimeout, comes back if not deleted, counts its
 * receives, and moves to the dead-letter queue once received maxReceiveCount times. The event source
 * poller hands the function batches of at most BatchSize, never more than MaximumConcurrency
 * invocations at once, and deletes what the function handled (all of a batch that returned, all but
 * the reported batchItemFailures with ReportBatchItemFailures, none of a batch that threw). Waiting
 * for a visibility timeout moves the clock instead of waiting.
 */

export interface QueuedMessage {
  messageId: string;
  body: string;
  sentAt: number;
  receiveCount: number;
  firstReceivedAt?: number;
  visibleAt: number;
  receiptHandle?: string;
}

export class TwinQueue {
  readonly messages: QueuedMessage[] = [];
  constructor(readonly model: QueueModel) {}
}

export interface PollerStats {
  invocations: number;
  /** The most invocations in flight at once. */
  maxInFlight: number;
  /** Largest batch handed to the function. */
  maxBatch: number;
  /** Messages delivered again after a failure. */
  redeliveries: number;
  movedToDeadLetters: number;
}

/** What the function returned or threw for one batch. */
export type BatchOutcome = { ok: true; value: unknown } | { ok: false; error: unknown };

export class SqsEmulator {
  private readonly queues = new Map<string, TwinQueue>();

  constructor(
    models: QueueModel[],
    readonly clock: Clock = new ManualClock(),
  ) {
    for (const m of models) this.queues.set(m.arn, new TwinQueue(m));
  }

  queue(arnOrUrl: string): TwinQueue {
    const q = this.queues.get(arnOrUrl) ?? [...this.queues.values()].find((x) => x.model.url === arnOrUrl);
    if (!q) throw new Error(`no queue ${arnOrUrl} in the template`);
    return q;
  }

  queueArnOfUrl(url: string): string {
    return this.queue(url).model.arn;
  }

  send(queueUrl: string, body: string): { messageId: string; md5: string } {
    const q = this.queue(queueUrl);
    const messageId = randomUUID();
    q.messages.push({ messageId, body, sentAt: this.now, receiveCount: 0, visibleAt: this.now });
    return { messageId, md5: createHash("md5").update(body).digest("hex") };
  }

  get now(): number {
    return this.clock.now();
  }

  /**
   * Up to `max` visible messages, made invisible for the visibility timeout. A message already
   * received maxReceiveCount times goes to the dead-letter queue instead (as SQS moves it on receive).
   */
  receive(queueArn: string, max: number): QueuedMessage[] {
    const q = this.queue(queueArn);
    const out: QueuedMessage[] = [];
    for (const m of [...q.messages]) {
      if (out.length >= max) break;
      if (m.visibleAt > this.now) continue;
      const redrive = q.model.redrive;
      if (redrive && m.receiveCount >= redrive.maxReceiveCount) {
        q.messages.splice(q.messages.indexOf(m), 1);
        const dlq = this.queue(redrive.deadLetterArn);
        dlq.messages.push({ ...m, visibleAt: this.now, receiptHandle: undefined });
        continue;
      }
      m.receiveCount++;
      m.firstReceivedAt ??= this.now;
      m.visibleAt = this.now + q.model.visibilityTimeoutSeconds * 1000;
      m.receiptHandle = randomUUID();
      out.push(m);
    }
    return out;
  }

  /**
   * StartMessageMoveTask without a destination: every message of the dead-letter queue back to the
   * queue whose redrive policy names it, as a new message there (received 0 times). Returns how many.
   */
  redrive(deadLetterArn: string): number {
    const dlq = this.queue(deadLetterArn);
    const sources = [...this.queues.values()].filter((q) => q.model.redrive?.deadLetterArn === deadLetterArn);
    const [source] = sources;
    if (!source || sources.length > 1)
      throw new Error(`${deadLetterArn} is the dead-letter queue of ${sources.length} queues, not one`);
    const moved = dlq.messages.splice(0);
    for (const m of moved) this.send(source.model.url, m.body);
    return moved.length;
  }

  /** Deletes by receipt handle; a stale handle (the message was received again since) deletes nothing. */
  delete(queueArn: string, receiptHandle: string): void {
    const q = this.queue(queueArn);
    const i = q.messages.findIndex((m) => m.receiptHandle === receiptHandle);
    if (i >= 0) q.messages.splice(i, 1);
  }

  /** When the next invisible message of the queue becomes visible, or null when none is in flight. */
  nextVisibleAt(queueArn: string): number | null {
    const times = this.queue(queueArn)
      .messages.map((m) => m.visibleAt)
      .filter((t) => t > this.now);
    return times.length ? Math.min(...times) : null;
  }

  /** The SQS event Lambda builds for a batch (the Lambda Developer Guide's record shape). */
  lambdaEvent(queue: QueueModel, messages: QueuedMessage[], region: string): SQSEvent {
    return {
      Records: messages.map((m) => ({
        messageId: m.messageId,
        receiptHandle: m.receiptHandle ?? "",
        body: m.body,
        attributes: {
          ApproximateReceiveCount: String(m.receiveCount),
          SentTimestamp: String(m.sentAt),
          SenderId: "AROAEXAMPLE:compose",
          ApproximateFirstReceiveTimestamp: String(m.firstReceivedAt ?? m.sentAt),
        },
        messageAttributes: {},
        md5OfBody: createHash("md5").update(m.body).digest("hex"),
        eventSource: "aws:sqs",
        eventSourceARN: queue.arn,
        awsRegion: region,
      })),
    };
  }
}

/** The poller's own calls, made with the function's role (Lambda polls with the execution role). */
export type PollerCall = (action: "ReceiveMessage" | "DeleteMessage" | "GetQueueAttributes") => Promise<void>;

/**
 * Runs the event source mapping until its queue is empty: visible messages in batches, at most
 * MaximumConcurrency at once; when only invisible (failed) messages remain, the clock jumps to the
 * next one's visibility. Stops after `maxRounds` clock jumps (a message failing forever reaches the
 * DLQ well before). Returns the mapping's stats for this drain.
 */
export async function drainEventSource(
  sqs: SqsEmulator,
  mapping: EventSourceMappingModel,
  region: string,
  invoke: (event: SQSEvent) => Promise<BatchOutcome>,
  pollerCall: PollerCall,
  maxRounds = 50,
): Promise<PollerStats> {
  const queue = sqs.queue(mapping.queueArn);
  const stats: PollerStats = {
    invocations: 0,
    maxInFlight: 0,
    maxBatch: 0,
    redeliveries: 0,
    movedToDeadLetters: 0,
  };
  const limit = mapping.maxConcurrency ?? 1000;
  const inFlight = new Set<Promise<void>>();
  const dlqBefore = queue.model.redrive ? sqs.queue(queue.model.redrive.deadLetterArn).messages.length : 0;
  await pollerCall("GetQueueAttributes");

  const handle = async (batch: QueuedMessage[]) => {
    const outcome = await invoke(sqs.lambdaEvent(queue.model, batch, region));
    const done = settled(batch, outcome, mapping.reportBatchItemFailures);
    for (const m of done) {
      await pollerCall("DeleteMessage");
      sqs.delete(queue.model.arn, m.receiptHandle ?? "");
    }
  };

  for (let rounds = 0; ; ) {
    while (inFlight.size < limit) {
      await pollerCall("ReceiveMessage");
      const batch = sqs.receive(queue.model.arn, mapping.batchSize);
      if (batch.length === 0) break;
      stats.invocations++;
      stats.maxBatch = Math.max(stats.maxBatch, batch.length);
      stats.redeliveries += batch.filter((m) => m.receiveCount > 1).length;
      const p: Promise<void> = handle(batch).finally(() => inFlight.delete(p));
      inFlight.add(p);
      stats.maxInFlight = Math.max(stats.maxInFlight, inFlight.size);
    }
    if (inFlight.size > 0) {
      await Promise.race(inFlight);
      continue;
    }
    const next = sqs.nextVisibleAt(queue.model.arn);
    if (next === null) {
      // Messages past maxReceiveCount that are visible again are moved on the next receive.
      if (queue.messages.some((m) => m.visibleAt <= sqs.now)) continue;
      break;
    }
    if (++rounds > maxRounds)
      throw new Error(`the queue did not drain after ${maxRounds} visibility timeouts`);
    sqs.clock.advanceTo(next);
  }
  if (queue.model.redrive)
    stats.movedToDeadLetters = sqs.queue(queue.model.redrive.deadLetterArn).messages.length - dlqBefore;
  return stats;
}

/** The messages of a batch that Lambda deletes, given what the function did. */
function settled(batch: QueuedMessage[], outcome: BatchOutcome, partial: boolean): QueuedMessage[] {
  if (!outcome.ok) return [];
  if (!partial) return batch;
  const response = outcome.value as Partial<SQSBatchResponse> | null | undefined;
  const failures = response?.batchItemFailures ?? [];
  const ids = new Set(batch.map((m) => m.messageId));
  // An empty, null or unknown itemIdentifier fails the whole batch (Lambda's rule).
  if (failures.some((f) => !f?.itemIdentifier || !ids.has(f.itemIdentifier))) return [];
  const failed = new Set(failures.map((f) => f.itemIdentifier));
  return batch.filter((m) => !failed.has(m.messageId));
}

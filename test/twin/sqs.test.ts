import type { SQSEvent } from "aws-lambda";
import { describe, expect, it } from "vitest";
import { type BatchOutcome, drainEventSource, SqsEmulator } from "./sqs.js";
import type { EventSourceMappingModel, QueueModel } from "./stack-model.js";

const queue: QueueModel = {
  logicalId: "Q",
  name: "q",
  url: "http://127.0.0.1:1/111122223333/q",
  arn: "arn:aws:sqs:eu-west-2:111122223333:q",
  visibilityTimeoutSeconds: 60,
  redrive: { deadLetterArn: "arn:aws:sqs:eu-west-2:111122223333:dlq", maxReceiveCount: 3 },
};
const dlq: QueueModel = {
  logicalId: "D",
  name: "dlq",
  url: "http://127.0.0.1:1/111122223333/dlq",
  arn: "arn:aws:sqs:eu-west-2:111122223333:dlq",
  visibilityTimeoutSeconds: 30,
};
const mapping: EventSourceMappingModel = {
  queueArn: queue.arn,
  functionKey: "send",
  batchSize: 3,
  maxConcurrency: 2,
  reportBatchItemFailures: true,
};

const setup = (bodies: string[]) => {
  const sqs = new SqsEmulator([queue, dlq]);
  for (const b of bodies) sqs.send(queue.url, b);
  return sqs;
};
const noPollerCheck = async () => {};
const bodies = (e: SQSEvent) => e.Records.map((r) => r.body);

describe("the twin's SQS queue and event source mapping", () => {
  it("hands batches of at most BatchSize, never more than MaximumConcurrency at once, and deletes what succeeded", async () => {
    const sqs = setup(["1", "2", "3", "4", "5", "6", "7"]);
    let inFlight = 0;
    const seen: string[][] = [];
    const stats = await drainEventSource(
      sqs,
      mapping,
      "eu-west-2",
      async (event) => {
        inFlight++;
        expect(inFlight).toBeLessThanOrEqual(2);
        seen.push(bodies(event));
        await new Promise((r) => setImmediate(r));
        inFlight--;
        return { ok: true, value: { batchItemFailures: [] } };
      },
      noPollerCheck,
    );
    expect(seen.flat().sort()).toEqual(["1", "2", "3", "4", "5", "6", "7"]);
    expect(Math.max(...seen.map((b) => b.length))).toBe(3);
    expect(stats).toMatchObject({ invocations: 3, maxInFlight: 2, maxBatch: 3, redeliveries: 0 });
    expect(sqs.queue(queue.arn).messages).toEqual([]);
  });

  it("redelivers reported failures after the visibility timeout, on the virtual clock, with their receive count", async () => {
    const sqs = setup(["ok", "flaky"]);
    const started = sqs.now;
    const deliveries: { body: string; count: string; at: number }[] = [];
    const stats = await drainEventSource(
      sqs,
      mapping,
      "eu-west-2",
      async (event): Promise<BatchOutcome> => {
        for (const r of event.Records)
          deliveries.push({ body: r.body, count: r.attributes.ApproximateReceiveCount, at: sqs.now });
        const failing = event.Records.filter(
          (r) => r.body === "flaky" && r.attributes.ApproximateReceiveCount === "1",
        );
        return {
          ok: true,
          value: { batchItemFailures: failing.map((r) => ({ itemIdentifier: r.messageId })) },
        };
      },
      noPollerCheck,
    );
    expect(deliveries.map((d) => [d.body, d.count])).toEqual([
      ["ok", "1"],
      ["flaky", "1"],
      ["flaky", "2"],
    ]);
    expect(deliveries[2]?.at).toBe(started + 60_000);
    expect(stats.redeliveries).toBe(1);
    expect(sqs.queue(queue.arn).messages).toEqual([]);
  });

  it("returns a whole batch that threw or named an unknown item, and moves a message to the DLQ after maxReceiveCount receives", async () => {
    const sqs = setup(["poison"]);
    let calls = 0;
    const stats = await drainEventSource(
      sqs,
      mapping,
      "eu-west-2",
      async () => {
        calls++;
        return calls === 1
          ? { ok: true, value: { batchItemFailures: [{ itemIdentifier: "not-in-batch" }] } }
          : { ok: false, error: new Error("boom") };
      },
      noPollerCheck,
    );
    expect(calls).toBe(3);
    expect(stats.movedToDeadLetters).toBe(1);
    expect(sqs.queue(queue.arn).messages).toEqual([]);
    expect(sqs.queue(dlq.arn).messages.map((m) => [m.body, m.receiveCount])).toEqual([["poison", 3]]);
  });

  it("without ReportBatchItemFailures a returned batch counts as handled whole", async () => {
    const sqs = setup(["a", "b"]);
    await drainEventSource(
      sqs,
      { ...mapping, reportBatchItemFailures: false },
      "eu-west-2",
      async (event) => ({
        ok: true,
        value: { batchItemFailures: [{ itemIdentifier: event.Records[0]?.messageId }] },
      }),
      noPollerCheck,
    );
    expect(sqs.queue(queue.arn).messages).toEqual([]);
  });

  it("redrives the DLQ back to its source queue as new messages (StartMessageMoveTask)", async () => {
    const sqs = setup(["poison"]);
    await drainEventSource(
      sqs,
      mapping,
      "eu-west-2",
      async () => ({ ok: false, error: "no" }),
      noPollerCheck,
    );
    expect(sqs.queue(dlq.arn).messages.map((m) => m.body)).toEqual(["poison"]);
    expect(sqs.redrive(dlq.arn)).toBe(1);
    expect(sqs.queue(dlq.arn).messages).toEqual([]);
    expect(sqs.queue(queue.arn).messages).toMatchObject([{ body: "poison", receiveCount: 0 }]);
    const seen: string[] = [];
    const stats = await drainEventSource(
      sqs,
      mapping,
      "eu-west-2",
      async (e) => {
        seen.push(...bodies(e).map((b, i) => `${b}#${e.Records[i]?.attributes.ApproximateReceiveCount}`));
        return { ok: true, value: {} };
      },
      noPollerCheck,
    );
    expect(seen).toEqual(["poison#1"]);
    expect(stats.movedToDeadLetters).toBe(0);
    expect(() => sqs.redrive(queue.arn)).toThrow(/dead-letter queue of 0 queues/);
  });
});

import { describe, expect, it } from "vitest";
import { consumeQueue, LocalQueue, type ReceivedMessage } from "../../functions/adapters/local-queue.js";

/** A queue on a clock the test moves by hand. */
function queueAt(opts: { visibilityTimeoutMs?: number; maxReceiveCount?: number } = {}) {
  let now = 1_000_000;
  const queue = new LocalQueue({ ...opts, now: () => now });
  return {
    queue,
    advance(ms: number) {
      now += ms;
    },
  };
}

const bodies = (messages: ReceivedMessage[]) => messages.map((m) => m.body);

describe("LocalQueue: SQS's contract with an injected clock", () => {
  it("hands out at most 10 messages a receive and hides received ones for the visibility timeout", () => {
    const { queue, advance } = queueAt({ visibilityTimeoutMs: 30_000 });
    for (let i = 0; i < 12; i++) queue.send(`m${i}`);
    expect(queue.receive(50)).toHaveLength(10);
    expect(bodies(queue.receive(10))).toEqual(["m10", "m11"]);
    expect(queue.receive(10)).toEqual([]);
    expect(queue.stats()).toEqual({ visible: 0, inFlight: 12, dead: 0 });
    advance(29_999);
    expect(queue.receive(10)).toEqual([]);
    advance(1);
    const again = queue.receive(10);
    expect(again).toHaveLength(10);
    expect(again.every((m) => m.receiveCount === 2)).toBe(true);
    expect(queue.size).toBe(12);
  });

  it("a message not deleted within its visibility timeout comes back with a new receipt; the old one is stale", () => {
    const { queue, advance } = queueAt({ visibilityTimeoutMs: 1_000 });
    const id = queue.send("hello");
    const [first] = queue.receive();
    expect(first).toMatchObject({ messageId: id, body: "hello", receiveCount: 1 });
    advance(1_000);
    const [second] = queue.receive();
    expect(second).toMatchObject({ messageId: id, receiveCount: 2 });
    expect(second?.receiptHandle).not.toBe(first?.receiptHandle);
    // The crashed consumer's late delete does nothing (SQS: the latest receipt handle is needed).
    expect(queue.delete(first?.receiptHandle as string)).toBe(false);
    expect(queue.changeVisibility(first?.receiptHandle as string, 0)).toBe(false);
    expect(queue.size).toBe(1);
    expect(queue.delete(second?.receiptHandle as string)).toBe(true);
    expect(queue.delete(second?.receiptHandle as string)).toBe(false);
    expect(queue.size).toBe(0);
    advance(10_000);
    expect(queue.receive()).toEqual([]);
  });

  it("moves a message to the dead-letter list instead of delivering it more than maxReceiveCount times", () => {
    const { queue, advance } = queueAt({ visibilityTimeoutMs: 100, maxReceiveCount: 3 });
    queue.send("poison");
    queue.send("fine");
    const counts: number[] = [];
    for (let i = 0; i < 5; i++) {
      for (const m of queue.receive(10)) {
        if (m.body === "fine") queue.delete(m.receiptHandle);
        else counts.push(m.receiveCount);
      }
      advance(100);
    }
    expect(counts).toEqual([1, 2, 3]);
    expect(queue.deadLetters).toEqual([expect.objectContaining({ body: "poison", receiveCount: 3 })]);
    expect(queue.size).toBe(0);
    expect(queue.stats()).toEqual({ visible: 0, inFlight: 0, dead: 1 });
  });

  it("ChangeMessageVisibility: 0 returns a message at once, a heartbeat keeps it hidden", () => {
    const { queue, advance } = queueAt({ visibilityTimeoutMs: 1_000 });
    queue.send("a");
    queue.send("b");
    const [a, b] = queue.receive(2) as [ReceivedMessage, ReceivedMessage];
    expect(queue.changeVisibility(a.receiptHandle, 0)).toBe(true);
    advance(900);
    expect(queue.changeVisibility(b.receiptHandle, 1_000)).toBe(true);
    advance(900);
    const [a2] = queue.receive(10);
    expect(a2?.body).toBe("a");
    queue.delete(a2?.receiptHandle as string);
    advance(100);
    const [b2] = queue.receive(10);
    expect(b2?.body).toBe("b");
    // Once its timeout ran out a message is no longer in flight: too late to extend it.
    advance(1_000);
    expect(queue.changeVisibility(b2?.receiptHandle as string, 5_000)).toBe(false);
    const [b3] = queue.receive(10);
    expect(b3?.receiveCount).toBe(3);
    expect(queue.changeVisibility(b3?.receiptHandle as string, 5_000)).toBe(true);
    advance(4_999);
    expect(queue.receive(10)).toEqual([]);
  });

  it("pending() lists what is still queued, visible or in flight", () => {
    const { queue } = queueAt();
    queue.send("x");
    queue.send("y");
    const [x] = queue.receive();
    queue.send("z");
    expect(
      queue
        .pending()
        .map((m) => m.body)
        .sort(),
    ).toEqual(["x", "y", "z"]);
    queue.delete(x?.receiptHandle as string);
    expect(
      queue
        .pending()
        .map((m) => m.body)
        .sort(),
    ).toEqual(["y", "z"]);
  });

  it("enqueue (the fan-out port) sends one JSON message per recipient batch", async () => {
    const { queue } = queueAt();
    await queue.enqueue([
      { editionId: "2031-03-14", emails: ["a@example.com"] },
      { editionId: "2031-03-14", emails: ["b@example.com", "c@example.com"] },
    ]);
    expect(queue.receive(10).map((m) => JSON.parse(m.body).emails)).toEqual([
      ["a@example.com"],
      ["b@example.com", "c@example.com"],
    ]);
  });
});

describe("consumeQueue: the local event source with partial batch responses", () => {
  it("deletes the messages a batch did not report as failed; only the failed one comes back", async () => {
    const queue = new LocalQueue({ visibilityTimeoutMs: 5_000 });
    for (const body of ["a", "b", "c"]) queue.send(body);
    const deliveries: string[] = [];
    let failedOnce = false;
    await consumeQueue(queue, {
      batchSize: 3,
      retryDelayMs: () => 10,
      handler: async (messages) => {
        deliveries.push(...messages.map((m) => `${m.body}#${m.receiveCount}`));
        const b = messages.find((m) => m.body === "b");
        if (b && !failedOnce) {
          failedOnce = true;
          return { batchItemFailures: [b.messageId] };
        }
        return { batchItemFailures: [] };
      },
    });
    expect(deliveries).toEqual(["a#1", "b#1", "c#1", "b#2"]);
    expect(queue.size).toBe(0);
    expect(queue.deadLetters).toEqual([]);
  });

  it("a handler that throws fails the whole batch: every message comes back after the visibility timeout", async () => {
    const queue = new LocalQueue({ visibilityTimeoutMs: 30, maxReceiveCount: 5 });
    queue.send("a");
    queue.send("b");
    const deliveries: string[] = [];
    let crashes = 0;
    const started = Date.now();
    await consumeQueue(queue, {
      batchSize: 10,
      waitMs: 20,
      handler: async (messages) => {
        deliveries.push(...messages.map((m) => `${m.body}#${m.receiveCount}`));
        if (crashes++ === 0) throw new Error("consumer crashed");
        return { batchItemFailures: [] };
      },
    });
    expect(deliveries).toEqual(["a#1", "b#1", "a#2", "b#2"]);
    expect(Date.now() - started).toBeGreaterThanOrEqual(25);
    expect(queue.size).toBe(0);
  });

  it("a message that keeps failing is dead-lettered after maxReceiveCount and the consumers return", async () => {
    const queue = new LocalQueue({ visibilityTimeoutMs: 1_000, maxReceiveCount: 2 });
    queue.send("poison");
    queue.send("fine");
    let handled = 0;
    await consumeQueue(queue, {
      consumers: 2,
      retryDelayMs: () => 0,
      handler: async (messages) => {
        handled += messages.length;
        return { batchItemFailures: messages.filter((m) => m.body === "poison").map((m) => m.messageId) };
      },
    });
    expect(handled).toBe(3);
    expect(queue.deadLetters.map((m) => m.body)).toEqual(["poison"]);
  });

  it("the heartbeat keeps a slow batch from being delivered twice while it runs", async () => {
    const queue = new LocalQueue({ visibilityTimeoutMs: 200 });
    queue.send("slow");
    const deliveries: number[] = [];
    await consumeQueue(queue, {
      consumers: 2,
      heartbeat: true,
      waitMs: 10,
      handler: async (messages) => {
        deliveries.push(...messages.map((m) => m.receiveCount));
        await new Promise((r) => setTimeout(r, 700));
        return { batchItemFailures: [] };
      },
    });
    expect(deliveries).toEqual([1]);
  });

  it("waits for a producer that is still sending, and stops receiving when told to", async () => {
    const queue = new LocalQueue();
    let done = false;
    setTimeout(() => queue.send("late"), 30);
    setTimeout(() => {
      done = true;
    }, 60);
    const seen: string[] = [];
    await consumeQueue(queue, {
      waitMs: 10,
      producerDone: () => done,
      handler: async (messages) => {
        seen.push(...messages.map((m) => m.body));
        return { batchItemFailures: [] };
      },
    });
    expect(seen).toEqual(["late"]);

    for (const body of ["1", "2", "3"]) queue.send(body);
    let stop = false;
    const handled: string[] = [];
    await consumeQueue(queue, {
      stop: () => stop,
      handler: async (messages) => {
        handled.push(...messages.map((m) => m.body));
        stop = true;
        return { batchItemFailures: [] };
      },
    });
    expect(handled).toEqual(["1"]);
    expect(queue.size).toBe(2);
  });
});

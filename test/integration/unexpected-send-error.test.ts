import { afterEach, describe, expect, it } from "vitest";
import { consumeQueue, LocalQueue } from "../../functions/adapters/local-queue.js";
import type { EditionDeps } from "../../functions/core/delivery/edition-sender.js";
import { fanOutEdition, parseRecipientBatch } from "../../functions/core/delivery/fan-out.js";
import { createSendCache, processRecipientBatch } from "../../functions/core/delivery/send-batch.js";
import { deliverEdition } from "../../functions/core/delivery/send-edition.js";
import type { Mailer, SendLedger } from "../../functions/core/kernel/ports.js";
import type { Runtime } from "../../functions/local/runtime.js";
import { composedEdition } from "../helpers/edition-setup.js";
import { startTestStack, type TestStack } from "../helpers/services.js";

/**
 * A mailer that throws something other than a MailError (an SDK bug, a TypeError in our code) for one
 * recipient while the others of the same message are still being sent. Every path must wait for those
 * sends before it returns or rethrows, count the recipient as failed (not sent), leave its ledger
 * entry retryable (not a claim that blocks a rerun for the lease time) and report the error.
 */

const DAY = "2031-03-14";
const BROKEN = "reader2@example.com";
let stack: TestStack;
let rt: Runtime | null = null;

afterEach(async () => {
  await rt?.close();
  rt = null;
  await stack?.close();
  stack = undefined as unknown as TestStack;
});

async function setUp(n: number, config: NodeJS.ProcessEnv = {}) {
  // A lease far longer than the test: a claim left "sending" would block the rerun past the timeout.
  stack = await startTestStack({}, { DIGEST_SEND_LEASE_SECONDS: "600", ...config });
  const emails = Array.from({ length: n }, (_, i) => `reader${i}@example.com`);
  const composed = await composedEdition(stack, DAY, emails);
  rt = composed.rt;
  return { ...composed, emails };
}

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Wraps the real SES mailer: BROKEN's send throws a plain TypeError (`times` times, then works) soon
 * after it starts, every other send is slow, so the others are still in flight when it throws.
 * `events` records each call's end, for ordering against the caller's return.
 */
function brokenFor(mailer: Mailer, times = Number.POSITIVE_INFINITY) {
  const events: string[] = [];
  let inFlight = 0;
  let thrown = 0;
  const wrapped: Mailer = {
    maxSendRate: () => mailer.maxSendRate(),
    async sendRaw(raw, opts) {
      inFlight++;
      try {
        if (opts.to === BROKEN && thrown < times) {
          await pause(20);
          thrown++;
          throw new TypeError("sdk.send is not a function");
        }
        await pause(300);
        return await mailer.sendRaw(raw, opts);
      } finally {
        inFlight--;
        events.push(`settled ${opts.to}`);
      }
    },
  };
  return { mailer: wrapped, events, inFlight: () => inFlight, thrown: () => thrown };
}

const received = (s: TestStack) => {
  const counts = new Map<string, number>();
  for (const m of s.ses.messages) for (const d of m.destinations) counts.set(d, (counts.get(d) ?? 0) + 1);
  return counts;
};

describe("a mailer throwing an unexpected (non-MailError) error", () => {
  it("deliverEdition returns only after every send settled, counts it failed and a rerun reaches it", async () => {
    const { deps, edition, emails } = await setUp(6);
    const broken = brokenFor(deps.mailer);
    const errors: string[] = [];
    // One delivery only: the message dead-letters at once, so the run ends right after it failed.
    const summary = await deliverEdition({ ...deps, mailer: broken.mailer }, edition, {
      queue: { maxReceiveCount: 1, retryDelayMs: () => 10 },
      onBatchError: (err, receiveCount) => errors.push(`${receiveCount}: ${err.message}`),
    });
    broken.events.push("returned");
    expect(broken.inFlight()).toBe(0);
    expect(broken.events.at(-1)).toBe("returned");
    expect(broken.events.filter((e) => e.startsWith("settled"))).toHaveLength(6);

    expect(summary).toMatchObject({
      recipients: 6,
      sent: 5,
      alreadySent: 0,
      failed: 1,
      retryable: 1,
      remaining: 0,
    });
    expect(errors).toEqual(["1: sdk.send is not a function"]);
    expect(stack.ses.messages).toHaveLength(5);
    expect((await deps.editions.get(DAY))?.status).toBe("partial");
    expect((await deps.editions.getStats(DAY)).sent).toBe(5);
    expect(await deps.ledger.counts(DAY)).toMatchObject({ sent: 5, failed: 1, sending: 0 });
    const failed = await deps.ledger.list(DAY, ["failed"], null, 10);
    expect(failed.items).toHaveLength(1);
    expect(failed.items[0]?.error).toContain("sdk.send is not a function");

    // The rerun (the real mailer) claims the failed entry at once and sends nobody twice.
    const rerun = await stack.digest(["send", "--date", DAY]);
    expect(rerun.err).not.toContain("failed");
    expect(rerun.code).toBe(0);
    expect(rerun.out).toMatch(/recipients=6 sent=1 already_sent=5 skipped=0 suppressed=0 failed=0$/m);
    expect([...received(stack).keys()].sort()).toEqual([...emails].sort());
    expect([...received(stack).values()].every((n) => n === 1)).toBe(true);
    expect((await deps.editions.get(DAY))?.status).toBe("sent");
  });

  it("the local run: the redelivery of the message reaches the recipient; counts are exact", async () => {
    const { deps, edition, emails } = await setUp(6);
    const broken = brokenFor(deps.mailer, 1);
    const errors: string[] = [];
    const summary = await deliverEdition({ ...deps, mailer: broken.mailer }, edition, {
      queue: { retryDelayMs: () => 10 },
      onBatchError: (err, receiveCount) => errors.push(`${receiveCount}: ${err.message}`),
    });
    broken.events.push("returned");
    expect(broken.events.at(-1)).toBe("returned");
    expect(broken.thrown()).toBe(1);
    expect(errors).toEqual(["1: sdk.send is not a function"]);
    // Those sent on the first delivery count as sent, not as "already sent" found by the redelivery.
    expect(summary).toMatchObject({ recipients: 6, sent: 6, alreadySent: 0, failed: 0, retryable: 0 });
    expect((await deps.editions.get(DAY))?.status).toBe("sent");
    expect((await deps.editions.getStats(DAY)).sent).toBe(6);
    expect([...received(stack).keys()].sort()).toEqual([...emails].sort());
    expect([...received(stack).values()].every((n) => n === 1)).toBe(true);
  });

  it("the send Lambda's step rejects only after the message's sends settled; SQS's redelivery reaches the recipient", async () => {
    const { deps, edition } = await setUp(6);
    const queue = new LocalQueue();
    await fanOutEdition({ subscribers: deps.subscribers, queue, editions: deps.editions }, edition);
    const [message] = queue.receive(1);
    if (!message) throw new Error("no message");
    const broken = brokenFor(deps.mailer);
    const failing: EditionDeps = { ...deps, mailer: broken.mailer };
    // Rejecting fails this message only (processPartialResponse reports it as a batch item failure).
    await expect(
      processRecipientBatch(failing, parseRecipientBatch(message.body), createSendCache()).finally(() =>
        broken.events.push("rejected"),
      ),
    ).rejects.toThrow("sdk.send is not a function");
    expect(broken.inFlight()).toBe(0);
    expect(broken.events.at(-1)).toBe("rejected");
    expect(await deps.ledger.counts(DAY)).toMatchObject({ sent: 5, failed: 1, sending: 0 });
    expect((await deps.editions.getStats(DAY)).sent).toBe(5);

    // The redelivery (a new container: its own cache) with a mailer that works.
    const again = await processRecipientBatch(deps, parseRecipientBatch(message.body), createSendCache());
    expect(again).toMatchObject({ verdict: "done", summary: { sent: 1, alreadySent: 5, failed: 0 } });
    expect(await deps.ledger.counts(DAY)).toMatchObject({ sent: 6, failed: 0, sending: 0 });
    expect([...received(stack).values()].every((n) => n === 1)).toBe(true);
    expect(stack.ses.messages).toHaveLength(6);
  });

  it("a store failure for one recipient (before any send) leaves it failed and unclaimed; the others go out", async () => {
    const { deps, edition } = await setUp(4);
    const queue = new LocalQueue();
    await fanOutEdition({ subscribers: deps.subscribers, queue, editions: deps.editions }, edition);
    const [message] = queue.receive(1);
    if (!message) throw new Error("no message");
    const brokenId = (await deps.subscribers.get(BROKEN))?.id;
    const ledger: SendLedger = Object.create(deps.ledger);
    ledger.claim = (...args) =>
      args[1] === brokenId
        ? Promise.reject(new Error("ProvisionedThroughputExceededException"))
        : deps.ledger.claim(...args);
    const cache = createSendCache();
    const thrown = await processRecipientBatch(
      { ...deps, ledger },
      parseRecipientBatch(message.body),
      cache,
    ).catch((err: unknown) => err);
    expect(thrown).toBeInstanceOf(Error);
    expect((thrown as Error).message).toBe("ProvisionedThroughputExceededException");
    expect(await deps.ledger.counts(DAY)).toMatchObject({ sent: 3, sending: 0 });
    expect(stack.ses.messages).toHaveLength(3);
    // The redelivery, in a new container (the cached engine holds the failing store).
    const again = await processRecipientBatch(deps, parseRecipientBatch(message.body), createSendCache());
    expect(again).toMatchObject({ verdict: "done", summary: { sent: 1, alreadySent: 3 } });
  });
});

describe("consumeQueue", () => {
  it("a poller that fails rejects only after the other pollers' batches in progress finished", async () => {
    const queue = new LocalQueue({ visibilityTimeoutMs: 10_000 });
    queue.send("fast");
    queue.send("slow");
    const events: string[] = [];
    const run = consumeQueue(queue, {
      consumers: 2,
      waitMs: 20,
      handler: async ([m]) => {
        if (m?.body === "slow") await pause(300);
        events.push(`handled ${m?.body}`);
        return { batchItemFailures: m?.body === "fast" ? [m.messageId] : [] };
      },
      retryDelayMs: () => {
        throw new Error("retryDelayMs broke");
      },
    }).finally(() => events.push("returned"));
    await expect(run).rejects.toThrow("retryDelayMs broke");
    expect(events).toEqual(["handled fast", "handled slow", "returned"]);
  });
});

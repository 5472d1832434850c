import { afterEach, describe, expect, it } from "vitest";
import { consumeQueue, LocalQueue } from "../../functions/adapters/local-queue.js";
import type { EditionDeps } from "../../functions/core/delivery/edition-sender.js";
import { fanOutEdition, parseRecipientBatch } from "../../functions/core/delivery/fan-out.js";
import { deliverThroughQueue } from "../../functions/core/delivery/queue-run.js";
import { createSendCache, processRecipientBatch } from "../../functions/core/delivery/send-batch.js";
import { deliverEdition } from "../../functions/core/delivery/send-edition.js";
import { MailError, type Mailer, type SubscriberStore } from "../../functions/core/kernel/ports.js";
import type { Runtime } from "../../functions/local/runtime.js";
import { composedEdition, seedDay } from "../helpers/edition-setup.js";
import { startTestStack, type TestStack } from "../helpers/services.js";

/**
 * SQS redelivery on the local queue, through the send Lambda's per-message step: a consumer that dies
 * before deleting its message, or in the middle of it, leaves the message to come back after the
 * visibility timeout, and the send ledger keeps anyone from getting the edition twice.
 */

const DAY = "2031-03-14";
let stack: TestStack;
let rt: Runtime | null = null;

afterEach(async () => {
  await rt?.close();
  rt = null;
  await stack?.close();
});

async function setUp(n: number, config: NodeJS.ProcessEnv = {}) {
  stack = await startTestStack({}, { DIGEST_SEND_LEASE_SECONDS: "1", ...config });
  const emails = Array.from({ length: n }, (_, i) => `reader${i}@example.com`);
  const composed = await composedEdition(stack, DAY, emails);
  rt = composed.rt;
  return { ...composed, emails };
}

/** How many accepted messages each address got. */
const received = () => {
  const counts = new Map<string, number>();
  for (const m of stack.ses.messages) for (const d of m.destinations) counts.set(d, (counts.get(d) ?? 0) + 1);
  return counts;
};

/** A mailer whose `n`th send fails with a plain error (a bug or an SDK failure, not an SES refusal). */
function crashingOn(mailer: Mailer, n: number): Mailer {
  let calls = 0;
  return {
    maxSendRate: () => mailer.maxSendRate(),
    async sendRaw(raw, opts) {
      if (++calls === n) throw new Error("consumer crashed");
      return mailer.sendRaw(raw, opts);
    },
  };
}

describe("SQS redelivery on the local queue", () => {
  it("a consumer that sent its batch but died before deleting it: the redelivery sends nobody twice", async () => {
    const { deps, edition, emails } = await setUp(6);
    const queue = new LocalQueue({ visibilityTimeoutMs: 300 });
    expect(
      await fanOutEdition({ subscribers: deps.subscribers, queue, editions: deps.editions }, edition, {
        recipientsPerMessage: 3,
      }),
    ).toMatchObject({
      recipients: 6,
      messages: 2,
    });

    // First consumer: processes one message completely, then "crashes": no DeleteMessage.
    const [message] = queue.receive(1);
    if (!message) throw new Error("no message");
    const first = await processRecipientBatch(deps, parseRecipientBatch(message.body), createSendCache());
    expect(first).toMatchObject({ verdict: "done", summary: { recipients: 3, sent: 3 } });
    expect(stack.ses.messages).toHaveLength(3);

    // A second consumer (another process: its own cache and engine) drains the queue. The abandoned
    // message is invisible until its visibility timeout runs out, then comes back.
    const deliveries: { messageId: string; receiveCount: number; sent: number; alreadySent: number }[] = [];
    const cache = createSendCache();
    await consumeQueue(queue, {
      waitMs: 50,
      handler: async (messages) => {
        for (const m of messages) {
          const result = await processRecipientBatch(deps, parseRecipientBatch(m.body), cache);
          const { sent, alreadySent } = result.summary;
          deliveries.push({ messageId: m.messageId, receiveCount: m.receiveCount, sent, alreadySent });
        }
        return { batchItemFailures: [] };
      },
    });
    expect(deliveries).toHaveLength(2);
    expect(deliveries.find((d) => d.messageId === message.messageId)).toEqual({
      messageId: message.messageId,
      receiveCount: 2,
      sent: 0,
      alreadySent: 3,
    });
    expect(deliveries.find((d) => d.messageId !== message.messageId)).toMatchObject({ sent: 3 });
    expect(queue.size).toBe(0);
    expect([...received().keys()].sort()).toEqual([...emails].sort());
    expect([...received().values()].every((n) => n === 1)).toBe(true);
    expect(await deps.ledger.counts(DAY)).toMatchObject({ sent: 6, sending: 0, failed: 0 });
  });

  it("a consumer that died in the middle of its batch: the redelivery waits out its claim and sends the rest once", async () => {
    const { deps, edition, emails } = await setUp(5, { DIGEST_SEND_CONCURRENCY: "1" });
    // Long enough that the crash and the checks below finish inside it even on a loaded machine.
    const queue = new LocalQueue({ visibilityTimeoutMs: 2_000 });
    await fanOutEdition({ subscribers: deps.subscribers, queue, editions: deps.editions }, edition);

    const [message] = queue.receive(1);
    if (!message) throw new Error("no message");
    // The process dies during its third send: that send never returns (a thrown error would not do:
    // the engine releases the claim of a recipient whose send threw).
    let calls = 0;
    const dying: EditionDeps = {
      ...deps,
      mailer: {
        maxSendRate: () => deps.mailer.maxSendRate(),
        sendRaw: (raw, opts) =>
          ++calls >= 3 ? new Promise<string>(() => {}) : deps.mailer.sendRaw(raw, opts),
      },
    };
    void processRecipientBatch(dying, parseRecipientBatch(message.body), createSendCache());
    // Two were sent; the third was claimed (a lease of 1 s) and never went out.
    for (let i = 0; i < 50 && calls < 3; i++) await new Promise((r) => setTimeout(r, 20));
    expect(stack.ses.messages).toHaveLength(2);
    // The ledger's entries (the counters get this message's changes only when it ends, and it never does).
    expect(await deps.ledger.countEntries(DAY)).toMatchObject({ sent: 2, sending: 1 });

    const [early] = queue.receive(1);
    expect(early).toBeUndefined();
    const results: { receiveCount: number; sent: number; alreadySent: number }[] = [];
    await consumeQueue(queue, {
      waitMs: 50,
      handler: async (messages) => {
        for (const m of messages) {
          const { summary } = await processRecipientBatch(
            deps,
            parseRecipientBatch(m.body),
            createSendCache(),
          );
          results.push({
            receiveCount: m.receiveCount,
            sent: summary.sent,
            alreadySent: summary.alreadySent,
          });
        }
        return { batchItemFailures: [] };
      },
    });
    expect(results).toEqual([{ receiveCount: 2, sent: 3, alreadySent: 2 }]);
    expect([...received().keys()].sort()).toEqual([...emails].sort());
    expect([...received().values()].every((n) => n === 1)).toBe(true);
  });

  it("the local run: a message whose processing crashes is redelivered and everyone still gets one copy", async () => {
    const { deps, edition, emails } = await setUp(8);
    const errors: string[] = [];
    const summary = await deliverEdition({ ...deps, mailer: crashingOn(deps.mailer, 2) }, edition, {
      queue: { visibilityTimeoutMs: 500, retryDelayMs: () => 50 },
      onBatchError: (err, receiveCount) => errors.push(`${receiveCount}: ${err.message}`),
    });
    expect(errors).toEqual(["1: consumer crashed"]);
    expect(summary).toMatchObject({ recipients: 8, failed: 0, remaining: 0, stoppedBecause: null });
    // The first delivery's sends were not reported (it crashed): its redelivery finds them sent.
    expect(summary.sent + summary.alreadySent).toBe(8);
    expect([...received().keys()].sort()).toEqual([...emails].sort());
    expect([...received().values()].every((n) => n === 1)).toBe(true);
    expect((await deps.editions.get(DAY))?.status).toBe("sent");
  });

  it("the local run stops at the daily quota across consumers and counts what is still queued as remaining", async () => {
    stack = await startTestStack({ max24HourSend: 30 });
    await seedDay(
      stack,
      DAY,
      Array.from({ length: 180 }, (_, i) => `reader${i}@example.com`),
    );
    // 180 recipients are 4 queue messages; two consumers take two at a time.
    const run = await stack.digest(["send", "--date", DAY]);
    expect(run.code).toBe(1);
    expect(run.out).toMatch(
      /^edition=2031-03-14 stories=1 recipients=180 sent=30 already_sent=0 skipped=0 suppressed=0 failed=0 remaining=150$/m,
    );
    expect(run.err).toMatch(/daily sending quota reached.*150 left/);
    expect(stack.ses.messages).toHaveLength(30);
    await stack.restartSes({});
    const rerun = await stack.digest(["send", "--date", DAY]);
    expect(rerun.code).toBe(0);
    expect(rerun.out).toMatch(/recipients=180 sent=150 already_sent=30 skipped=0 suppressed=0 failed=0$/m);
    expect(new Set(stack.ses.messages.flatMap((m) => m.destinations)).size).toBe(150);
  });

  it("partial batch failure: only the message with a recipient still failing comes back, and the retry reaches them", async () => {
    const { deps, edition } = await setUp(6);
    // flaky@ fails transiently on every try of its first delivery (8 tries), then is accepted.
    const flaky = "reader4@example.com";
    let flakyTries = 0;
    const mailer: Mailer = {
      maxSendRate: () => deps.mailer.maxSendRate(),
      async sendRaw(raw, opts) {
        if (opts.to === flaky && ++flakyTries <= 8) throw new MailError("transient", "InternalFailure: boom");
        return deps.mailer.sendRaw(raw, opts);
      },
    };
    // Each delivery of a message looks its addresses up again: that shows which messages came back.
    const lookups = new Map<string, number>();
    const subscribers: SubscriberStore = Object.create(deps.subscribers);
    const looked = (emails: readonly string[]) => {
      for (const email of emails) lookups.set(email, (lookups.get(email) ?? 0) + 1);
    };
    subscribers.get = (email) => {
      looked([email]);
      return deps.subscribers.get(email);
    };
    subscribers.getMany = (emails) => {
      looked(emails);
      return deps.subscribers.getMany?.(emails) ?? Promise.reject(new Error("no getMany"));
    };
    const { summary, deadLetters } = await deliverThroughQueue(
      { ...deps, subscribers, mailer, sleep: async () => {} },
      edition,
      async (queue) =>
        (
          await fanOutEdition({ subscribers: deps.subscribers, queue, editions: deps.editions }, edition, {
            recipientsPerMessage: 2,
          })
        ).recipients,
      { queue: { retryDelayMs: () => 20, consumers: 1, batchSize: 3 } },
    );
    const twice = [...lookups].filter(([, n]) => n === 2).map(([email]) => email);
    expect(twice).toHaveLength(2);
    expect(twice).toContain(flaky);
    expect([...lookups.values()].filter((n) => n === 1)).toHaveLength(4);
    expect(deadLetters).toBe(0);
    expect(summary).toMatchObject({ recipients: 6, sent: 6, alreadySent: 0, failed: 0, retryable: 0 });
    expect(flakyTries).toBe(9);
    expect(stack.ses.messages).toHaveLength(6);
    // The flaky recipient's neighbour in its message was not sent again, the other messages not retried.
    expect([...received().values()].every((n) => n === 1)).toBe(true);
  });
});

import { afterEach, describe, expect, it } from "vitest";
import { LocalQueue } from "../../functions/adapters/local-queue.js";
import { fanOutEdition, parseRecipientBatch } from "../../functions/core/delivery/fan-out.js";
import {
  createSendCache,
  processRecipientBatch,
  settleProcessed,
} from "../../functions/core/delivery/send-batch.js";
import type { RecipientBatch, RecipientQueue } from "../../functions/core/kernel/ports.js";
import type { Runtime } from "../../functions/local/runtime.js";
import { composedEdition } from "../helpers/edition-setup.js";
import { startTestStack, type TestStack } from "../helpers/services.js";

/**
 * The fan-out's delivery round on dynalite: two compose invocations running the same round at once
 * (a duplicate Scheduler or async invocation) do not both carry on, and whatever they enqueued, the
 * edition settles once every message is over.
 */

const DAY = "2031-03-14";
let stack: TestStack;
let rt: Runtime | null = null;

afterEach(async () => {
  await rt?.close();
  rt = null;
  await stack?.close();
});

describe("fan-out rounds", () => {
  it("a second invocation that overtakes the first: the first stops, everyone is enqueued, the edition settles", async () => {
    stack = await startTestStack();
    const emails = Array.from({ length: 25 }, (_, i) => `r${i}@example.com`);
    const composed = await composedEdition(stack, DAY, emails);
    rt = composed.rt;
    const { deps, edition } = composed;
    const queue = new LocalQueue();
    let overtaken = false;
    let second: Awaited<ReturnType<typeof fanOutEdition>> | null = null;
    // The first invocation's first enqueue lets the second one run to the end before it returns.
    const overtakingQueue: RecipientQueue = {
      async enqueue(batches: readonly RecipientBatch[]) {
        await queue.enqueue(batches);
        if (overtaken) return;
        overtaken = true;
        second = await fanOutEdition(
          { subscribers: deps.subscribers, queue, editions: deps.editions },
          edition,
          {
            recipientsPerMessage: 2,
            resume: true,
          },
        );
      },
    };
    // A round in progress for the first invocation to resume, as a crashed earlier one left it.
    await deps.editions.startRound(DAY, "fan-out", {
      after: null,
      startedAt: new Date().toISOString(),
      carried: false,
    });
    const firstResult = await fanOutEdition(
      { subscribers: deps.subscribers, queue: overtakingQueue, editions: deps.editions },
      edition,
      {
        recipientsPerMessage: 2,
        resume: true,
      },
    );
    expect(firstResult).toMatchObject({ resumed: true, superseded: true, recipients: 0 });
    expect(second).toMatchObject({ resumed: true, superseded: false, recipients: 25 });

    // Page 1 went out twice (the first invocation's copy is a duplicate the ledger absorbs).
    const bodies = queue.pending().map((m) => parseRecipientBatch(m.body));
    expect(new Set(bodies.flatMap((b) => b.emails))).toEqual(new Set(emails));
    expect(bodies.flatMap((b) => b.emails)).toHaveLength(25 + 20);

    const cache = createSendCache();
    for (const m of queue.pending()) {
      const batch = parseRecipientBatch(m.body);
      const result = await processRecipientBatch(deps, batch, cache);
      await settleProcessed(deps, batch, { result, failed: false }, { receiveCount: 1, maxReceives: 3 });
    }
    expect(await deps.editions.getStatus(DAY)).toBe("sent");
    expect(stack.ses.messages).toHaveLength(25);
  });
});

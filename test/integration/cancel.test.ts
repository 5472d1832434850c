import { afterEach, describe, expect, it } from "vitest";
import { LocalQueue } from "../../functions/adapters/local-queue.js";
import { fanOutEdition, parseRecipientBatch } from "../../functions/core/delivery/fan-out.js";
import {
  createSendCache,
  EDITION_CANCELLED,
  processRecipientBatch,
} from "../../functions/core/delivery/send-batch.js";
import { deliverEdition } from "../../functions/core/delivery/send-edition.js";
import { cancelEdition } from "../../functions/core/edition/edition-admin.js";
import type { Mailer } from "../../functions/core/kernel/ports.js";
import type { Runtime } from "../../functions/local/runtime.js";
import { composedEdition } from "../helpers/edition-setup.js";
import { startTestStack, story, type TestStack, writeStories } from "../helpers/services.js";

/**
 * `digest editions cancel` stops an edition in progress: the send Lambda's per-message step and the
 * local queue skip a cancelled edition's recipients (nothing sent, nothing recorded for them), the
 * local run keeps the status "cancelled", and `digest send` refuses to resume it.
 */

const DAY = "2031-03-14";
let stack: TestStack;
let rt: Runtime | null = null;

afterEach(async () => {
  await rt?.close();
  rt = null;
  await stack?.close();
});

async function setUp(n: number) {
  stack = await startTestStack();
  const emails = Array.from({ length: n }, (_, i) => `reader${String(i).padStart(3, "0")}@example.com`);
  const composed = await composedEdition(stack, DAY, emails);
  rt = composed.rt;
  return composed;
}

const adminDeps = (deps: Awaited<ReturnType<Runtime["deps"]>>) => ({
  editions: deps.editions,
  ledger: deps.ledger,
  config: deps.config,
  clock: () => new Date(),
});

const total = (counts: Record<string, number>) =>
  Object.entries(counts)
    .filter(([state]) => state !== "queued")
    .reduce((n, [, c]) => n + c, 0);

describe("digest editions cancel", () => {
  it("cancelled between two queue messages: the second is acknowledged unsent; send refuses to resume", async () => {
    const { deps, edition } = await setUp(6);
    const queue = new LocalQueue({ visibilityTimeoutMs: 30_000 });
    await fanOutEdition({ subscribers: deps.subscribers, queue, editions: deps.editions }, edition, {
      recipientsPerMessage: 3,
    });
    const [first, second] = queue.receive(2);
    if (!first || !second) throw new Error("expected two messages");
    // One cache for both messages, as in one Lambda container: the edition is loaded before the cancel.
    const cache = createSendCache();
    const one = await processRecipientBatch(deps, parseRecipientBatch(first.body), cache);
    expect(one).toMatchObject({ verdict: "done", summary: { sent: 3 } });

    const cancel = await stack.digest(["editions", "cancel", DAY]);
    expect(cancel.code).toBe(0);
    expect(cancel.out).toContain(`cancelled edition ${DAY}`);
    expect(cancel.out).toContain("recipients: sent=3 queued=0");

    const two = await processRecipientBatch(deps, parseRecipientBatch(second.body), cache);
    expect(two.verdict).toBe("dropped");
    expect(two.reason).toBe(EDITION_CANCELLED);
    expect(two.summary).toMatchObject({ sent: 0, remaining: 3, stoppedBecause: EDITION_CANCELLED });
    expect([...two.outcomes.values()]).toEqual(["remaining", "remaining", "remaining"]);
    expect(stack.ses.messages).toHaveLength(3);

    // The ledger keeps only what happened: three sent, nothing for the three never reached.
    const shown = await stack.digest(["editions", "show", DAY, "--json"]);
    const report = JSON.parse(shown.out);
    expect(report.status).toBe("cancelled");
    expect(report.counts).toMatchObject({ sent: 3, failed: 0, sending: 0 });
    expect(total(report.counts)).toBe(3);
    expect((await stack.digest(["editions", "show", DAY])).out).toContain(
      `edition ${DAY} (${DAY}): cancelled`,
    );

    const resume = await stack.digest(["send", "--date", DAY]);
    expect(resume.code).toBe(1);
    expect(resume.err).toContain(`edition ${DAY} was cancelled`);
    expect(resume.err).toContain("not resumed");
    const dry = await stack.digest(["send", "--date", DAY, "--dry-run"]);
    expect(dry.code).toBe(1);
    expect(dry.err).toContain("was cancelled: it will not be sent");
    expect(stack.ses.messages).toHaveLength(3);

    const again = await stack.digest(["editions", "cancel", DAY]);
    expect(again.code).toBe(0);
    expect(again.out).toContain("was already cancelled");
  });

  it("cancelled while the local queue drains: the message in flight finishes, the rest are not sent", async () => {
    const { deps, edition } = await setUp(120);
    // Cancels the edition from inside the first send, before SES's answer is handed back: the
    // message in progress goes on, every later message of the queue must see the cancel.
    let calls = 0;
    const mailer: Mailer = {
      maxSendRate: () => deps.mailer.maxSendRate(),
      async sendRaw(raw, opts) {
        const id = await deps.mailer.sendRaw(raw, opts);
        if (++calls === 1) {
          const result = await cancelEdition(adminDeps(deps), DAY);
          expect(result.outcome).toBe("cancelled");
        }
        return id;
      },
    };
    const summary = await deliverEdition({ ...deps, mailer }, edition, {
      queue: { consumers: 1, batchSize: 1 },
    });
    // 120 recipients in messages of 50: the first message is sent whole, the other two are not.
    expect(summary).toMatchObject({
      recipients: 120,
      sent: 50,
      failed: 0,
      remaining: 70,
      stoppedBecause: EDITION_CANCELLED,
    });
    expect(stack.ses.messages).toHaveLength(50);
    const stored = await deps.editions.get(DAY);
    expect(stored?.status).toBe("cancelled");
    const counts = await deps.ledger.counts(DAY);
    expect(counts.sent).toBe(50);
    expect(total(counts)).toBe(50);
  });

  it("refuses to cancel an edition that was sent to everyone, or one that does not exist (exit 1)", async () => {
    stack = await startTestStack();
    await stack.digest(["stories", "import", await writeStories(stack, "s.ndjson", [story(DAY, 1)])]);
    await stack.digest(["subscribers", "add", "ana@example.com"]);
    expect((await stack.digest(["send", "--date", DAY])).code).toBe(0);
    const sent = await stack.digest(["editions", "cancel", DAY]);
    expect(sent.code).toBe(1);
    expect(sent.err).toContain(`edition ${DAY} was already sent to everyone: nothing to cancel`);
    expect(JSON.parse((await stack.digest(["editions", "show", DAY, "--json"])).out).status).toBe("sent");
    const missing = await stack.digest(["editions", "cancel", "2031-03-15"]);
    expect(missing.code).toBe(1);
    expect(missing.err).toContain("no edition 2031-03-15");
    expect((await stack.digest(["editions", "cancel"])).code).toBe(2);
  });
});

describe("edition status transitions in the store", () => {
  it("a cancelled edition cannot be marked sent, and a sent one cannot be cancelled", async () => {
    const { deps, edition } = await setUp(1);
    expect(await deps.editions.setStatus(edition.editionId, "cancelled")).toBe(true);
    expect(await deps.editions.setStatus(edition.editionId, "sent")).toBe(false);
    expect((await deps.editions.get(edition.editionId))?.status).toBe("cancelled");

    const other = { ...edition, editionId: `${DAY}-b` };
    await deps.editions.createIfAbsent(other);
    expect(await deps.editions.setStatus(other.editionId, "sent")).toBe(true);
    expect(await deps.editions.setStatus(other.editionId, "cancelled")).toBe(false);
    const refused = await cancelEdition(adminDeps(deps), other.editionId);
    expect(refused).toMatchObject({ outcome: "refused" });
    expect((await deps.editions.get(other.editionId))?.status).toBe("sent");
    await expect(deps.editions.setStatus(`${DAY}-missing`, "sent")).rejects.toThrow(/does not exist/);
  });
});

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DynamoSendLedger } from "../../functions/adapters/dynamo/send-ledger.js";
import { DynamoSubscriberStore } from "../../functions/adapters/dynamo/subscriber-store.js";
import { tableNamesFromEnv } from "../../functions/adapters/schema.js";
import type { LedgerRecord } from "../../functions/core/kernel/ports.js";
import { stackDocumentClient, startTestStack, type TestStack } from "../helpers/services.js";

/** The ledger reads resend-failed relies on, and the batched subscriber lookup of the send step. */

let stack: TestStack;
let db: ReturnType<typeof stackDocumentClient>;
const tables = tableNamesFromEnv({});

beforeAll(async () => {
  stack = await startTestStack();
  db = stackDocumentClient(stack);
});

afterAll(async () => {
  db?.destroy();
  await stack?.close();
});

describe("send ledger: list by state and reopen", () => {
  it("pages through the entries in the asked states only, and reopens only rejected ones", async () => {
    const ledger = new DynamoSendLedger(db, tables.sends);
    const ed = "2031-03-14";
    const lease = Date.now() + 60_000;
    for (let i = 0; i < 30; i++) {
      const id = `s${String(i).padStart(2, "0")}`;
      await ledger.claim(ed, id, "o", lease);
      if (i % 3 === 0) await ledger.markSent(ed, id, "o", `m${i}`);
      else if (i % 3 === 1) await ledger.markFailed(ed, id, "o", "InternalFailure", false);
      else await ledger.markFailed(ed, id, "o", "MessageRejected: bad address", true);
    }
    await ledger.claim("2031-03-15", "s01", "o", lease);
    await ledger.markFailed("2031-03-15", "s01", "o", "InternalFailure", false);

    const all: LedgerRecord[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const page = await ledger.list(ed, ["failed", "rejected"], cursor, 7);
      all.push(...page.items);
      cursor = page.nextCursor;
      pages++;
    } while (cursor);
    expect(pages).toBeGreaterThan(2);
    expect(all).toHaveLength(20);
    expect(all.find((r) => r.subscriberId === "s02")).toEqual({
      subscriberId: "s02",
      state: "rejected",
      error: "MessageRejected: bad address",
    });
    expect((await ledger.list(ed, ["failed"], null, 100)).items.map((r) => r.state)).toEqual(
      Array(10).fill("failed"),
    );
    expect(await ledger.list(ed, [], null, 100)).toEqual({ items: [], nextCursor: null });

    expect(await ledger.reopen(ed, "s02")).toBe(true);
    expect(await ledger.reopen(ed, "s02")).toBe(false);
    expect(await ledger.reopen(ed, "s00")).toBe(false); // sent: never touched
    expect(await ledger.reopen(ed, "s01")).toBe(false); // already failed
    expect(await ledger.reopen(ed, "nobody")).toBe(false);
    expect(await ledger.countEntries(ed)).toMatchObject({ sent: 10, failed: 11, rejected: 9 });
    // The counters hold the same once the changes are flushed (the send path: once per message).
    await ledger.flushCounts();
    expect(await ledger.counts(ed)).toEqual(await ledger.countEntries(ed));
    // A reopened recipient can be claimed again; a sent one cannot.
    expect((await ledger.claim(ed, "s02", "p", lease)).claimed).toBe(true);
    expect((await ledger.claim(ed, "s00", "p", lease)).claimed).toBe(false);
  });
});

describe("subscriber store: getMany", () => {
  it("reads the existing subscribers of many addresses in batches of 100", async () => {
    const store = new DynamoSubscriberStore(db, tables.subscribers);
    const at = "2031-03-14T00:00:00Z";
    for (let i = 0; i < 130; i++) {
      await store.create({
        id: `id${i}`,
        email: `r${i}@example.com`,
        name: null,
        status: i % 2 ? "active" : "paused",
        sections: [],
        timezone: null,
        createdAt: at,
        confirmedAt: at,
        updatedAt: at,
        consent: { method: "admin", at, source: "test" },
      });
    }
    const asked = [...Array.from({ length: 130 }, (_, i) => `r${i}@example.com`), "ghost@example.com"];
    const found = await store.getMany(asked);
    expect(found.size).toBe(130);
    expect(found.get("r7@example.com")).toMatchObject({ id: "id7", status: "active" });
    expect(found.get("r7@example.com")).not.toHaveProperty("statusShard");
    expect(found.has("ghost@example.com")).toBe(false);
    expect(await store.getMany([])).toEqual(new Map());
  });
});

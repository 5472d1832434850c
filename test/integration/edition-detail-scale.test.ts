import { PutCommand } from "@aws-sdk/lib-dynamodb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DynamoEditionStore } from "../../functions/adapters/dynamo/edition-store.js";
import { LEDGER_COUNTER_SHARDS } from "../../functions/adapters/dynamo/ledger-counters.js";
import { DynamoSendLedger } from "../../functions/adapters/dynamo/send-ledger.js";
import { tableNamesFromEnv } from "../../functions/adapters/schema.js";
import { bearerTokenAuth } from "../../functions/core/http/admin-auth.js";
import type { HttpHandler } from "../../functions/core/http/router.js";
import { apiFunctionRoutes, createApi } from "../../functions/core/http/routes.js";
import type { EditionRecord, LedgerCounts } from "../../functions/core/kernel/ports.js";
import { openRuntime, type Runtime } from "../../functions/local/runtime.js";
import { countingClient } from "../helpers/counting-client.js";
import { seedDay } from "../helpers/edition-setup.js";
import { stackDocumentClient, startTestStack, type TestStack } from "../helpers/services.js";

/**
 * GET /admin/editions/{id} at any size (issue 15, item 1): the ledger's per-state counts come from
 * counters kept as entries change state, so the detail reads the same few items for an edition of
 * forty recipients as for one of a million (whose ledger is ~300 MB), and its answer stays small.
 * The counters count real transitions only: a redelivered write, a refused one or a repeat adds nothing.
 */

const TOKEN = "a-test-admin-token-0123456789";
const TABLES = tableNamesFromEnv({});
/** The meta item, the SES counters (the unsharded item and 16 shards) and the ledger counters. */
const DETAIL_READ_BOUND = 1 + 17 + LEDGER_COUNTER_SHARDS;
const SIX_MB = 6 * 1024 * 1024;

let stack: TestStack;
let rt: Runtime;
let db: ReturnType<typeof stackDocumentClient>;
let counting: ReturnType<typeof countingClient>;
let ledger: DynamoSendLedger;
let editions: DynamoEditionStore;
let api: HttpHandler;

const editionRecord = (editionId: string, counted: boolean): EditionRecord => ({
  editionId,
  date: editionId.slice(0, 10),
  status: "sent",
  stories: [],
  leftOutBySection: {},
  sections: [],
  createdAt: new Date().toISOString(),
  updatedAt: new Date().toISOString(),
  ...(counted ? { ledgerCounted: true } : {}),
});

/** Entries as a send leaves them: per subscriber claimed, then sent or failed; some skipped. */
async function send(editionId: string, n: number): Promise<void> {
  const lease = Date.now() + 60_000;
  for (let i = 0; i < n; i++) {
    const id = `sub-${i}`;
    if (i % 10 === 9) {
      await ledger.markNotSent(editionId, id, "skipped");
      continue;
    }
    await ledger.claim(editionId, id, "owner", lease);
    if (i % 10 === 8) await ledger.markFailed(editionId, id, "owner", "throttled", false);
    else await ledger.markSent(editionId, id, "owner", `m-${i}`);
  }
  await ledger.flushCounts();
}

async function detail(id: string) {
  counting.reset();
  const res = await api({
    method: "GET",
    path: `/admin/editions/${id}`,
    query: {},
    headers: { authorization: `Bearer ${TOKEN}` },
    body: "",
    sourceIp: "127.0.0.1",
    principal: null,
  });
  expect(res.status).toBe(200);
  return {
    body: JSON.parse(res.body) as { counts: LedgerCounts & { queued: number }; countedFrom: string },
    bytes: Buffer.byteLength(res.body),
    itemsRead: counting.count.items,
    scanned: counting.count.scanned,
  };
}

beforeAll(async () => {
  stack = await startTestStack();
  rt = await openRuntime({ env: stack.env });
  db = stackDocumentClient(stack);
  counting = countingClient(db);
  ledger = new DynamoSendLedger(counting.client, TABLES.sends);
  editions = new DynamoEditionStore(counting.client, TABLES.editions);
  const ctx = await rt.apiContext();
  api = createApi(apiFunctionRoutes, { ...ctx, ledger, editions }, bearerTokenAuth(TOKEN));
});

afterAll(async () => {
  db?.destroy();
  await rt?.close();
  await stack?.close();
});

describe("GET /admin/editions/{id} at scale", () => {
  it("reads the same few items for 40 recipients as for 400, with the counts of the ledger", async () => {
    await editions.replace(editionRecord("2031-06-01", true));
    await editions.replace(editionRecord("2031-06-02", true));
    await send("2031-06-01", 40);
    await send("2031-06-02", 400);
    const small = await detail("2031-06-01");
    const large = await detail("2031-06-02");
    expect(small.body.counts).toMatchObject({ sent: 32, failed: 4, skipped: 4, sending: 0, queued: 0 });
    expect(large.body.counts).toMatchObject({ sent: 320, failed: 40, skipped: 40, sending: 0, queued: 0 });
    expect(large.body.counts).toEqual({ queued: 0, ...(await ledger.countEntries("2031-06-02")) });
    expect(large.body.countedFrom).toBe("counters");
    expect(large.itemsRead).toBe(small.itemsRead);
    expect(large.itemsRead).toBeLessThanOrEqual(DETAIL_READ_BOUND);
    expect(large.scanned).toBe(0);
  });

  it("an edition of 1,000,000 recipients answers in well under 6 MB, reading the same few items", async () => {
    // The counters as a million-recipient send leaves them (written directly: sending a million
    // through dynalite here would take hours), beside a sample of entries in its ledger.
    const id = "2031-06-03";
    await editions.replace(editionRecord(id, true));
    const shares: LedgerCounts = {
      sending: 0,
      sent: 985_000,
      failed: 9_000,
      rejected: 1_000,
      suppressed: 2_000,
      skipped: 3_000,
    };
    for (let shard = 0; shard < LEDGER_COUNTER_SHARDS; shard++) {
      const part = Object.fromEntries(Object.entries(shares).map(([s, n]) => [s, n / LEDGER_COUNTER_SHARDS]));
      await db.send(
        new PutCommand({
          TableName: TABLES.sends,
          Item: { editionId: `counts#${id}#${shard}`, subscriberId: "counts", ...part },
        }),
      );
    }
    await send(id, 50);
    const { body, bytes, itemsRead, scanned } = await detail(id);
    expect(body.counts).toMatchObject({ sent: 985_040, failed: 9_005, rejected: 1_000, skipped: 3_005 });
    expect(bytes).toBeLessThan(SIX_MB);
    expect(itemsRead).toBeLessThanOrEqual(DETAIL_READ_BOUND);
    expect(scanned).toBe(0);
  });
});

describe("the ledger counters", () => {
  it("follow a real send through the queue: the counters agree with the entries", async () => {
    const day = "2031-06-06";
    const emails = Array.from({ length: 120 }, (_, i) => `reader${i}@example.com`);
    await seedDay(stack, day, emails);
    const sent = await stack.digest(["send", "--date", day]);
    expect(sent.code, sent.err).toBe(0);
    const { body } = await detail(day);
    expect(body.countedFrom).toBe("counters");
    expect(body.counts).toEqual({ queued: 0, ...(await ledger.countEntries(day)) });
    expect(body.counts.sent).toBe(120);
  });

  it("count real transitions only: repeats, refused writes and redeliveries add nothing", async () => {
    const id = "2031-06-04";
    const lease = Date.now() + 60_000;
    // Sent, then the same message redelivered: the claim is refused, markSent repeats.
    await ledger.claim(id, "a", "o1", lease);
    await ledger.markSent(id, "a", "o1", "m-a");
    expect((await ledger.claim(id, "a", "o2", lease)).claimed).toBe(false);
    await ledger.markSent(id, "a", "o1", "m-a");
    await ledger.markFailed(id, "a", "o1", "late", false); // never overwrites a send
    await ledger.markNotSent(id, "a", "skipped"); // nor this
    // Failed, claimed again by the same owner twice (a retry within a message), then sent.
    await ledger.claim(id, "b", "o1", lease);
    await ledger.markFailed(id, "b", "o1", "throttled", false);
    await ledger.claim(id, "b", "o1", lease);
    await ledger.claim(id, "b", "o1", lease);
    await ledger.markSent(id, "b", "o1", "m-b");
    // Rejected, reopened (failed), reopened again (refused).
    await ledger.claim(id, "c", "o1", lease);
    await ledger.markFailed(id, "c", "o1", "MessageRejected", true);
    await ledger.reopen(id, "c");
    await ledger.reopen(id, "c");
    // Suppressed twice; skipped then suppressed (a replaceable state changes).
    await ledger.markNotSent(id, "d", "suppressed");
    await ledger.markNotSent(id, "d", "suppressed");
    await ledger.markNotSent(id, "e", "skipped");
    await ledger.markNotSent(id, "e", "suppressed");
    // Claimed and never settled (a crashed sender): still sending.
    await ledger.claim(id, "f", "o1", lease);
    // Erased while the edition may still send: its failed entry is held as rejected.
    await ledger.claim(id, "g", "o1", lease);
    await ledger.markFailed(id, "g", "o1", "throttled", false);
    await ledger.eraseRecipient(id, "g", async () => true);
    // Erased once it is over: the state moves under a random key, the counts stay.
    await ledger.eraseRecipient(id, "a", async () => false);
    await ledger.flushCounts();
    await ledger.flushCounts(); // nothing left to add
    const counts = await ledger.counts(id);
    expect(counts).toEqual({ sending: 1, sent: 2, failed: 1, rejected: 1, suppressed: 2, skipped: 0 });
    expect(counts).toEqual(await ledger.countEntries(id));
  });

  it("an edition from before the counters is counted from its entries, until recounted", async () => {
    const id = "2031-06-05";
    await editions.replace(editionRecord(id, false));
    // Entries written before the counters existed: straight into the table, no counter.
    for (let i = 0; i < 30; i++) {
      await db.send(
        new PutCommand({
          TableName: TABLES.sends,
          Item: { editionId: id, subscriberId: `old-${i}`, state: i < 25 ? "sent" : "failed" },
        }),
      );
    }
    const before = await detail(id);
    expect(before.body.countedFrom).toBe("entries");
    expect(before.body.counts).toMatchObject({ sent: 25, failed: 5 });
    expect((await stack.digest(["editions", "show", id])).out).toContain(`digest editions recount ${id}`);
    const recounted = await stack.digest(["editions", "recount", id]);
    expect(recounted.code, recounted.err).toBe(0);
    expect(recounted.out).toMatch(/sent=25 failed=5/);
    const after = await detail(id);
    expect(after.body.countedFrom).toBe("counters");
    expect(after.body.counts).toMatchObject({ sent: 25, failed: 5 });
    expect(after.scanned).toBe(0);
  });
});

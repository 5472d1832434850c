import { type DynamoDBDocumentClient, GetCommand, PutCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DynamoJobStore } from "../../functions/adapters/dynamo/job-store.js";
import { DynamoSubscriberStore } from "../../functions/adapters/dynamo/subscriber-store.js";
import { DynamoSuppressionStore } from "../../functions/adapters/dynamo/suppression-store.js";
import { tableNamesFromEnv } from "../../functions/adapters/schema.js";
import { newJob } from "../../functions/core/jobs/jobs.js";
import { runJob } from "../../functions/core/jobs/run-job.js";
import { type Subscriber, statusShard } from "../../functions/core/subscribers/subscribers.js";
import { type DynaliteTables, startDynaliteTables } from "../helpers/dynalite-tables.js";
import { TEST_ERASURE_KEY } from "../helpers/memory-stores.js";

/**
 * The reindex job (issue 17, item 2): subscribers stored before the search indexes (no addressShard,
 * nameShard, nameKey) are invisible to a search until the job gives them their keys; it goes page by
 * page with a checkpoint, goes on from it in a new run, and never undoes a write made meanwhile.
 */

const tables = tableNamesFromEnv({});
const OLD = 120;
let dynamo: DynaliteTables;
let db: DynamoDBDocumentClient;
let deps: Parameters<typeof runJob>[0];
const started: string[] = [];

/** A record as the store wrote it before the search indexes: its status shard, nothing more. */
function oldItem(i: number, fields: Partial<Subscriber> = {}): Record<string, unknown> {
  const at = "2025-01-01T00:00:00.000Z";
  const email = `old${String(i).padStart(3, "0")}@example.com`;
  const s = {
    id: `id-${i}`,
    email,
    name: i % 2 === 0 ? `Élodie ${i}` : null,
    status: "active",
    sections: [],
    timezone: null,
    createdAt: at,
    confirmedAt: at,
    updatedAt: at,
    consent: { method: "import", at, source: "old provider" },
    ...fields,
  } as Subscriber;
  return { ...s, statusShard: statusShard(s.status, s.email, 16) };
}

beforeAll(async () => {
  dynamo = await startDynaliteTables();
  db = dynamo.db;
  deps = {
    subscribers: new DynamoSubscriberStore(db, tables.subscribers),
    suppressions: new DynamoSuppressionStore(db, tables.suppressions, async () => TEST_ERASURE_KEY),
    config: { sections: [] },
    clock: () => new Date(),
    jobs: new DynamoJobStore(db, tables.jobs),
    files: {
      read: async () => null,
      write: async () => {},
      uploadUrl: async () => null,
      downloadUrl: async () => "",
    },
    starter: { start: async (id) => void started.push(id) },
  };
  for (let i = 0; i < OLD; i++) {
    await db.send(new PutCommand({ TableName: tables.subscribers, Item: oldItem(i) }));
  }
});
afterAll(async () => {
  await dynamo?.close();
});

const search = (by: "address" | "name", prefix: string) =>
  deps.subscribers.search({ by, prefix }, null, 500).then((p) => p.items.map((s) => s.email));

describe("reindex job", () => {
  it("backfills old records page by page, stops at a checkpoint, goes on from it, then finds them all", async () => {
    expect(await search("address", "old")).toEqual([]);

    const job = newJob("reindex", {}, new Date());
    await deps.jobs.create(job);
    // Time runs short after the first page: the job records where it is and queues itself again.
    const first = await runJob(deps, job.id, { chunkRows: 50, timeLeft: () => 0 });
    expect(first.status).toBe("queued");
    expect(first.counts.rows).toBe(50);
    expect(first.checkpoint).toHaveProperty("cursor");
    expect(started).toEqual([job.id]);
    expect((await search("address", "old")).length).toBe(first.counts.updated);

    const done = await runJob(deps, job.id, { chunkRows: 50 });
    expect(done.status).toBe("done");
    expect(done.attempts).toBe(2);
    expect(done.counts.rows).toBe(OLD);
    expect(done.counts.updated).toBe(OLD);
    const all = Array.from({ length: OLD }, (_, i) => `old${String(i).padStart(3, "0")}@example.com`);
    expect(await search("address", "old")).toEqual(all);
    // In name order ("élodie 10" before "élodie 2"): the same readers.
    expect((await search("name", "elodie")).sort()).toEqual(all.filter((_, i) => i % 2 === 0));

    // A second run reads every record and writes none; the records are otherwise untouched.
    const again = newJob("reindex", {}, new Date());
    await deps.jobs.create(again);
    const rerun = await runJob(deps, again.id, { chunkRows: 50 });
    expect(rerun.counts).toMatchObject({ rows: OLD, updated: 0 });
    const stored = await db.send(new GetCommand({ TableName: tables.subscribers, Key: { email: all[0] } }));
    expect(stored.Item).toMatchObject({ ...oldItem(0), addressShard: expect.stringMatching(/^o#[0-3]$/) });
  });

  it("leaves alone a record written between its read and its update (no unsubscribe undone)", async () => {
    const racer = oldItem(900, { email: "racer@example.com", name: "Racer" });
    await db.send(new PutCommand({ TableName: tables.subscribers, Item: racer }));
    // The reader unsubscribes (through the store) just before the job's update of their record lands.
    let raced = false;
    const racing = new Proxy(db, {
      get(target, prop, receiver) {
        if (prop !== "send") return Reflect.get(target, prop, receiver);
        return async (command: unknown) => {
          const input = (command as { input: { Key?: { email?: string } } }).input;
          if (command instanceof UpdateCommand && input.Key?.email === "racer@example.com" && !raced) {
            raced = true;
            const current = await deps.subscribers.get("racer@example.com");
            await deps.subscribers.put({
              ...(current as Subscriber),
              status: "unsubscribed",
              name: "Racer Gone",
            });
          }
          return target.send(command as never);
        };
      },
    }) as DynamoDBDocumentClient;
    const store = new DynamoSubscriberStore(racing, tables.subscribers);
    let cursor: string | null = null;
    do cursor = (await store.refreshIndexKeys(cursor, 200)).nextCursor;
    while (cursor);
    expect(raced).toBe(true);
    const after = await deps.subscribers.get("racer@example.com");
    expect(after?.status).toBe("unsubscribed");
    expect(await search("name", "racer gone")).toEqual(["racer@example.com"]);
    expect(await search("name", "racer")).toEqual(["racer@example.com"]);
  });
});

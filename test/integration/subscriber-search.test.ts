import { CreateTableCommand } from "@aws-sdk/client-dynamodb";
import { type DynamoDBDocumentClient, ScanCommand } from "@aws-sdk/lib-dynamodb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DynamoSubscriberStore } from "../../functions/adapters/dynamo/subscriber-store.js";
import { DynamoSuppressionStore } from "../../functions/adapters/dynamo/suppression-store.js";
import { tableNamesFromEnv } from "../../functions/adapters/schema.js";
import type { Page } from "../../functions/core/kernel/ports.js";
import { foldName, SearchIndexUnavailableError } from "../../functions/core/subscribers/search-keys.js";
import { type SubscriberPatch, updateSubscriber } from "../../functions/core/subscribers/subscriber-admin.js";
import { listSubscribers, type SubscriberFilter } from "../../functions/core/subscribers/subscriber-list.js";
import type { Subscriber, SubscriberStatus } from "../../functions/core/subscribers/subscribers.js";
import { type DynaliteTables, startDynaliteTables } from "../helpers/dynalite-tables.js";
import { TEST_ERASURE_KEY } from "../helpers/memory-stores.js";

/**
 * The admin's search on dynalite (issue 17): addresses and names by prefix as Queries of the
 * byAddress and byName indexes, merged over their shards in key order, paged by cursor, with the
 * status filter inside the Query and the section filter on the records read.
 */

const tables = tableNamesFromEnv({});
let dynamo: DynaliteTables;
let db: DynamoDBDocumentClient;
let store: DynamoSubscriberStore;
let deps: Parameters<typeof listSubscribers>[0];

function subscriber(email: string, name: string | null, fields: Partial<Subscriber> = {}): Subscriber {
  const at = "2026-12-01T00:00:00.000Z";
  return {
    id: `id-${email}`,
    email,
    name,
    status: "active",
    sections: [],
    timezone: null,
    createdAt: at,
    confirmedAt: at,
    updatedAt: at,
    consent: { method: "admin", at, source: "test" },
    ...fields,
  };
}

/** Every page of a listing, following nextCursor; the emails in order and the pages it took. */
async function allPages(filter: SubscriberFilter, limit: number) {
  const emails: string[] = [];
  let cursor: string | null = null;
  let pages = 0;
  do {
    const page: Page<Subscriber> = await listSubscribers(deps, filter, cursor, limit);
    emails.push(...page.items.map((s) => s.email));
    cursor = page.nextCursor;
    pages++;
  } while (cursor !== null && pages < 1000);
  return { emails, pages };
}

const STATUSES: SubscriberStatus[] = ["active", "paused", "unsubscribed"];
/** 300 readers: anna000… (names "Anna Núñez 0…"), bob…, and a few names with accents and case. */
const seeded: Subscriber[] = [];
for (let i = 0; i < 300; i++) {
  const n = String(i).padStart(3, "0");
  const kind = i % 3 === 0 ? "anna" : i % 3 === 1 ? "bob" : "carl";
  const name = kind === "anna" ? `Anna Núñez ${n}` : kind === "bob" ? `Bob ${n}` : null;
  seeded.push(
    subscriber(`${kind}${n}@example.com`, name, {
      status: STATUSES[i % 5 === 0 ? 1 : i % 7 === 0 ? 2 : 0],
      sections: i % 2 === 0 ? ["World"] : ["Science"],
    }),
  );
}
seeded.push(subscriber("zoe@example.org", "ZOË Ångström"));
seeded.push(subscriber("zz-top@example.org", "Zoe Müller"));
seeded.push(subscriber("x@example.net", "Ånnie"));

beforeAll(async () => {
  dynamo = await startDynaliteTables();
  db = dynamo.db;
  store = new DynamoSubscriberStore(db, tables.subscribers);
  deps = {
    subscribers: store,
    suppressions: new DynamoSuppressionStore(db, tables.suppressions, async () => TEST_ERASURE_KEY),
    config: { sections: ["World", "Science"] },
    clock: () => new Date("2026-12-07T00:00:00Z"),
  };
  await store.putMany(seeded);
});
afterAll(async () => {
  await dynamo?.close();
});

const expected = (match: (s: Subscriber) => boolean) =>
  seeded
    .filter(match)
    .map((s) => s.email)
    .sort();

describe("subscriber search", () => {
  it("finds addresses by prefix, any case, in address order across pages of a cursor", async () => {
    const want = expected((s) => s.email.startsWith("a"));
    expect(want.length).toBe(100);
    const { emails, pages } = await allPages({ prefix: "A" }, 7);
    expect(emails).toEqual(want);
    expect(pages).toBe(Math.ceil(100 / 7));
    expect((await allPages({ prefix: "anna01" }, 100)).emails).toEqual(
      expected((s) => s.email.startsWith("anna01")),
    );
    expect((await allPages({ prefix: "bob004@example.com" }, 10)).emails).toEqual(["bob004@example.com"]);
    expect((await allPages({ prefix: "nobody" }, 10)).emails).toEqual([]);
  });

  it("finds names by prefix, whatever their case and accents, sparse (no name, no match)", async () => {
    expect((await allPages({ name: "zoe" }, 10)).emails).toEqual(["zoe@example.org", "zz-top@example.org"]);
    expect((await allPages({ name: "ZOË Å" }, 10)).emails).toEqual(["zoe@example.org"]);
    expect((await allPages({ name: "annie" }, 10)).emails).toEqual(["x@example.net"]);
    const annas = await allPages({ name: "anna nunez 1" }, 4);
    expect(annas.emails).toEqual(
      expected((s) => s.name !== null && foldName(s.name).startsWith("anna nunez 1")),
    );
    expect(annas.emails.length).toBeGreaterThan(4);
    expect((await allPages({ name: "carl" }, 10)).emails).toEqual([]);
  });

  it("applies the status filter within the Query and the section filter on what it read", async () => {
    const paused = await allPages({ prefix: "b", status: "paused" }, 3);
    expect(paused.emails).toEqual(expected((s) => s.email.startsWith("b") && s.status === "paused"));
    expect(paused.emails.length).toBeGreaterThan(3);
    const science = await allPages({ name: "bob", status: "active", section: "Science" }, 5);
    expect(science.emails).toEqual(
      expected(
        (s) => s.name?.startsWith("Bob") === true && s.status === "active" && s.sections.includes("Science"),
      ),
    );
  });

  it("q= finds by address, then by name, each record once", async () => {
    await store.put(subscriber("annabel@example.com", "Annabel Lee"));
    await store.put(subscriber("lee@example.com", "Anna Lee"));
    const byAddress = expected((s) => s.email.startsWith("anna"))
      .concat("annabel@example.com")
      .sort();
    const { emails } = await allPages({ q: "Anna" }, 9);
    // The addresses first (annabel@ and the anna… readers, whose names match too), then lee@ by name.
    expect(emails).toEqual([...byAddress, "lee@example.com"]);
    expect((await allPages({ q: "ann" }, 50)).emails).toEqual([
      ...byAddress,
      "lee@example.com",
      "x@example.net",
    ]);
    expect((await allPages({ q: "lee@" }, 5)).emails).toEqual(["lee@example.com"]);
  });

  it("a renamed subscriber is found by the new name only; a removed one by nothing", async () => {
    await store.put(subscriber("rename@example.com", "Oldname Person"));
    expect((await allPages({ name: "oldname" }, 10)).emails).toEqual(["rename@example.com"]);
    const patch: SubscriberPatch = { name: "Newname Person" };
    const result = await updateSubscriber(deps, "rename@example.com", patch);
    expect("subscriber" in result).toBe(true);
    expect((await allPages({ name: "oldname" }, 10)).emails).toEqual([]);
    expect((await allPages({ name: "newname" }, 10)).emails).toEqual(["rename@example.com"]);
    await updateSubscriber(deps, "rename@example.com", { name: null } as unknown as SubscriberPatch);
    expect((await allPages({ name: "newname" }, 10)).emails).toEqual([]);
    expect(await store.delete("rename@example.com")).toBe(true);
    expect((await allPages({ prefix: "rename" }, 10)).emails).toEqual([]);
  });

  it("reads an index, never the table: a Scan is never sent, each page's Queries read little", async () => {
    const sent: string[] = [];
    const counting = new Proxy(db, {
      get(target, prop, receiver) {
        if (prop !== "send") return Reflect.get(target, prop, receiver);
        return (command: { constructor: { name: string }; input: { IndexName?: string } }) => {
          sent.push(`${command.constructor.name}:${command.input.IndexName ?? ""}`);
          return target.send(command as never);
        };
      },
    }) as DynamoDBDocumentClient;
    const counted = new DynamoSubscriberStore(counting, tables.subscribers);
    const page = await counted.search({ by: "address", prefix: "b" }, null, 10);
    expect(page.items).toHaveLength(10);
    expect(sent.every((s) => s === "QueryCommand:byAddress")).toBe(true);
    expect(sent.length).toBeLessThanOrEqual(8);
    sent.length = 0;
    await counted.search({ by: "name", prefix: "anna" }, null, 10);
    expect(sent.every((s) => s === "QueryCommand:byName")).toBe(true);
  });

  it("says the index cannot be read yet on a table older than it (the API answers 503)", async () => {
    await db.send(
      new CreateTableCommand({
        TableName: "digest-subscribers-before-search",
        BillingMode: "PAY_PER_REQUEST",
        AttributeDefinitions: [{ AttributeName: "email", AttributeType: "S" }],
        KeySchema: [{ AttributeName: "email", KeyType: "HASH" }],
      }),
    );
    const old = new DynamoSubscriberStore(db, "digest-subscribers-before-search");
    await expect(old.search({ by: "address", prefix: "a" }, null, 10)).rejects.toBeInstanceOf(
      SearchIndexUnavailableError,
    );
  });

  it("refuses a cursor of another search", async () => {
    const page = await listSubscribers(deps, { prefix: "bob" }, null, 2);
    expect(page.nextCursor).not.toBeNull();
    await expect(listSubscribers(deps, { prefix: "anna" }, page.nextCursor, 2)).rejects.toThrow(/cursor/);
    await expect(listSubscribers(deps, { prefix: "anna" }, "not-a-cursor", 2)).rejects.toThrow(/cursor/);
  });

  it("stores the index keys with every write: address shard, folded name key, none without a name", async () => {
    const item = (email: string) =>
      db
        .send(new ScanCommand({ TableName: tables.subscribers }))
        .then((r) => r.Items?.find((i) => i.email === email));
    const zoe = await item("zoe@example.org");
    expect(zoe?.addressShard).toMatch(/^z#[0-3]$/);
    expect(zoe?.nameShard).toMatch(/^z#[0-3]$/);
    expect(zoe?.nameKey).toBe("zoe angstrom#zoe@example.org");
    const carl = await item("carl002@example.com");
    expect(carl?.addressShard).toMatch(/^c#[0-3]$/);
    expect(carl && "nameKey" in carl).toBe(false);
    // The keys stay the store's: a record read back carries none of them.
    expect(Object.keys((await store.get("zoe@example.org")) ?? {})).not.toContain("nameKey");
  });
});

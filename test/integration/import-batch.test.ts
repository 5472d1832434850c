import { BatchWriteCommand, type DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DynamoSubscriberStore } from "../../functions/adapters/dynamo/subscriber-store.js";
import { DynamoSuppressionStore } from "../../functions/adapters/dynamo/suppression-store.js";
import { tableNamesFromEnv } from "../../functions/adapters/schema.js";
import type { SubscriberAdminDeps } from "../../functions/core/subscribers/subscriber-admin.js";
import type { CsvRow } from "../../functions/core/subscribers/subscriber-csv.js";
import {
  type ImportReport,
  importSubscriberCsv,
  importSubscribers,
} from "../../functions/core/subscribers/subscriber-import.js";
import type { Subscriber } from "../../functions/core/subscribers/subscribers.js";
import { stackDocumentClient, stackErasureKey, startTestStack, type TestStack } from "../helpers/services.js";

/**
 * The batched import path (import-batch.ts) on dynalite: chunks read and written in batches keep the
 * row-by-row results (an address repeated within a chunk or across chunks in flight), every row of a
 * chunk is decided on its own (a bad row is reported, its neighbours import), unprocessed batch-write
 * items are retried, and the sharded status index follows the batched writes.
 */

const tables = tableNamesFromEnv({});
let stack: TestStack;
let db: DynamoDBDocumentClient;

beforeAll(async () => {
  stack = await startTestStack();
  db = stackDocumentClient(stack);
});

afterAll(async () => {
  db?.destroy();
  await stack?.close();
});

const consent = { method: "import" as const, at: "2031-05-01T00:00:00.000Z", source: "test.csv" };

function deps(client: DynamoDBDocumentClient = db): SubscriberAdminDeps {
  return {
    subscribers: new DynamoSubscriberStore(client, tables.subscribers),
    suppressions: new DynamoSuppressionStore(client, tables.suppressions, stackErasureKey(stack)),
    config: { sections: ["World", "Science"] },
    clock: () => new Date(),
  };
}

/** A parsed row, as the CSV reader (or an import job's chunk) hands them over. */
const row = (
  line: number,
  email: string,
  more: Partial<Extract<CsvRow, { email: string }>> = {},
): CsvRow => ({
  line,
  email,
  name: null,
  sections: undefined,
  timezone: null,
  status: undefined,
  ...more,
});

async function stored(emails: string[]): Promise<Map<string, Subscriber>> {
  return (await new DynamoSubscriberStore(db, tables.subscribers).getMany(emails)) as Map<string, Subscriber>;
}

describe("batched subscriber import", () => {
  it("resolves an address repeated within a chunk, or across chunks in flight, as row by row", async () => {
    // The CSV reader reports repeated addresses itself; a caller handing rows over (an import job's
    // chunk) may not, so the batch path must give the row-by-row answer on its own.
    const rows = (d: string): CsvRow[] => [
      row(2, `dup@${d}`, { name: "First" }),
      row(3, `other@${d}`),
      row(4, `DUP@${d}`, { status: { status: "unsubscribed", word: "unsubscribed" } }),
      row(5, `dup@${d}`, { name: "Again" }),
      row(6, `late@${d}`, { status: { status: "paused", word: "paused" } }),
      row(7, `late@${d}`, { name: "Late" }),
    ];
    const expected = {
      imported: 3,
      updated: 2,
      skipped: 1,
      invalid: 0,
      kept: { unsubscribed: 2, paused: 2 },
    };
    // One chunk; chunks of two (4 in flight, sharing addresses); one row at a time.
    for (const [domain, chunkRows] of [
      ["one.example", 100],
      ["two.example", 2],
      ["single.example", 1],
    ] as const) {
      const reports: ImportReport[] = [];
      const summary = await importSubscribers(deps(), rows(domain), {
        status: "active",
        consent,
        chunkRows,
        onReport: (r) => reports.push(r),
      });
      expect(summary, `chunkRows ${chunkRows}`).toMatchObject(expected);
      expect(reports, `chunkRows ${chunkRows}`).toEqual([
        { line: 5, kind: "skipped", reason: `dup@${domain} is unsubscribed; not reactivated` },
      ]);
      const found = await stored([`dup@${domain}`, `other@${domain}`, `late@${domain}`]);
      expect(found.get(`dup@${domain}`)).toMatchObject({ status: "unsubscribed", name: "First" });
      expect(found.get(`other@${domain}`)).toMatchObject({ status: "active" });
      expect(found.get(`late@${domain}`)).toMatchObject({ status: "paused", name: "Late" });
    }
  });

  it("reports a row failing validation with its line, and imports the good rows of the same chunk", async () => {
    const reports: ImportReport[] = [];
    const csv = [
      "email,name,sections,timezone",
      "good1@valid.example,Good One,World,Europe/Lisbon",
      "good2@valid.example,Good Two,,",
      "bad-zone@valid.example,Bad Zone,,Mars/Olympus",
      "not-an-address,,,",
      "bad-section@valid.example,,Gardening,",
      "good3@valid.example,,science,europe/berlin",
    ].join("\n");
    const summary = await importSubscriberCsv(deps(), csv, {
      status: "active",
      consent,
      onReport: (r) => reports.push(r),
    });
    expect(summary).toMatchObject({ imported: 3, updated: 0, skipped: 0, invalid: 3 });
    expect(reports.map((r) => [r.line, r.kind])).toEqual([
      [4, "invalid"],
      [5, "invalid"],
      [6, "invalid"],
    ]);
    expect(reports[0]?.reason).toMatch(/Mars\/Olympus.*not a time zone/);
    expect(reports[1]?.reason).toBe('"not-an-address" is not a valid email address');
    expect(reports[2]?.reason).toMatch(/Gardening/);
    const found = await stored([
      "good1@valid.example",
      "good2@valid.example",
      "good3@valid.example",
      "bad-zone@valid.example",
      "bad-section@valid.example",
    ]);
    expect([...found.keys()].sort()).toEqual([
      "good1@valid.example",
      "good2@valid.example",
      "good3@valid.example",
    ]);
    expect(found.get("good3@valid.example")).toMatchObject({
      sections: ["Science"],
      timezone: "Europe/Berlin",
      status: "active",
      consent,
    });
  });

  it("retries the items a BatchWriteItem call returns unprocessed (fault injection)", async () => {
    // dynalite never throttles, so a thin wrapper on the real client answers some batch writes with
    // part of their items written and the rest handed back as UnprocessedItems, as DynamoDB does.
    let batchWrites = 0;
    let handedBack = 0;
    const flaky = {
      send: async (command: unknown) => {
        if (!(command instanceof BatchWriteCommand)) return db.send(command as never);
        batchWrites++;
        const requests = command.input.RequestItems?.[tables.subscribers] ?? [];
        if (batchWrites > 3 || requests.length < 2) return db.send(command);
        const kept = requests.slice(0, Math.floor(requests.length / 2));
        const back = requests.slice(kept.length);
        handedBack += back.length;
        await db.send(new BatchWriteCommand({ RequestItems: { [tables.subscribers]: kept } }));
        return { UnprocessedItems: { [tables.subscribers]: back } };
      },
    } as unknown as DynamoDBDocumentClient;
    const emails = Array.from({ length: 120 }, (_, i) => `flaky${i}@retry.example`);
    const summary = await importSubscribers(
      deps(flaky),
      emails.map((email, i) => row(i + 2, email)),
      { status: "active", consent },
    );
    expect(summary).toMatchObject({ imported: 120, invalid: 0, failed: 0 });
    expect(handedBack).toBeGreaterThan(0);
    const found = await stored(emails);
    expect(found.size).toBe(120);
  });

  it("keeps the sharded status index right: new records listed by status, a lowered one moves", async () => {
    const emails = Array.from({ length: 150 }, (_, i) => `idx${i}@index.example`);
    await importSubscribers(
      deps(),
      emails.map((email, i) => row(i + 2, email)),
      { status: "active", consent },
    );
    const listed = async (status: Subscriber["status"]) => {
      const store = new DynamoSubscriberStore(db, tables.subscribers);
      const all: string[] = [];
      let cursor: string | null = null;
      do {
        const page = await store.list({ status }, cursor, 100);
        all.push(...page.items.map((s) => s.email).filter((e) => e.endsWith("@index.example")));
        cursor = page.nextCursor;
      } while (cursor);
      return all.sort();
    };
    expect(await listed("active")).toEqual([...emails].sort());
    const summary = await importSubscribers(
      deps(),
      [row(2, "idx7@index.example", { status: { status: "unsubscribed", word: "unsubscribed" } })],
      { status: "active", consent },
    );
    expect(summary).toMatchObject({ updated: 1, kept: { unsubscribed: 1 } });
    expect(await listed("unsubscribed")).toEqual(["idx7@index.example"]);
    expect(await listed("active")).not.toContain("idx7@index.example");
    expect(await listed("active")).toHaveLength(149);
  });
});

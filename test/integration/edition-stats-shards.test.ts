import { ScanCommand } from "@aws-sdk/lib-dynamodb";
import { afterEach, describe, expect, it } from "vitest";
import { DynamoEditionStore, STATS_SHARDS } from "../../functions/adapters/dynamo/edition-store.js";
import type { Runtime } from "../../functions/local/runtime.js";
import { composedEdition } from "../helpers/edition-setup.js";
import { stackDocumentClient, startTestStack, type TestStack } from "../helpers/services.js";

/**
 * The SES event counters of an edition are sharded: one counter item took every event of the edition,
 * and a single partition key takes at most 1,000 writes a second (about 650 messages a second of
 * deliveries, opens and clicks). Writes spread over STATS_SHARDS partition keys; every reader sums them
 * (and the single item editions counted into before the shards existed).
 */

const DAY = "2031-03-14";
let stack: TestStack;
let rt: Runtime | null = null;

afterEach(async () => {
  await rt?.close();
  rt = null;
  await stack?.close();
});

/** Every item of the editions table that holds counters, by its key. */
async function counterItems() {
  const db = stackDocumentClient(stack);
  try {
    const res = await db.send(new ScanCommand({ TableName: "digest-editions" }));
    return (res.Items ?? []).filter((item) => Object.keys(item).some((k) => k.startsWith("stats_")));
  } finally {
    db.destroy();
  }
}

describe("sharded edition counters", () => {
  it("spreads the writes of many events over distinct partition keys and reads back their sum", async () => {
    stack = await startTestStack();
    const composed = await composedEdition(stack, DAY, ["ana@example.com"]);
    rt = composed.rt;
    const { editions } = composed.deps;

    const events = 64;
    for (let i = 0; i < events; i++) await editions.addStats(DAY, { delivered: 1, opened: i % 2 });
    await editions.addStats(DAY, { sent: 3 });

    const items = await counterItems();
    const partitions = new Set(items.map((item) => item.editionId));
    expect(partitions.size).toBeGreaterThanOrEqual(8);
    expect(partitions.size).toBe(STATS_SHARDS);
    const sum = (stat: string) => items.reduce((n, item) => n + ((item[`stats_${stat}`] as number) ?? 0), 0);
    expect(sum("delivered")).toBe(events);

    const expected = { delivered: events, opened: events / 2, sent: 3 };
    // What the safety pause's rate check and the admin reports read.
    expect(await editions.getStats(DAY)).toEqual(expected);
    const shown = JSON.parse((await stack.digest(["editions", "show", DAY, "--json"])).out);
    expect(shown.stats).toEqual(expected);
    expect(shown.delivery).toMatchObject({ delivered: events });
    const listed = JSON.parse(
      (await stack.digest(["editions", "list", "--to", DAY, "--days", "1", "--json"])).out,
    );
    expect(listed[0].delivery).toMatchObject({ delivered: events, sentCounted: 3 });
  });

  it("still counts what an edition counted into its single counters item before the shards", async () => {
    stack = await startTestStack();
    const composed = await composedEdition(stack, DAY, ["ana@example.com"]);
    rt = composed.rt;
    const db = stackDocumentClient(stack);
    try {
      // The unsharded item as earlier versions wrote it.
      const { PutCommand } = await import("@aws-sdk/lib-dynamodb");
      await db.send(
        new PutCommand({
          TableName: "digest-editions",
          Item: { editionId: DAY, part: "stats", stats_delivered: 5, stats_bounced: 1, stats_sent: 7 },
        }),
      );
      const editions = new DynamoEditionStore(db, "digest-editions");
      expect(await editions.getStats(DAY)).toEqual({ delivered: 5, bounced: 1, sent: 7 });
      await editions.addStats(DAY, { delivered: 2, complained: 1 });
      expect(await editions.getStats(DAY)).toEqual({ delivered: 7, bounced: 1, sent: 7, complained: 1 });
      // An edition with no counters at all reads as none (no `sent`: the lists count it from the ledger).
      expect(await editions.getStats("2031-03-15")).toEqual({});
    } finally {
      db.destroy();
    }
  });
});

import { PutCommand } from "@aws-sdk/lib-dynamodb";
import { parseFeed } from "feedsmith";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DynamoEditionStore } from "../../functions/adapters/dynamo/edition-store.js";
import { DynamoSendLedger } from "../../functions/adapters/dynamo/send-ledger.js";
import { deliverEdition } from "../../functions/core/delivery/send-edition.js";
import { cancelEdition } from "../../functions/core/edition/edition-admin.js";
import { parseConfig } from "../../functions/core/kernel/config.js";
import type { EditionRecord, Mailer } from "../../functions/core/kernel/ports.js";
import { composedEdition } from "../helpers/edition-setup.js";
import { stackDocumentClient } from "../helpers/services.js";
import { page, startWorld, type World } from "./public-helpers.js";

/**
 * What the edition records decide: a cancelled edition stays in the public archive exactly when it
 * reached a reader (ledger or the flag `digest editions cancel` records), and `digest editions list`
 * finds editions whose id carries a suffix after the day (the store's per-day index).
 */

const DAY_MS = 86_400_000;
const ago = (n: number) => new Date(Date.now() - n * DAY_MS).toISOString().slice(0, 10);
const REACHED_LEDGER = ago(2);
const REACHED_FLAG = ago(3);
const REACHED_NOBODY = ago(4);

let world: World;
let db: ReturnType<typeof stackDocumentClient>;
let editions: DynamoEditionStore;
let ledger: DynamoSendLedger;

const edition = (editionId: string, date: string, status: EditionRecord["status"]): EditionRecord => ({
  editionId,
  date,
  status,
  stories: [],
  leftOutBySection: {},
  leftOutIds: [],
  sections: [],
  createdAt: new Date().toISOString(),
  updatedAt: new Date().toISOString(),
});

/** Ledger entries as a send leaves them: `sent` recipients got the message, the others did not. */
async function ledgerOf(editionId: string, entries: { sent?: number; skipped?: number; failed?: number }) {
  let n = 0;
  for (let i = 0; i < (entries.sent ?? 0); i++, n++) {
    await ledger.claim(editionId, `sub-${n}`, "test", Date.now() + 60_000);
    await ledger.markSent(editionId, `sub-${n}`, "test", `msg-${n}`);
  }
  for (let i = 0; i < (entries.skipped ?? 0); i++, n++)
    await ledger.markNotSent(editionId, `sub-${n}`, "skipped");
  for (let i = 0; i < (entries.failed ?? 0); i++, n++) {
    await ledger.claim(editionId, `sub-${n}`, "test", Date.now() + 60_000);
    await ledger.markFailed(editionId, `sub-${n}`, "test", "rejected", true);
  }
}

beforeAll(async () => {
  world = await startWorld();
  db = stackDocumentClient(world.stack);
  editions = new DynamoEditionStore(db, "digest-editions");
  ledger = new DynamoSendLedger(db, "digest-sends");
  // Cancelled after the first messages went out, found in the ledger (no flag: cancelled by a sender's
  // check, or before the flag existed); one message among recipients skipped and rejected.
  await editions.replace(edition(REACHED_LEDGER, REACHED_LEDGER, "cancelled"));
  await ledgerOf(REACHED_LEDGER, { skipped: 3, sent: 1, failed: 2 });
  // Cancelled with the flag and no ledger left (its entries expired).
  await editions.replace({ ...edition(REACHED_FLAG, REACHED_FLAG, "cancelled"), reachedReaders: true });
  // Cancelled before anyone got it: the ledger holds only recipients that were not sent to.
  await editions.replace(edition(REACHED_NOBODY, REACHED_NOBODY, "cancelled"));
  await ledgerOf(REACHED_NOBODY, { skipped: 2, failed: 1 });
});

afterAll(async () => {
  db?.destroy();
  await world?.close();
});

describe("a cancelled edition in the archive", () => {
  it("is shown, marked as stopped, when it reached at least one reader", async () => {
    for (const day of [REACHED_LEDGER, REACHED_FLAG]) {
      const res = await fetch(`${world.serve.url}/archive/${day}`);
      expect(res.status, day).toBe(200);
      expect(res.headers.get("cache-control")).toBe("public, max-age=3600");
      expect(await page(res)).toContain("This edition was stopped while it was being sent");
    }
    const list = await page(await fetch(`${world.serve.url}/archive`));
    const listed = [...list.matchAll(/<a href="\/archive\/(\d{4}-\d{2}-\d{2})">/g)].map((m) => m[1]);
    expect(listed).toEqual([REACHED_LEDGER, REACHED_FLAG]);
    expect(list).toContain("stopped before reaching everyone");
    const feed = parseFeed(await (await fetch(`${world.serve.url}/archive/feed.xml`)).text());
    const entries = (feed.feed as { entries?: { id?: string }[] }).entries ?? [];
    expect(entries.map((e) => e.id?.slice(-10))).toEqual([REACHED_LEDGER, REACHED_FLAG]);
  });

  it("is a 404 when it reached nobody", async () => {
    const res = await fetch(`${world.serve.url}/archive/${REACHED_NOBODY}`);
    expect(res.status).toBe(404);
    expect(res.headers.get("cache-control")).toBe("no-store");
  });

  it("is flagged by the cancel when the ledger shows a message went out, and only then", async () => {
    const deps = {
      editions,
      ledger,
      config: parseConfig({}, {}),
      clock: () => new Date(),
    };
    const day = ago(10);
    await editions.replace(edition(day, day, "partial"));
    await ledgerOf(day, { sent: 2, failed: 1 });
    expect((await cancelEdition(deps, day)).outcome).toBe("cancelled");
    expect(await editions.get(day)).toMatchObject({ status: "cancelled", reachedReaders: true });

    const none = ago(11);
    await editions.replace(edition(none, none, "sending"));
    await ledgerOf(none, { skipped: 1 });
    expect((await cancelEdition(deps, none)).outcome).toBe("cancelled");
    const stored = await editions.get(none);
    expect(stored?.status).toBe("cancelled");
    expect(stored?.reachedReaders).toBeUndefined();
  });
});

describe("a send cancelled while a message was in flight", () => {
  it("records that it reached readers once the run ends, so the archive keeps it", async () => {
    const day = ago(30);
    const emails = Array.from({ length: 60 }, (_, i) => `reader${i}@example.com`);
    const { rt, deps, edition } = await composedEdition(world.stack, day, emails);
    try {
      // Cancelled from inside the first send, before the ledger records any message as sent (the
      // status written directly: a cancel that found nobody sent, so nothing flagged); the message
      // in flight still goes out whole, and the run that sent it records that it reached readers.
      let calls = 0;
      const mailer: Mailer = {
        maxSendRate: () => deps.mailer.maxSendRate(),
        async sendRaw(raw, opts) {
          if (++calls === 1) expect(await editions.setStatus(day, "cancelled")).toBe(true);
          return deps.mailer.sendRaw(raw, opts);
        },
      };
      const summary = await deliverEdition({ ...deps, mailer }, edition, {
        queue: { consumers: 1, batchSize: 1 },
      });
      expect(summary.stoppedBecause).toBe("edition cancelled");
      expect(summary.sent).toBeGreaterThan(0);
      expect(summary.sent).toBeLessThan(60);
      expect(await editions.get(day)).toMatchObject({ status: "cancelled", reachedReaders: true });
      expect((await fetch(`${world.serve.url}/archive/${day}`)).status).toBe(200);
    } finally {
      await rt.close();
    }
  });
});

describe("digest editions list", () => {
  it("lists every edition of a day, also those whose id carries a suffix, and those stored before the index", async () => {
    const day = ago(20);
    await editions.replace(edition(day, day, "sent"));
    await editions.replace(edition(`${day}-europe`, day, "sent"));
    await editions.createIfAbsent(edition(`${day}-americas`, day, "building"));
    // An edition stored before the per-day index existed: its meta item alone.
    const older = ago(21);
    await db.send(
      new PutCommand({
        TableName: "digest-editions",
        Item: { ...edition(older, older, "sent"), part: "meta" },
      }),
    );
    expect(await editions.idsOfDay(day)).toEqual([day, `${day}-americas`, `${day}-europe`]);
    const res = await world.stack.digest(["editions", "list", "--json", "--to", day, "--days", "2"]);
    expect(res.code, res.err).toBe(0);
    const ids = (JSON.parse(res.out) as { id: string }[]).map((e) => e.id);
    expect(ids).toEqual([day, `${day}-americas`, `${day}-europe`, older]);
    const text = await world.stack.digest(["editions", "list", "--to", day, "--days", "2"]);
    expect(text.out).toMatch(/^4 editions in the 2 days to /m);
  });
});

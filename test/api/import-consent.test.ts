import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DynamoSubscriberStore } from "../../functions/adapters/dynamo/subscriber-store.js";
import { DynamoSuppressionStore } from "../../functions/adapters/dynamo/suppression-store.js";
import { adminRequest, type Serve, serveForSuite } from "../helpers/serve.js";
import {
  stackDocumentClient,
  stackErasureKey,
  startTestStack,
  story,
  type TestStack,
  writeStories,
} from "../helpers/services.js";

/**
 * An import never raises consent (issue 14, item 1): an export's status column is kept when the file
 * is imported again, into the same list (CLI) or a fresh one (admin API); a file without a status
 * keeps the old contract (active, or pending with --pending); an existing unsubscribed or suppressed
 * state is never undone, an existing pending one never activated; suppressions travel with the export.
 */

const STATUSES = {
  "active@example.com": "active",
  "pend@example.com": "pending",
  "gone@example.com": "unsubscribed",
  "bounce@example.com": "suppressed",
  "rest@example.com": "paused",
};

async function statuses(stack: TestStack): Promise<Record<string, string>> {
  const run = await stack.digest(["subscribers", "list", "--json"]);
  expect(run.code, run.err).toBe(0);
  const items = JSON.parse(run.out) as { email: string; status: string }[];
  return Object.fromEntries(items.map((s) => [s.email, s.status]));
}

const importCsv = (serve: Serve, csv: string, query = "") =>
  adminRequest(serve, "POST", `/admin/subscribers/import${query}`, { body: csv, type: "text/csv" });

describe("subscriber import keeps consent", () => {
  let source: TestStack;
  let exported = "";
  let exportedSuppressions = "";
  let target: TestStack;
  let serve: Serve;
  let db: ReturnType<typeof stackDocumentClient>;
  let suppressions: DynamoSuppressionStore;
  let subscribers: DynamoSubscriberStore;

  beforeAll(async () => {
    source = await startTestStack();
    const ok = async (args: string[]) => {
      const run = await source.digest(args);
      expect(run.code, `${args.join(" ")}: ${run.err}`).toBe(0);
      return run;
    };
    await ok(["subscribers", "add", "active@example.com", "--name", "Ann Active"]);
    await ok(["subscribers", "add", "pend@example.com", "--pending"]);
    await ok(["subscribers", "add", "gone@example.com"]);
    await ok(["subscribers", "remove", "gone@example.com"]);
    await ok(["subscribers", "add", "bounce@example.com"]);
    await ok([
      "suppressions",
      "add",
      "bounce@example.com",
      "--reason",
      "bounce",
      "--detail",
      "5.1.1 no mailbox",
    ]);
    await ok(["subscribers", "add", "rest@example.com"]);
    await ok(["subscribers", "update", "rest@example.com", "--pause"]);
    // On the suppression list without ever subscribing (a complaint about a test send).
    await ok(["suppressions", "add", "never@example.com", "--reason", "complaint"]);
    expect(await statuses(source)).toEqual(STATUSES);
    exported = (await ok(["subscribers", "export"])).out;
    exportedSuppressions = (await ok(["suppressions", "export"])).out;
  }, 60_000);
  afterAll(async () => {
    db?.destroy();
    await source?.close();
  });

  serveForSuite({}, (started) => {
    ({ stack: target, serve } = started);
    db = stackDocumentClient(target);
    subscribers = new DynamoSubscriberStore(db, "digest-subscribers");
    suppressions = new DynamoSuppressionStore(db, "digest-suppressions", stackErasureKey(target));
  });

  it("re-importing an export into the same list changes no one's status (CLI), with or without --pending", async () => {
    const file = join(source.dir, "export.csv");
    await writeFile(file, exported);
    for (const flags of [[], ["--pending"]]) {
      const before = source.ses.messages.length;
      const run = await source.digest(["subscribers", "import", file, ...flags]);
      expect(run.code, run.err).toBe(0);
      const [summary, kept] = run.out.trim().split("\n");
      expect(summary).toBe("imported=0 updated=0 skipped=5 invalid=0");
      expect(kept).toBe("kept: pending=1 paused=1 unsubscribed=1 suppressed=1");
      expect(await statuses(source)).toEqual(STATUSES);
      expect(source.ses.messages.length, "no confirmation email on a re-import").toBe(before);
    }
  });

  it("importing an export into a fresh list keeps each status and re-creates the suppressions (API)", async () => {
    const res = await importCsv(serve, exported);
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({
      imported: 5,
      updated: 0,
      skipped: 0,
      invalid: 0,
      confirmations: 1,
      kept: { pending: 1, paused: 1, unsubscribed: 1, suppressed: 1 },
    });
    expect(await statuses(target)).toEqual(STATUSES);
    // The subscriber file says "suppressed", not why: the entry is back, its reason is the admin's.
    expect(await suppressions.get("bounce@example.com")).toMatchObject({ reason: "manual" });
    expect((await subscribers.get("active@example.com"))?.name).toBe("Ann Active");
    // The pending one was asked again (double opt-in), nobody else was mailed.
    expect(target.ses.messages.flatMap((m) => m.destinations)).toEqual(["pend@example.com"]);

    // The suppression list travels on its own too: reasons, and addresses that never subscribed.
    const file = join(target.dir, "suppressions.csv");
    await writeFile(file, exportedSuppressions);
    const run = await target.digest(["suppressions", "import", file]);
    expect(run.code, run.err).toBe(0);
    expect(run.out.trim()).toBe("imported=1 updated=1 skipped=0 invalid=0");
    expect(await suppressions.get("never@example.com")).toMatchObject({ reason: "complaint" });
    expect(await suppressions.get("bounce@example.com")).toMatchObject({
      reason: "bounce",
      detail: "5.1.1 no mailbox",
    });
    expect((await suppressions.suppressed(["never@example.com"])).has("never@example.com")).toBe(true);

    // Only the active subscriber gets the edition.
    const day = "2031-07-01";
    const stories = await writeStories(target, "day.ndjson", [story(day, 1), story(day, 2)]);
    expect((await target.digest(["stories", "import", stories])).code).toBe(0);
    expect((await target.digest(["send", "--date", day])).out).toMatch(/recipients=1 sent=1 /);
    expect(target.ses.messages.at(-1)?.destinations).toEqual(["active@example.com"]);
  });

  it("never undoes an unsubscribe or a suppression, never activates a pending address, reports unknown statuses", async () => {
    const res = await importCsv(
      serve,
      [
        "email,status",
        "gone@example.com,active", // 2 unsubscribed stays
        "bounce@example.com,", // 3 suppressed stays (no status given)
        "pend@example.com,active", // 4 pending stays pending
        "new1@example.com,retired", // 5 unknown status: a bad row
        "new2@example.com,Unsubscribed", // 6 a new unsubscribed record, never mailed
      ].join("\n"),
      "?pending=true",
    );
    expect(res.json).toMatchObject({
      imported: 1,
      skipped: 3,
      invalid: 1,
      confirmations: 0,
      kept: { pending: 1, unsubscribed: 2, suppressed: 1 },
    });
    expect(res.json.errors).toEqual([
      {
        line: 5,
        reason:
          'unknown status "retired" (use pending, active, paused, unsubscribed or suppressed; see the README for the words other tools export)',
      },
    ]);
    const plain = await importCsv(serve, "email,name\npend@example.com,Pat\ngone@example.com,Gone\n");
    expect(plain.json).toMatchObject({ updated: 1, skipped: 1, kept: { pending: 1, unsubscribed: 1 } });
    const after = await statuses(target);
    expect(after).toMatchObject({
      "gone@example.com": "unsubscribed",
      "bounce@example.com": "suppressed",
      "pend@example.com": "pending",
      "new2@example.com": "unsubscribed",
    });
    expect(after["new1@example.com"]).toBeUndefined();
  });

  it("accepts the status words of other tools' exports (Mailchimp, listmonk)", async () => {
    const res = await importCsv(
      serve,
      [
        "Email Address,First Name,Subscription Status",
        "mc-sub@example.com,Sub,subscribed",
        "mc-unsub@example.com,Unsub,unsubscribed",
        "mc-clean@example.com,Clean,cleaned",
        "mc-pend@example.com,Pend,pending",
        "mc-trans@example.com,Trans,transactional",
        "lm-block@example.com,Block,blocklisted",
        "lm-on@example.com,On,enabled",
        "lm-unconf@example.com,Unconf,unconfirmed",
      ].join("\n"),
    );
    expect(res.json).toMatchObject({ imported: 7, skipped: 1, invalid: 0 });
    const after = await statuses(target);
    expect(after).toMatchObject({
      "mc-sub@example.com": "active",
      "mc-unsub@example.com": "unsubscribed",
      "mc-clean@example.com": "suppressed",
      "mc-pend@example.com": "pending",
      "lm-block@example.com": "suppressed",
      "lm-on@example.com": "active",
      "lm-unconf@example.com": "pending",
    });
    expect(after["mc-trans@example.com"]).toBeUndefined();
    expect(await suppressions.get("mc-clean@example.com")).toMatchObject({ reason: "bounce" });
    expect(res.json.notes).toContainEqual({
      line: 6,
      reason: "mc-trans@example.com never opted in (transactional); not imported",
    });
  });
});

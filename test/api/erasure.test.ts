import { createHash } from "node:crypto";
import { mkdir, readdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { ScanCommand } from "@aws-sdk/lib-dynamodb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DynamoEditionStore } from "../../functions/adapters/dynamo/edition-store.js";
import { DynamoSendLedger } from "../../functions/adapters/dynamo/send-ledger.js";
import { DynamoSubscriberStore } from "../../functions/adapters/dynamo/subscriber-store.js";
import { DynamoSuppressionStore } from "../../functions/adapters/dynamo/suppression-store.js";
import { tableNamesFromEnv } from "../../functions/adapters/schema.js";
import type { Subscriber } from "../../functions/core/subscribers/subscribers.js";
import { adminRequest, type Serve, startServe } from "../helpers/serve.js";
import {
  stackDocumentClient,
  stackErasureKey,
  startTestStack,
  story,
  type TestStack,
  writeStories,
} from "../helpers/services.js";

/**
 * GDPR erasure (issue 14, item 3) over real HTTP against `digest serve` on dynalite and the SES
 * endpoint: afterwards no table and no outbox file holds the address or the subscriber id, the
 * suppression entry that keeps blocking the address is a keyed hash (HMAC), not a plain SHA-256 anyone
 * can compute from a list of addresses, and a later sign-up of the address is refused.
 */

const ERIN = "erin@example.com";
/** Editions of the last few days (as they go out in real use: erasure looks them up by day). */
const day = (daysAgo: number) => new Date(Date.now() - daysAgo * 86_400_000).toISOString().slice(0, 10);
const D1 = day(3);
const D2 = day(2);
const D3 = day(1);
const sha256 = (text: string) => createHash("sha256").update(text).digest("hex");

async function outboxFiles(root: string): Promise<{ path: string; text: string }[]> {
  const files: { path: string; text: string }[] = [];
  for (const entry of await readdir(root, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const path = join(entry.parentPath, entry.name);
    files.push({ path, text: await readFile(path, "latin1") });
  }
  return files;
}

describe("GDPR erasure", () => {
  let stack: TestStack;
  let serve: Serve;
  let db: ReturnType<typeof stackDocumentClient>;
  let subscribers: DynamoSubscriberStore;
  let suppressions: DynamoSuppressionStore;
  let rejectErin = false;
  const call = (method: string, path: string, json?: unknown) => adminRequest(serve, method, path, { json });
  const subscribe = (email: string) =>
    fetch(`${serve.url}/subscribe`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ email, name: "Erin Example" }),
    });
  const sendDay = async (date: string) => {
    const file = await writeStories(stack, `${date}.ndjson`, [story(date, 1), story(date, 2)]);
    expect((await stack.digest(["stories", "import", file])).code).toBe(0);
    return stack.digest(["send", "--date", date]);
  };
  const everyItem = async () => {
    const items: unknown[] = [];
    for (const table of Object.values(tableNamesFromEnv(stack.env))) {
      items.push(...((await db.send(new ScanCommand({ TableName: table }))).Items ?? []));
    }
    return JSON.stringify(items);
  };

  beforeAll(async () => {
    stack = await startTestStack({
      // A permanent rejection whose text names the address, as SES's own messages do.
      reject: (raw) =>
        rejectErin && /^To: .*erin@example\.com/im.test(raw) ? `Address blacklisted: ${ERIN}` : null,
    });
    serve = await startServe(stack);
    db = stackDocumentClient(stack);
    subscribers = new DynamoSubscriberStore(db, "digest-subscribers");
    suppressions = new DynamoSuppressionStore(db, "digest-suppressions", stackErasureKey(stack));
  }, 60_000);
  afterAll(async () => {
    await serve?.stop();
    db?.destroy();
    await stack?.close();
  });

  it("leaves no address and no subscriber id in any table or outbox file, and a later sign-up is refused", async () => {
    // Erin signs up (a confirmation in out/confirm/), an admin vouches for her, Other is added.
    expect((await subscribe(ERIN)).status).toBe(202);
    expect((await call("POST", "/admin/subscribers", { email: ERIN, name: "Erin Example" })).status).toBe(
      200,
    );
    expect((await call("POST", "/admin/subscribers", { email: "other@example.com" })).status).toBe(201);
    const erin = (await subscribers.get(ERIN)) as Subscriber;
    expect(erin.status).toBe("active");
    expect((await sendDay(D1)).out).toMatch(/sent=2 /);
    // D2: SES rejects Erin with a text that names her; the ledger keeps that text.
    rejectErin = true;
    expect((await sendDay(D2)).out).toMatch(/sent=1 .*failed=1|rejected/);
    rejectErin = false;
    // A test send left a copy in out/test/ (as `digest preview`'s "send a test" does).
    await mkdir(join(stack.dir, "out", "test"), { recursive: true });
    await writeFile(join(stack.dir, "out", "test", `${ERIN}.eml`), `To: ${ERIN}\r\n\r\ntest\r\n`);
    // Opens, clicks and a soft bounce are recorded on her ledger entry of D1.
    const fixtures = join(import.meta.dirname, "..", "fixtures", "ses");
    const events = [];
    for (const name of ["event-open.json", "event-click.json", "event-bounce-transient.json"]) {
      const event = JSON.parse(await readFile(join(fixtures, name), "utf8"));
      const record = event.detail ?? event;
      record.mail.destination = [ERIN];
      record.mail.tags.edition = [D1];
      if (record.bounce) record.bounce.bouncedRecipients = [{ emailAddress: ERIN, status: "4.2.2" }];
      events.push(event);
    }
    const eventsFile = join(stack.dir, "events.json");
    await writeFile(eventsFile, JSON.stringify(events));
    expect((await stack.digest(["ses-events", eventsFile])).code).toBe(0);
    const before = await everyItem();
    expect(before).toContain(erin.id);
    // SES's rejection named her; the ledger keeps the reason, never the address.
    expect(before).toContain("Address blacklisted: <email>");
    expect(before).toMatch(/openedAt/);

    const erased = await call("DELETE", "/admin/subscribers/Erin%40Example.com?erase=true");
    expect(erased.status).toBe(200);
    expect(erased.json).toMatchObject({ erased: true });

    const after = await everyItem();
    for (const needle of [ERIN, erin.id, "Erin Example", sha256(ERIN)]) expect(after).not.toContain(needle);
    for (const file of await outboxFiles(join(stack.dir, "out"))) {
      expect(file.path).not.toContain("erin");
      expect(file.text, file.path).not.toContain(ERIN);
      expect(file.text, file.path).not.toContain(erin.id);
    }
    expect(await readdir(join(stack.dir, "out", D1))).toContain("other@example.com.eml");
    // The entry that blocks her is keyed (HMAC with the data directory's secret), not sha256(address).
    const entries = (await db.send(new ScanCommand({ TableName: "digest-suppressions" }))).Items ?? [];
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({ reason: "erased", detail: null });
    expect(entries[0]?.email).toMatch(/^hmac-sha256:[0-9a-f]{64}$/);
    // The editions still count what they sent.
    const report = JSON.parse((await stack.digest(["editions", "show", D1, "--json"])).out);
    expect(report.counts.sent).toBe(2);

    // A later sign-up of the same address is answered like any other and mails nothing.
    const mails = stack.ses.messages.length;
    expect((await subscribe(ERIN)).status).toBe(202);
    expect((await subscribe("ERIN@example.com")).status).toBe(202);
    expect(stack.ses.messages.length).toBe(mails);
    expect(await subscribers.get(ERIN)).toBeNull();
    expect((await call("POST", "/admin/subscribers", { email: ERIN })).json.reason).toBe("erased");
    // Erasing again is fine (CLI too); an address never known is a 404.
    expect((await call("DELETE", `/admin/subscribers/${ERIN}?erase=true`)).status).toBe(200);
    expect((await stack.digest(["subscribers", "erase", ERIN])).out).toMatch(/already erased/);
    expect((await call("DELETE", "/admin/subscribers/never%40example.com?erase=true")).status).toBe(404);
  });

  it("keeps blocking addresses erased before the hash was keyed, and re-keys them when erased again", async () => {
    const legacy = "legacy@example.com";
    await suppressions.put({
      email: `sha256:${sha256(legacy)}`,
      reason: "erased",
      detail: null,
      at: "2030-01-01T00:00:00.000Z",
    });
    const mails = stack.ses.messages.length;
    expect((await subscribe(legacy)).status).toBe(202);
    expect(stack.ses.messages.length).toBe(mails);
    expect(await subscribers.get(legacy)).toBeNull();
    const imported = await adminRequest(serve, "POST", "/admin/subscribers/import", {
      body: `email\n${legacy}\n`,
      type: "text/csv",
    });
    expect(imported.json).toMatchObject({ imported: 0, skipped: 1 });
    const run = await stack.digest(["subscribers", "erase", legacy]);
    expect(run.code, run.err).toBe(0);
    const keys = ((await db.send(new ScanCommand({ TableName: "digest-suppressions" }))).Items ?? []).map(
      (i) => i.email as string,
    );
    expect(keys.filter((k) => k.startsWith("sha256:"))).toEqual([]);
    expect(keys.filter((k) => k.startsWith("hmac-sha256:"))).toHaveLength(2);
    expect((await suppressions.suppressed([legacy])).has(legacy)).toBe(true);
  });

  it("never lets a send still in flight mail an erased recipient twice", async () => {
    const fay = "fay@example.com";
    expect((await call("POST", "/admin/subscribers", { email: fay })).status).toBe(201);
    const record = (await subscribers.get(fay)) as Subscriber;
    expect((await sendDay(D3)).out).toMatch(/sent=2 /);
    // The edition is still going out (say, a queue message with Fay's address is being redelivered).
    const editions = new DynamoEditionStore(db, "digest-editions");
    expect(await editions.setStatus(D3, "sending")).toBe(true);
    expect((await call("DELETE", `/admin/subscribers/${fay}?erase=true`)).status).toBe(200);
    // A sender that read Fay's record before the erasure cannot claim her again.
    const ledger = new DynamoSendLedger(db, "digest-sends");
    const claim = await ledger.claim(D3, record.id, "stale-sender", Date.now() + 60_000);
    expect(claim).toMatchObject({ claimed: false, entry: { state: "sent" } });
    // What stays for that edition is the bare key and state, expiring with the send's window.
    const items = (await db.send(new ScanCommand({ TableName: "digest-sends" }))).Items ?? [];
    const held = items.filter((i) => i.subscriberId === record.id);
    expect(held).toHaveLength(1);
    expect(Object.keys(held[0] as object).sort()).toEqual([
      "editionId",
      "erasedAt",
      "expiresAt",
      "state",
      "subscriberId",
    ]);
    expect(JSON.stringify(items)).not.toContain(fay);
  });
});

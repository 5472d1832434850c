import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { simpleParser } from "mailparser";
import { describe, expect, it } from "vitest";
import { DynamoEditionStore } from "../../functions/adapters/dynamo/edition-store.js";
import { personalSlots } from "../../functions/core/edition/edition.js";
import { composedEdition } from "../helpers/edition-setup.js";
import { adminRequest, type Serve, serveForSuite } from "../helpers/serve.js";
import { stackDocumentClient, story, type TestStack, writeStories } from "../helpers/services.js";

/**
 * The console's edition preview and test send over real HTTP (`digest serve` in-process) on dynalite
 * and the SES endpoint: the stored email with the generic links (no reader's token), its size
 * against Gmail's clip, the variants, and a test send that reaches only the given addresses.
 */

const COMPOSED = "2031-05-06"; // composed, not sent: only its all-sections email is stored
const SENT = "2031-05-07"; // sent, with a reader of Science only: its "Science" variant is stored
const BUILDING = "2031-05-08"; // still being composed: nothing stored yet
const READERS = ["ana@example.com", "ben@example.com"];
const PUBLIC = "https://news.example.org/digest";
const bearer = (token: string) => `Bearer ${token}`;

let stack: TestStack;
let serve: Serve;
let nonce: string | undefined;

async function seed(s: TestStack): Promise<void> {
  const { rt, edition } = await composedEdition(s, COMPOSED, READERS);
  nonce = edition.slotNonce;
  await rt.close();
  const file = await writeStories(s, "sent.ndjson", [story(SENT, 1), story(SENT, 3)]);
  expect((await s.digest(["stories", "import", file])).code).toBe(0);
  const csv = join(s.dir, "science.csv");
  await writeFile(csv, "email,sections\nsci@example.com,Science\n");
  expect((await s.digest(["subscribers", "import", csv])).code).toBe(0);
  const sent = await s.digest(["send", "--date", SENT]);
  expect(sent.code, sent.err).toBe(0);
  const db = stackDocumentClient(s);
  const at = new Date().toISOString();
  await new DynamoEditionStore(db, "digest-editions").replace({
    editionId: BUILDING,
    date: BUILDING,
    status: "building",
    stories: [],
    leftOutBySection: {},
    sections: [],
    createdAt: at,
    updatedAt: at,
  });
  db.destroy();
  s.ses.messages.length = 0;
}

describe("GET /admin/editions/{id}/preview and POST …/test", () => {
  serveForSuite(
    { DIGEST_SECTIONS: "World,Science,Culture", DIGEST_PUBLIC_BASE_URL: PUBLIC },
    (started) => {
      ({ stack, serve } = started);
    },
    seed,
  );
  const api = (method: string, path: string, opts: Parameters<typeof adminRequest>[3] = {}) =>
    adminRequest(serve, method, path, opts);

  async function member(email: string, role: string): Promise<string> {
    expect((await api("POST", "/admin/team", { json: { email, role } })).status).toBe(201);
    const made = await api("POST", `/admin/team/${encodeURIComponent(email)}/tokens`, { json: {} });
    expect(made.status).toBe(201);
    return made.json.token as string;
  }

  it("previews the stored email as HTML or text, with the generic links and no reader's token", async () => {
    const viewer = await member("vi@example.com", "viewer");
    const html = await api("GET", `/admin/editions/${COMPOSED}/preview?view=html`, { auth: bearer(viewer) });
    expect(html.status).toBe(200);
    expect(html.headers.get("content-type")).toBe("text/html; charset=utf-8");
    expect(html.headers.get("x-digest-variant")).toBe("all");
    expect(html.text).toMatch(/^<!doctype html>/i);
    expect(html.text).toContain("Story number 1 of the day");
    expect(html.text).toContain(`href="${PUBLIC}/unsubscribe"`);
    // No signed link (a reader's token is `?t=…`), no marker left for a link to fill.
    expect(html.text).not.toMatch(/[?&]t=/);
    const slots = personalSlots(nonce);
    expect(html.text).not.toContain(slots.unsubscribeUrl);
    expect(html.text).not.toContain("digest.invalid");

    const text = await api("GET", `/admin/editions/${COMPOSED}/preview?view=text`, { auth: bearer(viewer) });
    expect(text.status).toBe(200);
    expect(text.headers.get("content-type")).toBe("text/plain; charset=utf-8");
    expect(text.text).toContain("Story number 1 of the day");
    expect(text.text).toContain(`${PUBLIC}/unsubscribe`);
    expect(text.text).not.toMatch(/[?&]t=|digest\.invalid/);

    const info = await api("GET", `/admin/editions/${COMPOSED}/preview/info`, { auth: bearer(viewer) });
    expect(info.json).toEqual({
      variant: "all",
      variants: ["all"],
      subject: expect.any(String),
      bytes: Buffer.byteLength(html.text),
      clipAt: 102 * 1024,
      clipped: false,
      // No correction since it was rendered (issue 17: approval-corrections.test.ts).
      stale: false,
    });
  });

  it("shows any stored variant; says clearly what it cannot show", async () => {
    const info = await api("GET", `/admin/editions/${SENT}/preview/info`);
    expect(info.json.variants).toEqual(["all", "Science"]);
    const science = await api("GET", `/admin/editions/${SENT}/preview?view=text&variant=Science`);
    expect(science.status).toBe(200);
    expect(science.text).toContain("Story number 1 of the day");
    expect(science.text).not.toContain("Story number 3 of the day");

    const cases: [string, number, RegExp][] = [
      ["/admin/editions/2031-01-01/preview", 404, /no edition 2031-01-01/],
      [`/admin/editions/${BUILDING}/preview`, 409, /has no rendered email yet \(status building\)/],
      [`/admin/editions/${COMPOSED}/preview?variant=World`, 409, /no rendered variant World.*stored: all/],
      [`/admin/editions/${COMPOSED}/preview?locale=es`, 409, /no rendered variant all@es/],
      [`/admin/editions/${COMPOSED}/preview?locale=xx-nope`, 400, /locale xx-nope is not a supported/],
      [`/admin/editions/${COMPOSED}/preview?view=pdf`, 400, /view must be one of html, text/],
      [`/admin/editions/${BUILDING}/preview/info`, 409, /no rendered email yet/],
    ];
    for (const [path, status, error] of cases) {
      const res = await api("GET", path);
      expect({ path, status: res.status }).toEqual({ path, status });
      expect(res.headers.get("content-type")).toContain("application/json");
      expect(res.json.error).toMatch(error);
    }
  });

  it("sends a test to the editor only: [Test] subject, generic links, no ledger, status or stats change", async () => {
    const editor = await member("ed@example.com", "editor");
    const viewer = await member("vi2@example.com", "viewer");
    const refused = await api("POST", `/admin/editions/${COMPOSED}/test`, { auth: bearer(viewer), json: {} });
    expect(refused.status).toBe(403);
    expect(refused.json).toEqual({ error: "this needs the editor role; you are a viewer", need: "editor" });

    const before = await api("GET", `/admin/editions/${COMPOSED}`);
    const mine = await api("POST", `/admin/editions/${COMPOSED}/test`, { auth: bearer(editor), json: {} });
    expect(mine.status).toBe(200);
    expect(mine.json).toEqual({ sent: ["ed@example.com"], variant: "all" });
    // No body at all works the same.
    expect((await api("POST", `/admin/editions/${COMPOSED}/test`, { auth: bearer(editor) })).status).toBe(
      200,
    );
    const two = await api("POST", `/admin/editions/${COMPOSED}/test`, {
      auth: bearer(editor),
      json: { to: ["Desk@Example.com", "desk@example.com", "night@example.com"] },
    });
    expect(two.json).toEqual({ sent: ["desk@example.com", "night@example.com"], variant: "all" });

    const sesTo = stack.ses.messages.map((m) => m.destinations[0]);
    expect(sesTo).toEqual(["ed@example.com", "ed@example.com", "desk@example.com", "night@example.com"]);
    const mail = await simpleParser(stack.ses.messages[0]?.raw as Buffer);
    expect(mail.subject).toMatch(/^\[Test\] /);
    expect(`${mail.html} ${mail.text}`).toContain("Story number 1 of the day");
    expect(`${mail.html} ${mail.text}`).not.toMatch(/[?&]t=|digest\.invalid/);
    // The local copy, where `digest preview`'s test sends go too (out/test/<email>.eml).
    const copy = await simpleParser(await readFile(join(stack.dir, "out", "test", "night@example.com.eml")));
    expect(copy.subject).toBe(mail.subject);

    const after = await api("GET", `/admin/editions/${COMPOSED}`);
    expect(after.json.status).toBe(before.json.status);
    expect(after.json.counts).toEqual(before.json.counts);
    expect(after.json.delivery ?? null).toEqual(before.json.delivery ?? null);

    const audit = await api("GET", "/admin/audit?action=edition.test");
    expect(audit.json.items[0]).toMatchObject({
      actor: "ed@example.com",
      action: "edition.test",
      target: COMPOSED,
      summary: "test of variant all sent to 2 of 2 addresses",
    });
    expect(JSON.stringify(audit.json)).not.toContain("night@example.com");
  });

  it("sends the local owner's test, with no addresses given, to the newsroom's own address", async () => {
    // The local admin token's owner (owner@localhost) is no mailbox: the test goes to the reply-to
    // address, else the sender's (here the default sender: the stack sets neither), and its local copy.
    const before = stack.ses.messages.length;
    const res = await api("POST", `/admin/editions/${COMPOSED}/test`, { json: {} });
    expect(res.status, JSON.stringify(res.json)).toBe(200);
    expect(res.json).toEqual({ sent: ["digest@example.com"], variant: "all" });
    expect(stack.ses.messages.slice(before).map((m) => m.destinations[0])).toEqual(["digest@example.com"]);
    await readFile(join(stack.dir, "out", "test", "digest@example.com.eml"));
  });

  it("refuses a bad recipient list with a 400 naming the field, and sends nothing", async () => {
    const sentBefore = stack.ses.messages.length;
    const six = Array.from({ length: 6 }, (_, i) => `r${i}@example.com`);
    const cases: [unknown, RegExp][] = [
      [{ to: six }, /at most 5 addresses/],
      [{ to: [] }, /at least one address/],
      [{ to: "ed@example.com" }, /to must be an array/],
      [{ to: ["ok@example.com", "not an address"] }, /^to\[1\]: .*not an address/],
      [{ cc: ["x@example.com"] }, /unknown field cc/],
    ];
    for (const [json, error] of cases) {
      const res = await api("POST", `/admin/editions/${COMPOSED}/test`, { json });
      expect({ json, status: res.status }).toEqual({ json, status: 400 });
      expect(res.json.error).toMatch(error);
    }
    expect(
      (await api("POST", "/admin/editions/2031-01-01/test", { json: { to: ["a@example.com"] } })).status,
    ).toBe(404);
    expect(
      (await api("POST", `/admin/editions/${BUILDING}/test`, { json: { to: ["a@example.com"] } })).status,
    ).toBe(409);
    expect(stack.ses.messages.length).toBe(sentBefore);
  });
});

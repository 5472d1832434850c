import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { type ParsedMail, simpleParser } from "mailparser";
import { afterEach, describe, expect, it } from "vitest";
import { verifyToken } from "../../functions/core/subscribers/tokens.js";
import { loadSigningKeys } from "../../functions/local/runtime.js";
import { seedDay } from "../helpers/edition-setup.js";
import type { TestStack } from "../helpers/services.js";
import { stackDocumentClient, startTestStack, story, writeStories } from "../helpers/services.js";

const DAY = "2031-03-14";
let stack: TestStack;

afterEach(async () => {
  await stack?.close();
});

async function outbox(): Promise<Map<string, { raw: Buffer; mail: ParsedMail }>> {
  const dir = join(stack.dir, "out", DAY);
  const messages = new Map<string, { raw: Buffer; mail: ParsedMail }>();
  for (const name of (await readdir(dir)).filter((n) => n.endsWith(".eml"))) {
    const raw = await readFile(join(dir, name));
    messages.set(name.replace(/\.eml$/, ""), { raw, mail: await simpleParser(raw) });
  }
  return messages;
}

const header = (mail: ParsedMail, name: string) => {
  const line = mail.headerLines.find((h) => h.key === name.toLowerCase());
  return line
    ? line.line
        .slice(line.line.indexOf(":") + 1)
        .replace(/\r?\n[ \t]+/g, " ")
        .trim()
    : undefined;
};

const received = () => {
  const counts = new Map<string, number>();
  for (const m of stack.ses.messages) for (const d of m.destinations) counts.set(d, (counts.get(d) ?? 0) + 1);
  return counts;
};

describe("digest send, end to end on dynalite and the SESv2 endpoint", () => {
  it("sends each active subscriber one personalised, escaped multipart email and never twice", async () => {
    stack = await startTestStack(
      {},
      {
        DIGEST_REPLY_TO: "editor@example.org",
        DIGEST_SENDER_ADDRESS: "news@example.org",
        DIGEST_BRAND_NAME: "The Test Digest",
        DIGEST_POSTAL_ADDRESS: "The Test Digest\n12 Harbour Road\nPortsmouth",
        DIGEST_PUBLIC_BASE_URL: "https://digest.example.org",
        DIGEST_SECTIONS: "World,Science,Culture",
      },
    );
    const file = await writeStories(stack, "day.ndjson", [
      story(DAY, 1, { headline: "<script>alert(1)</script> Harbour reopens", section: "World" }),
      story(DAY, 2, { url: 'https://evil.example/"><img src=x onerror=alert(1)>', section: "Science" }),
      story(DAY, 3, { section: "Culture", headline: "Gallery & museum night" }),
      story(DAY, 4, { section: "Culture", url: null, headline: "A story with no link" }),
      story("2031-03-13", 5),
    ]);
    expect((await stack.digest(["stories", "import", file])).out).toContain(
      "imported=5 updated=0 skipped=0 invalid=0",
    );
    await stack.digest(["subscribers", "add", "Ana@Example.com", "--name", "Ana"]);
    await stack.digest(["subscribers", "add", "ben@example.com", "--sections", "culture"]);
    await stack.digest(["subscribers", "add", "cy@example.com", "--pending"]);
    await stack.digest(["subscribers", "add", "dee@example.com"]);
    await stack.digest(["subscribers", "remove", "dee@example.com"]);
    // The pending address got a confirmation email; from here on only the edition goes out.
    expect(stack.ses.messages.map((m) => m.destinations[0])).toEqual(["cy@example.com"]);
    stack.ses.messages.splice(0);

    const first = await stack.digest(["send", "--date", DAY]);
    expect(first.code).toBe(0);
    expect(first.out).toMatch(
      /^edition=2031-03-14 stories=4 recipients=2 sent=2 already_sent=0 skipped=0 suppressed=0 failed=0$/m,
    );

    const messages = await outbox();
    expect([...messages.keys()].sort()).toEqual(["ana@example.com", "ben@example.com"]);
    // The outbox holds exactly the bytes SES accepted.
    for (const m of stack.ses.messages) {
      expect(messages.get(m.destinations[0] as string)?.raw.equals(m.raw)).toBe(true);
    }

    const keys = await loadSigningKeys(join(stack.dir, "home"), stack.env);
    const ana = (messages.get("ana@example.com") as { mail: ParsedMail }).mail;
    expect(ana.headers.get("content-type")).toMatchObject({ value: "multipart/alternative" });
    expect(ana.from?.text).toBe('"The Test Digest" <news@example.org>');
    expect(ana.to && "text" in ana.to ? ana.to.text : "").toBe('"Ana" <ana@example.com>');
    expect(ana.replyTo?.text).toBe("editor@example.org");
    // The subject is the lead's headline, its markup read as text at import (the script's code is no text).
    expect(ana.subject).toBe("Harbour reopens");
    expect(header(ana, "List-Unsubscribe-Post")).toBe("List-Unsubscribe=One-Click");
    expect(header(ana, "List-Id")).toBe("The Test Digest <daily.example.org>");
    const unsubscribe = header(ana, "List-Unsubscribe")?.match(
      /^<(https:\/\/digest\.example\.org\/unsubscribe\?t=([^>]+))>$/,
    );
    expect(unsubscribe).not.toBeNull();
    const check = verifyToken(unsubscribe?.[2] as string, "unsubscribe", keys);
    expect(check.ok).toBe(true);

    const html = ana.html as string;
    const text = ana.text as string;
    expect(html).not.toMatch(/<script/i);
    expect(html).toContain("Harbour reopens</a></h2>");
    expect(html).not.toMatch(/<img[^>]*onerror/i);
    expect(html).toContain("Gallery &amp; museum night");
    expect(html).toContain(`href="${unsubscribe?.[1]}"`);
    expect(html).toMatch(/href="https:\/\/digest\.example\.org\/preferences\?t=[\w.-]+"/);
    expect(html).toContain("12 Harbour Road");
    // A story without a URL reads more on its hosted copy.
    expect(html).toMatch(/href="https:\/\/digest\.example\.org\/stories\/[0-9a-f]{24}"/);
    // The plain-text part is built from the data.
    expect(text).toContain("\nHarbour reopens\n");
    expect(text).not.toContain("<script>");
    expect(text).toContain("Read more: https://news.example.org/2031-03-14/story-3");
    expect(text).toContain(`Unsubscribe: ${unsubscribe?.[1]}`);
    expect(text).not.toMatch(/<(p|a|td|div)\b/);
    expect(text).not.toContain("Story number 5");

    // Ben chose Culture only.
    const ben = (messages.get("ben@example.com") as { mail: ParsedMail }).mail;
    expect(ben.text).toContain("Gallery & museum night");
    expect(ben.text).not.toContain("Harbour reopens");
    const benToken = header(ben, "List-Unsubscribe")?.match(/t=([^>]+)>/)?.[1] as string;
    const benCheck = verifyToken(benToken, "unsubscribe", keys);
    const anaCheck = verifyToken(unsubscribe?.[2] as string, "unsubscribe", keys);
    expect(benCheck.ok && anaCheck.ok && benCheck.claims.subscriberId !== anaCheck.claims.subscriberId).toBe(
      true,
    );

    // digest.html / digest.txt: the all-sections variant.
    const digestHtml = await readFile(join(stack.dir, "out", DAY, "digest.html"), "utf8");
    expect(digestHtml).toContain("Gallery &amp; museum night");
    expect(Buffer.byteLength(digestHtml)).toBeLessThan(102 * 1024);
    expect(digestHtml).not.toContain("digest.invalid");
    expect(digestHtml).toContain('href="https://digest.example.org/unsubscribe"');

    // Rerun: resumes, sends nobody twice.
    const second = await stack.digest(["send", "--date", DAY]);
    expect(second.code).toBe(0);
    expect(second.out).toMatch(/ sent=0 already_sent=2 /);
    expect(stack.ses.messages).toHaveLength(2);

    // The sent stories belong to the edition now.
    const listed = JSON.parse((await stack.digest(["stories", "list", "--date", DAY, "--json"])).out);
    expect(listed.every((s: { editionId: string }) => s.editionId === DAY)).toBe(true);
  });

  it("--dry-run shows what each section set would get and sends or stores nothing", async () => {
    stack = await startTestStack();
    await stack.digest([
      "stories",
      "import",
      await writeStories(stack, "s.ndjson", [
        story(DAY, 1, { section: "World" }),
        story(DAY, 2, { section: "Science" }),
      ]),
    ]);
    await stack.digest(["subscribers", "add", "all@example.com"]);
    await stack.digest(["subscribers", "add", "sci@example.com", "--sections", "Science"]);
    await stack.digest(["subscribers", "add", "sport@example.com", "--sections", "Sport"]);
    const run = await stack.digest(["send", "--date", DAY, "--dry-run"]);
    expect(run.code).toBe(0);
    expect(run.out).toContain("[all] 1 recipient(s)");
    expect(run.out).toContain("[Science] 1 recipient(s)");
    expect(run.out).toContain("Science: Story number 2 of the day");
    expect(run.out).toContain("1 active subscriber(s) have no story in their sections today");
    expect(stack.ses.messages).toHaveLength(0);
    expect((await stack.digest(["editions", "show", DAY])).code).toBe(1);
    const listed = JSON.parse((await stack.digest(["stories", "list", "--date", DAY, "--json"])).out);
    expect(listed.every((s: { editionId: string | null }) => s.editionId === null)).toBe(true);
  });

  it("says so and sends nothing on a day with no stories", async () => {
    stack = await startTestStack();
    await stack.digest(["subscribers", "add", "ana@example.com"]);
    const run = await stack.digest(["send", "--date", DAY]);
    expect(run.code).toBe(0);
    expect(run.out).toContain(`no stories for ${DAY}`);
    expect(stack.ses.messages).toHaveLength(0);
    expect((await stack.digest(["editions", "show", DAY])).code).toBe(1);
  });

  it("retries throttling and 5xx with backoff, counting only accepted messages, each recipient once", async () => {
    stack = await startTestStack({
      maxSendRate: 20,
      faults: { throttleRate: 0.25, serverErrorRate: 0.1, seed: 7 },
    });
    await seedDay(
      stack,
      DAY,
      Array.from({ length: 30 }, (_, i) => `reader${i}@example.com`),
    );
    const run = await stack.digest(["send", "--date", DAY]);
    expect(run.out).toMatch(/recipients=30 sent=30 already_sent=0 skipped=0 suppressed=0 failed=0/);
    expect(stack.ses.stats.throttled + stack.ses.stats.failed).toBeGreaterThan(0);
    const counts = received();
    expect(counts.size).toBe(30);
    expect([...counts.values()].every((n) => n === 1)).toBe(true);
    expect((await readdir(join(stack.dir, "out", DAY))).filter((n) => n.endsWith(".eml"))).toHaveLength(30);
  });

  it("records a permanent rejection as failed (exit 1) and does not retry it on a rerun", async () => {
    stack = await startTestStack({
      reject: (raw) => (/^To: .*bad@example\.com/m.test(raw) ? "Address blacklisted." : null),
    });
    await seedDay(stack, DAY, ["good@example.com", "bad@example.com"]);
    const run = await stack.digest(["send", "--date", DAY]);
    expect(run.code).toBe(1);
    expect(run.out).toMatch(/sent=1 already_sent=0 skipped=0 suppressed=0 failed=1/);
    const rejectedBefore = stack.ses.stats.rejected;
    const rerun = await stack.digest(["send", "--date", DAY]);
    expect(rerun.out).toMatch(/sent=0 already_sent=1 skipped=0 suppressed=0 failed=1/);
    expect(stack.ses.stats.rejected).toBe(rejectedBefore);
    const shown = JSON.parse((await stack.digest(["editions", "show", DAY, "--json"])).out);
    expect(shown.status).toBe("partial");
    expect(shown.counts).toMatchObject({ sent: 1, rejected: 1 });
  });

  it("stops cleanly at the daily quota and a rerun sends the rest", async () => {
    stack = await startTestStack({ max24HourSend: 2 }, { DIGEST_SEND_CONCURRENCY: "1" });
    await seedDay(
      stack,
      DAY,
      ["a", "b", "c", "d"].map((who) => `${who}@example.com`),
    );
    const run = await stack.digest(["send", "--date", DAY]);
    expect(run.code).toBe(1);
    expect(run.out).toMatch(/recipients=4 sent=2 .* failed=0 remaining=2$/m);
    expect(run.err).toMatch(/daily sending quota reached.*2 left/);
    await stack.restartSes({});
    const rerun = await stack.digest(["send", "--date", DAY]);
    expect(rerun.code).toBe(0);
    expect(rerun.out).toMatch(/sent=2 already_sent=2 skipped=0 suppressed=0 failed=0$/m);
  });

  it("caps the edition to fit Gmail's clip and links to the stories left out", async () => {
    stack = await startTestStack({}, { DIGEST_MAX_STORIES: "200" });
    const long = "A long paragraph of reporting that goes on and on about the matter at hand. ".repeat(12);
    const many = Array.from({ length: 150 }, (_, i) =>
      story(DAY, i, { headline: `Headline ${i} ${"w".repeat(i % 7)}`, excerpt: long, body: long }),
    );
    await stack.digest(["stories", "import", await writeStories(stack, "many.ndjson", many)]);
    await stack.digest(["subscribers", "add", "ana@example.com"]);
    const run = await stack.digest(["send", "--date", DAY]);
    expect(run.code).toBe(0);
    const sent = Number(run.out.match(/stories=(\d+)/)?.[1]);
    expect(sent).toBeGreaterThan(10);
    expect(sent).toBeLessThan(150);
    expect(run.err).toContain(`${150 - sent} stories left out`);
    const { mail } = (await outbox()).get("ana@example.com") as { mail: ParsedMail };
    expect(Buffer.byteLength(mail.html as string)).toBeLessThan(102 * 1024);
    expect(mail.html).toContain(`${150 - sent} more stories today`);
    expect(mail.html).toContain(`https://digest.example.com/archive/${DAY}`);
  });

  it("skips subscribers whose sections have no story and counts suppressed addresses", async () => {
    stack = await startTestStack();
    await stack.digest([
      "stories",
      "import",
      await writeStories(stack, "s.ndjson", [story(DAY, 1, { section: "World" })]),
    ]);
    await stack.digest(["subscribers", "add", "sport@example.com", "--sections", "Sport"]);
    await stack.digest(["subscribers", "add", "world@example.com", "--sections", "World"]);
    await stack.digest(["subscribers", "add", "blocked@example.com"]);
    const { PutCommand } = await import("@aws-sdk/lib-dynamodb");
    const db = stackDocumentClient(stack);
    await db.send(
      new PutCommand({
        TableName: "digest-suppressions",
        Item: { email: "blocked@example.com", reason: "bounce" },
      }),
    );
    db.destroy();
    const run = await stack.digest(["send", "--date", DAY]);
    expect(run.out).toMatch(/recipients=3 sent=1 already_sent=0 skipped=1 suppressed=1 failed=0/);
    expect([...received().keys()]).toEqual(["world@example.com"]);
  });
});

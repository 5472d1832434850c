import { access } from "node:fs/promises";
import { join } from "node:path";
import { simpleParser } from "mailparser";
import { afterEach, describe, expect, it } from "vitest";
import { DynamoSuppressionStore } from "../../functions/adapters/dynamo/suppression-store.js";
import type { EditionReview } from "../../functions/core/edition/edition-review.js";
import type { TestStack } from "../helpers/services.js";
import {
  stackDocumentClient,
  stackErasureKey,
  startTestStack,
  story,
  writeStories,
} from "../helpers/services.js";

/**
 * `digest send --dry-run` shows exactly what each section set would get, sends nothing and stores
 * nothing; the real send that follows must match it, email by email.
 */

const DAY = "2031-03-14";
let stack: TestStack;

afterEach(async () => {
  await stack?.close();
});

const headline = (n: number) => `Story number ${n} of the day`;

/** World 1, Science 2, Culture 3 and a held World 4; maxStories 2 leaves Culture out. */
async function setUp() {
  stack = await startTestStack({}, { DIGEST_SECTIONS: "World,Science,Culture", DIGEST_MAX_STORIES: "2" });
  const stories = [
    story(DAY, 1, { section: "World" }),
    story(DAY, 2, { section: "Science" }),
    story(DAY, 3, { section: "Culture" }),
    story(DAY, 4, { section: "World", source: "Held Herald" }),
  ];
  expect(
    (await stack.digest(["stories", "import", await writeStories(stack, "s.ndjson", stories)])).code,
  ).toBe(0);
  const listed = JSON.parse((await stack.digest(["stories", "list", "--date", DAY, "--json"])).out);
  const heldId = listed.find((s: { headline: string }) => s.headline === headline(4)).id as string;
  expect((await stack.digest(["stories", "hold", heldId])).code).toBe(0);
  await stack.digest(["subscribers", "add", "all@example.com"]);
  await stack.digest(["subscribers", "add", "sci@example.com", "--sections", "Science"]);
  await stack.digest(["subscribers", "add", "sci2@example.com", "--sections", "Science"]);
  await stack.digest(["subscribers", "add", "culture@example.com", "--sections", "Culture"]);
  await stack.digest(["subscribers", "add", "blocked@example.com"]);
  // On the suppression list while still active (the sender checks the list at send time): as when a
  // bounce arrived between fan-out and send, or an entry was written by another tool.
  const db = stackDocumentClient(stack);
  await new DynamoSuppressionStore(db, "digest-suppressions", stackErasureKey(stack)).put({
    email: "blocked@example.com",
    reason: "manual",
    detail: null,
    at: new Date().toISOString(),
  });
  db.destroy();
  return { heldId };
}

describe("digest send --dry-run", () => {
  it("lists subject, preheader, recipients, ordered stories and left-outs per section set, storing nothing", async () => {
    const { heldId } = await setUp();
    const run = await stack.digest(["send", "--date", DAY, "--dry-run"]);
    expect(run.code).toBe(0);
    const out = run.out;
    expect(out).toContain(`dry run: edition ${DAY}, not composed yet`);
    // The subject is the lead's headline; the preheader names the next story.
    expect(out).toMatch(new RegExp(`^subject: ${headline(1)}$`, "m"));
    expect(out).toMatch(new RegExp(`^preheader: Also today: ${headline(2)}$`, "m"));
    const all = out.slice(out.indexOf("[all]"), out.indexOf("[Science]"));
    expect(all).toContain("[all] 1 recipient(s): 2 stories");
    expect(all).toContain(
      ` 1. World: ${headline(1)} (Example Times)\n   2. Science: ${headline(2)} (Example Times)`,
    );
    expect(all).toContain("left out by the cap (maxStories / Gmail's 102 KB clip): 1");
    expect(all).toContain(`- Culture: ${headline(3)} (Example Times)`);
    const science = out.slice(out.indexOf("[Science]"));
    expect(science).toContain("[Science] 2 recipient(s): 1 story");
    expect(science).toMatch(new RegExp(`subject: ${headline(2)}`));
    expect(science).toContain(` 1. Science: ${headline(2)} (Example Times)`);
    expect(science.slice(0, science.indexOf("\n\n"))).not.toContain("left out");
    expect(out).toContain(`held back (digest stories release <id> lets one go): 1`);
    expect(out).toContain(`- World: ${headline(4)} (Held Herald)  ${heldId}`);
    expect(out).toContain("1 active subscriber(s) have no story in their sections today");
    expect(out).toContain("1 active subscriber(s) are suppressed: not mailed");
    expect(out.trim().split("\n").at(-1)).toBe(
      `dry_run edition=${DAY} variants=2 recipients=3 stories=2 left_out=1 held=1 skipped=1 suppressed=1 already_sent=0`,
    );

    // Nothing sent, nothing stored.
    expect(stack.ses.messages).toHaveLength(0);
    expect((await stack.digest(["editions", "show", DAY])).code).toBe(1);
    const stories = JSON.parse((await stack.digest(["stories", "list", "--date", DAY, "--json"])).out);
    expect(stories.every((s: { editionId: string | null }) => s.editionId === null)).toBe(true);
    await expect(access(join(stack.dir, "out", DAY))).rejects.toThrow();
  });

  it("--json gives the same as an object, and the real send then matches it email by email", async () => {
    await setUp();
    const run = await stack.digest(["send", "--date", DAY, "--dry-run", "--json"]);
    expect(run.code).toBe(0);
    const review = JSON.parse(run.out) as EditionReview;
    expect(review).toMatchObject({
      editionId: DAY,
      frozen: false,
      status: null,
      stories: 2,
      recipients: 3,
      skipped: 1,
      suppressed: 1,
      alreadySent: 0,
    });
    expect(review.variants.map((v) => [v.key, v.recipients, v.sections])).toEqual([
      ["all", 1, ["World", "Science"]],
      ["Science", 2, ["Science"]],
    ]);
    expect(review.variants[0]?.stories.map((s) => [s.section, s.headline, s.source])).toEqual([
      ["World", headline(1), "Example Times"],
      ["Science", headline(2), "Example Times"],
    ]);
    expect(review.variants[0]?.stories.every((s) => s.id.length > 0)).toBe(true);
    expect(review.leftOut.map((s) => s.headline)).toEqual([headline(3)]);
    expect(review.variants[1]?.leftOut).toEqual([]);
    expect(review.held.map((s) => s.headline)).toEqual([headline(4)]);
    expect((await stack.digest(["send", "--json"])).code).toBe(2);

    const send = await stack.digest(["send", "--date", DAY]);
    expect(send.code).toBe(0);
    expect(send.out).toContain("stories=2 recipients=5 sent=3 already_sent=0 skipped=1 suppressed=1");
    const byAddress = new Map<string, Awaited<ReturnType<typeof simpleParser>>>();
    for (const m of stack.ses.messages) byAddress.set(m.destinations[0] as string, await simpleParser(m.raw));
    expect([...byAddress.keys()].sort()).toEqual(["all@example.com", "sci2@example.com", "sci@example.com"]);
    const check = (email: string, variant: EditionReview["variants"][number] | undefined) => {
      const mail = byAddress.get(email);
      expect(mail?.subject).toBe(variant?.subject);
      const text = mail?.text ?? "";
      const positions = (variant?.stories ?? []).map((s) => text.indexOf(s.headline));
      expect(positions.every((p) => p >= 0)).toBe(true);
      expect([...positions].sort((a, b) => a - b)).toEqual(positions);
      for (const n of [1, 2, 3, 4]) {
        const listed = variant?.stories.some((s) => s.headline === headline(n));
        expect(text.includes(headline(n))).toBe(Boolean(listed));
      }
    };
    check("all@example.com", review.variants[0]);
    check("sci@example.com", review.variants[1]);
    check("sci2@example.com", review.variants[1]);
  });

  it("shows a composed (frozen) edition as stored, with what already went out", async () => {
    await setUp();
    expect((await stack.digest(["compose", "--date", DAY])).code).toBe(0);
    const review = JSON.parse((await stack.digest(["send", "--date", DAY, "--dry-run", "--json"])).out);
    expect(review).toMatchObject({ frozen: true, status: "sending", stories: 2, alreadySent: 0 });
    expect(review.leftOut.map((s: { headline: string }) => s.headline)).toEqual([headline(3)]);
    const text = await stack.digest(["send", "--date", DAY, "--dry-run"]);
    expect(text.out).toContain("already composed (status sending): shown as stored");
    expect(stack.ses.messages).toHaveLength(0);
  });

  it("says so on a day with no stories (exit 0)", async () => {
    stack = await startTestStack();
    const run = await stack.digest(["send", "--date", DAY, "--dry-run"]);
    expect(run.code).toBe(0);
    expect(run.out).toContain(`no stories for ${DAY}`);
  });
});

import { simpleParser } from "mailparser";
import { afterEach, describe, expect, it } from "vitest";
import { startTestStack, story, type TestStack, writeStories } from "../helpers/services.js";

/**
 * Editorial control from the command line, on dynalite and the SES endpoint: `digest stories remove`,
 * `hold` and `release`, and what they do to `stories list` and to the edition `digest send` builds.
 */

const DAY = "2031-03-14";
let stack: TestStack;

afterEach(async () => {
  await stack?.close();
});

interface Listed {
  id: string;
  headline: string;
  editionId: string | null;
  held: boolean;
}

async function listed(): Promise<Listed[]> {
  const run = await stack.digest(["stories", "list", "--date", DAY, "--json"]);
  expect(run.code).toBe(0);
  return JSON.parse(run.out) as Listed[];
}

const idOf = (stories: Listed[], n: number) =>
  stories.find((s) => s.headline === `Story number ${n} of the day`)?.id as string;

/** Which of stories 1–4 the one email SES accepted carries (its plain-text part). */
async function sentStories(): Promise<number[]> {
  expect(stack.ses.messages).toHaveLength(1);
  const mail = await simpleParser(stack.ses.messages[0]?.raw as Buffer);
  return [1, 2, 3, 4].filter((n) => mail.text?.includes(`Story number ${n} of the day`));
}

describe("digest stories remove | hold | release", () => {
  it("a held story stays stored and listed as [held] but out of the edition; released, it can go", async () => {
    stack = await startTestStack();
    const file = await writeStories(
      stack,
      "s.ndjson",
      [1, 2, 3].map((n) => story(DAY, n)),
    );
    expect((await stack.digest(["stories", "import", file])).code).toBe(0);
    const before = await listed();
    expect(before.map((s) => s.held)).toEqual([false, false, false]);
    const held = idOf(before, 2);
    const released = idOf(before, 3);

    const hold = await stack.digest(["stories", "hold", held, released]);
    expect(hold.code).toBe(0);
    expect(hold.out).toContain(`held ${held} "Story number 2 of the day"`);
    expect((await stack.digest(["stories", "hold", held])).out).toContain("was already held");
    const release = await stack.digest(["stories", "release", released]);
    expect(release.code).toBe(0);
    expect(release.out).toContain(`released ${released}`);

    const after = await listed();
    expect(after.find((s) => s.id === held)).toMatchObject({ held: true, editionId: null });
    expect(after.find((s) => s.id === released)).toMatchObject({ held: false });
    const text = await stack.digest(["stories", "list", "--date", DAY]);
    expect(text.out).toMatch(/Story number 2 of the day \(Example Times\) \[held\]/);
    expect(text.out).not.toMatch(/Story number 3 of the day \(Example Times\) \[held\]/);

    // A re-import (same content, or changed) keeps the hold.
    const changed = story(DAY, 2, { body: "A new first sentence. And another." });
    await stack.digest(["stories", "import", await writeStories(stack, "again.ndjson", [changed])]);
    expect((await listed()).find((s) => s.id === held)?.held).toBe(true);

    await stack.digest(["subscribers", "add", "ana@example.com"]);
    const send = await stack.digest(["send", "--date", DAY]);
    expect(send.code).toBe(0);
    expect(send.out).toContain("stories=2 recipients=1 sent=1");
    expect(await sentStories()).toEqual([1, 3]);
    const show = JSON.parse((await stack.digest(["editions", "show", DAY, "--json"])).out);
    expect(show.stories.map((s: { id: string }) => s.id)).not.toContain(held);
    const final = await listed();
    expect(final.find((s) => s.id === held)).toMatchObject({ held: true, editionId: null });
    expect(final.find((s) => s.id === released)?.editionId).toBe(DAY);

    // Holding a story that already went out changes nothing: refused.
    const late = await stack.digest(["stories", "hold", released]);
    expect(late.code).toBe(1);
    expect(late.err).toContain(`is already in edition ${DAY}`);
  });

  it("removes a story that went out in no edition, for good; keeps one that went out (exit 1)", async () => {
    stack = await startTestStack();
    const file = await writeStories(
      stack,
      "s.ndjson",
      [1, 2].map((n) => story(DAY, n)),
    );
    await stack.digest(["stories", "import", file]);
    const ids = await listed();
    const gone = idOf(ids, 2);

    const remove = await stack.digest(["stories", "remove", gone]);
    expect(remove.code).toBe(0);
    expect(remove.out).toContain(`removed ${gone} "Story number 2 of the day"`);
    expect((await listed()).map((s) => s.id)).toEqual([idOf(ids, 1)]);

    // Importing it again (a feed that still carries it) does not bring it back.
    const again = await stack.digest(["stories", "import", file]);
    expect(again.out).toContain("imported=0 updated=0 skipped=2 invalid=0");
    expect((await listed()).map((s) => s.id)).toEqual([idOf(ids, 1)]);

    const twice = await stack.digest(["stories", "remove", gone]);
    expect(twice.code).toBe(1);
    expect(twice.err).toContain(`no story ${gone}`);

    await stack.digest(["subscribers", "add", "ana@example.com"]);
    expect((await stack.digest(["send", "--date", DAY])).out).toContain("stories=1 recipients=1 sent=1");
    const sent = idOf(ids, 1);
    const refused = await stack.digest(["stories", "remove", sent]);
    expect(refused.code).toBe(1);
    expect(refused.err).toContain(`went out in edition ${DAY}: kept`);
    expect((await listed()).map((s) => s.id)).toEqual([sent]);
  });

  it("unknown ids are a clear error (exit 1) and the other ids are still handled; no id is a usage error", async () => {
    stack = await startTestStack();
    await stack.digest(["stories", "import", await writeStories(stack, "s.ndjson", [story(DAY, 1)])]);
    const [only] = await listed();
    for (const verb of ["remove", "hold", "release"]) {
      const run = await stack.digest(["stories", verb, "no-such-id"]);
      expect(run.code).toBe(1);
      expect(run.err).toContain("no story no-such-id");
      expect((await stack.digest(["stories", verb])).code).toBe(2);
    }
    const mixed = await stack.digest(["stories", "hold", "no-such-id", only?.id as string]);
    expect(mixed.code).toBe(1);
    expect(mixed.out).toContain(`held ${only?.id}`);
    expect((await listed())[0]?.held).toBe(true);
  });

  it("stories lead picks the story the edition opens with (subject, first in the email); --off unpicks it", async () => {
    stack = await startTestStack();
    const file = await writeStories(
      stack,
      "s.ndjson",
      [1, 2, 3].map((n) => story(DAY, n)),
    );
    expect((await stack.digest(["stories", "import", file])).code).toBe(0);
    const oldest = idOf(await listed(), 1);
    const pick = await stack.digest(["stories", "lead", oldest]);
    expect(pick.code).toBe(0);
    expect(pick.out).toContain("as the lead");
    expect((await stack.digest(["stories", "list", "--date", DAY])).out).toContain("[lead]");
    const dry = JSON.parse((await stack.digest(["send", "--date", DAY, "--dry-run", "--json"])).out);
    expect(dry.subject).toBe("Story number 1 of the day");
    expect((await stack.digest(["stories", "lead", oldest, "--off"])).code).toBe(0);
    const after = JSON.parse((await stack.digest(["send", "--date", DAY, "--dry-run", "--json"])).out);
    expect(after.subject).not.toBe("Story number 1 of the day");
    expect((await stack.digest(["stories", "rank", oldest, "0"])).code).toBe(2);
    expect((await stack.digest(["stories", "lead", "nope"])).code).toBe(1);

    // Picked, it leads the email that goes out; once sent, picking it again is refused.
    expect((await stack.digest(["stories", "lead", oldest])).code).toBe(0);
    await stack.digest(["subscribers", "add", "ana@example.com"]);
    expect((await stack.digest(["send", "--date", DAY])).code).toBe(0);
    const mail = await simpleParser(stack.ses.messages[0]?.raw as Buffer);
    expect(mail.subject).toBe("Story number 1 of the day");
    const late = await stack.digest(["stories", "lead", oldest]);
    expect(late.code).toBe(1);
    expect(late.err).toContain("already in edition");
  });
});

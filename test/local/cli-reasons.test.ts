import { readdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { dayInZone } from "../../functions/core/kernel/dates.js";
import { samplesDir } from "../../functions/local/demo.js";
import { startTestStack, story, type TestStack, writeStories } from "../helpers/services.js";

/**
 * What `digest` says when it does less than asked: which rows and recipients it skipped and why, and
 * a per-story flag given for several stories refused before anything is written. Also: the shipped
 * samples import as they are.
 */

let stack: TestStack;

beforeAll(async () => {
  stack = await startTestStack({}, { DIGEST_SECTIONS: "World,Science,Culture,Sport,Business,Technology" });
}, 60_000);

afterAll(async () => {
  await stack?.close();
});

const lines = (text: string) => text.split("\n").filter(Boolean);

describe("--url and --published-at name one story", () => {
  const DAY = "2031-07-01";
  const page = (headline: string) =>
    `Harbour Gazette\nWorld\nBy Ana Ortiz\n\n${headline}\n\nThe first paragraph of the story says what happened today.\n`;

  it("`stories import a.txt b.txt --url U` is a usage error and imports nothing", async () => {
    const a = join(stack.dir, "a.txt");
    const b = join(stack.dir, "b.txt");
    await writeFile(a, page("First raw page of the day"));
    await writeFile(b, page("Second raw page of the day"));
    const run = await stack.digest(["stories", "import", a, b, "--url", "https://example.org/one"]);
    expect(run.code).toBe(2);
    expect(run.err).toMatch(/^digest: --url names one story, but 2 files were given/);
    expect(run.out).toBe("");
    const listed = await stack.digest(["stories", "list", "--date", DAY, "--json"]);
    expect(JSON.parse(listed.out)).toEqual([]);
  });

  it("--published-at with a directory of several files, or one file of several records: refused too", async () => {
    const byDir = await stack.digest(["stories", "import", stack.dir, "--published-at", `${DAY}T07:00:00Z`]);
    expect(byDir.code).toBe(2);
    expect(byDir.err).toMatch(/^digest: --published-at names one story, but \d+ files were given/);
    const records = await writeStories(stack, "two.ndjson", [
      story(DAY, 1, { url: undefined }),
      story(DAY, 2, { url: undefined }),
    ]);
    const byRecords = await stack.digest(["stories", "import", records, "--url", "https://example.org/x"]);
    expect(byRecords.code).toBe(2);
    expect(byRecords.err).toMatch(/^digest: --url names one story, but .*two\.ndjson holds 2 records/);
    const listed = await stack.digest(["stories", "list", "--date", DAY, "--json"]);
    expect(JSON.parse(listed.out)).toEqual([]);
  });

  it("one file of one story takes them", async () => {
    const a = join(stack.dir, "a.txt");
    const run = await stack.digest([
      "stories",
      "import",
      a,
      "--url",
      "https://example.org/one",
      "--published-at",
      `${DAY}T07:00:00Z`,
    ]);
    expect(run.code, run.err).toBe(0);
    const [only] = JSON.parse((await stack.digest(["stories", "list", "--date", DAY, "--json"])).out);
    expect(only).toMatchObject({ url: "https://example.org/one", publishedAt: `${DAY}T07:00:00.000Z` });
  });
});

describe("skipped=N says which and why", () => {
  it("subscribers import: each skipped row as <file>:<line>: skipped: <reason>, unchanged ones counted", async () => {
    const first = join(stack.dir, "first.csv");
    await writeFile(
      first,
      "email,name\nkept@example.com,Kept\ngone@example.com,Gone\nbounced@example.com,Bounced\nerased@example.com,Erased\nerased2@example.com,Erased 2\n",
    );
    expect((await stack.digest(["subscribers", "import", first])).code).toBe(0);
    expect((await stack.digest(["subscribers", "remove", "gone@example.com"])).code).toBe(0);
    expect((await stack.digest(["suppressions", "add", "bounced@example.com"])).code).toBe(0);
    for (const email of ["erased@example.com", "erased2@example.com"]) {
      expect((await stack.digest(["subscribers", "erase", email])).code).toBe(0);
    }

    const again = join(stack.dir, "again.csv");
    await writeFile(
      again,
      [
        "email,name,sections,timezone,status",
        "kept@example.com,Kept,,,", // 2 unchanged
        "gone@example.com,Gone,,,", // 3 unsubscribed
        "bounced@example.com,Bounced,,,", // 4 suppressed
        "erased@example.com,Erased,,,", // 5 erased
        "erased2@example.com,Erased 2,,,suppressed", // 6 erased, as a suppressed row
        "never@example.com,Never,,,transactional", // 7 never opted in
        "new@example.com,New,,,", // 8 imported
        "",
      ].join("\n"),
    );
    const run = await stack.digest(["subscribers", "import", again]);
    expect(run.code, run.err).toBe(0);
    expect(lines(run.out)[0]).toBe("imported=1 updated=0 skipped=6 invalid=0");
    expect(lines(run.err)).toEqual([
      `${again}:3: skipped: gone@example.com is unsubscribed; not reactivated`,
      `${again}:4: skipped: bounced@example.com is suppressed; not reactivated`,
      `${again}:5: skipped: erased@example.com was erased (GDPR) and may not be added again`,
      `${again}:6: skipped: erased2@example.com was erased (GDPR) and may not be added again`,
      `${again}:7: skipped: never@example.com never opted in (transactional); not imported`,
      `${again}: skipped: 1 row unchanged (stored already as the file has it)`,
    ]);
  });

  it("stories import: a story removed earlier by line, unchanged ones counted", async () => {
    const DAY = "2031-07-02";
    const file = await writeStories(stack, "day.ndjson", [story(DAY, 1), story(DAY, 2), story(DAY, 3)]);
    expect((await stack.digest(["stories", "import", file])).code).toBe(0);
    const [removed] = JSON.parse((await stack.digest(["stories", "list", "--date", DAY, "--json"])).out)
      .filter((s: { headline: string }) => s.headline === "Story number 2 of the day")
      .map((s: { id: string }) => s.id);
    expect((await stack.digest(["stories", "remove", removed])).code).toBe(0);

    const run = await stack.digest(["stories", "import", file]);
    expect(run.code, run.err).toBe(0);
    expect(run.out).toBe("imported=0 updated=0 skipped=3 invalid=0\n");
    // (The other lines are notes: 2031 is in the future.)
    expect(lines(run.err).filter((l) => l.includes(" skipped: "))).toEqual([
      `${file}:2: skipped: story ${removed} was removed (digest stories remove); imports leave it out`,
      `${file}: skipped: 2 stories unchanged (stored already with the same content)`,
    ]);
  });

  it("send: who was skipped and why, before the summary line", async () => {
    const DAY = "2031-07-03";
    const file = await writeStories(stack, "send-day.ndjson", [
      story(DAY, 0, { section: "World" }),
      story(DAY, 1, { section: "Science" }),
    ]);
    expect((await stack.digest(["stories", "import", file])).code).toBe(0);
    for (const [email, sections] of [
      ["all@example.net", ""],
      ["sporty@example.net", "Sport"],
      ["money@example.net", "Business,Technology"],
    ] as const) {
      const args = ["subscribers", "add", email, ...(sections ? ["--sections", sections] : [])];
      expect((await stack.digest(args)).code).toBe(0);
    }
    const run = await stack.digest(["send", "--date", DAY]);
    expect(run.code, run.err).toBe(0);
    // The earlier tests' subscribers (kept, new) get it too.
    expect(lines(run.out)).toEqual([
      `edition=${DAY} stories=2 recipients=5 sent=3 already_sent=0 skipped=2 suppressed=0 failed=0`,
    ]);
    const skipped = lines(run.err).filter((l) => l.startsWith("skipped:"));
    expect(skipped.sort()).toEqual([
      "skipped: money@example.net: chose Business, Technology; this edition has nothing in those sections",
      "skipped: sporty@example.net: chose Sport; this edition has nothing in those sections",
    ]);
  });
});

describe("the samples", () => {
  it("`digest stories import samples/stories` imports every sample for today, as the README's day has it", async () => {
    const before = dayInZone(new Date(), "UTC");
    const run = await stack.digest(["stories", "import", join(samplesDir, "stories")]);
    const after = dayInZone(new Date(), "UTC");
    expect(run.err).toBe("");
    expect(run.code).toBe(0);
    const files = (await readdir(join(samplesDir, "stories"))).length;
    const [, imported] = /^imported=(\d+) updated=0 skipped=0 invalid=0$/.exec(run.out.trim()) ?? [];
    expect(Number(imported)).toBeGreaterThanOrEqual(files);
    // Every sample is dated by the import (on the day it ran): none is invalid, none on another day.
    let listed = 0;
    for (const day of new Set([before, after])) {
      listed += JSON.parse((await stack.digest(["stories", "list", "--date", day, "--json"])).out).length;
    }
    expect(listed).toBe(Number(imported));
  });
});

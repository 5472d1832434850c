import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { startTestStack, story, type TestStack } from "../helpers/services.js";

const DAY = "2031-03-14";
let stack: TestStack;

afterEach(async () => {
  await stack?.close();
});

const json = (run: { out: string }) => JSON.parse(run.out);

describe("digest stories import", () => {
  it("imports the good records, reports each bad one as file:line, and loses nothing already stored", async () => {
    stack = await startTestStack();
    const dir = join(stack.dir, "in");
    await mkdir(join(dir, "nested"), { recursive: true });
    await writeFile(
      join(dir, "day.ndjson"),
      [
        JSON.stringify(story(DAY, 1)),
        "{not json",
        JSON.stringify(story(DAY, 2)),
        JSON.stringify({ url: "https://x.example/no-headline" }),
        JSON.stringify(story(DAY, 3, { url: "ftp://files.example/x" })),
      ].join("\n"),
    );
    await writeFile(
      join(dir, "nested", "page.txt"),
      "Sign in\nHarbour Post\nHarbour Post\nScience\nBy Ana Ortiz\n\nTidal trial lights up the town\n\nThe town ran on tidal power for a week, a first for the coast. Residents barely noticed.\n\nEngineers were pleased.\n\nSign up now\nRelated Stories\nDownload the app\n",
    );
    await writeFile(join(dir, "nested", "empty.json"), "");
    await writeFile(join(dir, "binary.txt"), Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x00, 0x01]));
    const run = await stack.digest([
      "stories",
      "import",
      dir,
      join(stack.dir, "missing.ndjson"),
      "--published-at",
      `${DAY}T09:00:00Z`,
      "--url",
      "https://harbour.example/tidal",
    ]);
    expect(run.code).toBe(1);
    expect(run.out.trim()).toBe("imported=3 updated=0 skipped=0 invalid=6");
    const file = join(dir, "day.ndjson");
    expect(run.err).toContain(`${file}:2: `);
    expect(run.err).toMatch(new RegExp(`${file}:4: headline: required`));
    expect(run.err).toMatch(new RegExp(`${file}:5: url: `));
    expect(run.err).toContain(`${join(dir, "nested", "empty.json")}:1: empty file`);
    expect(run.err).toContain(`${join(dir, "binary.txt")}:1: binary file`);
    expect(run.err).toContain(`${join(stack.dir, "missing.ndjson")}: no such file or directory`);

    const listed = json(await stack.digest(["stories", "list", "--date", DAY, "--json"]));
    expect(listed.map((s: { headline: string }) => s.headline).sort()).toEqual([
      "Story number 1 of the day",
      "Story number 2 of the day",
      "Tidal trial lights up the town",
    ]);
    const page = listed.find((s: { headline: string }) => s.headline.startsWith("Tidal"));
    expect(page).toMatchObject({
      source: "Harbour Post",
      section: "Science",
      byline: "Ana Ortiz",
      url: "https://harbour.example/tidal",
      publishedAt: `${DAY}T09:00:00.000Z`,
      excerpt: "The town ran on tidal power for a week, a first for the coast. Residents barely noticed.",
      editionId: null,
    });

    // Re-importing the same file changes nothing; an edited story updates in place under the same id.
    const again = await stack.digest(["stories", "import", file]);
    expect(again.out.trim()).toBe("imported=0 updated=0 skipped=2 invalid=3");
    const edited = join(stack.dir, "edited.ndjson");
    await writeFile(
      edited,
      JSON.stringify(
        story(DAY, 1, {
          headline: "Story one, corrected",
          url: `https://news.example.org/${DAY}/story-1?utm_source=feed#top`,
        }),
      ),
    );
    expect((await stack.digest(["stories", "import", edited])).out.trim()).toBe(
      "imported=0 updated=1 skipped=0 invalid=0",
    );
    const after = json(await stack.digest(["stories", "list", "--date", DAY, "--json"]));
    expect(after).toHaveLength(3);
    expect(after.map((s: { headline: string }) => s.headline)).toContain("Story one, corrected");
  });

  it("reads a .json array and names the line of a syntax error", async () => {
    stack = await startTestStack();
    const good = join(stack.dir, "good.json");
    await writeFile(good, JSON.stringify([story(DAY, 1), story(DAY, 2)], null, 2));
    expect((await stack.digest(["stories", "import", good])).out.trim()).toBe(
      "imported=2 updated=0 skipped=0 invalid=0",
    );
    const bad = join(stack.dir, "bad.json");
    await writeFile(bad, '[\n  {"headline": "ok"},\n  {"headline": "broken",}\n]\n');
    const run = await stack.digest(["stories", "import", bad]);
    expect(run.code).toBe(1);
    expect(run.err).toMatch(new RegExp(`${bad}:3: `));
  });
});

describe("digest subscribers", () => {
  it("imports a CSV with many kinds of bad rows: good rows import, each bad one is reported with its line", async () => {
    stack = await startTestStack({}, { DIGEST_SECTIONS: "World,Science,Culture" });
    await stack.digest(["subscribers", "add", "kept@example.com", "--name", "Kept"]);
    await stack.digest(["subscribers", "add", "gone@example.com"]);
    await stack.digest(["subscribers", "remove", "gone@example.com"]);
    const csv = join(stack.dir, "subs.csv");
    await writeFile(
      csv,
      [
        "\uFEFFemail,name,sections,timezone",
        "ana@example.com,Ana,World;Science,Europe/Lisbon", // 2 ok
        "not-an-address,Bad,,", // 3 invalid email
        "ANA@example.com,Dup,,", // 4 duplicate in file
        ",No address,,", // 5 empty email
        "ben@example.com,Ben,Sport,", // 6 unknown section
        "cy@example.com,Cy,,Mars/Olympus", // 7 bad time zone
        'dee@example.com,"Dee, D.",culture,', // 8 ok (section case-folded)
        "gone@example.com,Gone,,", // 9 unsubscribed: not reactivated
        "kept@example.com,Kept,,", // 10 unchanged
        "ed@exa mple.com,Ed,,", // 11 invalid email
        "",
      ].join("\r\n"),
    );
    const run = await stack.digest(["subscribers", "import", csv]);
    expect(run.code).toBe(1);
    expect(run.out.trim()).toBe("imported=2 updated=0 skipped=2 invalid=6");
    for (const line of [3, 4, 5, 6, 7, 9, 11]) expect(run.err).toContain(`${csv}:${line}: `);
    expect(run.err).toContain(`${csv}:4: duplicate of line 2`);
    expect(run.err).toContain(`${csv}:6: unknown section Sport`);
    expect(run.err).toContain(`${csv}:9: gone@example.com is unsubscribed; not reactivated`);

    const list = json(await stack.digest(["subscribers", "list", "--json"]));
    expect(list.map((s: { email: string }) => s.email)).toEqual([
      "ana@example.com",
      "dee@example.com",
      "gone@example.com",
      "kept@example.com",
    ]);
    expect(list[0]).toMatchObject({
      name: "Ana",
      status: "active",
      sections: ["World", "Science"],
      timezone: "Europe/Lisbon",
    });
    expect(list[1]).toMatchObject({ name: "Dee, D.", sections: ["Culture"] });
    expect(list[2].status).toBe("unsubscribed");

    // Re-import is idempotent.
    const again = await stack.digest(["subscribers", "import", csv]);
    expect(again.out.trim()).toBe("imported=0 updated=0 skipped=4 invalid=6");

    const exported = await stack.digest(["subscribers", "export"]);
    expect(exported.out.split("\n")[0]).toBe("email,name,sections,timezone,status,createdAt,confirmedAt");
    expect(exported.out).toContain('dee@example.com,"Dee, D.",Culture,,active,');
    await stack.digest(["subscribers", "add", "formula@example.com", "--name", "=HYPERLINK(1)"]);
    expect((await stack.digest(["subscribers", "export"])).out).toContain(
      "formula@example.com,'=HYPERLINK(1),",
    );
  });

  it("refuses an invalid address with the reason and a pending subscriber gets nothing", async () => {
    stack = await startTestStack();
    const bad = await stack.digest(["subscribers", "add", "ana@@example.com"]);
    expect(bad.code).toBe(1);
    expect(bad.err).toContain('"ana@@example.com" is not a valid email address');
    const pending = await stack.digest(["subscribers", "add", "p@example.com", "--pending"]);
    expect(pending.out).toContain("added p@example.com (pending");
    expect(json(await stack.digest(["subscribers", "list", "--status", "active", "--json"]))).toEqual([]);
    expect((await stack.digest(["subscribers", "list", "--status", "nope"])).code).toBe(2);
  });
});

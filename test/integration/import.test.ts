import { copyFile, mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { DynamoStoryStore } from "../../functions/adapters/dynamo/story-store.js";
import { tableNamesFromEnv } from "../../functions/adapters/schema.js";
import { stackDocumentClient, startTestStack, story, type TestStack } from "../helpers/services.js";

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
    // A raw page carries no URL or time: it is imported on its own, with --url and --published-at
    // (which name one story, so they are refused with several files).
    const page = join(stack.dir, "page.txt");
    await writeFile(
      page,
      "Sign in\nHarbour Post\nHarbour Post\nScience\nBy Ana Ortiz\n\nTidal trial lights up the town\n\nThe town ran on tidal power for a week, a first for the coast. Residents barely noticed.\n\nEngineers were pleased.\n\nSign up now\nRelated Stories\nDownload the app\n",
    );
    await writeFile(join(dir, "nested", "empty.json"), "");
    await writeFile(join(dir, "binary.txt"), Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x00, 0x01]));
    const run = await stack.digest(["stories", "import", dir, join(stack.dir, "missing.ndjson")]);
    expect(run.code).toBe(1);
    expect(run.out.trim()).toBe("imported=2 updated=0 skipped=0 invalid=6");
    const pageRun = await stack.digest([
      "stories",
      "import",
      page,
      "--published-at",
      `${DAY}T09:00:00Z`,
      "--url",
      "https://harbour.example/tidal",
    ]);
    expect(pageRun.out.trim()).toBe("imported=1 updated=0 skipped=0 invalid=0");
    const file = join(dir, "day.ndjson");
    expect(run.err).toContain(`${file}:2: `);
    expect(run.err).toMatch(new RegExp(`${file}:4: headline: required`));
    expect(run.err).toMatch(new RegExp(`${file}:5: url: `));
    expect(run.err).toContain(`${join(dir, "nested", "empty.json")}:1: empty file`);
    expect(run.err).toContain(
      `${join(dir, "binary.txt")}:1: binary file, not a story (a NUL byte at offset 4)`,
    );
    expect(run.err).toContain(`${join(stack.dir, "missing.ndjson")}: no such file or directory`);
    // Dated years ahead: stored for that day, and the editor is told (a scheduled story or a wrong year).
    expect(run.err).toMatch(
      new RegExp(
        `${file}:1: note: publishedAt ${DAY}T\\d\\d:\\d\\d:00\\.000Z is in the future: imported for the edition of ${DAY}`,
      ),
    );

    const listed = json(await stack.digest(["stories", "list", "--date", DAY, "--json"]));
    expect(listed.map((s: { headline: string }) => s.headline).sort()).toEqual([
      "Story number 1 of the day",
      "Story number 2 of the day",
      "Tidal trial lights up the town",
    ]);
    const tidal = listed.find((s: { headline: string }) => s.headline.startsWith("Tidal"));
    expect(tidal).toMatchObject({
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

/** The stored story, html included (which `stories list --json` does not show). */
async function storedStory(stack: TestStack, id: string) {
  const db = stackDocumentClient(stack);
  try {
    return await new DynamoStoryStore(db, tableNamesFromEnv(stack.env).stories).get(id);
  } finally {
    db.destroy();
  }
}

const HTML_FIXTURES = new URL("../fixtures/html/", import.meta.url);
const ARTICLE_DAY = "2026-11-27";
const ARTICLE_URL = "https://www.harbourchronicle.example/news/2026/11/27/wexmoor-lifeboat-station";

describe("digest stories import: HTML pages, feed files and bad input", () => {
  it("imports article pages and feeds from a directory; one article from two sources is one story, html sanitised", async () => {
    stack = await startTestStack({}, { DIGEST_TIME_ZONE: "UTC" });
    const dir = join(stack.dir, "in");
    await mkdir(join(dir, "pages"), { recursive: true });
    await copyFile(
      new URL("harbour-chronicle-jsonld.html", HTML_FIXTURES),
      join(dir, "pages", "a-lifeboat.html"),
    );
    await copyFile(
      new URL("fenland-post-meta-only.html", HTML_FIXTURES),
      join(dir, "pages", "b-skating.htm"),
    );
    // The same lifeboat story reached through a feed: other tracking parameters, in another order.
    await writeFile(
      join(dir, "b-coast.rss"),
      `<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0"><channel><title>Coast Wire</title><link>https://coastwire.example/</link><description>x</description>
<item><title>Wexmoor keeps its lifeboat station</title>
<link>http://www.harbourchronicle.example/news/2026/11/27/wexmoor-lifeboat-station?utm_medium=email&amp;utm_source=coastwire#top</link>
<pubDate>Fri, 27 Nov 2026 08:00:00 +0000</pubDate>
<description>&lt;p&gt;Wexmoor&amp;#8217;s council voted to keep the station open. &lt;script&gt;alert(1)&lt;/script&gt;&lt;/p&gt;</description></item>
<item><title>No link here</title><pubDate>Fri, 27 Nov 2026 08:00:00 +0000</pubDate></item>
</channel></rss>`,
    );
    await writeFile(
      join(dir, "c-feed.json"),
      JSON.stringify({
        version: "https://jsonfeed.org/version/1.1",
        title: "Estuary Notes",
        items: [
          {
            id: "1",
            url: "https://estuary-notes.example/2026/11/terns?utm_source=jsonfeed",
            title: "Terns nest on the new shingle island",
            content_html: "<p>Little terns nested on the shingle island &amp; raised twelve chicks.</p>",
            date_published: "2026-11-27T06:00:00Z",
          },
        ],
      }),
    );
    const run = await stack.digest(["stories", "import", dir]);
    expect(run.err).toMatch(new RegExp(`${join(dir, "b-coast.rss")}:2: no link`));
    expect(run.out.trim()).toBe("imported=3 updated=1 skipped=0 invalid=1");
    expect(run.code).toBe(1);

    const listed = json(await stack.digest(["stories", "list", "--date", ARTICLE_DAY, "--json"]));
    expect(listed.map((s: { headline: string }) => s.headline).sort()).toEqual([
      "Fen skating returns after six-year wait",
      "Terns nest on the new shingle island",
      // the feed's copy came first (b-coast.rss sorts before pages/), the page updated it
      "Wexmoor votes to keep its lifeboat station open",
    ]);
    const lifeboat = listed.find((s: { headline: string }) => s.headline.startsWith("Wexmoor"));
    expect(lifeboat).toMatchObject({
      url: ARTICLE_URL,
      source: "The Harbour Chronicle",
      byline: "Inês Carvalho and Tom O’Neill",
    });
    expect(lifeboat.excerpt).toMatch(/^Wexmoor’s town council voted on Thursday night/);
    const skating = listed.find((s: { headline: string }) => s.headline.startsWith("Fen"));
    expect(skating).toMatchObject({
      url: "https://fenlandpost.example/sport/fen-skating-returns",
      source: "Fenland Post",
      section: "Sport",
      byline: "Harriet Quayle",
      publishedAt: "2026-11-27T06:15:00.000Z",
    });
    expect(skating.excerpt).toMatch(/^Skaters took to the flooded washes near Welney on Thursday/);

    const stored = await storedStory(stack, skating.id);
    expect(stored?.html).toMatch(/^<p>Skaters took to the flooded washes/);
    expect(stored?.html).not.toMatch(/<(?:script|div|h1)|class=|Continue reading|More from Sport/);
    const terns = await storedStory(
      stack,
      listed.find((s: { source: string }) => s.source === "Estuary Notes").id,
    );
    expect(terns?.html).toBe("<p>Little terns nested on the shingle island &amp; raised twelve chicks.</p>");
    expect(terns?.body).toBe("Little terns nested on the shingle island & raised twelve chicks.");
  });

  it("reports each bad file or record precisely and imports the rest", async () => {
    stack = await startTestStack({}, { DIGEST_TIME_ZONE: "UTC" });
    const dir = join(stack.dir, "bad");
    await mkdir(dir, { recursive: true });
    await copyFile(new URL("no-headline.html", HTML_FIXTURES), join(dir, "no-headline.html"));
    await writeFile(join(dir, "empty.html"), "  \n");
    await writeFile(
      join(dir, "latin1.txt"),
      Buffer.from("Caf\xe9 story\n\nHeadline\n\nBody text of four words.", "latin1"),
    );
    await writeFile(join(dir, "not-a-feed.xml"), "this is not XML at all");
    await writeFile(
      join(dir, "dates.ndjson"),
      [
        JSON.stringify(story(DAY, 1, { publishedAt: "Fri, 14 Mar 2031 07:00:00 +0000" })),
        JSON.stringify(story(DAY, 2, { publishedAt: "11/03/2031" })),
        JSON.stringify(story(DAY, 3, { publishedAt: "14 March 2031" })),
        JSON.stringify(story(DAY, 4, { publishedAt: "yesterday morning" })),
        JSON.stringify(story(DAY, 5, { publishedAt: "1931238000" })),
      ].join("\n"),
    );
    const run = await stack.digest(["stories", "import", dir]);
    const at = (name: string, line = 1) => `${join(dir, name)}:${line}: `;
    expect(run.err).toContain(
      `${at("no-headline.html")}no headline: no <h1>, og:title, JSON-LD headline or <title>`,
    );
    expect(run.err).toContain(`${at("empty.html")}empty file`);
    expect(run.err).toContain(`${at("latin1.txt")}binary file, not a story (not valid UTF-8 at byte 3)`);
    expect(run.err).toMatch(new RegExp(`${at("not-a-feed.xml")}not XML`));
    expect(run.err).toContain(
      `${at("dates.ndjson", 2)}publishedAt: "11/03/2031" is ambiguous: 11 March or November 3? Write it as YYYY-MM-DD`,
    );
    expect(run.err).toContain(`${at("dates.ndjson", 4)}publishedAt: cannot parse "yesterday morning"`);
    expect(run.out.trim()).toBe("imported=3 updated=0 skipped=0 invalid=6");
    const listed = json(await stack.digest(["stories", "list", "--date", DAY, "--json"]));
    expect(listed.map((s: { publishedAt: string }) => s.publishedAt).sort()).toEqual([
      "2031-03-14T00:00:00.000Z",
      "2031-03-14T07:00:00.000Z",
      "2031-03-14T07:00:00.000Z",
    ]);
  });

  it("updates an edited story in place under the same id, keeping the edition it went out in", async () => {
    stack = await startTestStack();
    await stack.digest(["subscribers", "add", "ana@example.com"]);
    const file = join(stack.dir, "page.html");
    const page = (lede: string) =>
      `<html><head><title>Ferry back on time | Quay News</title><link rel="canonical" href="https://quay.example/ferry"></head>
<body><article><h1>Ferry back on time</h1><p>${lede}</p><p>The operator thanked passengers for their patience.</p></article></body></html>`;
    await writeFile(file, page("The island ferry ran on time all week for the first time since May."));
    const first = await stack.digest(["stories", "import", file, "--published-at", `${DAY}T08:00:00Z`]);
    expect(first.out.trim()).toBe("imported=1 updated=0 skipped=0 invalid=0");
    const sent = await stack.digest(["send", "--date", DAY]);
    expect(sent.out).toMatch(/stories=1 recipients=1 sent=1 /);
    const [before] = json(await stack.digest(["stories", "list", "--date", DAY, "--json"]));
    expect(before.editionId).toMatch(new RegExp(`^${DAY}`));

    await writeFile(file, page("The island ferry ran on time all week, the first such week since May."));
    const again = await stack.digest(["stories", "import", file, "--published-at", `${DAY}T08:00:00Z`]);
    expect(again.out.trim()).toBe("imported=0 updated=1 skipped=0 invalid=0");
    const after = json(await stack.digest(["stories", "list", "--date", DAY, "--json"]));
    expect(after).toHaveLength(1);
    expect(after[0]).toMatchObject({
      id: before.id,
      editionId: before.editionId,
      excerpt: "The island ferry ran on time all week, the first such week since May.",
    });
    // the same file again changes nothing
    expect(
      (await stack.digest(["stories", "import", file, "--published-at", `${DAY}T08:00:00Z`])).out.trim(),
    ).toBe("imported=0 updated=0 skipped=1 invalid=0");
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
    // The summary line, then what was kept from being active (gone's unsubscribe).
    expect(run.out.trim()).toBe("imported=2 updated=0 skipped=2 invalid=6\nkept: unsubscribed=1");
    for (const line of [3, 4, 5, 6, 7, 9, 11]) expect(run.err).toContain(`${csv}:${line}: `);
    expect(run.err).toContain(`${csv}:4: duplicate of line 2`);
    expect(run.err).toContain(`${csv}:6: unknown section Sport`);
    expect(run.err).toContain(`${csv}:9: skipped: gone@example.com is unsubscribed; not reactivated`);

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
    expect(again.out.trim()).toBe("imported=0 updated=0 skipped=4 invalid=6\nkept: unsubscribed=1");

    const exported = await stack.digest(["subscribers", "export"]);
    expect(exported.out.split("\n")[0]).toBe(
      "email,name,sections,timezone,locale,status,createdAt,confirmedAt",
    );
    expect(exported.out).toContain('dee@example.com,"Dee, D.",Culture,,,active,');
    await stack.digest(["subscribers", "add", "formula@example.com", "--name", "=HYPERLINK(1)"]);
    expect((await stack.digest(["subscribers", "export"])).out).toContain(
      `formula@example.com,"'=HYPERLINK(1)",`,
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

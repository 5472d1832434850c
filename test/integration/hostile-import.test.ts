import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { adminRequest, type Serve, startServe } from "../helpers/serve.js";
import { startTestStack, story, type TestStack, writeStories } from "../helpers/services.js";
import { type FeedServer, startFeedServer } from "./feeds-server.js";

/**
 * One bad item costs only itself, through every way stories arrive: `digest stories import` (the good
 * file after the bad one still imports), `POST /admin/stories` (per-item problems, never a 500) and
 * `digest feeds poll` (the feed's other items import; the feed does not fail on every poll).
 */

const DAY = "2031-03-14";
const deep = `${"<div>".repeat(50_000)}deep${"</div>".repeat(50_000)}`;

const item = (n: number, description: string, at: string) =>
  `<item><title>Feed item ${n}</title><link>https://feed.example/${at.slice(0, 10)}/${n}</link>` +
  `<pubDate>${at}</pubDate><description><![CDATA[${description}]]></description></item>`;
const hostileFeed = (good: number, at = `${DAY}T07:00:00Z`) =>
  `<?xml version="1.0"?>\n<rss version="2.0"><channel><title>Hostile Feed</title><link>https://feed.example/</link>` +
  `${item(1, deep, at)}${item(good, "<p>A perfectly good item with a sentence.</p>", at)}</channel></rss>`;

let stack: TestStack;
let serve: Serve;
let feeds: FeedServer;

beforeAll(async () => {
  [stack, feeds] = await Promise.all([
    // Feeds from the test's own 127.0.0.1 server (a private address, allowed here on purpose).
    startTestStack({}, { DIGEST_FEEDS_ALLOW_PRIVATE: "true" }),
    startFeedServer(),
  ]);
  serve = await startServe(stack);
}, 60_000);

afterAll(async () => {
  await serve?.stop();
  await Promise.all([stack?.close(), feeds?.close()]);
});

const titles = async (day = DAY) => {
  const run = await stack.digest(["stories", "list", "--date", day, "--json"]);
  return (JSON.parse(run.out) as { headline: string }[]).map((s) => s.headline).sort();
};

describe("a feed item of 50,000 nested tags", () => {
  it("digest stories import: that item is reported as file:item, the rest of the file and the next file import", async () => {
    const bad = join(stack.dir, "hostile.rss");
    await writeFile(bad, hostileFeed(2));
    const good = await writeStories(stack, "after.ndjson", [story(DAY, 7, { headline: "The file after" })]);
    const run = await stack.digest(["stories", "import", bad, good]);
    expect(run.err).toMatch(new RegExp(`^${bad}:1: html: markup nested more than \\d+ deep`, "m"));
    expect(run.out.trim()).toBe("imported=2 updated=0 skipped=0 invalid=1");
    expect(run.code).toBe(1);
    expect(await titles()).toEqual(expect.arrayContaining(["Feed item 2", "The file after"]));
  }, 60_000);

  it("POST /admin/stories: per-item problems (200 with the good ones stored, 400 when none is good), never 500", async () => {
    const mixed = await adminRequest(serve, "POST", "/admin/stories", {
      body: hostileFeed(3),
      type: "application/rss+xml",
    });
    expect(mixed.status).toBe(200);
    expect(mixed.json).toMatchObject({ imported: 1, invalid: 1 });
    expect(mixed.json.problems).toEqual([
      { line: 1, reason: expect.stringMatching(/^html: markup nested more than \d+ deep/) },
    ]);

    const onlyBad = await adminRequest(serve, "POST", "/admin/stories", {
      body: JSON.stringify([{ headline: "Deep", url: "https://e.example/deep", html: deep }]),
      type: "application/json",
    });
    expect(onlyBad.status).toBe(400);
    expect(onlyBad.json).toMatchObject({ invalid: 1, field: "html" });
    expect(serve.stderr()).not.toMatch(/RangeError|Maximum call stack/);
  }, 60_000);

  it("digest feeds poll: the poll succeeds, the item is reported, the good one imports", async () => {
    // A poll refuses items dated ahead of now: these are an hour old (days in UTC, the default zone).
    const at = new Date(Date.now() - 3_600_000).toISOString();
    feeds.routes.set("/hostile.xml", {
      kind: "document",
      body: hostileFeed(4, at),
      contentType: "application/rss+xml",
    });
    const url = `${feeds.url}/hostile.xml`;
    expect((await stack.digest(["feeds", "add", url])).code).toBe(0);
    const run = await stack.digest(["feeds", "poll"]);
    expect(run.out).toContain(`${url}: imported=1 updated=0 skipped=0 invalid=1`);
    expect(run.err).toMatch(new RegExp(`${url}:item 1: html: markup nested more than \\d+ deep`));
    expect(run.err).not.toContain(`${url}: error`);
    expect(await titles(at.slice(0, 10))).toContain("Feed item 4");
  }, 60_000);

  it("digest feeds poll: an item whose title passes the cap is imported cut, with a note naming the item", async () => {
    const at = new Date(Date.now() - 3_600_000).toISOString();
    const long = "T".repeat(1200);
    feeds.routes.set("/long-title.xml", {
      kind: "document",
      body:
        `<?xml version="1.0"?>\n<rss version="2.0"><channel><title>Long Titles</title><link>https://long.example/</link>` +
        `<item><title>${long}</title><link>https://long.example/1</link><pubDate>${at}</pubDate>` +
        "<description>A fine item.</description></item></channel></rss>",
      contentType: "application/rss+xml",
    });
    const url = `${feeds.url}/long-title.xml`;
    expect((await stack.digest(["feeds", "add", url])).code).toBe(0);
    const run = await stack.digest(["feeds", "poll", url]);
    expect(run.out).toContain(`${url}: imported=1 updated=0 skipped=0 invalid=0`);
    expect(run.err).toContain(`${url}:item 1: note: headline: 1,200 characters, cut to 300`);
  }, 60_000);
});

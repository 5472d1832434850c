import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DynamoStoryStore } from "../../functions/adapters/dynamo/story-store.js";
import type { StoryListItem } from "../../functions/core/stories/story-admin.js";
import { stackDocumentClient, startTestStack, type TestStack } from "../helpers/services.js";
import { type FeedServer, fixture, startFeedServer } from "./feeds-server.js";

/**
 * `digest feeds …` end to end: fixture feeds served over HTTP from 127.0.0.1, stories stored in
 * dynalite through the CLI, exactly as an operator would run it.
 */

let stack: TestStack;
let server: FeedServer;
const at = (path: string) => `${server.url}${path}`;

async function storiesOf(day: string): Promise<StoryListItem[]> {
  const run = await stack.digest(["stories", "list", "--date", day, "--json"]);
  expect(run.code).toBe(0);
  return JSON.parse(run.out) as StoryListItem[];
}

beforeAll(async () => {
  // The fixture server is on 127.0.0.1: allowed only with feedsAllowPrivate.
  [stack, server] = await Promise.all([
    startTestStack({}, { DIGEST_FEEDS_ALLOW_PRIVATE: "true" }),
    startFeedServer(),
  ]);
  const xml = "application/rss+xml; charset=utf-8";
  server.routes.set("/gazette.xml", {
    kind: "document",
    body: fixture("rss2.xml"),
    contentType: xml,
    etag: true,
  });
  server.routes.set("/roundup.xml", {
    kind: "document",
    body: fixture("second-feed.xml"),
    contentType: xml,
    lastModified: "Mon, 06 Oct 2025 08:00:00 GMT",
  });
  server.routes.set("/atom.xml", {
    kind: "document",
    body: fixture("atom.xml"),
    contentType: "application/atom+xml",
  });
  server.routes.set("/moor.rdf", {
    kind: "document",
    body: fixture("rdf.xml"),
    contentType: "application/rdf+xml",
  });
  server.routes.set("/feed.json", {
    kind: "document",
    body: fixture("jsonfeed.json"),
    contentType: "application/feed+json",
  });
  server.routes.set("/old-moor", { kind: "redirect", status: 301, location: "/moor.rdf" });
  server.routes.set("/broken.xml", { kind: "document", body: fixture("broken.xml"), contentType: xml });
  server.routes.set("/home", { kind: "document", body: fixture("page.html"), contentType: "text/html" });
  server.routes.set("/slow.xml", { kind: "hang" });
  server.routes.set("/huge.xml", { kind: "huge", bytes: 6_000_000 });
  server.routes.set("/gone.xml", { kind: "status", status: 410 });
});

afterAll(async () => {
  await server?.close();
  await stack?.close();
});

describe("digest feeds", () => {
  it("adds feeds by canonical URL (idempotent: adding again sets the section) and refuses non-http URLs", async () => {
    const added = await stack.digest([
      "feeds",
      "add",
      `${at("/gazette.xml")}?utm_source=x#top`,
      "--section",
      "Local",
    ]);
    expect(added).toMatchObject({ code: 0, out: `added ${at("/gazette.xml")} (section Local)\n` });
    const again = await stack.digest(["feeds", "add", at("/gazette.xml"), "--section", "Coast"]);
    expect(again.out).toBe(`updated ${at("/gazette.xml")} (section Coast)\n`);
    const keep = await stack.digest(["feeds", "add", at("/gazette.xml")]);
    expect(keep.out).toBe(`updated ${at("/gazette.xml")} (section Coast)\n`);

    for (const path of [
      "/atom.xml",
      "/old-moor",
      "/feed.json",
      "/broken.xml",
      "/home",
      "/slow.xml",
      "/huge.xml",
      "/gone.xml",
    ]) {
      expect((await stack.digest(["feeds", "add", at(path)])).code).toBe(0);
    }
    const bad = await stack.digest(["feeds", "add", "ftp://files.example/feed.xml"]);
    expect(bad.code).toBe(1);
    expect(bad.err).toContain('feed URL not an absolute http(s) URL: "ftp://files.example/feed.xml"');
    expect((await stack.digest(["feeds", "add"])).code).toBe(2);

    const listed = JSON.parse((await stack.digest(["feeds", "list", "--json"])).out) as {
      url: string;
      section: string | null;
    }[];
    expect(listed).toHaveLength(9);
    expect(listed.find((f) => f.url === at("/gazette.xml"))?.section).toBe("Coast");
    expect((await stack.digest(["feeds", "list"])).out).toContain("last poll: never polled");
  });

  it("polls every feed: good ones import, each broken one reports its own error, and the run exits 1", async () => {
    // 4 s, not 1: the 6 MB feed must be cut for its size, not for time, on a loaded 2-core machine too.
    const run = await stack.digest(["feeds", "poll", "--timeout", "4"]);
    expect(run.code).toBe(1);
    const out = run.out.split("\n");
    // gazette: 3 good items of 5.
    expect(out).toContain(`${at("/gazette.xml")}: imported=3 updated=0 skipped=0 invalid=2`);
    expect(out).toContain(`${at("/atom.xml")}: imported=2 updated=0 skipped=0 invalid=1`);
    expect(out).toContain(`${at("/old-moor")}: imported=1 updated=0 skipped=0 invalid=1`);
    expect(out).toContain(`${at("/feed.json")}: imported=2 updated=0 skipped=0 invalid=0`);

    const err = run.err.split("\n");
    expect(err).toContain(`${at("/gazette.xml")}:item 3: no link`);
    expect(err).toContain(`${at("/gazette.xml")}:item 4: no date (pubDate or dc:date)`);
    expect(err).toContain(`${at("/atom.xml")}:item 3: no link`);
    expect(err).toContain(`${at("/old-moor")}:item 2: no date (dc:date)`);
    expect(err).toContain(
      `${at("/broken.xml")}: error: not XML: <description> opened at line 10 is never closed (truncated document?)`,
    );
    expect(err).toContain(`${at("/home")}: error: not a feed: the document is HTML`);
    expect(err).toContain(`${at("/slow.xml")}: error: timed out after 4 s`);
    expect(err).toContain(`${at("/huge.xml")}: error: response too large: more than 5 MB`);
    expect(err).toContain(`${at("/gone.xml")}: error: HTTP 410 Gone`);
    const totals = out.at(-2);
    expect(totals).toBe("imported=8 updated=0 skipped=0 invalid=4 feeds_failed=5");

    // The product's User-Agent and a feed-friendly Accept header went with every request.
    for (const r of server.requests) {
      expect(r.headers["user-agent"]).toMatch(/^NewsletterDigest\//);
      expect(r.headers.accept).toContain("application/rss+xml");
    }
  });

  it("stores the same story from two feeds once, under its canonical URL, with the feed's section and title", async () => {
    // A second feed links the gazette's ferry story with other utm_ parameters and a fragment.
    expect((await stack.digest(["feeds", "add", at("/roundup.xml")])).code).toBe(0);
    const roundup = await stack.digest(["feeds", "poll", at("/roundup.xml")]);
    expect(roundup.out).toBe(
      `${at("/roundup.xml")}: imported=1 updated=0 skipped=1 invalid=0\nimported=1 updated=0 skipped=1 invalid=0 feeds_failed=0\n`,
    );
    expect(roundup.code).toBe(0);
    const day = await storiesOf("2025-10-06");
    const ferry = day.filter((s) => s.headline === "Ferry timetable changes for the winter season");
    expect(ferry).toHaveLength(1);
    // The first feed to carry it keeps it: the roundup does not overwrite the gazette's copy.
    expect(ferry[0]).toMatchObject({
      url: "https://harbour-gazette.example/2025/10/ferry-winter-timetable",
      source: "The Harbour Gazette",
      section: "Coast",
      byline: "Morwenna Tregear",
    });
    // RFC 822 "+0100" → UTC.
    expect(ferry[0]?.publishedAt).toBe("2025-10-06T06:30:00.000Z");
    const moss = day.find((s) => s.headline.startsWith("Moss survey"));
    expect(moss).toMatchObject({
      source: "Fell & Dale Science Notes",
      section: "General",
      byline: "Ada Birkett, Tom Scarth",
      url: "https://fell-dale.example/notes/moss-survey",
    });
    // The feed's HTML is stored only after the allow-list: no script, no event handlers.
    const db = stackDocumentClient(stack);
    const stored = await new DynamoStoryStore(db, "digest-stories").get(ferry[0]?.id as string);
    db.destroy();
    expect(stored?.html).toContain("<p>Operators said the change follows");
    expect(stored?.html).not.toMatch(/<script|not for readers/);
    const lifeboat = (await storiesOf("2025-10-05")).find((s) => s.headline.startsWith("Lifeboat crew"));
    // Relative link resolved against the feed's address; section from `feeds add --section`.
    expect(lifeboat).toMatchObject({
      url: at("/2025/10/lifeboat-gull-point"),
      section: "Coast",
      source: "The Harbour Gazette",
    });
    const oysters = (await storiesOf("2025-10-04")).find((s) => s.headline.startsWith("Oyster beds"));
    expect(oysters).toMatchObject({
      url: "https://estuary-weekly.example/2025/10/oyster-beds",
      excerpt: "Young oysters were found on all six restored beds.",
      source: "Estuary Weekly",
    });
  });

  it("records each feed's outcome: status, error, counts, time and consecutive failures", async () => {
    const feeds = JSON.parse((await stack.digest(["feeds", "list", "--json"])).out) as Record<
      string,
      unknown
    >[];
    const byUrl = (path: string) => feeds.find((f) => f.url === at(path));
    expect(byUrl("/gazette.xml")).toMatchObject({
      lastStatus: "ok",
      lastError: null,
      title: "The Harbour Gazette",
      consecutiveFailures: 0,
      lastCounts: { imported: 3, updated: 0, skipped: 0, invalid: 2 },
      etag: expect.stringMatching(/^"/),
    });
    expect(byUrl("/roundup.xml")).toMatchObject({ lastModified: "Mon, 06 Oct 2025 08:00:00 GMT" });
    expect(byUrl("/slow.xml")).toMatchObject({
      lastStatus: "error",
      lastError: "timed out after 4 s",
      consecutiveFailures: 1,
      etag: null,
    });
    expect(typeof byUrl("/slow.xml")?.lastPolledAt).toBe("string");
    const text = (await stack.digest(["feeds", "list"])).out;
    expect(text).toContain("error: HTTP 410 Gone");
  });

  it("sends the validators back: unchanged feeds answer 304 and nothing is imported; a changed item updates in place", async () => {
    // Only the good feeds from here on.
    for (const path of ["/broken.xml", "/home", "/slow.xml", "/huge.xml", "/gone.xml"]) {
      expect((await stack.digest(["feeds", "remove", at(path)])).out).toBe(`removed ${at(path)}\n`);
    }
    expect((await stack.digest(["feeds", "remove", at("/gone.xml")])).code).toBe(1);
    const before = (await storiesOf("2025-10-06")).find((s) => s.headline.startsWith("Ferry"));

    // The gazette edits the ferry story's headline; nothing else changes anywhere.
    const gazette = server.routes.get("/gazette.xml");
    if (gazette?.kind !== "document") throw new Error("route");
    gazette.body = gazette.body.replace(
      "Ferry timetable changes for the winter season",
      "Ferry timetable changes for the winter season, with a late sailing on Fridays",
    );
    server.requests.splice(0);
    const run = await stack.digest(["feeds", "poll", "--json"]);
    expect(run.code).toBe(1); // the gazette's two bad items are still reported
    const summary = JSON.parse(run.out) as {
      feeds: { url: string; status: string; counts: Record<string, number> }[];
      totals: Record<string, number>;
    };
    const status = Object.fromEntries(summary.feeds.map((f) => [f.url.slice(server.url.length), f.status]));
    expect(status).toEqual({
      "/atom.xml": "ok", // serves no validators: fetched again, every item skipped as unchanged
      "/feed.json": "ok",
      "/gazette.xml": "ok",
      "/old-moor": "ok",
      "/roundup.xml": "not-modified",
    });
    expect(summary.feeds.find((f) => f.url === at("/gazette.xml"))?.counts).toEqual({
      imported: 0,
      updated: 1,
      skipped: 2,
      invalid: 2,
    });
    expect(summary.feeds.find((f) => f.url === at("/atom.xml"))?.counts).toEqual({
      imported: 0,
      updated: 0,
      skipped: 2,
      invalid: 1,
    });
    expect(summary.totals).toMatchObject({ imported: 0, updated: 1, feedsFailed: 0 });

    const conditional = (path: string) => server.requests.find((r) => r.path === path)?.headers;
    expect(conditional("/gazette.xml")?.["if-none-match"]).toMatch(/^"/);
    expect(conditional("/roundup.xml")?.["if-modified-since"]).toBe("Mon, 06 Oct 2025 08:00:00 GMT");

    const after = (await storiesOf("2025-10-06")).filter((s) => s.headline.startsWith("Ferry"));
    expect(after).toHaveLength(1);
    expect(after[0]?.id).toBe(before?.id);
    expect(after[0]?.headline).toBe(
      "Ferry timetable changes for the winter season, with a late sailing on Fridays",
    );

    // And once more: the gazette has not changed since, so it too answers 304.
    const third = await stack.digest(["feeds", "poll", at("/gazette.xml"), at("/roundup.xml")]);
    expect(third.out).toBe(
      `${at("/gazette.xml")}: not modified\n${at("/roundup.xml")}: not modified\nimported=0 updated=0 skipped=0 invalid=0 feeds_failed=0\n`,
    );
    expect(third.code).toBe(0);
  });
});

describe("digest feeds poll: items with odd dates", () => {
  it("reports an item dated in the future (beyond a day) and imports the rest", async () => {
    server.routes.set("/future.json", {
      kind: "document",
      contentType: "application/feed+json",
      body: JSON.stringify({
        version: "https://jsonfeed.org/version/1.1",
        title: "Clockwork Courier",
        items: [
          {
            id: "1",
            url: "https://clockwork.example/a",
            title: "From the year 2099",
            date_published: "2099-01-01T00:00:00Z",
          },
          {
            id: "2",
            url: "https://clockwork.example/b",
            title: "A date as feeds write it",
            date_published: "Wed, 01 Oct 2025 09:15:00 +0200",
          },
          {
            id: "3",
            url: "https://clockwork.example/c",
            title: "Not a date",
            date_published: "sometime soon",
          },
        ],
      }),
    });
    expect((await stack.digest(["feeds", "add", at("/future.json")])).code).toBe(0);
    const run = await stack.digest(["feeds", "poll", at("/future.json")]);
    expect(run.code).toBe(1);
    expect(run.out).toContain(`${at("/future.json")}: imported=1 updated=0 skipped=0 invalid=2`);
    expect(run.err).toMatch(new RegExp(`${at("/future.json")}:item 1: publishedAt: .*in the future`));
    expect(run.err).toContain(`${at("/future.json")}:item 3: publishedAt: cannot parse "sometime soon"`);
    const day = await storiesOf("2025-10-01");
    expect(day.find((s) => s.url === "https://clockwork.example/b")?.publishedAt).toBe(
      "2025-10-01T07:15:00.000Z",
    );
  });
});

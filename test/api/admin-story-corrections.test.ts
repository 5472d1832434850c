import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DynamoStoryStore } from "../../functions/adapters/dynamo/story-store.js";
import { adminRequest, type Serve, serveForSuite } from "../helpers/serve.js";
import { stackDocumentClient, story, type TestStack } from "../helpers/services.js";
import { type FeedServer, startFeedServer } from "../integration/feeds-server.js";

/**
 * `PATCH /admin/stories/{id}` with `headline` and `excerpt`: an editor's correction, cleaned and
 * capped as imported text is, kept over later re-imports and feed polls of the same story, refused
 * once the story is in an edition, audited with before and after.
 */

// biome-ignore lint/suspicious/noExplicitAny: answers are checked field by field
type Json = any;

// A past day: a feed refuses items dated ahead, and the hosted copy waits for a story's time.
const DAY = "2025-10-07";

const rss = (title: string, description: string) => `<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0"><channel><title>Quay Post</title><link>https://quay.example/</link>
<item><title>${title}</title><link>https://quay.example/${DAY}/harbour-wall</link>
<pubDate>${DAY}T08:00:00Z</pubDate><description>${description}</description></item>
</channel></rss>`;

describe("story corrections", () => {
  let stack: TestStack;
  let serve: Serve;
  let feeds: FeedServer;
  serveForSuite({ DIGEST_FEEDS_ALLOW_PRIVATE: "true" }, (started) => {
    ({ stack, serve } = started);
  });
  beforeAll(async () => {
    feeds = await startFeedServer();
  });
  afterAll(() => feeds?.close());

  const api = async (method: string, path: string, opts: Parameters<typeof adminRequest>[3] = {}) => {
    const { status, json } = await adminRequest(serve, method, path, opts);
    return { status, json: json as Json };
  };
  const importStories = async (...records: unknown[]) => {
    const res = await api("POST", "/admin/stories", {
      body: records.map((r) => JSON.stringify(r)).join("\n"),
      type: "application/x-ndjson",
    });
    expect(res.status).toBe(200);
    return res.json as { imported: number; updated: number; skipped: number; ids: string[] };
  };
  const listed = async (id: string) =>
    ((await api("GET", `/admin/stories?date=${DAY}`)).json.items as Json[]).find((s) => s.id === id);

  it("corrects a headline and an excerpt, cleaned like imported text; a re-import keeps the correction", async () => {
    const [id] = (await importStories(story(DAY, 1))).ids as [string];
    const before = await listed(id);
    const res = await api("PATCH", `/admin/stories/${id}`, {
      json: {
        headline: "  Story <b>one</b> &amp; its   fix ",
        excerpt: "<p>A <i>corrected</i> excerpt.</p>",
      },
    });
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({ id, headline: "Story one & its fix", excerpt: "A corrected excerpt." });
    expect(res.json.correction).toMatchObject({
      headline: "Story one & its fix",
      excerpt: "A corrected excerpt.",
      imported: { headline: before.headline, excerpt: before.excerpt },
    });
    expect(await listed(id)).toMatchObject({
      headline: "Story one & its fix",
      excerpt: "A corrected excerpt.",
    });

    // The source changes its own headline and body: the story is updated, the editor's words stay.
    const again = await importStories(
      story(DAY, 1, {
        headline: "Story number 1, updated by its source",
        body: "A new first sentence. More.",
      }),
    );
    expect(again).toMatchObject({ updated: 1, ids: [id] });
    expect(await listed(id)).toMatchObject({
      headline: "Story one & its fix",
      excerpt: "A corrected excerpt.",
      correction: {
        imported: {
          headline: "Story number 1, updated by its source",
          excerpt: "A new first sentence. More.",
        },
      },
    });
    // The hosted copy shows the correction too.
    const page = await fetch(`${serve.url}/stories/${id}`);
    expect(await page.text()).toContain("Story one &amp; its fix");

    // null takes a correction back: the imported text returns.
    const back = await api("PATCH", `/admin/stories/${id}`, { json: { excerpt: null } });
    expect(back.json).toMatchObject({
      headline: "Story one & its fix",
      excerpt: "A new first sentence. More.",
    });
    const both = await api("PATCH", `/admin/stories/${id}`, { json: { headline: null } });
    expect(both.json.headline).toBe("Story number 1, updated by its source");
    expect(both.json.correction).toBeUndefined();
  });

  it("a feed's next poll does not overwrite the correction either", async () => {
    feeds.routes.set("/quay.xml", {
      kind: "document",
      body: rss("Harbour wall repairs begin", "Work starts on Monday."),
      contentType: "application/rss+xml",
    });
    const added = await api("POST", "/admin/feeds", { json: { url: `${feeds.url}/quay.xml` } });
    const feedId = added.json.feed.id as string;
    expect((await api("POST", `/admin/feeds/${feedId}/poll`)).json).toMatchObject({ imported: 1 });
    const items = (await api("GET", `/admin/stories?date=${DAY}`)).json.items as Json[];
    const wall = items.find((s) => s.url === `https://quay.example/${DAY}/harbour-wall`);
    const fixed = await api("PATCH", `/admin/stories/${wall.id}`, {
      json: { headline: "Harbour wall repairs begin on Monday" },
    });
    expect(fixed.status).toBe(200);
    feeds.routes.set("/quay.xml", {
      kind: "document",
      body: rss("Harbour wall repairs to begin", "Work starts on Monday, the council says."),
      contentType: "application/rss+xml",
    });
    expect((await api("POST", `/admin/feeds/${feedId}/poll`)).json).toMatchObject({ updated: 1 });
    expect(await listed(wall.id)).toMatchObject({
      headline: "Harbour wall repairs begin on Monday",
      excerpt: "Work starts on Monday, the council says.",
      correction: { imported: { headline: "Harbour wall repairs to begin" } },
    });
  });

  it("caps a long headline as an import does (with a notice); refuses an empty one and other fields", async () => {
    const [id] = (await importStories(story(DAY, 2))).ids as [string];
    const long = await api("PATCH", `/admin/stories/${id}`, {
      json: { headline: `${"word ".repeat(100)}end` },
    });
    expect(long.status).toBe(200);
    expect(long.json.headline.length).toBeLessThanOrEqual(300);
    expect(long.json.headline.endsWith("…")).toBe(true);
    expect(long.json.notices).toEqual(["headline: 503 characters, cut to 300"]);
    const empty = await api("PATCH", `/admin/stories/${id}`, { json: { headline: " <b></b> " } });
    expect(empty).toEqual({ status: 400, json: { error: "headline: required", field: "headline" } });
    const typed = await api("PATCH", `/admin/stories/${id}`, { json: { excerpt: 3 } });
    expect(typed).toEqual({
      status: 400,
      json: { error: "excerpt must be a string or null", field: "excerpt" },
    });
    expect((await api("PATCH", `/admin/stories/${id}`, { json: { body: "x" } })).status).toBe(400);
    expect(
      (await api("PATCH", "/admin/stories/000000000000000000000000", { json: { headline: "x" } })).status,
    ).toBe(404);
  });

  it("audits before and after; a viewer is refused; a story in an edition is not changed (409)", async () => {
    const [id] = (await importStories(story(DAY, 3))).ids as [string];
    expect(
      (await api("PATCH", `/admin/stories/${id}`, { json: { headline: "Story three, corrected" } })).status,
    ).toBe(200);
    const [entry] = (await api("GET", `/admin/audit?target=${id}`)).json.items as Json[];
    expect(entry).toMatchObject({ action: "story.correct", target: id });
    expect(entry.summary).toBe('headline: "Story number 3 of the day" → "Story three, corrected" → 200');

    await api("POST", "/admin/team", { json: { email: "vi@example.com", role: "viewer" } });
    const token = (await api("POST", "/admin/team/vi%40example.com/tokens", { json: {} })).json.token;
    const refused = await api("PATCH", `/admin/stories/${id}`, {
      auth: `Bearer ${token}`,
      json: { headline: "No" },
    });
    expect(refused).toEqual({
      status: 403,
      json: { error: "this needs the editor role; you are a viewer", need: "editor" },
    });

    const db = stackDocumentClient(stack);
    try {
      await new DynamoStoryStore(db, "digest-stories").markInEdition([id], DAY);
    } finally {
      db.destroy();
    }
    const frozen = await api("PATCH", `/admin/stories/${id}`, { json: { headline: "Too late" } });
    expect(frozen.status).toBe(409);
    expect(frozen.json).toMatchObject({ editionId: DAY });
    expect((await listed(id)).headline).toBe("Story three, corrected");
  });
});

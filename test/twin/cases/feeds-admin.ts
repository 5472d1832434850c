import { describe, expect, it } from "vitest";
import { startFeedServer } from "../../integration/feeds-server.js";
import { ADMIN } from "../twin.js";
import { twin } from "./context.js";

/**
 * The console's feed and story-correction routes deployed (issue 17): answered by the story-import
 * function (it carries the feed and HTML parsers the api function must not), with its grants only.
 * A feed served on 127.0.0.1 (the twin's stack allows private feed addresses) is added, polled now,
 * its story corrected, polled again with the source's own change, and removed.
 */

/** A past day at noon UTC: the same calendar day in any edition zone, never refused as future. */
const DAY = "2025-10-06";
const STORY_URL = `https://quay.example/${DAY}/harbour-wall`;

const rss = (title: string, description: string) => `<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0"><channel><title>Quay Post</title><link>https://quay.example/</link>
<item><title>${title}</title><link>${STORY_URL}</link><pubDate>Mon, 06 Oct 2025 12:00:00 GMT</pubDate>
<description>${description}</description></item>
</channel></rss>`;

interface FeedItem {
  id: string;
  url: string;
  lastStatus: string | null;
}

interface StoryItem {
  id: string;
  url: string | null;
  headline: string;
  excerpt: string;
  correction?: { imported: { headline: string } };
}

export function feedsAndCorrections(): void {
  describe("feeds and story corrections through the deployed routes", () => {
    it("adds a feed, polls it now (its stories imported), corrects a headline, and a later poll keeps the correction", async () => {
      const feeds = await startFeedServer();
      try {
        feeds.routes.set("/quay.xml", {
          kind: "document",
          body: rss("Harbour wall repairs begin", "Work starts on Monday."),
          contentType: "application/rss+xml",
          etag: true,
        });
        const url = `${feeds.url}/quay.xml`;
        // The bearer door exists for the console (the function itself refuses a caller without a token).
        expect(await twin.api({ method: "GET", path: "/admin/feeds" })).toMatchObject({
          statusCode: 401,
          invoked: true,
          routeKey: "GET /admin/feeds",
        });
        // A cloud metadata address is refused before it is stored, whatever the stack allows.
        const metadata = await twin.api({
          method: "POST",
          path: "/iam/admin/feeds",
          signedBy: ADMIN,
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ url: "http://169.254.169.254/latest/meta-data/" }),
        });
        expect(metadata.statusCode).toBe(400);
        expect(JSON.parse(metadata.body)).toMatchObject({ field: "url" });

        const added = await twin.admin<{ added: boolean; feed: FeedItem }>("POST", "/admin/feeds", { url });
        expect(added).toMatchObject({ added: true, feed: { url, lastStatus: null } });
        const { id } = added.feed;
        const polled = await twin.api({
          method: "POST",
          path: `/iam/admin/feeds/${id}/poll`,
          signedBy: ADMIN,
        });
        expect(polled).toMatchObject({ statusCode: 200, routeKey: "POST /iam/admin/feeds/{id}/poll" });
        expect(JSON.parse(polled.body)).toMatchObject({ id, url, status: "ok", imported: 1, error: null });
        const listed = await twin.admin<{ items: FeedItem[] }>("GET", "/admin/feeds");
        expect(listed.items.find((f) => f.id === id)).toMatchObject({ lastStatus: "ok" });

        const stories = await twin.admin<{ items: StoryItem[] }>("GET", `/admin/stories?date=${DAY}`);
        const wall =
          stories.items.find((s) => s.url === STORY_URL) ?? expect.fail("the feed's story is not listed");
        expect(wall.headline).toBe("Harbour wall repairs begin");
        const corrected = await twin.admin<StoryItem>("PATCH", `/admin/stories/${wall.id}`, {
          headline: "Harbour wall <b>repairs</b> begin on Monday",
        });
        expect(corrected).toMatchObject({ headline: "Harbour wall repairs begin on Monday" });

        // The source changes its item: the poll updates the story, the editor's headline stays.
        feeds.routes.set("/quay.xml", {
          kind: "document",
          body: rss("Harbour wall repairs to begin", "Work starts on Monday, the council says."),
          contentType: "application/rss+xml",
          etag: true,
        });
        const again = await twin.admin<{ updated: number }>("POST", `/admin/feeds/${id}/poll`);
        expect(again).toMatchObject({ updated: 1 });
        const after = await twin.admin<{ items: StoryItem[] }>("GET", `/admin/stories?date=${DAY}`);
        expect(after.items.find((s) => s.id === wall.id)).toMatchObject({
          headline: "Harbour wall repairs begin on Monday",
          excerpt: "Work starts on Monday, the council says.",
          correction: { imported: { headline: "Harbour wall repairs to begin" } },
        });

        expect(await twin.admin("DELETE", `/admin/feeds/${id}`)).toEqual({ removed: true, id });
        const audit = await twin.admin<{ items: { action: string }[] }>("GET", "/admin/audit?limit=5");
        expect(audit.items.map((e) => e.action).slice(0, 5)).toEqual([
          "feed.remove",
          "feed.poll",
          "story.correct",
          "feed.poll",
          "feed.add",
        ]);
      } finally {
        await feeds.close();
      }
    });
  });
}

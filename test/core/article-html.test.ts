import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import type { StoryDraft } from "../../functions/core/kernel/types.js";
import { parseArticleHtml } from "../../functions/core/stories/article-html.js";

const fixture = (name: string): string =>
  readFileSync(new URL(`../fixtures/html/${name}`, import.meta.url), "utf8");

function draftOf(html: string): StoryDraft {
  const r = parseArticleHtml(html);
  if ("error" in r) throw new Error(`unexpected error: ${r.error}`);
  return r.draft;
}

const paragraphs = (d: StoryDraft) => (d.body ?? "").split("\n\n");

describe("parseArticleHtml on invented sites", () => {
  it("prefers JSON-LD (in an @graph, authors by @id) over meta tags and honours rel=canonical", () => {
    const d = draftOf(fixture("harbour-chronicle-jsonld.html"));
    expect(d).toMatchObject({
      headline: "Wexmoor votes to keep its lifeboat station open", // JSON-LD, not og:title
      publishedAt: "2026-11-27T07:30:00+00:00", // JSON-LD, not article:published_time
      byline: "Inês Carvalho and Tom O’Neill", // resolved @id references, references decoded
      source: "The Harbour Chronicle", // publisher, not og:site_name
      section: "Coast", // first articleSection
      // the relative canonical link resolved against the page's URL (tracking removed later)
      url: "https://www.harbourchronicle.example/news/2026/11/27/wexmoor-lifeboat-station?utm_source=rss&utm_medium=feed",
    });
    const ps = paragraphs(d);
    expect(ps[0]).toMatch(/^Wexmoor’s town council voted on Thursday night/);
    expect(ps).toContain("Why the crew fought the merger");
    expect(ps[ps.length - 1]).toMatch(/they accepted the decision\.$/);
    for (const chrome of [
      "Subscribe",
      "cookies",
      "Advertisement",
      "Sign up",
      "Get the Chronicle",
      "Related stories",
      "Harbour wall vote",
      "Most read",
      "All rights reserved",
      "4 min read",
      "By Inês",
      "trackPageView",
    ]) {
      expect(d.body, chrome).not.toContain(chrome);
      expect(d.html, chrome).not.toContain(chrome);
    }
    // the headline is not repeated at the top of the content
    expect(d.html).not.toContain("<h1");
  });

  it("reads meta tags when there is no JSON-LD, and strips a 'By' from the author", () => {
    const d = draftOf(fixture("fenland-post-meta-only.html"));
    expect(d).toMatchObject({
      headline: "Fen skating returns after six-year wait",
      publishedAt: "Fri, 27 Nov 2026 06:15:00 +0000",
      byline: "Harriet Quayle",
      source: "Fenland Post",
      section: "Sport",
      url: "https://fenlandpost.example/sport/fen-skating-returns?utm_campaign=social&fbclid=XYZ#comments",
    });
    expect(paragraphs(d)).toEqual([
      "Skaters took to the flooded washes near Welney on Thursday for the first organised races in six winters, after a week of hard frost froze the water to a safe depth.",
      "Organisers measured the ice at eleven centimetres at dawn, comfortably above the eight they need, and opened the course at nine o’clock.",
      "“We had almost given up,” said race secretary Colin Ashby. “You wait six years, and then it comes in a week.”",
      "The championship races are planned for Saturday if the frost holds.",
    ]);
  });

  it("falls back to <title> without the site name, and to readability's byline", () => {
    const d = draftOf(fixture("quarry-times-title-only.html"));
    expect(d.headline).toBe("Quarry reopens as a climbing park & café");
    expect(d.byline).toBe("Dafydd Rees");
    expect(d.url).toBeUndefined();
    expect(d.source).toBeUndefined();
    expect(paragraphs(d)).toHaveLength(3);
    expect(d.body).not.toMatch(/Home|Share this/);
  });

  it("reports a page with no headline anywhere", () => {
    expect(parseArticleHtml(fixture("no-headline.html"))).toEqual({
      error: "no headline: no <h1>, og:title, JSON-LD headline or <title>",
    });
  });

  it("reports a page that has a headline but no article text", () => {
    expect(
      parseArticleHtml(
        "<html><head><title>Menu page</title></head><body><h1>Menu page</h1><ul><li><a href='/a'>A</a></li></ul><p>Sign in</p></body></html>",
      ),
    ).toEqual({ error: expect.stringMatching(/^no body: /) });
  });
});

describe("parseArticleHtml metadata details", () => {
  const page = (
    head: string,
    body = "<p>The body of the article has one long enough sentence in it for the test.</p>",
  ) => `<!doctype html><html><head>${head}</head><body><article>${body}</article></body></html>`;

  it("takes an author given as a string or a list of names, and skips invalid JSON-LD blocks", () => {
    const d = draftOf(
      page(`<script type="application/ld+json">{ broken json </script>
        <script type="application/ld+json">[{"@type":"WebPage","name":"Not the article"},
          {"@type":"BlogPosting","headline":"Blog post","author":["Ana Ortiz",{"@type":"Person","name":"Lee Chan"},"Ana Ortiz"],
           "publisher":"Quay Blog","articleSection":"Notes","url":"https://blog.example/p/1"}]</script>`),
    );
    expect(d).toMatchObject({
      headline: "Blog post",
      byline: "Ana Ortiz and Lee Chan",
      source: "Quay Blog",
      section: "Notes",
      url: "https://blog.example/p/1",
    });
  });

  it("ignores an article:author that is a profile URL", () => {
    const d = draftOf(
      page(
        `<meta property="og:title" content="T"><meta property="article:author" content="https://x.example/u/1">`,
      ),
    );
    expect(d.byline).toBeUndefined();
  });

  it("uses the first <h1> when there is no metadata title", () => {
    const d = draftOf(
      page(
        "",
        "<h1>Heading of the page</h1><p>The body of the article has one long enough sentence in it.</p>",
      ),
    );
    expect(d.headline).toBe("Heading of the page");
    expect(d.body).toBe("The body of the article has one long enough sentence in it.");
  });

  it("uses og:url when the canonical link is relative and nothing resolves it, canonical otherwise", () => {
    expect(draftOf(page(`<title>T</title><link rel="canonical" href="/a">`)).url).toBeUndefined();
    expect(
      draftOf(
        page(
          `<title>T</title><meta property="og:url" content="https://x.example/b"><link rel="canonical" href="https://x.example/a">`,
        ),
      ).url,
    ).toBe("https://x.example/a");
  });
});

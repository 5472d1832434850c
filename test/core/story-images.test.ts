/**
 * Issue 18 items 1 and 3 at import: a story's picture from og:image, JSON-LD `image`, a feed's
 * enclosure or media:content (https only, absolute, never a tracking pixel, alt from the source), and
 * headlines with markup-looking text made plain text.
 */
import { describe, expect, it } from "vitest";
import type { StoryDraft } from "../../functions/core/kernel/types.js";
import { parseArticleHtml } from "../../functions/core/stories/article-html.js";
import { parseFeedDocument } from "../../functions/core/stories/feed-parse.js";
import { finaliseStory } from "../../functions/core/stories/stories.js";

const BODY =
  "<p>The harbour town of Wexmoor ran entirely on tidal power for seven days, the first such trial in the region.</p><p>Engineers said the turbines delivered more than expected during spring tides, and the council wants more.</p>";

function page(head: string): string {
  return `<!doctype html><html><head><title>Tidal power trial lights up harbour town</title>${head}</head><body><article><h1>Tidal power trial lights up harbour town</h1>${BODY}</article></body></html>`;
}

const finalise = (draft: StoryDraft, url?: string) => {
  const r = finaliseStory(draft, {
    defaults: url ? { url } : {},
    timeZone: "UTC",
    now: new Date("2026-11-27T12:00:00Z"),
  });
  if ("error" in r) throw new Error(r.error);
  return r.story;
};

function storyOfPage(head: string, url = "https://herald.example/news/tidal") {
  const r = parseArticleHtml(page(head));
  if ("error" in r) throw new Error(r.error);
  return finalise(r.draft, url);
}

describe("a page's picture", () => {
  it("takes og:image made absolute against the page, with its alt text and size", () => {
    const story = storyOfPage(
      `<meta property="og:image" content="/img/turbines.jpg"><meta property="og:image:alt" content="Turbines at low tide"><meta property="og:image:width" content="1200"><meta property="og:image:height" content="675">`,
    );
    expect(story.image).toEqual({
      url: "https://herald.example/img/turbines.jpg",
      alt: "Turbines at low tide",
      width: 1200,
      height: 675,
    });
  });

  it("takes JSON-LD image (an ImageObject with its caption) before og:image", () => {
    const ld = {
      "@context": "https://schema.org",
      "@type": "NewsArticle",
      headline: "Tidal power trial lights up harbour town",
      image: {
        "@type": "ImageObject",
        url: "https://cdn.herald.example/t.jpg",
        width: 800,
        height: 450,
        caption: "The trial's turbines",
      },
    };
    const story = storyOfPage(
      `<script type="application/ld+json">${JSON.stringify(ld)}</script><meta property="og:image" content="https://herald.example/og.jpg">`,
    );
    expect(story.image).toEqual({
      url: "https://cdn.herald.example/t.jpg",
      alt: "The trial's turbines",
      width: 800,
      height: 450,
    });
  });

  it("reads a JSON-LD image given as a list of URLs, with no alt (the headline stands in at render)", () => {
    const ld = {
      "@type": "Article",
      headline: "H",
      image: ["https://cdn.herald.example/a.jpg", "https://cdn.herald.example/b.jpg"],
    };
    const story = storyOfPage(`<script type="application/ld+json">${JSON.stringify(ld)}</script>`);
    expect(story.image).toEqual({ url: "https://cdn.herald.example/a.jpg", alt: "" });
  });

  it("refuses an http picture", () => {
    expect(
      storyOfPage(`<meta property="og:image" content="http://herald.example/img/t.jpg">`).image,
    ).toBeUndefined();
  });

  it("refuses a 1×1 picture and a known tracker's", () => {
    expect(
      storyOfPage(
        `<meta property="og:image" content="https://herald.example/p.gif"><meta property="og:image:width" content="1"><meta property="og:image:height" content="1">`,
      ).image,
    ).toBeUndefined();
    expect(
      storyOfPage(`<meta property="og:image" content="https://pixel.wp.com/g.gif?blog=1">`).image,
    ).toBeUndefined();
    expect(
      storyOfPage(`<meta property="og:image" content="https://www.google-analytics.com/collect?v=1">`).image,
    ).toBeUndefined();
  });
});

describe("a feed's picture", () => {
  const rss = (item: string) => `<?xml version="1.0"?>
<rss version="2.0" xmlns:media="http://search.yahoo.com/mrss/"><channel><title>Herald</title><link>https://herald.example/</link>
<item><title>Tidal power trial</title><link>https://herald.example/news/tidal</link><pubDate>Fri, 27 Nov 2026 07:00:00 GMT</pubDate><description>The trial ran for a week.</description>${item}</item>
</channel></rss>`;
  const imageOf = (item: string) => {
    const parsed = parseFeedDocument(rss(item), "https://herald.example/feed/");
    if ("error" in parsed) throw new Error(parsed.error);
    const record = parsed.records[0];
    if (!record || !("draft" in record)) throw new Error("no draft");
    return finalise(record.draft).image;
  };

  it("takes an image enclosure", () => {
    expect(
      imageOf(`<enclosure url="https://herald.example/t.jpg" length="1234" type="image/jpeg"/>`),
    ).toEqual({
      url: "https://herald.example/t.jpg",
      alt: "",
    });
  });

  it("takes media:content with its size and description as alt, resolved against the feed", () => {
    expect(
      imageOf(
        `<media:content url="/img/t.jpg" medium="image" width="1024" height="576"><media:description>Turbines at dusk</media:description></media:content>`,
      ),
    ).toEqual({ url: "https://herald.example/img/t.jpg", alt: "Turbines at dusk", width: 1024, height: 576 });
  });

  it("ignores an audio enclosure and a feed's tracking pixel", () => {
    expect(
      imageOf(`<enclosure url="https://herald.example/pod.mp3" length="1" type="audio/mpeg"/>`),
    ).toBeUndefined();
    expect(
      imageOf(
        `<media:content url="https://feeds.feedburner.com/~r/herald/~4/abc" medium="image" width="1" height="1"/>`,
      ),
    ).toBeUndefined();
  });
});

describe("headlines with markup-looking text", () => {
  it("become the plain text the source meant: references decoded, tags stripped", () => {
    expect(finalise({ headline: "Tea &amp; toast: the <b>best</b> caf&eacute;s" }).headline).toBe(
      "Tea & toast: the best cafés",
    );
    expect(finalise({ headline: "The &lt;b&gt;best&lt;/b&gt; of 2026" }).headline).toBe("The best of 2026");
  });

  it("keep a less-than that is no tag", () => {
    expect(finalise({ headline: "Rates < 2% for a third month" }).headline).toBe(
      "Rates < 2% for a third month",
    );
  });
});

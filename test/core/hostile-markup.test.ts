import { describe, expect, it } from "vitest";
import type { ParsedRecord } from "../../functions/core/kernel/types.js";
import { parseFeedDocument } from "../../functions/core/stories/feed-parse.js";
import { htmlToText } from "../../functions/core/stories/html-text.js";
import {
  MARKUP_LIMITS,
  MarkupLimitError,
  markupWork,
  resetMarkupWork,
} from "../../functions/core/stories/markup-limits.js";
import { sanitiseStoryHtml } from "../../functions/core/stories/sanitise-html.js";
import { finaliseStory } from "../../functions/core/stories/stories.js";
import { parseStoryFile } from "../../functions/core/stories/story-files.js";

/**
 * Deep or hostile markup costs only the item that carries it: a nesting too deep for a recursive walk,
 * or markup whose processing would grow faster than its size, is refused for that item (its reason
 * reported) while the other items of the same feed or file are read as usual, in bounded work.
 */

const NOW = new Date("2031-03-14T12:00:00Z");
const finalise = (draft: Parameters<typeof finaliseStory>[0]) =>
  finaliseStory(draft, { defaults: {}, timeZone: "UTC", now: NOW });

const nested = (depth: number, tag = "div", inner = "deep text") =>
  `<${tag}>`.repeat(depth) + inner + `</${tag}>`.repeat(depth);

const rssItem = (n: number, description: string) =>
  `<item><title>Item ${n}</title><link>https://feed.example/${n}</link>` +
  `<pubDate>Fri, 14 Mar 2031 07:00:00 +0000</pubDate><description><![CDATA[${description}]]></description></item>`;
const rss = (items: string[]) =>
  `<?xml version="1.0"?>\n<rss version="2.0"><channel><title>Feed</title><link>https://feed.example/</link>${items.join("\n")}</channel></rss>`;

const summary = (records: ParsedRecord[]) =>
  records.map((r) =>
    "error" in r ? { line: r.line, error: r.error } : { line: r.line, ok: r.draft.headline },
  );

describe("50,000 nested tags", () => {
  const deep = nested(50_000);

  it("in a feed item: that item is reported, the other items are read", () => {
    const result = parseFeedDocument(
      rss([rssItem(1, "<p>A good first item.</p>"), rssItem(2, deep), rssItem(3, "Plain.")]),
    );
    if ("error" in result) throw new Error(result.error);
    const [first, second, third] = summary(result.records);
    expect(first).toEqual({ line: 1, ok: "Item 1" });
    expect(second).toMatchObject({ line: 2 });
    expect((second as { error: string }).error).toMatch(/^html: markup nested more than \d+ deep/);
    expect(third).toEqual({ line: 3, ok: "Item 3" });
  });

  it("as a story's html or body: the story is refused with a reason naming the field", () => {
    const fromHtml = finalise({ headline: "Deep", url: "https://e.example/a", html: deep });
    expect(fromHtml).toEqual({ error: expect.stringMatching(/^html: markup nested more than \d+ deep/) });
    const fromBody = finalise({ headline: "Deep", url: "https://e.example/b", body: deep });
    expect(fromBody).toEqual({ error: expect.stringMatching(/^body: markup nested more than \d+ deep/) });
  });

  it("as an HTML page: the file is one error, not a crash", () => {
    const page = `<html><head><title>A page</title></head><body><h1>A page</h1>${nested(20_000)}</body></html>`;
    const records = parseStoryFile("page.html", page);
    expect(records).toEqual([{ line: 1, error: expect.stringMatching(/markup nested more than \d+ deep/) }]);
  });

  it("JSON-LD nesting @graph 100,000 deep in a page: read to a sane depth, the page imports", () => {
    const graph = `${'{"@graph":['.repeat(100_000)}{}${"]}".repeat(100_000)}`;
    const body = "<p>The council voted on Tuesday to approve the new bridge over the river.</p>".repeat(3);
    const page =
      `<html><head><title>Bridge approved</title><script type="application/ld+json">${graph}</script></head>` +
      `<body><article><h1>Bridge approved</h1>${body}</article></body></html>`;
    expect(summary(parseStoryFile("page.html", page))).toEqual([{ line: 1, ok: "Bridge approved" }]);
  });

  it("nested JSON in a .json file: each element is still judged on its own", () => {
    const deepJson = "[".repeat(50_000) + "]".repeat(50_000);
    const text = `[\n{"headline":"Deep","body":${deepJson}},\n{"headline":"Good","url":"https://e.example/g"}\n]`;
    expect(summary(parseStoryFile("day.json", text))).toEqual([
      { line: 2, error: "body: expected a string" },
      { line: 3, ok: "Good" },
    ]);
    const unclosed = `[{"headline":"Deep","body":${"[".repeat(50_000)}}]`;
    expect(parseStoryFile("bad.json", unclosed)).toEqual([
      { line: 1, error: expect.stringMatching(/^invalid JSON at line 1, column \d+/) },
    ]);
  });

  it("htmlToText walks without recursion: depth within the limits is read whole", () => {
    expect(htmlToText(nested(MARKUP_LIMITS.fragment.maxDepth - 2, "span", "still read"))).toBe("still read");
  });
});

describe("work bounded by the size of the input", () => {
  it("a 1 MB feed of nested anchors: items within the limits are read, the hostile one is refused, work linear in bytes", () => {
    // Unclosed anchors nest in the DOM (the parser does not close them): 200 deep in each of 60 items,
    // within the limits, and one item of ~450 KB nesting 12,000 deep.
    const anchors = (n: number) => '<a href="https://feed.example/x">word '.repeat(n);
    const items = Array.from({ length: 60 }, (_, i) => rssItem(i + 1, `<p>${anchors(200)} and more.</p>`));
    items.push(rssItem(61, anchors(12_000)));
    const feed = rss(items);
    expect(feed.length).toBeGreaterThan(900_000);
    resetMarkupWork();
    const result = parseFeedDocument(feed);
    if ("error" in result) throw new Error(result.error);
    const finalised = result.records.map((r) => ("draft" in r ? finalise(r.draft) : r));
    const refused = finalised.flatMap((r, i) => ("error" in r ? [{ item: i + 1, error: r.error }] : []));
    expect(refused).toEqual([
      { item: 61, error: expect.stringMatching(/^html: markup nested more than \d+ deep/) },
    ]);
    // Every character of markup passes the size and nesting check a bounded number of times before any
    // parser sees it (the hostile item once, refused there), and the walks over the DOM visit each
    // element of the accepted items a bounded number of times: reading each nested link's whole text
    // (as before) would be ~200 visits per element here.
    expect(markupWork.charsChecked).toBeLessThanOrEqual(3 * feed.length);
    const acceptedElements = 60 * 201;
    expect(markupWork.nodesWalked).toBeLessThanOrEqual(30 * acceptedElements);
  });

  it("100,000 links without an address: refused by count before any parser runs", () => {
    resetMarkupWork();
    const html = `<p>${"<a>x</a> ".repeat(100_000)}</p>`;
    expect(html.length).toBeLessThan(MARKUP_LIMITS.fragment.maxChars);
    expect(() => sanitiseStoryHtml(html)).toThrow(MarkupLimitError);
    expect(() => sanitiseStoryHtml(html)).toThrow(/^more than [\d,]+ elements/);
    expect(markupWork.charsChecked).toBeLessThanOrEqual(2 * html.length);
  });

  it("links without an address within the limits are unwrapped, their text kept", () => {
    const out = sanitiseStoryHtml(`<p>${"<a>word</a> ".repeat(5_000)}end.</p>`);
    expect(out).not.toContain("<a");
    expect(out.startsWith("<p>word word ")).toBe(true);
    expect(out.endsWith(" end.</p>")).toBe(true);
  });

  it("deeply nested empty elements are removed in one pass", () => {
    const html = `<p>Kept.</p>${"<b>".repeat(150)}${"</b>".repeat(150)}`;
    expect(sanitiseStoryHtml(html)).toBe("<p>Kept.</p>");
  });

  it("too many elements: refused by count, before any parser runs", () => {
    const many = "<span>w</span>".repeat(MARKUP_LIMITS.fragment.maxElements + 1);
    expect(finalise({ headline: "Many", url: "https://e.example/m", html: many })).toEqual({
      error: expect.stringMatching(/^html: more than [\d,]+ elements/),
    });
  });
});

import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import type { ParsedRecord, StoryDraft } from "../../functions/core/kernel/types.js";
import { parseFeedDocument } from "../../functions/core/stories/feed-parse.js";
import { finaliseStory } from "../../functions/core/stories/stories.js";
import { xmlTagProblem } from "../../functions/core/stories/xml-tags.js";

const fixture = (name: string) => readFileSync(new URL(`../fixtures/feeds/${name}`, import.meta.url), "utf8");

function parsed(name: string, feedUrl?: string) {
  const result = parseFeedDocument(fixture(name), feedUrl);
  if ("error" in result) throw new Error(`${name}: ${result.error}`);
  return result;
}

const drafts = (records: ParsedRecord[]) =>
  records.flatMap((r) => ("draft" in r ? [{ line: r.line, ...r.draft }] : []));
const errors = (records: ParsedRecord[]) =>
  records.flatMap((r) => ("error" in r ? [{ line: r.line, error: r.error }] : []));

const finalise = (draft: StoryDraft) =>
  finaliseStory(draft, { defaults: {}, timeZone: "Europe/London", now: new Date("2025-10-07T12:00:00Z") });

describe("parseFeedDocument: RSS 2.0", () => {
  const feed = parsed("rss2.xml", "https://harbour-gazette.example/feed/");

  it("takes the feed title as source and maps title, link, pubDate, dc:creator, content:encoded", () => {
    expect(feed.title).toBe("The Harbour Gazette");
    const [first] = drafts(feed.records);
    expect(first).toMatchObject({
      line: 1,
      headline: "Ferry timetable changes for the winter season",
      url: "https://harbour-gazette.example/2025/10/ferry-winter-timetable?utm_source=rss&utm_medium=feed",
      publishedAt: "Mon, 06 Oct 2025 07:30:00 +0100",
      byline: "Morwenna Tregear",
      source: "The Harbour Gazette",
    });
    // The HTML is handed on untouched (the import sanitises it); the body is its text without the
    // script and the "Continue reading" link; the excerpt is the description without "The post … appeared first on".
    expect(first?.html).toContain("<script>");
    expect(first?.body).toBe(
      "The island ferry moves to its winter timetable on Monday, with two sailings fewer each day.\n\n" +
        "Operators said the change follows a fall in passenger numbers after the summer & the end of the school holidays.",
    );
    expect(first?.excerpt).toBe(
      "The island ferry moves to its winter timetable on Monday, with two sailings fewer each day.",
    );
  });

  it("resolves relative links against the feed URL, uses a permalink guid, and an author's name", () => {
    const all = drafts(feed.records);
    expect(all.find((d) => d.line === 2)?.url).toBe(
      "https://harbour-gazette.example/2025/10/lifeboat-gull-point",
    );
    const quay = all.find((d) => d.line === 5);
    expect(quay?.url).toBe("https://harbour-gazette.example/2025/10/quay-street-works");
    expect(quay?.byline).toBe("News Desk");
    expect(quay?.headline).toBe("Quay Street works – what drivers need to know");
  });

  it("read from a file (no feed URL), resolves relative links against the site the feed names", () => {
    const fromFile = parsed("rss2.xml");
    expect(drafts(fromFile.records).find((d) => d.line === 2)?.url).toBe(
      "https://harbour-gazette.example/2025/10/lifeboat-gull-point",
    );
    const atom = parsed("atom.xml");
    expect(drafts(atom.records).find((d) => d.line === 2)?.url).toBe(
      "https://fell-dale.example/notes/night-sky",
    );
  });

  it("gives each item without a link or date a precise error and keeps the others", () => {
    expect(errors(feed.records)).toEqual([
      { line: 3, error: "no link" },
      { line: 4, error: "no date (pubDate or dc:date)" },
    ]);
    expect(drafts(feed.records).map((d) => d.line)).toEqual([1, 2, 5]);
  });

  it("produces drafts the import path accepts: canonical URL, RFC 822 dates in UTC", () => {
    const stories = drafts(feed.records).map((d) => finalise(d));
    const ok = stories.map((s) => {
      if ("error" in s) throw new Error(s.error);
      return s.story;
    });
    expect(ok.map((s) => [s.url, s.publishedAt])).toEqual([
      ["https://harbour-gazette.example/2025/10/ferry-winter-timetable", "2025-10-06T06:30:00.000Z"],
      ["https://harbour-gazette.example/2025/10/lifeboat-gull-point", "2025-10-05T18:05:00.000Z"],
      ["https://harbour-gazette.example/2025/10/quay-street-works", "2025-10-03T17:00:00.000Z"],
    ]);
  });
});

describe("parseFeedDocument: Atom, RDF, JSON Feed", () => {
  it("Atom: alternate link (not edit/self), published before updated, all authors, HTML title/summary as text", () => {
    const feed = parsed("atom.xml", "https://fell-dale.example/atom.xml");
    expect(feed.title).toBe("Fell & Dale Science Notes");
    const [moss, sky] = drafts(feed.records);
    expect(moss).toMatchObject({
      headline: "Moss survey finds three species new to the valley",
      url: "https://fell-dale.example/notes/moss-survey#comments",
      publishedAt: "2025-10-06T08:15:00+01:00",
      byline: "Ada Birkett, Tom Scarth",
      excerpt: "Volunteers counted mosses on forty boulders.",
      body: "Volunteers counted mosses on forty boulders along the beck.\n\nThree species had never been recorded in the valley before.",
    });
    expect(moss?.html).toBe(
      "<p>Volunteers counted mosses on forty boulders along the beck.</p><p>Three species had never been recorded in the valley before.</p>",
    );
    expect(sky).toMatchObject({
      headline: "Night-sky meter readings",
      url: "https://fell-dale.example/notes/night-sky",
      publishedAt: "2025-10-05T21:00:00Z",
    });
    expect(errors(feed.records)).toEqual([{ line: 3, error: "no link" }]);
  });

  it("RDF (RSS 1.0): dc:date and dc:creator; an undated item names dc:date", () => {
    const feed = parsed("rdf.xml");
    expect(feed.title).toBe("Moorland Post");
    expect(drafts(feed.records)).toEqual([
      {
        line: 1,
        headline: "Peat restoration reaches the high bog",
        url: "https://moorland-post.example/peat-restoration",
        publishedAt: "2025-10-02T14:00:00+01:00",
        byline: "Hester Lund",
        body: "Contractors blocked the last drainage grips on the high bog this week.",
        excerpt: "Contractors blocked the last drainage grips on the high bog this week.",
        source: "Moorland Post",
      },
    ]);
    expect(errors(feed.records)).toEqual([{ line: 2, error: "no date (dc:date)" }]);
  });

  it("JSON Feed 1.1: content_html, content_text, summary, item and feed authors, date_modified as fallback", () => {
    const feed = parsed("jsonfeed.json");
    expect(feed.title).toBe("Estuary Weekly");
    const [oysters, tides] = drafts(feed.records);
    expect(oysters).toMatchObject({
      url: "https://estuary-weekly.example/2025/10/oyster-beds?utm_campaign=json",
      publishedAt: "2025-10-04T11:00:00+01:00",
      byline: "Priya Nair",
      excerpt: "Young oysters were found on all six restored beds.",
      body: "Survey divers found young oysters on all six restored beds.\n\nIt is the first such count since 2019.",
    });
    expect(oysters?.html).toContain("<strong>all six</strong>");
    expect(tides).toMatchObject({
      headline: "Spring tides this weekend",
      publishedAt: "2025-10-03T07:00:00Z",
      byline: "Estuary Weekly staff",
      body: "The highest tides of the autumn arrive on Saturday.\n\nThe causeway will be closed for two hours either side of high water.",
    });
    expect(tides?.html).toBeUndefined();
  });
});

describe("parseFeedDocument: documents that are not feeds", () => {
  it.each([
    ["page.html", "not a feed: the document is HTML"],
    ["not-xml.txt", 'not XML: the document starts with "Service Temporarily Unavailable. The fee…"'],
    ["broken.xml", "not XML: <description> opened at line 10 is never closed (truncated document?)"],
  ])("%s → %s", (name, error) => {
    expect(parseFeedDocument(fixture(name))).toEqual({ error });
  });

  it.each([
    ["", "not a feed: the document is empty"],
    ["  \n", "not a feed: the document is empty"],
    ["<rss>\u0000</rss>", "not a feed: binary data"],
    ['{"title": "x"', "not JSON: "],
    ['{"name": "x", "rows": [1]}', "not a feed: JSON without a JSON Feed version"],
    [
      '<?xml version="1.0"?><opml version="2.0"><head/><body/></opml>',
      "not a feed: the root element is <opml>",
    ],
    [
      "<?xml version='1.0'?>\n<!-- a comment -->\n<HTML><body>x</body></HTML>",
      "not a feed: the document is HTML",
    ],
  ])("%j → %s", (text, error) => {
    const result = parseFeedDocument(text);
    expect("error" in result && result.error.startsWith(error)).toBe(true);
  });

  it("an empty but valid feed has no records", () => {
    const rss = `<rss version="2.0"><channel><title>Quiet</title><link>https://q.example/</link></channel></rss>`;
    expect(parseFeedDocument(rss)).toEqual({ records: [], title: "Quiet" });
  });
});

describe("xmlTagProblem", () => {
  it("accepts balanced documents with comments, CDATA, doctype and self-closing tags", () => {
    expect(
      xmlTagProblem(
        '<?xml version="1.0"?>\n<!DOCTYPE rss>\n<rss a="1>2"><!-- <x> --><c><![CDATA[<p>]]></c><e/></rss>',
      ),
    ).toBeNull();
  });

  it("names the line of mismatched, unclosed and stray tags", () => {
    expect(xmlTagProblem("<a>\n<b>\n</a>")).toBe("line 3: </a> closes <b> opened at line 2");
    expect(xmlTagProblem("<a></a>\n</b>")).toBe("line 2: </b> closes nothing");
    expect(xmlTagProblem("<a></a><b></b>")).toBe("line 1: a second root element <b>");
    expect(xmlTagProblem("<a>1 < 2</a>")).toBe('line 1: "<" that starts no tag');
    expect(xmlTagProblem("just text")).toBe("no root element");
  });
});

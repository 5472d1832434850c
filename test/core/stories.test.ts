import { describe, expect, it } from "vitest";
import {
  dayInZone,
  isValidTimeZone,
  zonedDayBounds,
  zonedTimeToUtc,
} from "../../functions/core/kernel/dates.js";
import type { StoryDraft } from "../../functions/core/kernel/types.js";
import { LINK_REL } from "../../functions/core/stories/sanitise-html.js";
import {
  DEFAULT_SECTION,
  DEFAULT_SOURCE,
  type FinaliseOptions,
  FUTURE_TOLERANCE_MS,
  finaliseStory,
} from "../../functions/core/stories/stories.js";
import { storyId } from "../../functions/core/stories/story-id.js";

const NOW = new Date("2026-11-27T09:00:00Z");
const opts = (over: Partial<FinaliseOptions> = {}): FinaliseOptions => ({
  defaults: {},
  timeZone: "Europe/Berlin",
  now: NOW,
  ...over,
});

function ok(draft: StoryDraft, o: FinaliseOptions = opts()) {
  const r = finaliseStory(draft, o);
  if ("error" in r) throw new Error(`unexpected error: ${r.error}`);
  return r;
}

function fail(draft: StoryDraft, o: FinaliseOptions = opts()): string {
  const r = finaliseStory(draft, o);
  if (!("error" in r)) throw new Error("expected an error");
  return r.error;
}

describe("finaliseStory defaults", () => {
  it("fills a bare draft with sensible values", () => {
    const { story, day } = ok({ headline: "  Ferry\tback   on time " });
    expect(story).toMatchObject({
      headline: "Ferry back on time",
      url: null,
      source: DEFAULT_SOURCE,
      section: DEFAULT_SECTION,
      byline: "",
      publishedAt: "2026-11-27T09:00:00.000Z",
      body: "",
      excerpt: "",
    });
    expect(day).toBe("2026-11-27");
    expect(story.id).toMatch(/^[0-9a-f]{24}$/);
  });

  it("lets import options fill gaps but never override the draft", () => {
    const defaults = {
      url: "https://example.com/default",
      publishedAt: "2026-11-20T10:00:00Z",
      section: "Local",
      source: "Flag Source",
    };
    const filled = ok({ headline: "H" }, opts({ defaults })).story;
    expect(filled).toMatchObject({
      url: "https://example.com/default",
      publishedAt: "2026-11-20T10:00:00.000Z",
      section: "Local",
      source: "Flag Source",
    });
    const own = ok(
      {
        headline: "H",
        url: "https://example.org/own",
        publishedAt: "2026-11-21T10:00:00Z",
        section: "Science",
        source: "Own Source",
      },
      opts({ defaults }),
    ).story;
    expect(own).toMatchObject({
      url: "https://example.org/own",
      publishedAt: "2026-11-21T10:00:00.000Z",
      section: "Science",
      source: "Own Source",
    });
    // a null or blank value is a gap
    expect(ok({ headline: "H", url: null, section: " " }, opts({ defaults })).story).toMatchObject({
      url: "https://example.com/default",
      section: "Local",
    });
  });

  it("takes the source from the URL's host when none is given", () => {
    expect(ok({ headline: "H", url: "https://www.Lakeside-Herald.example/a" }).story.source).toBe(
      "lakeside-herald.example",
    );
  });

  it("canonicalises the URL and rejects one that is not absolute http(s)", () => {
    expect(ok({ headline: "H", url: "HTTPS://Example.com/a?utm_source=x&id=2#c" }).story.url).toBe(
      "https://example.com/a?id=2",
    );
    expect(fail({ headline: "H", url: "example.com/a" })).toBe("url: not an absolute http(s) URL");
    expect(fail({ headline: "H", url: "javascript:alert(1)" })).toBe("url: not an absolute http(s) URL");
  });

  it("parses publishedAt and reports what it cannot parse", () => {
    expect(fail({ headline: "H", publishedAt: "next Tuesday-ish" })).toBe(
      'publishedAt: cannot parse "next Tuesday-ish"',
    );
    expect(fail({ headline: "H", publishedAt: "2026-02-30" })).toBe('publishedAt: cannot parse "2026-02-30"');
    expect(ok({ headline: "H", publishedAt: "2026-11-27T10:00:00+01:00" }).story.publishedAt).toBe(
      "2026-11-27T09:00:00.000Z",
    );
    // times without a zone are wall-clock times in the edition's zone
    expect(ok({ headline: "H", publishedAt: "2026-11-27T10:00" }).story.publishedAt).toBe(
      "2026-11-27T09:00:00.000Z",
    );
    expect(ok({ headline: "H", publishedAt: "2026-11-27" }).story.publishedAt).toBe(
      "2026-11-26T23:00:00.000Z",
    );
    expect(ok({ headline: "H", publishedAt: "November 27, 2026 10:00" }).story.publishedAt).toBe(
      "2026-11-27T09:00:00.000Z",
    );
    expect(ok({ headline: "H", publishedAt: "Fri, 27 Nov 2026 10:00:00 GMT" }).story.publishedAt).toBe(
      "2026-11-27T10:00:00.000Z",
    );
  });

  it("requires a headline", () => {
    expect(fail({ headline: " \n " })).toBe("headline: required");
  });

  it("normalises text, strips control characters, reads a headline's markup as text", () => {
    const { story } = ok({
      headline: "Caf\u0065\u0301 <b>opens</b>\u0000",
      byline: " Ana\u0007  Ortiz ",
      body: "First  paragraph\nwraps here.\n\n\n\nSecond\tparagraph.",
    });
    expect(story.headline).toBe("Café opens");
    expect(story.headline.normalize("NFC")).toBe(story.headline);
    expect(story.byline).toBe("Ana Ortiz");
    expect(story.body).toBe("First paragraph wraps here.\n\nSecond paragraph.");
  });

  it("treats single newlines as paragraph breaks when the body has no blank line", () => {
    expect(ok({ headline: "H", body: "One.\nTwo.\r\nThree." }).story.body).toBe("One.\n\nTwo.\n\nThree.");
  });

  it("derives the excerpt from the body, or cuts the draft's own", () => {
    const body = `${"The harbour trial ran for a week. ".repeat(12)}\n\nSecond paragraph.`;
    const derived = ok({ headline: "H", body }).story.excerpt;
    expect(derived.length).toBeLessThanOrEqual(300);
    expect(derived.endsWith("week.")).toBe(true);
    const own = ok({ headline: "H", body, excerpt: "Short summary.\n\nSecond line of it." }).story.excerpt;
    expect(own).toBe("Short summary. Second line of it.");
    const long = ok({ headline: "H", excerpt: "A very long summary sentence. ".repeat(20) }).story.excerpt;
    expect(long.length).toBeLessThanOrEqual(300);
    expect(long.endsWith("sentence.")).toBe(true);
  });
});

describe("finaliseStory: odd and bad dates", () => {
  it("reads RFC 822, written-out dates, unambiguous numeric dates and Unix time", () => {
    const at = (publishedAt: string) => ok({ headline: "H", publishedAt }).story.publishedAt;
    expect(at("Fri, 27 Nov 2026 07:00:00 +0000")).toBe("2026-11-27T07:00:00.000Z");
    expect(at("27 November 2026")).toBe("2026-11-26T23:00:00.000Z"); // midnight in Berlin
    expect(at("27/11/2026")).toBe("2026-11-26T23:00:00.000Z");
    expect(at("27.11.2026 10:30")).toBe("2026-11-27T09:30:00.000Z");
    expect(at("11/27/2026")).toBe("2026-11-26T23:00:00.000Z");
    expect(at("5/5/2026")).toBe("2026-05-04T22:00:00.000Z");
    expect(at("1795762800")).toBe("2026-11-27T07:00:00.000Z");
    expect(at("1795762800000")).toBe("2026-11-27T07:00:00.000Z");
  });

  it("refuses an ambiguous day/month order, a two-digit year and a date with no month, saying why", () => {
    expect(fail({ headline: "H", publishedAt: "11/12/2026" })).toBe(
      'publishedAt: "11/12/2026" is ambiguous: 11 December or November 12? Write it as YYYY-MM-DD',
    );
    expect(fail({ headline: "H", publishedAt: "27/11/26" })).toBe(
      'publishedAt: "27/11/26" has a two-digit year; write the date as YYYY-MM-DD',
    );
    expect(fail({ headline: "H", publishedAt: "27/31/2026" })).toBe(
      'publishedAt: "27/31/2026" is not a date (no month in it)',
    );
    expect(fail({ headline: "H", publishedAt: "31/02/2026" })).toBe('publishedAt: cannot parse "31/02/2026"');
  });

  it("with a future tolerance, refuses a time too far ahead of now and accepts one within it", () => {
    const o = opts({ futureToleranceMs: FUTURE_TOLERANCE_MS });
    expect(fail({ headline: "H", publishedAt: "2027-01-01T00:00:00Z" }, o)).toBe(
      "publishedAt: 2027-01-01T00:00:00.000Z is in the future (more than 24 hours after 2026-11-27T09:00:00.000Z)",
    );
    expect(ok({ headline: "H", publishedAt: "2026-11-28T08:59:00Z" }, o).story.publishedAt).toBe(
      "2026-11-28T08:59:00.000Z",
    );
    // without one (the default), any time goes
    expect(ok({ headline: "H", publishedAt: "2027-01-01T00:00:00Z" }).story.publishedAt).toBe(
      "2027-01-01T00:00:00.000Z",
    );
  });
});

describe("finaliseStory: HTML and encoded text", () => {
  it("sanitises the draft's HTML into story.html, links resolved against the story URL", () => {
    const { story } = ok({
      headline: "H",
      url: "https://site.example/news/a?utm_source=x",
      html: `<p onclick="x()">Body <a href="/more">more</a><script>alert(1)</script></p><img src="https://t.example/p.gif">`,
    });
    expect(story.html).toBe(`<p>Body <a href="https://site.example/more" rel="${LINK_REL}">more</a></p>`);
    expect(story.body).toBe("Body more");
    expect(story.excerpt).toBe("Body more");
  });

  it("keeps no html when nothing readable is left, and never invents it", () => {
    expect(ok({ headline: "H", html: "<script>alert(1)</script>" }).story.html).toBeUndefined();
    expect("html" in ok({ headline: "H", body: "Text." }).story).toBe(false);
  });

  it("derives the body from the HTML when the draft has none: paragraphs separated by a blank line", () => {
    const { story } = ok({
      headline: "H",
      html: "<h2>Sub</h2><p>The first paragraph is here.</p><p>Second &amp; last.</p><ul><li>item</li></ul>",
    });
    expect(story.body).toBe("Sub\n\nThe first paragraph is here.\n\nSecond & last.\n\nitem");
    expect(story.excerpt).toBe("The first paragraph is here.");
  });

  it("keeps a body of its own over the HTML's text", () => {
    const { story } = ok({ headline: "H", body: "Own body.", html: "<p>HTML body.</p>" });
    expect(story.body).toBe("Own body.");
    expect(story.html).toBe("<p>HTML body.</p>");
  });

  it("reads an HTML body or excerpt (feed descriptions) as text: no tags, no entities", () => {
    const { story } = ok({
      headline: "H",
      body: "<p>The ferry&#8217;s back.</p><p>Tea &amp; toast.</p>",
      excerpt: "<p>Short &amp; <b>sweet</b> summary.</p><div class='share'>Share</div>",
    });
    expect(story.body).toBe("The ferry’s back.\n\nTea & toast.");
    expect(story.excerpt).toBe("Short & sweet summary. Share");
    const own = ok({ headline: "H", body: "Tea &amp;amp; toast &#8211; at&nbsp;nine." }).story;
    expect(own.body).toBe("Tea & toast – at nine.");
    expect(own.excerpt).toBe("Tea & toast – at nine.");
  });

  it("decodes references in headline, byline, source and section; strips a headline's tags, keeps the others' as text", () => {
    const { story } = ok({
      headline: "Tea &amp; toast: the <b>best</b> caf&eacute;s",
      byline: "Tom O&#8217;Neill",
      source: "Fell &amp; Dale",
      section: "Food &amp; Drink",
    });
    expect(story).toMatchObject({
      headline: "Tea & toast: the best cafés",
      byline: "Tom O’Neill",
      source: "Fell & Dale",
      section: "Food & Drink",
    });
  });
});

describe("story ids", () => {
  it("is the same for the same URL with different tracking parameters", () => {
    const a = ok({ headline: "A", url: "https://example.com/s?id=1&utm_source=news#top" }).story.id;
    const b = ok(
      { headline: "A changed", url: "https://example.com/s?fbclid=zz&id=1" },
      opts({ now: new Date("2026-12-01T00:00:00Z") }),
    ).story.id;
    expect(a).toBe(b);
    expect(ok({ headline: "A", url: "https://example.com/s?id=2" }).story.id).not.toBe(a);
  });

  it("without a URL, is the same for the same source, headline and day", () => {
    const morning = ok({
      headline: "Ferry back on time",
      source: "Herald",
      publishedAt: "2026-11-27T08:00:00Z",
    });
    const evening = ok({
      headline: "ferry  BACK on time",
      source: "Herald",
      publishedAt: "2026-11-27T20:00:00Z",
    });
    expect(morning.story.id).toBe(evening.story.id);
    const nextDay = ok({
      headline: "Ferry back on time",
      source: "Herald",
      publishedAt: "2026-11-28T08:00:00Z",
    });
    expect(nextDay.story.id).not.toBe(morning.story.id);
    const otherSource = ok({
      headline: "Ferry back on time",
      source: "Courier",
      publishedAt: "2026-11-27T08:00:00Z",
    });
    expect(otherSource.story.id).not.toBe(morning.story.id);
  });

  it("is the same for one article linked by two sources: other parameter order, http or https", () => {
    const a = ok({ headline: "A", source: "Feed one", url: "https://news.example/s?b=2&a=1&utm_medium=rss" });
    const b = ok({ headline: "A", source: "Feed two", url: "http://NEWS.example/s?a=1&b=2&fbclid=x#c" });
    expect(b.story.id).toBe(a.story.id);
    // the stored URL keeps the parameters' order: it is the link readers follow
    expect(a.story.url).toBe("https://news.example/s?b=2&a=1");
  });

  it("is 24 lower-case hex characters and deterministic", () => {
    const input = { url: null, source: "Herald", headline: "Ferry", day: "2026-11-27" };
    expect(storyId(input)).toMatch(/^[0-9a-f]{24}$/);
    expect(storyId(input)).toBe(storyId({ ...input }));
    expect(storyId({ ...input, url: "https://example.com/a?utm_medium=x" })).toBe(
      storyId({ ...input, url: "https://example.com/a" }),
    );
  });
});

describe("days in a time zone", () => {
  it("computes the story's day in the edition's zone", () => {
    const r = ok({ headline: "Late", publishedAt: "2026-11-27T23:30:00Z" });
    expect(r.day).toBe("2026-11-28");
    expect(r.story.publishedAt).toBe("2026-11-27T23:30:00.000Z");
    expect(ok({ headline: "Late", publishedAt: "2026-11-27T23:30:00Z" }, opts({ timeZone: "UTC" })).day).toBe(
      "2026-11-27",
    );
    expect(
      ok({ headline: "Late", publishedAt: "2026-11-28T03:00:00Z" }, opts({ timeZone: "America/New_York" }))
        .day,
    ).toBe("2026-11-27");
  });

  it("dayInZone and isValidTimeZone", () => {
    expect(dayInZone(new Date("2026-11-27T23:30:00Z"), "Europe/Berlin")).toBe("2026-11-28");
    expect(dayInZone(new Date("2026-11-27T23:30:00Z"), "Asia/Kolkata")).toBe("2026-11-28");
    expect(dayInZone(new Date("2026-11-28T09:00:00Z"), "Pacific/Honolulu")).toBe("2026-11-27");
    expect(isValidTimeZone("Europe/Berlin")).toBe(true);
    expect(isValidTimeZone("UTC")).toBe(true);
    expect(isValidTimeZone("Mars/Olympus")).toBe(false);
    expect(isValidTimeZone("")).toBe(false);
    expect(() => finaliseStory({ headline: "H" }, opts({ timeZone: "Mars/Olympus" }))).toThrow(RangeError);
  });

  it("zonedDayBounds spans 24 hours on an ordinary day", () => {
    const { start, end } = zonedDayBounds("2026-11-27", "Europe/Berlin");
    expect(start.toISOString()).toBe("2026-11-26T23:00:00.000Z");
    expect(end.toISOString()).toBe("2026-11-27T23:00:00.000Z");
  });

  it("zonedDayBounds is 23 hours on the spring DST change and 25 on the autumn one", () => {
    const spring = zonedDayBounds("2026-03-29", "Europe/Berlin");
    expect(spring.start.toISOString()).toBe("2026-03-28T23:00:00.000Z");
    expect(spring.end.toISOString()).toBe("2026-03-29T22:00:00.000Z");
    expect(spring.end.getTime() - spring.start.getTime()).toBe(23 * 3_600_000);
    const autumn = zonedDayBounds("2026-10-25", "Europe/Berlin");
    expect(autumn.end.getTime() - autumn.start.getTime()).toBe(25 * 3_600_000);
    const ny = zonedDayBounds("2026-03-08", "America/New_York");
    expect(ny.start.toISOString()).toBe("2026-03-08T05:00:00.000Z");
    expect(ny.end.getTime() - ny.start.getTime()).toBe(23 * 3_600_000);
  });

  it("zonedDayBounds starts at the first instant when midnight itself is skipped", () => {
    // Chile (America/Santiago) moved clocks from 00:00 to 01:00 on 2024-09-08.
    const { start } = zonedDayBounds("2024-09-08", "America/Santiago");
    expect(start.toISOString()).toBe("2024-09-08T04:00:00.000Z");
    expect(dayInZone(new Date(start.getTime() - 1), "America/Santiago")).toBe("2024-09-07");
  });

  it("zonedDayBounds rejects a bad day", () => {
    expect(() => zonedDayBounds("2026-02-30", "Europe/Berlin")).toThrow(RangeError);
    expect(() => zonedDayBounds("27/11/2026", "Europe/Berlin")).toThrow(RangeError);
  });

  it("zonedTimeToUtc maps wall-clock times, also around DST changes", () => {
    expect(zonedTimeToUtc({ year: 2026, month: 7, day: 1, hour: 12 }, "Europe/Berlin").toISOString()).toBe(
      "2026-07-01T10:00:00.000Z",
    );
    // 02:30 does not exist on 2026-03-29 in Berlin: moved forward by the one-hour gap
    expect(
      zonedTimeToUtc({ year: 2026, month: 3, day: 29, hour: 2, minute: 30 }, "Europe/Berlin").toISOString(),
    ).toBe("2026-03-29T01:30:00.000Z");
    // 02:30 happens twice on 2026-10-25: the first one
    expect(
      zonedTimeToUtc({ year: 2026, month: 10, day: 25, hour: 2, minute: 30 }, "Europe/Berlin").toISOString(),
    ).toBe("2026-10-25T00:30:00.000Z");
  });
});

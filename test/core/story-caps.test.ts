import { simpleParser } from "mailparser";
import { describe, expect, it } from "vitest";
import { composeMessage, prepareVariant } from "../../functions/core/delivery/message.js";
import { buildView } from "../../functions/core/edition/edition.js";
import type { Story } from "../../functions/core/kernel/types.js";
import { finaliseStory, STORY_LIMITS } from "../../functions/core/stories/stories.js";
import { parseStoryFile } from "../../functions/core/stories/story-files.js";
import { importStoryRecords } from "../../functions/core/stories/story-import.js";

/**
 * What one story may carry: headline, byline and source are cut at a word (and the import says so), a
 * section name that long is refused, body and HTML are kept within what one stored item holds; and the
 * email's subject is cut at a word and folded so that no header line can pass RFC 5322's 998.
 */

const NOW = new Date("2031-03-14T12:00:00Z");
const options = { defaults: {}, timeZone: "UTC", now: NOW };

class ListStore {
  readonly stored: Story[] = [];
  async upsert(story: Omit<Story, "editionId">) {
    this.stored.push({ ...story, editionId: null });
    return "imported" as const;
  }
}

describe("caps at import", () => {
  it("cuts an unbroken 1,200-character headline to the cap, says so, and keeps the story", async () => {
    const text = [
      JSON.stringify({ headline: "X".repeat(1200), url: "https://e.example/long" }),
      JSON.stringify({
        headline: `${"Council approves the bridge ".repeat(20)}at last`,
        url: "https://e.example/words",
        byline: "Ana Ortiz, ".repeat(40),
        source: "The Lakeside Herald and Evening Courier ".repeat(5),
      }),
      JSON.stringify({ headline: "Section too long", section: "S".repeat(STORY_LIMITS.section + 1) }),
    ].join("\n");
    const store = new ListStore();
    const report = await importStoryRecords(parseStoryFile("day.ndjson", text), store as never, options);
    expect(report.counts).toEqual({ imported: 2, updated: 0, skipped: 0, invalid: 1 });
    const [unbroken, words] = store.stored;
    expect(unbroken?.headline).toHaveLength(STORY_LIMITS.headline);
    expect(unbroken?.headline.endsWith("…")).toBe(true);
    expect(words?.headline.length).toBeLessThanOrEqual(STORY_LIMITS.headline);
    // Cut at a word: the text before "…" is whole words of the original.
    expect(words?.headline).toMatch(/^(?:Council approves the bridge )+Council(?: approves(?: the)?)?…$/);
    expect(words?.byline.length).toBeLessThanOrEqual(STORY_LIMITS.byline);
    expect(words?.source.length).toBeLessThanOrEqual(STORY_LIMITS.source);
    expect(report.notices).toEqual([
      { line: 1, reason: `headline: 1,200 characters, cut to ${STORY_LIMITS.headline}` },
      { line: 2, reason: expect.stringMatching(/^headline: \d+ characters, cut to 300$/) },
      { line: 2, reason: expect.stringMatching(/^source: \d+ characters, cut to 120$/) },
      { line: 2, reason: expect.stringMatching(/^byline: \d+ characters, cut to 200$/) },
    ]);
    expect(report.problems).toEqual([
      {
        line: 3,
        reason: `section: ${STORY_LIMITS.section + 1} characters, more than the ${STORY_LIMITS.section} a section name may have`,
      },
    ]);
  });

  it("keeps body and HTML within what one stored story holds (DynamoDB's 400 KB item)", () => {
    const paragraph = `${"A sentence of the story goes on. ".repeat(30)}\n\n`;
    const body = paragraph.repeat(200); // ~200 KB
    const html = `<p>${"Sentence with <em>markup</em> in it. ".repeat(8000)}</p>`; // ~300 KB
    const result = finaliseStory(
      { headline: "Long read", url: "https://e.example/long-read", body, html },
      options,
    );
    if ("error" in result) throw new Error(result.error);
    expect(Buffer.byteLength(result.story.body)).toBeLessThanOrEqual(STORY_LIMITS.bodyBytes);
    expect(result.story.body.endsWith("…")).toBe(true);
    expect(result.story.html).toBeUndefined();
    expect(result.notices).toEqual([
      expect.stringMatching(/^body: [\d,]+ bytes, cut to [\d,]+ at a paragraph/),
      expect.stringMatching(
        /^html: [\d,]+ bytes after sanitising, more than the [\d,]+ kept: the hosted copy shows the text/,
      ),
    ]);
  });
});

describe("the subject of an edition", () => {
  const config = {
    brandName: "The Digest",
    subject: "{brand}, {date}: {top}",
    preheader: "{stories} today: {headlines}",
    postalAddress: "1 Harbour Road",
    publicBaseUrl: "https://digest.example.org",
    sections: [],
  };
  const story = (headline: string) => ({
    id: "a",
    headline,
    url: "https://e.example/a",
    source: "Example",
    section: "World",
    byline: "",
    publishedAt: "2031-03-14T08:00:00Z",
    excerpt: "",
  });

  it("is cut at a word with an ellipsis, whatever the headline", () => {
    const view = buildView({
      config,
      date: "2031-03-14",
      stories: [story("Word ".repeat(250).trim())],
      leftOut: 0,
    });
    expect(view.subject.length).toBeLessThanOrEqual(150);
    expect(view.subject).toMatch(/^The Digest, Friday 14 March 2031: (?:Word )+Word…$/);
    const unbroken = buildView({
      config,
      date: "2031-03-14",
      stories: [story("Y".repeat(1200))],
      leftOut: 0,
    });
    expect(unbroken.subject.length).toBeLessThanOrEqual(150);
    expect(unbroken.preheader.length).toBeLessThanOrEqual(200);
  });

  it("a subject of 1,200 unbroken characters still makes a message: folded, every line under 998", async () => {
    const subject = "Z".repeat(1200);
    const variant = prepareVariant(subject, "<p>Hello</p>", "Hello");
    const raw = composeMessage(
      variant,
      {
        from: { name: "The Digest", address: "news@example.org" },
        to: { name: null, address: "ana@example.com" },
        listId: "The Digest <daily.example.org>",
        feedbackId: "x:daily:digest:example.org",
      },
      { unsubscribeUrl: "https://d.example/u?t=1", preferencesUrl: "https://d.example/p?t=1" },
    );
    const head = raw.toString("latin1").split("\r\n\r\n")[0] as string;
    expect(head.split("\r\n").every((line) => line.length <= 78)).toBe(true);
    expect((await simpleParser(raw)).subject).toBe(subject);
  });
});

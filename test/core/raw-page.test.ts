import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { parseRawPage, RawPageError } from "../../functions/core/stories/raw-page.js";

const fixture = (name: string): string =>
  readFileSync(new URL(`../fixtures/raw/${name}`, import.meta.url), "utf8");

function paragraphs(body: string): string[] {
  return body.split("\n\n");
}

describe("parseRawPage on pages of different sites", () => {
  it("drops leading chrome, the doubled source and sign-up / app chrome (design.md example shape)", () => {
    const page = parseRawPage(fixture("lakeside-herald.txt"));
    expect(page.source).toBe("Lakeside Herald");
    expect(page.section).toBe("Science");
    expect(page.byline).toBe("Ana Ortiz and Tom Reeve");
    expect(page.headline).toBe("Tidal power trial lights up harbour town for a week");
    expect(paragraphs(page.body)).toHaveLength(2);
    expect(page.body).toMatch(/^The harbour town of Wexmoor/);
    expect(page.body).toMatch(/permanent scheme\.$/);
    expect(page.body).not.toMatch(/Sign|Related|app/);
  });

  it('strips "By ", joins wrapped lines and drops a related-stories list of headlines', () => {
    const page = parseRawPage(fixture("valley-courier.txt"));
    expect(page.source).toBe("Valley Courier");
    expect(page.section).toBe("Business");
    expect(page.byline).toBe("Priya Natarajan");
    expect(page.headline).toBe("Orchard co-operative buys back its own cider brand");
    const ps = paragraphs(page.body);
    expect(ps).toHaveLength(4);
    expect(ps[0]).toBe(
      "The Fennel Valley growers' co-operative has bought back the cider brand it sold to a drinks " +
        'group twelve years ago, paying a sum its chair described as "less than a good harvest".',
    );
    expect(page.body).not.toContain("\n\n\n");
    expect(ps.every((p) => !p.includes("\n"))).toBe(true);
    expect(ps[3]).toBe("The drinks group did not respond to a request for comment.");
    expect(page.body).not.toMatch(/Related|pubs|Bakery|Hop farmers/);
  });

  it("handles CRLF, no leading or trailing chrome, and keeps a short final paragraph", () => {
    const text = fixture("coastline-crlf.txt");
    expect(text).toContain("\r\n");
    const page = parseRawPage(text);
    expect(page).toMatchObject({ source: "Coastline Weekly", section: "Travel", byline: "Jonas Berg" });
    expect(page.headline).toBe("Ferry timetable to return to summer schedule early");
    expect(paragraphs(page.body)).toHaveLength(3);
    expect(paragraphs(page.body)[2]).toBe("He declined to comment.");
    expect(page.body).not.toContain("\r");
  });

  it("handles a BOM, tabs, trailing whitespace and app promotion glued to the last paragraph", () => {
    const text = fixture("metro-daily.txt");
    expect(text.charCodeAt(0)).toBe(0xfeff);
    const page = parseRawPage(text);
    expect(page).toMatchObject({ source: "Metro Daily", section: "City", byline: "Samira Haddad" });
    expect(page.headline).toBe("Night buses to run every ten minutes from March");
    expect(paragraphs(page.body)).toHaveLength(2);
    expect(page.body).toMatch(/did not go far enough\.$/);
    expect(page.body).not.toMatch(/app|iOS/);
    expect(page.body).not.toMatch(/\t| {2}/);
  });

  it("reads a single source with no section and no leading chrome (two metadata lines)", () => {
    const page = parseRawPage(fixture("northern-star-no-section.txt"));
    expect(page).toMatchObject({ source: "Northern Star", section: "", byline: "Dr. Helen Moss" });
    expect(page.headline).toBe("Glacier retreat measured with drones for the first time");
    expect(paragraphs(page.body)).toEqual([
      "Dr. Moss and her team flew drones over the Skarfell glacier every month for a year. They found it lost nearly four metres of thickness at its snout.",
      "The results were published on Monday in a peer-reviewed journal.",
    ]);
  });

  it("skips chrome blocks above the metadata, reads a doubled source with no section, keeps sub-headings", () => {
    const page = parseRawPage(fixture("river-gazette-subheads.txt"));
    expect(page).toMatchObject({ source: "River Gazette", section: "", byline: "Malik Osei" });
    expect(page.headline).toBe("Volunteers clear a century of silt from the old mill race");
    const ps = paragraphs(page.body);
    expect(ps).toHaveLength(4);
    expect(ps[1]).toBe("What comes next");
    expect(ps[3]).toMatch(/said volunteer Grace Lind\.$/);
    expect(page.body).not.toMatch(/Share|Copy link|Comments/);
  });

  it("keeps everything when there is no chrome at all", () => {
    const page = parseRawPage(
      "Harbour Times\nPolitics\nBy Lee Chan\n\nCouncil delays vote on harbour wall\n\nThe vote was moved to next month.\n",
    );
    expect(page).toEqual({
      source: "Harbour Times",
      section: "Politics",
      byline: "Lee Chan",
      headline: "Council delays vote on harbour wall",
      body: "The vote was moved to next month.",
    });
  });

  it("skips a one-line non-prose block between headline and body", () => {
    const page = parseRawPage(
      "Home\nHerald\nNews\nAnn Lee\n\nHeadline here\n\n5 min read\n\nThe body starts after a reading-time line. It has two sentences.",
    );
    expect(page).toMatchObject({
      source: "Herald",
      section: "News",
      byline: "Ann Lee",
      headline: "Headline here",
    });
    expect(page.body).toBe("The body starts after a reading-time line. It has two sentences.");
  });

  it("joins a wrapped headline", () => {
    const page = parseRawPage(
      "Herald\nNews\nAnn Lee\n\nA long headline that wraps\nonto a second line\n\nThe body is one sentence here.",
    );
    expect(page.headline).toBe("A long headline that wraps onto a second line");
  });

  it("does not take a long first sentence or quotes in the byline for chrome", () => {
    const page = parseRawPage(
      [
        "Subscribe",
        "The Quay",
        "Opinion",
        "by Rosa Lind",
        "",
        "“Why we should keep the old lighthouse”",
        "",
        "The lighthouse has stood on the point since 1874 and it should stand for another 150 years.",
      ].join("\n"),
    );
    expect(page.byline).toBe("Rosa Lind");
    expect(page.headline).toBe("“Why we should keep the old lighthouse”");
    expect(page.body).toMatch(/^The lighthouse/);
  });
});

describe("parseRawPage on more sites' chrome shapes", () => {
  it("sets aside a date line under the byline, drops banners, 'Advertisement' and a headed newsletter box", () => {
    const page = parseRawPage(fixture("tidewater-echo-ads-newsletter.txt"));
    expect(page).toMatchObject({ source: "Tidewater Echo", section: "Environment", byline: "Noor Bakshi" });
    expect(page.headline).toBe("Oyster beds return to the estuary after thirty years");
    const ps = paragraphs(page.body);
    expect(ps).toHaveLength(4);
    expect(ps[0]).toMatch(/^Oysters are breeding again/);
    expect(ps[3]).toBe("The trust now plans to lay shell on two more beds next spring.");
    expect(page.body).not.toMatch(/Advertisement|ADVERTISEMENT|Listen|Briefing|Sign up|More from|Seal pups/);
  });

  it("reads a page whose only metadata is the source, and drops a related list and the copyright footer", () => {
    const page = parseRawPage(fixture("upland-gazette-source-only.txt"));
    expect(page).toMatchObject({ source: "Upland Gazette", section: "", byline: "" });
    expect(page.headline).toBe("Sheepdog trials move indoors for the first time");
    const ps = paragraphs(page.body);
    expect(ps).toHaveLength(3);
    expect(ps[2]).toMatch(/^"It is not the same as the open hill,"/);
    expect(page.body).not.toMatch(/Related|Auction mart|©|Privacy/);
  });

  it("cuts a subscription prompt glued to the last paragraph, question first", () => {
    const page = parseRawPage(fixture("marsh-ledger-promo-glued.txt"));
    expect(page).toMatchObject({ source: "Marsh Ledger", section: "Business", byline: "Elif Demir" });
    const ps = paragraphs(page.body);
    expect(ps).toHaveLength(2);
    expect(ps[1]).toMatch(/the first hull would be laid in March\.$/);
    expect(page.body).not.toMatch(/Enjoying|Subscribe|Log in|Most popular|Bypass/);
  });

  it("skips a nav block, a standfirst and a photo credit before the body, and topic tags after it", () => {
    const page = parseRawPage(fixture("hillcrest-post-standfirst-tags.txt"));
    expect(page).toMatchObject({ source: "Hillcrest Post", section: "Culture" });
    expect(page.byline).toBe("Words by Saoirse Flynn · Photography by Kofi Mensah");
    expect(page.headline).toBe("Town's oldest cinema to reopen as a community arts centre");
    const ps = paragraphs(page.body);
    expect(ps).toHaveLength(3);
    expect(ps[0]).toMatch(/^The Regal, the town's oldest cinema/);
    expect(page.body).not.toMatch(/twelve years dark|Photograph|Topics|Comments/);
  });

  it("keeps a dateline in the lede and drops a feedback prompt and its buttons", () => {
    const page = parseRawPage(fixture("pinewood-times-bylines-dateline.txt"));
    expect(page).toMatchObject({
      source: "Pinewood Times",
      section: "",
      byline: "Aaron Whitlock and Mei Tanaka",
    });
    const ps = paragraphs(page.body);
    expect(ps).toHaveLength(3);
    expect(ps[0]).toMatch(/^PINEWOOD — The county library/);
    expect(ps[2]).toBe("The library will also open on Sunday afternoons during school holidays.");
    expect(page.body).not.toMatch(/helpful|Follow/);
  });

  it("keeps a short closing statement but not a closing question", () => {
    const base =
      "Herald\nNews\nAnn Lee\n\nHeadline here\n\nThe long first paragraph of the story runs on for well over a hundred characters, so it is surely body text.";
    expect(paragraphs(parseRawPage(`${base}\n\nShe declined to comment.`).body)).toHaveLength(2);
    expect(paragraphs(parseRawPage(`${base}\n\nDid you enjoy this story?`).body)).toHaveLength(1);
  });
});

describe("parseRawPage failures", () => {
  const reason = (text: string): string => {
    try {
      parseRawPage(text);
    } catch (e) {
      expect(e).toBeInstanceOf(RawPageError);
      return (e as Error).message;
    }
    throw new Error("expected a RawPageError");
  };

  it("rejects an empty or blank page", () => {
    expect(reason("")).toBe("empty page");
    expect(reason(" \n\t\r\n ")).toBe("empty page");
  });

  it("rejects a page without blank lines: no headline", () => {
    expect(reason("Lakeside Herald\nScience\nAna Ortiz\nSome headline\nSome body text here.")).toMatch(
      /^no headline: expected a blank line, the headline, a blank line, then the body/,
    );
  });

  it("rejects a headline without a body", () => {
    expect(
      reason("Lakeside Herald\nScience\nAna Ortiz\n\nTidal power trial lights up harbour town\n"),
    ).toMatch(/^no body: expected a blank line after the headline/);
  });

  it("rejects a page whose text after the headline is only chrome", () => {
    expect(
      reason(
        "Lakeside Herald\nScience\nAna Ortiz\n\nTidal power trial\n\nSign up to read this article\nSign in here",
      ),
    ).toMatch(/^no body: no prose paragraph after the headline/);
  });

  it("rejects a page where a list stands where the headline should be", () => {
    expect(reason("Lakeside Herald\nScience\n\nMenu\nSearch\nAccount\n\nSign in")).toMatch(
      /^no headline: the text after the first blank line has 3 lines/,
    );
  });
});

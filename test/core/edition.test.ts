import { describe, expect, it } from "vitest";
import {
  buildView,
  capStories,
  dateLabel,
  type EditionStory,
  groupBySection,
  rankStories,
  variantKey,
} from "../../functions/core/edition/edition.js";
import { parseConfig } from "../../functions/core/kernel/config.js";

const s = (id: string, section: string, hour: number, extra: Partial<EditionStory> = {}): EditionStory => ({
  id,
  headline: `Headline ${id}`,
  url: `https://example.org/${id}`,
  source: "Example Times",
  section,
  byline: "",
  publishedAt: `2031-01-01T${String(hour).padStart(2, "0")}:00:00.000Z`,
  excerpt: "",
  ...extra,
});

describe("edition selection", () => {
  it("ranks round-robin over sections in configured order, newest first within each", () => {
    const ranked = rankStories(
      [
        s("w1", "World", 9),
        s("w2", "World", 10),
        s("w3", "World", 11),
        s("c1", "Culture", 8),
        s("x1", "Sport", 7),
      ],
      ["Sport", "World"],
    );
    expect(ranked.map((r) => r.id)).toEqual(["x1", "w3", "c1", "w2", "w1"]);
  });

  it("dedupes the same id and the same headline from the same source, keeping the newest", () => {
    const ranked = rankStories(
      [
        s("a", "World", 9),
        s("a", "World", 9),
        s("b", "World", 10, { headline: "Headline a!" }),
        s("c", "World", 11, { headline: "Headline a", source: "Other Paper" }),
      ],
      [],
    );
    expect(ranked.map((r) => r.id)).toEqual(["c", "b"]);
  });

  it("caps to the longest prefix that fits, at most max, at least one", () => {
    const items = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
    const sum = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0);
    expect(capStories(items, 100, (xs) => sum(xs) <= 20)).toEqual([1, 2, 3, 4, 5]);
    expect(capStories(items, 3, () => true)).toEqual([1, 2, 3]);
    expect(capStories(items, 10, () => false)).toEqual([1]);
    expect(capStories(items, 10, (xs) => sum(xs) <= 55)).toEqual(items);
  });

  it("groups in section order, newest first, and sends 'Read more' of link-less stories to the hosted copy", () => {
    const sections = groupBySection(
      [s("a", "World", 9), s("b", "World", 11), s("c", "Arts", 10, { url: null })],
      ["World"],
      "https://digest.example.org",
    );
    expect(sections.map((x) => [x.name, x.stories.map((st) => st.headline)])).toEqual([
      ["World", ["Headline b", "Headline a"]],
      ["Arts", ["Headline c"]],
    ]);
    expect(sections[1]?.stories[0]?.readMoreUrl).toBe("https://digest.example.org/stories/c");
  });

  it("maps a subscriber's sections to a variant: all, a subset, or nothing today", () => {
    const edition = ["World", "Science", "Culture"];
    expect(variantKey([], edition)).toBe("all");
    expect(variantKey(["world", "science", "culture", "sport"], edition)).toBe("all");
    expect(variantKey(["Science", "World"], edition)).toBe("Science|World");
    expect(variantKey(["sport", "world"], edition)).toBe("World");
    expect(variantKey(["Sport"], edition)).toBeNull();
  });

  it("fills subject and preheader templates and labels the date without locale quirks", () => {
    expect(dateLabel("2031-03-14")).toBe("Friday 14 March 2031");
    const config = parseConfig({ subject: "{brand} · {date} · {count}", preheader: "Top: {headlines}" }, {});
    const view = buildView({
      config,
      date: "2031-03-14",
      stories: [s("a", "World", 9), s("b", "World", 10)],
      leftOut: 2,
    });
    expect(view.subject).toBe("The Morning Digest · Friday 14 March 2031 · 2");
    expect(view.preheader).toBe("Top: Headline b · Headline a");
    expect(view.moreUrl).toBe("https://digest.example.com/archive/2031-03-14");
  });

  it("names the next stories in the default preheader, or the lone story's lede", () => {
    const config = parseConfig({}, {});
    const one = buildView({
      config,
      date: "2031-03-14",
      stories: [s("a", "World", 9, { excerpt: "The harbour reopened." })],
      leftOut: 0,
    });
    expect(one.preheader).toBe("The harbour reopened.");
    const two = buildView({
      config,
      date: "2031-03-14",
      stories: [s("a", "World", 9), s("b", "World", 10)],
      leftOut: 0,
    });
    expect(two.preheader).toBe("Also today: Headline a");
  });
});

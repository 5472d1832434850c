/** Issue 18 items 1–3: the lead story, an order that means something, subject and preheader. */
import { describe, expect, it } from "vitest";
import { buildView, type EditionStory, rankStories } from "../../functions/core/edition/edition.js";
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

const view = (stories: EditionStory[], config = parseConfig({}, {})) =>
  buildView({ config, date: "2031-01-01", stories, leftOut: 0 });

const sectionNames = (v: ReturnType<typeof view>) => v.sections.map((x) => x.name);
const headlines = (v: ReturnType<typeof view>, section: string) =>
  v.sections.find((x) => x.name === section)?.stories.map((st) => st.headline);

describe("the lead story", () => {
  it("is the editor's pick when there is one, even an older story of a later section", () => {
    const picked = s("old", "Arts", 6, { leadPickedAt: "2031-01-01T05:00:00.000Z" });
    const v = view([s("w1", "World", 11), s("b1", "Business", 10), picked]);
    expect(v.lead?.headline).toBe("Headline old");
    // Shown once: as the lead, not again in its section.
    expect(v.sections.flatMap((x) => x.stories.map((st) => st.headline))).not.toContain("Headline old");
  });

  it("takes the latest pick when an editor picked twice", () => {
    const v = view([
      s("a", "World", 9, { leadPickedAt: "2031-01-01T05:00:00.000Z" }),
      s("b", "World", 8, { leadPickedAt: "2031-01-01T06:00:00.000Z" }),
    ]);
    expect(v.lead?.headline).toBe("Headline b");
  });

  it("is otherwise the newest story of the first configured section", () => {
    const config = parseConfig({ sections: ["Sport", "World"] }, {});
    const v = view([s("w1", "World", 11), s("x1", "Sport", 7), s("x2", "Sport", 8)], config);
    expect(v.lead?.headline).toBe("Headline x2");
    expect(sectionNames(v)).toEqual(["Sport", "World"]);
  });

  it("comes first in the cap's order, so it is never the story left out", () => {
    const ranked = rankStories(
      [
        s("w1", "World", 11),
        s("w2", "World", 10),
        s("a1", "Zoo", 6, { leadPickedAt: "2031-01-01T00:00:00Z" }),
      ],
      [],
    );
    expect(ranked[0]?.id).toBe("a1");
  });
});

describe("order that means something", () => {
  it("without a configured order, sections follow their best story, the lead's first, not the alphabet", () => {
    const v = view([
      s("a1", "Arts", 7),
      s("b1", "Business", 8),
      s("w1", "World", 10),
      s("z1", "Zoology", 9),
      s("w2", "World", 6),
    ]);
    // The lead (newest overall) is World's; then by each section's best story, newest first.
    expect(v.lead?.headline).toBe("Headline w1");
    expect(sectionNames(v)).toEqual(["World", "Zoology", "Business", "Arts"]);
  });

  it("puts the picked lead's section first", () => {
    const v = view([
      s("a1", "Zoo", 7, { leadPickedAt: "2031-01-01T00:00:00Z" }),
      s("a2", "Zoo", 5),
      s("w1", "World", 10),
      s("b1", "Business", 9),
    ]);
    expect(sectionNames(v)).toEqual(["Zoo", "World", "Business"]);
  });

  it("within a section: the editor's order first, then newest first", () => {
    const v = view([
      s("lead", "World", 12),
      s("n1", "Arts", 11),
      s("n2", "Arts", 10),
      s("r2", "Arts", 6, { rank: 2 }),
      s("r1", "Arts", 5, { rank: 1 }),
    ]);
    expect(headlines(v, "Arts")).toEqual(["Headline r1", "Headline r2", "Headline n1", "Headline n2"]);
  });

  it("the cap keeps the same order within a section", () => {
    const ranked = rankStories([s("n1", "Arts", 11), s("r1", "Arts", 5, { rank: 1 })], []);
    expect(ranked.map((r) => r.id)).toEqual(["r1", "n1"]);
  });
});

describe("subject and preheader", () => {
  const long =
    "Harbour town of Wexmoor runs on tidal power for a whole week as engineers celebrate a record spring tide";

  it("the subject is the lead's headline, at most 78 characters, cut at a word with …", () => {
    const v = view([s("a", "World", 9, { headline: long }), s("b", "World", 8)]);
    expect(v.subject.length).toBeLessThanOrEqual(78);
    expect(v.subject.endsWith("…")).toBe(true);
    expect(long.startsWith(v.subject.slice(0, -1))).toBe(true);
    expect(long[v.subject.length - 1]).toBe(" ");
  });

  it("takes a template with {brand} and {lead}", () => {
    const config = parseConfig({ subject: "{brand}: {lead}" }, {});
    const v = view(
      [s("a", "World", 9), s("b", "World", 8, { leadPickedAt: "2031-01-01T00:00:00Z" })],
      config,
    );
    expect(v.subject).toBe("The Morning Digest: Headline b");
  });

  it("the preheader names the next stories after the lead", () => {
    const v = view([s("a", "World", 9), s("b", "World", 8), s("c", "Arts", 7), s("d", "Arts", 6)]);
    expect(v.subject).toBe("Headline a");
    expect(v.preheader).toContain("Headline b");
    expect(v.preheader).toContain("Headline c");
    expect(v.preheader).not.toContain("Headline a");
  });
});

/**
 * Issue 18 items 1, 3, 4 and 6 in the rendered email: the lead (larger, with its picture or without),
 * escaped headlines, the headline as the story's link with one call to action of a unique name, the
 * plain text's signature separator and browser link, and the 40-story edition under Gmail's clip.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { benchEditionStories } from "../../bench/fixtures.js";
import { buildView } from "../../functions/core/edition/edition.js";
import { createRenderer, type DigestRenderer } from "../../functions/core/edition/render.js";
import { parseConfig } from "../../functions/core/kernel/config.js";
import type { EditionView } from "../../functions/core/kernel/types.js";
import { htmlDocument } from "../../functions/core/stories/dom.js";
import { loadTemplateSpec } from "../../functions/local/template-loader.js";
import { sampleView } from "./sample-view.js";

const GMAIL_CLIP_BYTES = 102 * 1024;

let renderer: DigestRenderer;
beforeAll(async () => {
  renderer = createRenderer(await loadTemplateSpec());
});

const links = (html: string) =>
  Array.from(htmlDocument(html).querySelectorAll("a")).map((a) => ({
    name: (a.getAttribute("aria-label") ?? a.textContent ?? "").trim(),
    text: (a.textContent ?? "").trim(),
    href: a.getAttribute("href") ?? "",
  }));

describe("the lead in the email", () => {
  it("opens with the lead, larger, with its https picture: width, height, alt from the source", () => {
    const html = renderer.html(sampleView());
    const doc = htmlDocument(html);
    const lead = doc.querySelector("h2.dg-lead");
    expect(lead?.textContent).toBe("Tidal power trial lights up harbour town for a week");
    // Before any section heading.
    const headings = Array.from(doc.querySelectorAll("h2")).map((h) => h.textContent);
    expect(headings[0]).toBe("Tidal power trial lights up harbour town for a week");
    const images = Array.from(doc.querySelectorAll("img"));
    expect(images).toHaveLength(1);
    const img = images[0];
    expect(img?.getAttribute("src")).toBe("https://lakeside-herald.example/images/wexmoor-turbines.jpg");
    expect(img?.getAttribute("alt")).toBe("Tidal turbines in Wexmoor harbour at low tide");
    expect(img?.getAttribute("width")).toBe("536");
    expect(img?.getAttribute("height")).toBe("302");
  });

  it("takes the headline as alt when the source gave none, and leaves out an http picture", () => {
    const view = sampleView();
    if (!view.lead?.image) throw new Error("sample lead has a picture");
    view.lead.image.alt = "";
    expect(htmlDocument(renderer.html(view)).querySelector("img")?.getAttribute("alt")).toBe(
      view.lead.headline,
    );
    view.lead.image.url = "http://lakeside-herald.example/images/wexmoor-turbines.jpg";
    expect(htmlDocument(renderer.html(view)).querySelector("img")).toBeNull();
  });

  it("shows a lead without a picture as a larger headline, excerpt and call to action", () => {
    const view: EditionView = sampleView();
    if (view.lead) view.lead.image = null;
    const html = renderer.html(view);
    expect(html).not.toContain("<img");
    expect(htmlDocument(html).querySelector("h2.dg-lead a")?.getAttribute("href")).toBe(
      view.lead?.readMoreUrl,
    );
  });
});

describe("headlines, links and calls to action", () => {
  it("escapes markup-looking text in a headline: never a tag, never a literal tag shown as markup", () => {
    const view = sampleView();
    const story = view.sections[0]?.stories[0];
    if (!story) throw new Error("sample story");
    story.headline = "Otters <b>best</b> & brightest";
    const html = renderer.html(view);
    expect(html).not.toContain("<b>best</b>");
    expect(html).toContain("Otters &lt;b&gt;best&lt;/b&gt; &amp; brightest");
  });

  it("makes every headline its story's link, the link-less story's to its hosted copy", () => {
    const view = sampleView();
    const doc = htmlDocument(renderer.html(view));
    const stories = [view.lead, ...view.sections.flatMap((s) => s.stories)];
    const headings = Array.from(doc.querySelectorAll("h2.dg-lead, h3"));
    expect(headings).toHaveLength(stories.length);
    headings.forEach((h, i) => {
      expect(h.querySelector("a")?.getAttribute("href")).toBe(stories[i]?.readMoreUrl);
    });
  });

  it("has one call to action per story, named for its source, no bare 'Read more', every accessible name unique", () => {
    const view = sampleView();
    const all = links(renderer.html(view));
    expect(all.filter((l) => l.text === "Read more")).toEqual([]);
    const ctas = all.filter((l) => /^Read (more at|the full story)/.test(l.text));
    expect(ctas).toHaveLength(1 + view.sections.reduce((n, s) => n + s.stories.length, 0));
    expect(ctas.map((l) => l.text)).toContain("Read more at Lakeside Herald");
    // The link-less story reads on at its hosted copy, not "at" its source.
    expect(ctas.map((l) => l.text)).toContain("Read the full story");
    // The accessible name starts with the visible text (WCAG 2.5.3) and tells the links apart.
    for (const cta of ctas) expect(cta.name.startsWith(cta.text)).toBe(true);
    const names = all.map((l) => l.name);
    const repeated = names.filter((n, i) => names.indexOf(n) !== i);
    expect(repeated).toEqual([]);
  });
});

describe("the plain-text part", () => {
  it("has a '-- ' signature separator before the footer and a View in your browser link", () => {
    const view = sampleView();
    const text = renderer.text(view);
    expect(text).toContain("\n-- \nYou are receiving this");
    expect(text).toContain(`View in your browser: ${view.archiveUrl}`);
    // The lead comes first, before the first section.
    expect(text.indexOf(view.lead?.headline ?? "?")).toBeLessThan(text.indexOf("Science\n====="));
  });
});

describe("size", () => {
  it("keeps a 40-story edition with a pictured lead under Gmail's clip", () => {
    const stories = benchEditionStories(40);
    const first = stories[0];
    if (!first) throw new Error("bench stories");
    stories[0] = {
      ...first,
      image: { url: "https://news.example/images/lead.jpg", alt: "A caption", width: 1200, height: 800 },
      leadPickedAt: "2026-11-27T05:00:00.000Z",
    };
    const view = buildView({ config: parseConfig({}, {}), date: "2026-11-27", stories, leftOut: 0 });
    expect(view.lead?.image?.url).toBe("https://news.example/images/lead.jpg");
    const html = renderer.html(view);
    expect(view.sections.reduce((n, s) => n + s.stories.length, 1)).toBe(40);
    expect(Buffer.byteLength(html)).toBeLessThan(GMAIL_CLIP_BYTES);
  });
});

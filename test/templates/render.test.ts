import { beforeAll, describe, expect, it } from "vitest";
import { createRenderer, type DigestRenderer } from "../../functions/core/edition/render.js";
import { type EditionView, PERSONAL_SLOTS } from "../../functions/core/kernel/types.js";
import { loadTemplateSpec } from "../../functions/local/template-loader.js";
import { largeView, sampleView } from "./sample-view.js";

const GMAIL_CLIP_BYTES = 102 * 1024;

let renderer: DigestRenderer;

beforeAll(async () => {
  renderer = createRenderer(await loadTemplateSpec());
});

/** Handlebars' escaping of {{value}}. */
function escapeHtml(text: string): string {
  const entities: Record<string, string> = {
    "&": "&amp;",
    "<": "&lt;",
    ">": "&gt;",
    '"': "&quot;",
    "'": "&#x27;",
    "`": "&#x60;",
    "=": "&#x3D;",
  };
  return text.replace(/[&<>"'`=]/g, (c) => entities[c] ?? c);
}

function withFirstStory(patch: Partial<EditionView["sections"][number]["stories"][number]>): EditionView {
  const view = sampleView();
  const first = view.sections[0]?.stories[0];
  if (!first) throw new Error("sample view has no story");
  Object.assign(first, patch);
  return view;
}

describe("html escaping and links", () => {
  it("renders a hostile headline and URL as text", () => {
    const view = withFirstStory({
      headline: "<script>alert(1)</script>",
      url: 'https://x.example/"><img src=x onerror=alert(1)>',
      readMoreUrl: 'https://x.example/"><img src=x onerror=alert(1)>',
      excerpt: "Fish & chips <b>bold</b>",
    });
    const html = renderer.html(view);
    expect(html).not.toMatch(/<script/i);
    expect(html).not.toMatch(/<img src=x/i);
    expect(html).not.toMatch(/<b>/);
    expect(html).toContain("&lt;script&gt;alert(1)&lt;/script&gt;");
    // The URL is serialised (percent-encoded) before Handlebars escapes it for the attribute.
    expect(html).toContain('href="https://x.example/%22%3E%3Cimg%20src&#x3D;x%20onerror&#x3D;alert(1)%3E"');
    expect(html).toContain(
      'aria-label="Read more at Riverlands Gazette: &lt;script&gt;alert(1)&lt;/script&gt;"',
    );
    expect(html).toContain("Fish &amp; chips &lt;b&gt;bold&lt;/b&gt;");
  });

  it("escapes quotes and equals signs inside href", () => {
    const html = renderer.html(
      withFirstStory({
        url: "https://x.example/it's?a=1&b=2",
        readMoreUrl: "https://x.example/it's?a=1&b=2",
      }),
    );
    expect(html).toContain('<a href="https://x.example/it&#x27;s?a&#x3D;1&amp;b&#x3D;2" style=');
  });

  it("does not link a javascript: URL", () => {
    const view = withFirstStory({ url: "javascript:alert(1)", readMoreUrl: " JavaScript:alert(1)" });
    const headline = view.sections[0]?.stories[0]?.headline ?? "";
    const html = renderer.html(view);
    expect(html).not.toMatch(/javascript:/i);
    expect(html).toContain(`serif;color:#1f2937;">${headline}</h3>`);
    expect(html).not.toContain(`: ${headline}"`);
    const text = renderer.text(view);
    expect(text).not.toMatch(/javascript:/i);
    expect(text).toContain(headline);
  });

  it("does not link a URL with credentials or without a scheme", () => {
    const view = withFirstStory({
      url: "https://bank.example@evil.example/",
      readMoreUrl: "//evil.example/",
    });
    const html = renderer.html(view);
    expect(html).not.toContain("evil.example");
    expect(renderer.text(view)).not.toContain("evil.example");
  });

  it("links the headline of a story without URL to its hosted copy", () => {
    const html = renderer.html(sampleView());
    expect(html).toContain(
      '<a href="https://digest.example/stories/5f2c9a1e0b7d" style="color:#1f2937;text-decoration:none;">Observatory opens its roof to schools on clear Thursdays</a></h3>',
    );
  });

  it("refuses an unsubscribe URL that is not http(s)", () => {
    expect(() => renderer.html({ ...sampleView(), unsubscribeUrl: "javascript:alert(1)" })).toThrow(
      /unsubscribeUrl/,
    );
    expect(() => renderer.text({ ...sampleView(), preferencesUrl: "" })).toThrow(/preferencesUrl/);
  });
});

describe("structure", () => {
  it("has the head essentials", () => {
    const view = sampleView();
    const html = renderer.html(view);
    expect(html).toMatch(/^<!doctype html><html lang="en"/);
    expect(html).toContain("<title>Tidal power lights up Wexmoor, and 7 more stories</title>");
    expect(html).toContain("Tidal power trial, a new rail timetable &amp; the council&#x27;s budget vote");
    expect(html).toContain('<meta name="color-scheme" content="light dark">');
    expect(html).toContain("prefers-color-scheme: dark");
    expect(html).toContain(">The Lakeside Morning</h1>");
    expect(html).toContain("Friday 27 November 2026");
  });

  it("keeps sections and stories in order, in html and text", () => {
    const view = sampleView();
    const html = renderer.html(view);
    const text = renderer.text(view);
    const names = view.sections.map((s) => s.name);
    const headlines = [
      view.lead?.headline ?? "",
      ...view.sections.flatMap((s) => s.stories.map((story) => story.headline)),
    ];
    const positions = (doc: string, needles: string[]) => needles.map((n) => doc.indexOf(n));
    const ascending = (xs: number[]) => xs.every((x, i) => x >= 0 && (i === 0 || x > (xs[i - 1] ?? -1)));

    expect(
      ascending(
        positions(
          html,
          names.map((n) => `${escapeHtml(n)}</h2>`),
        ),
      ),
    ).toBe(true);
    expect(ascending(positions(html, headlines.map(escapeHtml)))).toBe(true);
    // The lead's headline is an h2 of its own, before the sections'.
    expect(html.match(/<h2 /g)).toHaveLength(names.length + 1);
    expect(html.match(/<h3 /g)).toHaveLength(headlines.length - 1);

    expect(
      ascending(
        positions(
          text,
          names.map((n) => `\n${n}\n${"=".repeat(n.length)}\n`),
        ),
      ),
    ).toBe(true);
    expect(ascending(positions(text, headlines))).toBe(true);
  });

  it("shows the byline under the headline, and the source too when the call to action does not name it", () => {
    const html = renderer.html(sampleView());
    expect(html).toContain(">Ana Ortiz and Tom Reeve</p>");
    expect(html).toContain(">Hillcrest Weekly · Priya Nandakumar</p>");
    expect(html).not.toContain(">Riverlands Gazette</p>");
    const text = renderer.text(sampleView());
    expect(text).toContain("\nLakeside Herald · Ana Ortiz and Tom Reeve\n");
    expect(text).toContain("\nRiverlands Gazette\n");
  });

  it("has one call to action per story, named for where it leads", () => {
    const view = sampleView();
    const html = renderer.html(view);
    expect(html).toContain(
      '<a href="https://lakeside-herald.example/science/2026/11/26/tidal-power-wexmoor" aria-label="Read more at Lakeside Herald: Tidal power trial lights up harbour town for a week"',
    );
    const count = view.sections.reduce((n, s) => n + s.stories.length, 1);
    expect(html.match(/>(Read more at [^<]+|Read the full story)<\/a>/g)).toHaveLength(count);
  });

  it("shows the left-out line only when stories were left out", () => {
    const view = sampleView();
    const html = renderer.html(view);
    expect(html).toContain(
      '<a href="https://digest.example/archive/2026-11-27" style="color:#1d4ed8;">5 more stories today</a>',
    );
    expect(renderer.text(view)).toContain(
      "\n5 more stories today: https://digest.example/archive/2026-11-27\n",
    );

    const one = { ...view, leftOut: 1 };
    expect(renderer.html(one)).toContain(">1 more story today</a>");
    expect(renderer.text(one)).toContain("1 more story today: https://digest.example/archive/2026-11-27");

    const none = { ...view, leftOut: 0, moreUrl: null };
    expect(renderer.html(none)).not.toMatch(/more stor(y|ies) today/);
    expect(renderer.text(none)).not.toMatch(/more stor(y|ies) today/);
  });

  it("renders the footer with the personal slots exactly as given", () => {
    const view = sampleView();
    const html = renderer.html(view);
    expect(html).toContain(
      `<a href="${PERSONAL_SLOTS.preferencesUrl}" style="color:#1d4ed8;">Manage preferences</a>`,
    );
    expect(html).toContain(
      `<a href="${PERSONAL_SLOTS.unsubscribeUrl}" style="color:#1d4ed8;">Unsubscribe</a>`,
    );
    expect(html.split(PERSONAL_SLOTS.unsubscribeUrl)).toHaveLength(2);
    expect(html.split(PERSONAL_SLOTS.preferencesUrl)).toHaveLength(2);
    expect(html).toContain("You are receiving this because you subscribed to The Lakeside Morning.");
    expect(html).toContain(
      ">The Lakeside Morning<br>12 Quay Street<br>Wexmoor WX1 4AB<br>United Kingdom</p>",
    );

    const text = renderer.text(view);
    expect(text).toContain(`\nManage preferences: ${PERSONAL_SLOTS.preferencesUrl}\n`);
    expect(text).toContain(`\nUnsubscribe: ${PERSONAL_SLOTS.unsubscribeUrl}\n`);
    expect(text).toMatch(/\nThe Lakeside Morning\n12 Quay Street\nWexmoor WX1 4AB\nUnited Kingdom\n$/);
  });
});

describe("plain text", () => {
  it("has no HTML, wraps prose at 76 columns and never breaks URLs", () => {
    const view = sampleView();
    const text = renderer.text(view);
    expect(text).not.toMatch(/<\/?[a-z][^>]*>/i);
    expect(text).not.toMatch(/&[a-z]+;|&#/i);
    for (const line of text.split("\n")) {
      if (!/https?:\/\//.test(line)) expect(line.length).toBeLessThanOrEqual(76);
    }
    for (const story of [view.lead, ...view.sections.flatMap((s) => s.stories)]) {
      expect(text).toContain(`\nRead more: ${story?.readMoreUrl}\n`);
    }
    expect(
      text.startsWith(
        "The Lakeside Morning\nFriday 27 November 2026\nView in your browser: https://digest.example/archive/2026-11-27\n\nTidal power trial",
      ),
    ).toBe(true);
  });

  it("puts a word longer than the line on its own line", () => {
    const url = `https://example.org/${"x".repeat(90)}`;
    const text = renderer.text(withFirstStory({ excerpt: `See ${url} for the full report.` }));
    expect(text).toContain(`\nSee\n${url}\nfor the full report.\n`);
  });
});

describe("size", () => {
  it("keeps a 40-story edition under Gmail's 102 KB clip", () => {
    const sizes = [10, 40].map((n) => Buffer.byteLength(renderer.html(largeView(n)), "utf8"));
    const [ten = 0, forty = 0] = sizes;
    console.info(
      `digest html: 10 stories ${ten} B, 40 stories ${forty} B (${((forty - ten) / 30).toFixed(0)} B per story)`,
    );
    expect(forty).toBeLessThan(GMAIL_CLIP_BYTES);
    expect((forty - ten) / 30).toBeLessThan(2048);
  });
});

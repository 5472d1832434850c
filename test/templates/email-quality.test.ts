/**
 * Email quality of the rendered digest: support in Gmail, Outlook and Apple Mail per caniemail's data
 * (every finding fixed or on the commented allow-lists below, so a new one fails), accessibility
 * (axe-core in real Chromium, contrast measured on the colours Chromium computes in light and dark
 * mode, headings, alt text, presentation tables), dark-mode signals, the hidden preheader, the
 * "View in browser" link and Gmail's 102 KB clip.
 */
import { caniemail } from "caniemail";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createRenderer, type DigestRenderer } from "../../functions/core/edition/render.js";
import { contrastRatio, DARK_PALETTE, MIN_TEXT_CONTRAST } from "../../functions/core/kernel/brand.js";
import type { EditionView } from "../../functions/core/kernel/types.js";
import { loadTemplateSpec } from "../../functions/local/template-loader.js";
import {
  cssColorToHex,
  type DomDocument,
  type DomElement,
  type DomStyle,
  launchChromium,
  screenshot,
  seriousAxeViolations,
} from "../preview/chromium.js";
import { largeView, sampleView } from "./sample-view.js";

// Browser globals of the page.evaluate callbacks (see test/preview/chromium.ts).
declare const document: DomDocument;
declare const Node: { TEXT_NODE: number };
declare function getComputedStyle(element: DomElement): DomStyle;

const GMAIL_CLIP_BYTES = 102 * 1024;
const CLIENTS = ["gmail.*", "outlook.*", "apple-mail.*"] as const;

/**
 * caniemail "not supported" findings we keep, each with why it is harmless. Keys are feature titles,
 * values the clients (caniemail names) it may be reported for. Anything else fails the test, and so
 * does an entry no longer reported (the list stays exact).
 */
const ALLOWED_ERRORS: Record<string, { clients: string[]; why: string }> = {
  // Gmail's mobile webmail for non-Google accounts drops <style> altogether. Every colour, size and
  // spacing the email needs is inline (MJML inlines its layout; the template writes inline styles), so
  // what goes is only dark mode and MJML's responsive widths, which that client would ignore anyway.
  "<style> element": { clients: ["gmail.mobile-webmail"], why: "inline styles carry the design" },
  "Class selector": { clients: ["gmail.mobile-webmail"], why: "inside <style>, see above" },
  "Type selector": { clients: ["gmail.mobile-webmail"], why: "inside <style>, see above" },
  "ID selector": { clients: ["gmail.mobile-webmail"], why: "MJML's #outlook a reset, inside <style>" },
  "Descendant combinator": { clients: ["gmail.mobile-webmail"], why: "inside <style>, see above" },
  "Chaining selectors": {
    clients: ["gmail.mobile-webmail", "outlook.windows", "outlook.windows-mail"],
    why: "MJML's own column and reset rules; Outlook for Windows gets MJML's conditional fixed-width tables instead",
  },
  // The prefers-color-scheme block (dark mode) and MJML's min-width query. Clients without media
  // queries show the light design, which is complete on its own: the media queries only add.
  "@media": {
    clients: ["gmail.mobile-webmail", "outlook.windows", "outlook.windows-mail"],
    why: "progressive: dark mode and fluid columns are additions to a complete light, fixed layout",
  },
  // The hidden preheader (mj-preview) stacks techniques, display:none, max-height:0, overflow:hidden,
  // opacity:0 and a 1px font, so each client hides it with what it supports.
  "display:none": { clients: ["gmail.mobile-webmail"], why: "preheader: other techniques hide it" },
  opacity: {
    clients: ["gmail.mobile-webmail", "outlook.windows", "outlook.windows-mail"],
    why: "preheader: other techniques hide it",
  },
  overflow: {
    clients: ["outlook.windows", "outlook.windows-mail"],
    why: "preheader: other techniques hide it",
  },
  // MJML's resets and wrappers: ignored properties and attributes change nothing where unsupported.
  outline: { clients: ["outlook.windows", "outlook.windows-mail"], why: "MJML's img reset (outline:none)" },
  "word-spacing": { clients: ["outlook.windows", "outlook.windows-mail"], why: "MJML's body reset" },
  "word-break": {
    clients: ["outlook.windows-mail"],
    why: "MJML's mj-text cells: long URLs may overflow there",
  },
  "<body> element": {
    clients: ["outlook.macos"],
    why: "MJML repeats the body's background on a wrapper div",
  },
  "role attribute": {
    clients: ["outlook.windows-mail"],
    why: "role=presentation/article for screen readers; ignored where unsupported",
  },
  "aria-label attribute": {
    clients: ["outlook.windows-mail"],
    why: "names the email and each story's call to action; its visible text (Read more at {source}) still makes sense there",
  },
};

/**
 * caniemail "partial" findings (warnings) we accept, by feature title. The template follows MJML's
 * conventions for them (padding on cells, borders ≤ 8px, px sizes, line heights with
 * mso-line-height-rule on headings); a new title fails the test so that it gets a look.
 */
const ALLOWED_WARNINGS = new Set([
  // Box model and text: used the way MJML does, within what each client supports.
  "padding",
  "margin",
  "border",
  "height property",
  "width property",
  "width attribute",
  "height attribute",
  "max-width",
  "line-height",
  "font-size",
  "font-weight",
  "text-align",
  "text-decoration",
  "letter-spacing",
  "display",
  "display:none",
  "overflow",
  "word-break",
  "background",
  "align attribute",
  "dir attribute",
  "direction",
  // <style>, selectors, !important and @media: the dark-mode block and MJML's responsive rules,
  // partial in Gmail apps for non-Google accounts; the inline design stands without them.
  "<style> element",
  "<body> element",
  "!important keyword",
  "@media",
  "Class selector",
  "Type selector",
  "ID selector",
  "Descendant combinator",
  "Chaining selectors",
]);

let renderer: DigestRenderer;
let browser: Browser;

beforeAll(async () => {
  renderer = createRenderer(await loadTemplateSpec());
  browser = await launchChromium();
}, 60_000);

afterAll(async () => {
  await browser?.close();
});

function brandedView(): EditionView {
  return {
    ...sampleView(),
    brand: {
      accentColor: "#9a3412",
      textColor: "#1c1917",
      backgroundColor: "#fffbeb",
      logo: { url: "https://cdn.example/lakeside-logo.png", width: 200, height: 48 },
    },
  };
}

/** The email's HTML in a page of `width` px, light or dark. */
async function open(html: string, width: number, scheme: "light" | "dark"): Promise<Page> {
  // A context of its own per page: axe-core's builder needs one.
  const context = await browser.newContext({ viewport: { width, height: 900 }, colorScheme: scheme });
  const page = await context.newPage();
  // External images (a logo on an invented host) are not fetched: they play no part in these checks.
  await page.route(/^https?:\/\//, (route) => route.abort());
  await page.setContent(html, { waitUntil: "load" });
  return page;
}

interface TextSample {
  tag: string;
  text: string;
  color: string;
  background: string;
}

/** Every visible element with its own text, with its computed colour and the background behind it. */
function textSamples(page: Page): Promise<TextSample[]> {
  return page.evaluate(() => {
    const opaque = (c: string) => c !== "transparent" && !/rgba\([^)]*,\s*0\)$/.test(c);
    const out: TextSample[] = [];
    for (const el of document.body.querySelectorAll("*")) {
      const own = [...el.childNodes]
        .filter((n) => n.nodeType === Node.TEXT_NODE)
        .map((n) => n.textContent ?? "")
        .join("")
        .trim();
      if (!own || el.getClientRects().length === 0) continue;
      const style = getComputedStyle(el);
      if (style.visibility === "hidden" || Number(style.opacity) === 0) continue;
      let bg = "rgb(255, 255, 255)";
      for (let node: DomElement | null = el; node; node = node.parentElement) {
        const c = getComputedStyle(node).backgroundColor;
        if (opaque(c)) {
          bg = c;
          break;
        }
      }
      out.push({ tag: el.tagName.toLowerCase(), text: own.slice(0, 40), color: style.color, background: bg });
    }
    return out;
  });
}

function lowContrast(samples: TextSample[]): string[] {
  return samples
    .map((s) => {
      const fg = cssColorToHex(s.color) as string;
      const bg = cssColorToHex(s.background) as string;
      return { ...s, ratio: contrastRatio(fg, bg), fg, bg };
    })
    .filter((s) => s.ratio < MIN_TEXT_CONTRAST)
    .map((s) => `${s.tag} "${s.text}": ${s.fg} on ${s.bg} = ${s.ratio.toFixed(2)}:1`);
}

describe("caniemail (Gmail, Outlook, Apple Mail)", () => {
  it.each([
    ["the sample edition", sampleView],
    ["a branded edition with a logo", brandedView],
  ])("reports nothing beyond the allow-lists for %s", (_name, makeView) => {
    const html = renderer.html(makeView());
    const { issues } = caniemail({ clients: [...CLIENTS], html });
    const errors = new Set<string>();
    for (const [client, list] of issues.errors)
      for (const issue of list) errors.add(`${issue.title} @ ${client}`);
    const allowed = new Set(
      Object.entries(ALLOWED_ERRORS).flatMap(([title, { clients }]) => clients.map((c) => `${title} @ ${c}`)),
    );
    expect([...errors].filter((e) => !allowed.has(e)).sort(), "findings not on the allow-list").toEqual([]);
    expect(
      [...allowed].filter((a) => !errors.has(a)).sort(),
      "allow-list entries no longer reported",
    ).toEqual([]);

    const warnings = new Set<string>();
    for (const [, list] of issues.warnings) for (const issue of list) warnings.add(issue.title);
    expect(
      [...warnings].filter((w) => !ALLOWED_WARNINGS.has(w)).sort(),
      "new partial-support findings",
    ).toEqual([]);
  });
});

/** The sample edition whose lead has no picture: the lead is then a larger headline alone. */
function noPictureView(): EditionView {
  const view = sampleView();
  return { ...view, lead: view.lead ? { ...view.lead, image: null } : null };
}

describe("the rendered email in Chromium", () => {
  it.each([
    ["light", "sample"],
    ["dark", "sample"],
    ["light", "branded"],
    ["dark", "branded"],
    ["light", "lead-without-picture"],
    ["dark", "lead-without-picture"],
  ] as const)(
    "has body-text contrast ≥ 4.5:1 and no serious axe violations (%s, %s)",
    async (scheme, which) => {
      const view = which === "sample" ? sampleView() : which === "branded" ? brandedView() : noPictureView();
      const page = await open(renderer.html(view), 600, scheme);
      try {
        const samples = await textSamples(page);
        expect(samples.length).toBeGreaterThan(30);
        expect(lowContrast(samples)).toEqual([]);
        // The dark palette is the one brand.ts documents and the config's contrast rules assume.
        const card = await page.evaluate(
          () => getComputedStyle(document.querySelector(".dg-card") as DomElement).backgroundColor,
        );
        const expectedCard =
          scheme === "dark" ? DARK_PALETTE.background : (view.brand?.backgroundColor ?? "#ffffff");
        expect(cssColorToHex(card)).toBe(expectedCard);

        expect(await seriousAxeViolations(page)).toEqual([]);
        await screenshot(page, `email-${which}-${scheme}`);
      } finally {
        await page.context().close();
      }
    },
  );

  it("is structured for assistive technology: lang, presentation tables, headings, alt text, link text", async () => {
    const page = await open(renderer.html(brandedView()), 600, "light");
    try {
      const facts = await page.evaluate(() => ({
        lang: document.documentElement.lang,
        tables: [...document.querySelectorAll("table")].map((t) => t.getAttribute("role")),
        headings: [...document.querySelectorAll("h1, h2, h3, h4, h5, h6")].map((h) => h.tagName),
        images: [...document.querySelectorAll("img")].map((i) => ({
          alt: i.getAttribute("alt"),
          width: i.getAttribute("width"),
          height: i.getAttribute("height"),
        })),
        links: [...document.querySelectorAll("a")].map((a) => ({
          // A picture's link is named by the picture's alt text.
          name:
            a.getAttribute("aria-label") ??
            (a.textContent?.trim() || a.querySelector("img")?.getAttribute("alt")) ??
            "",
          href: a.getAttribute("href"),
        })),
        h1: document.querySelector("h1")?.textContent ?? "",
      }));
      expect(facts.lang).toBe("en");
      expect(facts.tables.length).toBeGreaterThanOrEqual(4);
      expect(facts.tables.every((role) => role === "presentation")).toBe(true);
      // One h1 (the brand), the lead's h2, then an h2 per section, each followed by its stories' h3s.
      expect(facts.headings[0]).toBe("H1");
      expect(facts.headings[1]).toBe("H2");
      expect(facts.headings.filter((h) => h === "H1")).toHaveLength(1);
      expect(facts.headings.filter((h) => h === "H2")).toHaveLength(4);
      expect(facts.headings.filter((h) => h === "H3")).toHaveLength(7);
      expect(facts.headings.indexOf("H3")).toBeGreaterThan(facts.headings.indexOf("H2"));
      // The logo stands in for the brand name: its alt text is the name, its size is reserved; so is
      // the lead's picture, whose alt text is the source's caption.
      expect(facts.images).toEqual([
        { alt: "The Lakeside Morning", width: "200", height: "48" },
        { alt: "Tidal turbines in Wexmoor harbour at low tide", width: "536", height: "302" },
      ]);
      expect(facts.h1).toBe("");
      // Every link says where it goes, without its surroundings.
      for (const link of facts.links) {
        expect(link.name.length, `link to ${link.href}`).toBeGreaterThan(3);
        expect(link.name).not.toMatch(/^(click here|here|link|more)$/i);
      }
      // One call to action per story, each name unique (the same name twice would be two links to tell apart).
      const ctas = facts.links.filter((l) => /^Read (more at|the full story)/.test(l.name));
      expect(ctas).toHaveLength(8);
      expect(new Set(ctas.map((l) => l.name)).size).toBe(8);
    } finally {
      await page.context().close();
    }
  });

  it("hides the preheader, and opens with View in browser pointing at the archive page", async () => {
    const view = sampleView();
    const page = await open(renderer.html(view), 600, "light");
    try {
      const preheader = page.locator("body > div").first();
      expect((await preheader.textContent())?.trim()).toBe(view.preheader);
      expect(await preheader.isVisible()).toBe(false);
      const first = page.locator("a").first();
      expect(await first.textContent()).toBe("View this email in your browser");
      expect(await first.getAttribute("href")).toBe("https://digest.example/archive/2026-11-27");
      expect(await first.isVisible()).toBe(true);
    } finally {
      await page.context().close();
    }
  });

  it.each([
    ["light", "branded"],
    ["light", "sample"],
    ["dark", "sample"],
    ["light", "lead-without-picture"],
  ] as const)("never scrolls sideways at 375 px (%s, %s)", async (scheme, which) => {
    const view = which === "sample" ? sampleView() : which === "branded" ? brandedView() : noPictureView();
    const page = await open(renderer.html(view), 375, scheme);
    try {
      await screenshot(page, `email-${which}-${scheme}-375`);
      const { scroll, client } = await page.evaluate(() => ({
        scroll: document.documentElement.scrollWidth,
        client: document.documentElement.clientWidth,
      }));
      expect(scroll).toBeLessThanOrEqual(client);
    } finally {
      await page.context().close();
    }
  });
});

describe("dark-mode signals and size", () => {
  it("declares light and dark support and carries a prefers-color-scheme block", () => {
    const html = renderer.html(sampleView());
    expect(html).toContain('<meta name="color-scheme" content="light dark">');
    expect(html).toContain('<meta name="supported-color-schemes" content="light dark">');
    const block =
      /@media \(prefers-color-scheme: dark\) \{([\s\S]*?)\n\s*\}\s*<\/style>/.exec(html)?.[1] ?? "";
    for (const colour of Object.values(DARK_PALETTE)) expect(block).toContain(colour);
  });

  it("stays under Gmail's 102 KB clip at the default cap of 40 stories, branded or not", () => {
    for (const view of [largeView(40), { ...largeView(40), brand: brandedView().brand }]) {
      expect(Buffer.byteLength(renderer.html(view))).toBeLessThan(GMAIL_CLIP_BYTES);
    }
  });
});

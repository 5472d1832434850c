/**
 * HTML article pages (`.html`, a page saved from a browser or fetched): the main content extracted
 * with @mozilla/readability over linkedom, the metadata read from JSON-LD and meta tags (see
 * article-metadata.ts), and what is left of the site's furniture inside the content removed by shape.
 */
import { Readability } from "@mozilla/readability";
import { endsLikeSentence, looksLikeProse, oneLine, wordCount } from "../kernel/text.js";
import type { StoryDraft } from "../kernel/types.js";
import { type MetadataFields, type PageMetadata, readPageMetadata } from "./article-metadata.js";
import { type DomElement, htmlDocument } from "./dom.js";
import { nodeToText } from "./html-text.js";
import { checkMarkup, MARKUP_LIMITS } from "./markup-limits.js";

/** Page furniture removed before extraction: never part of an article's text. */
const FURNITURE =
  "nav, aside, form, dialog, [role=navigation], [role=complementary], [role=banner], [role=contentinfo], [role=dialog], [aria-hidden=true], [hidden]";

/** The first value of `field` in order of trust: JSON-LD, then meta tags. */
function pick(meta: PageMetadata, field: keyof MetadataFields): string | undefined {
  return meta.jsonLd[field] ?? meta.meta[field];
}

/** `<title>` usually carries the site name after a separator: "Headline | Site", "Headline - Site". */
function titleWithoutSiteName(title: string, siteName: string | undefined): string {
  const parts = title.split(/\s+[|–—·•»-]\s+/);
  if (parts.length < 2) return title;
  const last = (parts[parts.length - 1] ?? "").toLowerCase();
  const first = (parts[0] ?? "").toLowerCase();
  if (siteName !== undefined && last === siteName.toLowerCase()) return parts.slice(0, -1).join(" - ");
  if (siteName !== undefined && first === siteName.toLowerCase()) return parts.slice(1).join(" - ");
  // A short last part is a site name even when the page does not name its site elsewhere.
  return wordCount(last) <= 4 && wordCount(parts.slice(0, -1).join(" ")) >= 3
    ? parts.slice(0, -1).join(" - ")
    : title;
}

/** Share of an element's text that sits inside links. */
function linkDensity(el: DomElement): number {
  const all = oneLine(el.textContent ?? "").length;
  if (all === 0) return 0;
  const linked = Array.from(el.querySelectorAll("a")).reduce(
    (n, a) => n + oneLine(a.textContent ?? "").length,
    0,
  );
  return linked / all;
}

const HEADING = /^h[1-6]$/;

/**
 * Removes what readability leaves of the page's furniture, judged by shape rather than by phrases:
 * a paragraph that is mostly a link (a "sign up" button, "Read more: …"), a short paragraph that does
 * not end like a sentence ("Advertisement", "Continue reading below"), a list whose items are all
 * links (related stories), a heading left with nothing after it, and a heading repeating the headline.
 */
function removeChrome(container: DomElement, headline: string): void {
  const blocks = Array.from(container.querySelectorAll("p, div, ul, ol, h1, h2, h3, h4, h5, h6, figure"));
  for (const el of blocks) {
    if (!el.isConnected) continue;
    const tag = el.localName.toLowerCase();
    const t = oneLine(el.textContent ?? "");
    if (HEADING.test(tag)) {
      if (t.toLowerCase() === headline.toLowerCase()) el.remove();
      continue;
    }
    if (tag === "ul" || tag === "ol") {
      const items = Array.from(el.querySelectorAll("li"));
      if (items.length > 0 && items.every((li) => linkDensity(li) > 0.8)) el.remove();
      continue;
    }
    if (tag === "figure") continue;
    // Only leaf blocks: a div holding paragraphs is judged through them.
    if (el.querySelector("p, div, ul, ol, h1, h2, h3, h4, h5, h6, blockquote, figure") !== null) continue;
    if (t === "") continue;
    if (linkDensity(el) > 0.8 || (!endsLikeSentence(t) && wordCount(t) < 10)) el.remove();
  }
  // Headings with no prose after them head a list that was removed, or the page's footer.
  const remaining = Array.from(container.querySelectorAll("p, li, blockquote, h1, h2, h3, h4, h5, h6"));
  for (let i = remaining.length - 1; i >= 0; i--) {
    const el = remaining[i] as DomElement;
    if (!HEADING.test(el.localName.toLowerCase())) break;
    el.remove();
  }
}

interface Extracted {
  /** The main content: readability's pick or, failing that, the page's article, main or body. */
  container: DomElement | null;
  /** What readability read of the page (its own reading of metadata and bylines), when it found an article. */
  readability: { title?: string; byline?: string; siteName?: string; publishedTime?: string };
}

function mainContent(html: string): Extracted {
  const doc = htmlDocument(html);
  for (const el of Array.from(doc.querySelectorAll(FURNITURE))) el.remove();
  const fallback = doc.querySelector("article") ?? doc.querySelector("main") ?? doc.body;
  const fallbackHtml = fallback?.innerHTML ?? "";
  const article = new Readability(doc, {
    charThreshold: 200,
    keepClasses: false,
    // Already enforced by checkMarkup; Readability's own bound, as a second line of defence.
    maxElemsToParse: MARKUP_LIMITS.page.maxElements,
  }).parse();
  const content = article?.content ?? fallbackHtml;
  const container = htmlDocument(`<div id="story-content">${content}</div>`).querySelector("#story-content");
  const readability: Extracted["readability"] = {};
  for (const key of ["title", "byline", "siteName", "publishedTime"] as const) {
    const v = oneLine(article?.[key] ?? "");
    if (v !== "") readability[key] = v;
  }
  return { container, readability };
}

/**
 * Parses an HTML article page into a draft. Each field comes from the most trusted place that has it:
 * JSON-LD, then meta tags, then the first `<h1>` (headline only), then readability's reading of the
 * page, then `<title>` without the site name (headline only) —
 * headline, publishedAt, byline, source (publisher or site name), section; the URL is the page's
 * `<link rel="canonical">` when present (resolved against og:url or the JSON-LD url when relative),
 * else the JSON-LD url, else og:url. `image`: JSON-LD `image`, else og:image (checked when finalised). `html` is the extracted article (sanitised later, when the story
 * is finalised) and `body` its plain text. Returns `{ error }` when the page has no headline anywhere
 * or no article text; throws a MarkupLimitError, before parsing, for a page over the markup limits of
 * a page (markup-limits.ts), so that every step here is bounded by them.
 */
export function parseArticleHtml(html: string): { draft: StoryDraft } | { error: string } {
  checkMarkup(html, MARKUP_LIMITS.page);
  const meta = readPageMetadata(htmlDocument(html));
  const { container, readability } = mainContent(html);

  const source = pick(meta, "source") ?? readability.siteName;
  const titleText = meta.title === undefined ? undefined : titleWithoutSiteName(meta.title, source);
  const headline = pick(meta, "headline") ?? meta.h1 ?? readability.title ?? titleText;
  if (headline === undefined) {
    return { error: "no headline: no <h1>, og:title, JSON-LD headline or <title>" };
  }
  if (container === null) return { error: "no body: the page has no article text" };
  removeChrome(container, headline);
  const body = nodeToText(container);
  if (!splitHasProse(body)) {
    return {
      error: "no body: no paragraph of article text in the page (only headings, links or short lines)",
    };
  }

  const draft: StoryDraft = { headline, body, html: container.innerHTML };
  const url = pageUrl(meta);
  if (url !== undefined) draft.url = url;
  const publishedAt = pick(meta, "publishedAt") ?? readability.publishedTime;
  if (publishedAt !== undefined) draft.publishedAt = publishedAt;
  const byline = pick(meta, "byline") ?? readability.byline?.replace(/^by\b:?\s*/i, "");
  if (byline !== undefined && byline !== "") draft.byline = byline;
  const section = pick(meta, "section");
  if (section !== undefined) draft.section = section;
  if (source !== undefined) draft.source = source;
  if (meta.image !== undefined) draft.image = meta.image;
  return { draft };
}

function splitHasProse(body: string): boolean {
  return body.split("\n\n").some((p) => looksLikeProse(p) || wordCount(p) >= 12);
}

/** The canonical link, made absolute against the page's own URL when it is relative. */
function pageUrl(meta: PageMetadata): string | undefined {
  const declared = meta.jsonLd.url ?? meta.meta.url;
  if (meta.canonical !== undefined) {
    try {
      return new URL(meta.canonical, declared).href;
    } catch {
      // A relative canonical link with no page URL to resolve it against: fall back to the declared URL.
    }
  }
  return declared;
}

/**
 * Reading a feed document (RSS 2.0, RSS 1.0/RDF, Atom, JSON Feed) into story drafts. Pure: the caller
 * fetches or reads the document. The drafts go through the one import path (story-import.ts), which
 * canonicalises URLs, parses dates and sanitises `html`.
 */
import { type AnyFeed, parseFeed } from "feedsmith";
import { nonBlank, normalizeText, oneLine } from "../kernel/text.js";
import type { ParsedRecord, StoryDraft } from "../kernel/types.js";
import type { DomElement, DomNode } from "./dom.js";
import { itemImage } from "./feed-images.js";
import { nodeToText, parseBoundedHtml } from "./html-text.js";
import { MarkupLimitError, markupWork } from "./markup-limits.js";
import { xmlTagProblem } from "./xml-tags.js";

export type FeedParseResult = { records: ParsedRecord[]; title: string | null } | { error: string };

type Format = AnyFeed["format"];

/** A feed item reduced to what a story needs; fields still raw (HTML possibly escaped). */
interface RawItem {
  title?: string;
  /** Title given as HTML (Atom type="html"/"xhtml"). */
  titleIsHtml?: boolean;
  links: string[];
  published?: string;
  updated?: string;
  authors: string[];
  contentHtml?: string;
  contentText?: string;
  summary?: string;
  summaryIsHtml?: boolean;
  /** The item's picture: an image enclosure, media:content or media:thumbnail, JSON Feed's image. */
  image?: NonNullable<StoryDraft["image"]>;
}

/** The element names each format reads the publication time from, for the "no date" message. */
const DATE_FIELDS: Record<Format, string> = {
  rss: "pubDate or dc:date",
  rdf: "dc:date",
  atom: "published or updated",
  json: "date_published or date_modified",
};

/** Signs that a string meant as text is really HTML (tags or character references). */
const LOOKS_LIKE_HTML = /<\/?[a-z][a-z0-9-]*(?:\s[^>]*)?\/?>|&(?:#\d+|#x[0-9a-f]+|[a-z][a-z0-9]+);/i;

/** Feed boilerplate that is never part of a story's lede (WordPress, Feedburner and the like). */
const CHROME_PARAGRAPH =
  /^(?:the post .+ appeared first on .+|continue reading.*|read more.*|read the full (?:story|article).*|\(?(?:this )?(?:article|post|story) (?:was )?(?:originally )?(?:appeared|published) (?:first )?(?:on|in|at) .+)$/i;

/** A link reading like this is the feed's "continue reading" chrome, not part of the story. */
const CHROME_LINK = /^\s*(?:continue reading|read more|read the full)\b/i;

/** Characters of a link's text enough to tell whether it is {@link CHROME_LINK}. */
const CHROME_LINK_PREFIX = 32;
/** Nodes of a link read at most to find that prefix (empty elements before the text are not chrome). */
const CHROME_LINK_NODES = 64;

/**
 * The first characters of an element's text (at least `chars` when it has that many within its first
 * `CHROME_LINK_NODES` nodes), read with a walk that stops there: the whole text of each link would
 * cost quadratic time for nested links.
 */
function leadingText(el: DomNode, chars: number): string {
  let text = "";
  let visits = 0;
  const stack: DomNode[] = [el];
  for (
    let node = stack.pop();
    node !== undefined && text.length < chars && visits++ < CHROME_LINK_NODES;
    node = stack.pop()
  ) {
    markupWork.nodesWalked++;
    if (node.nodeType === 3) text += node.textContent ?? "";
    else if (node.nodeType === 1) {
      const children = node.childNodes;
      for (let i = children.length - 1; i >= 0; i--) stack.push(children[i] as DomNode);
    }
  }
  return text;
}

/**
 * Plain text of feed HTML as {@link nodeToText} reads any HTML, less the feed's own chrome: links
 * reading "Continue reading" / "Read more", paragraphs such as "The post … appeared first on …", and a
 * trailing "[…]" made an ellipsis. Throws a MarkupLimitError for markup over one story's limits.
 */
function htmlToText(html: string): string {
  const { body } = parseBoundedHtml(html);
  const chrome = Array.from(body.querySelectorAll("a")).filter((a: DomElement) =>
    CHROME_LINK.test(leadingText(a, CHROME_LINK_PREFIX)),
  );
  for (const a of chrome) a.remove();
  return nodeToText(body)
    .split("\n\n")
    .filter((p) => p !== "" && !CHROME_PARAGRAPH.test(p))
    .join("\n\n")
    .replace(/\s*\[(?:…|\.\.\.)\]$/u, "…");
}

/** The text of a value that is text by contract but often carries HTML in practice (RSS titles). */
function looseText(value: string | undefined, isHtml = false): string | undefined {
  if (value === undefined) return undefined;
  const text = isHtml || LOOKS_LIKE_HTML.test(value) ? htmlToText(value) : normalizeText(value);
  return text === "" ? undefined : text;
}

/** The feed's own title: one over the markup limits is no title (the items still carry their own). */
function feedTitle(value: string | undefined, isHtml = false): string | null {
  try {
    return looseText(value, isHtml) ?? null;
  } catch (e) {
    if (e instanceof MarkupLimitError) return null;
    throw e;
  }
}

function isHtmlType(type: string | undefined): boolean {
  return type === "html" || type === "xhtml" || /html/i.test(type ?? "");
}

/** Atom: the alternate link (type text/html preferred), else any link that is not self/edit/enclosure. */
function atomLinks(links: { href?: string; rel?: string; type?: string }[] | undefined): string[] {
  const all = (links ?? []).filter((l) => nonBlank(l.href));
  const alternate = all.filter((l) => l.rel === undefined || l.rel === "" || l.rel === "alternate");
  alternate.sort((a, b) => Number(/html/i.test(b.type ?? "")) - Number(/html/i.test(a.type ?? "")));
  return alternate.map((l) => l.href as string);
}

type FeedItems = { title: string | null; home: string | undefined; items: RawItem[] };

/** RSS 2.0 and RSS 1.0 (RDF) alike: titles, content:encoded and an HTML description; `read` takes the rest. */
function rssItems<I extends { title?: string; description?: string; content?: { encoded?: string } }>(
  feed: { title?: string; link?: string; items?: I[] },
  read: (item: I) => Pick<RawItem, "links" | "published" | "updated" | "authors" | "image">,
): FeedItems {
  return {
    title: feedTitle(feed.title),
    home: feed.link,
    items: (feed.items ?? []).map((item) => ({
      title: item.title,
      ...read(item),
      contentHtml: item.content?.encoded,
      summary: item.description,
      summaryIsHtml: true,
    })),
  };
}

/** The feed's own title and home page, and its items, whatever the format. */
function rawItems(parsed: AnyFeed): FeedItems {
  switch (parsed.format) {
    case "rss":
      return rssItems(parsed.feed, (item) => ({
        links: [
          item.link,
          // A permalink guid is the item's address when <link> is missing.
          item.guid && item.guid.isPermaLink !== false ? item.guid.value : undefined,
          ...atomLinks(item.atom?.links),
        ].filter(nonBlank),
        published: [item.pubDate, ...(item.dc?.dates ?? []), item.atom?.published].find(nonBlank),
        updated: [...(item.dcterms?.modified ?? []), item.atom?.updated].find(nonBlank),
        authors: [
          ...(item.dc?.creators ?? []),
          ...(item.dc?.creators?.length ? [] : (item.authors ?? []).map((a) => a.name ?? a.email)),
        ].filter(nonBlank),
        image: itemImage(item.enclosures ?? [], item.media),
      }));
    case "rdf":
      return rssItems(parsed.feed, (item) => ({
        links: [item.link, item.rdf?.about].filter(nonBlank),
        published: [...(item.dc?.dates ?? [])].find(nonBlank),
        authors: (item.dc?.creators ?? []).filter(nonBlank),
      }));
    case "atom": {
      const feed = parsed.feed;
      return {
        title: feedTitle(feed.title?.value, isHtmlType(feed.title?.type)),
        home: atomLinks(feed.links)[0],
        items: (feed.entries ?? []).map((entry) => {
          const content = entry.content && !entry.content.src ? entry.content : undefined;
          const contentIsHtml = isHtmlType(content?.type);
          return {
            title: entry.title?.value,
            titleIsHtml: isHtmlType(entry.title?.type),
            links: atomLinks(entry.links),
            published: [entry.published, ...(entry.dc?.dates ?? [])].find(nonBlank),
            updated: entry.updated,
            authors: (entry.authors ?? []).map((a) => a.name).filter(nonBlank),
            contentHtml: contentIsHtml ? content?.value : undefined,
            contentText: contentIsHtml ? undefined : content?.value,
            summary: entry.summary?.value,
            summaryIsHtml: isHtmlType(entry.summary?.type),
            image: itemImage(
              (entry.links ?? [])
                .filter((l) => l.rel === "enclosure")
                .map((l) => ({ url: l.href, type: l.type })),
              entry.media,
            ),
          };
        }),
      };
    }
    case "json": {
      const feed = parsed.feed;
      return {
        title: feedTitle(feed.title),
        home: feed.home_page_url ?? feed.feed_url,
        items: (feed.items ?? []).map((item) => ({
          title: item.title,
          links: [item.url, item.external_url].filter(nonBlank),
          published: item.date_published,
          updated: item.date_modified,
          authors: (item.authors ?? feed.authors ?? []).map((a) => a.name).filter(nonBlank),
          contentHtml: item.content_html,
          contentText: item.content_text,
          summary: item.summary,
          summaryIsHtml: false,
          image: nonBlank(item.image)
            ? { url: item.image }
            : nonBlank(item.banner_image)
              ? { url: item.banner_image }
              : undefined,
        })),
      };
    }
  }
}

/** `link` resolved against the feed's address; unresolvable links are returned as given (finaliseStory names them). */
function resolveLink(link: string, base: string | undefined): string {
  const trimmed = link.trim();
  if (base === undefined) return trimmed;
  try {
    return new URL(trimmed, base).href;
  } catch {
    return trimmed;
  }
}

/**
 * The record of one item: {@link readItem}, with markup over one story's limits (or anything else
 * that makes reading this item throw) reported as this item's error, so the other items are read.
 */
function toRecord(item: RawItem, line: number, format: Format, feedUrl: string | undefined): ParsedRecord {
  let field = "item";
  try {
    return readItem(item, line, format, feedUrl, (name) => {
      field = name;
    });
  } catch (e) {
    if (e instanceof MarkupLimitError) return { line, error: `${field}: ${e.message}` };
    return { line, error: `${field}: cannot be read (${(e as Error).name}: ${(e as Error).message})` };
  }
}

function readItem(
  item: RawItem,
  line: number,
  format: Format,
  feedUrl: string | undefined,
  reading: (field: string) => void,
): ParsedRecord {
  const link = item.links[0];
  if (link === undefined) return { line, error: "no link" };
  const publishedAt = item.published ?? item.updated;
  if (!nonBlank(publishedAt)) return { line, error: `no date (${DATE_FIELDS[format]})` };
  reading("headline");
  const headline = looseText(item.title, item.titleIsHtml);
  if (headline === undefined) return { line, error: "no title" };

  const draft: StoryDraft = { headline: oneLine(headline), url: resolveLink(link, feedUrl), publishedAt };
  if (item.authors.length > 0) draft.byline = [...new Set(item.authors.map(oneLine))].join(", ");
  if (item.image) draft.image = { ...item.image, url: resolveLink(item.image.url, feedUrl) };
  // Prefer full content; an RSS description that carries markup is the content when nothing else does.
  const html = nonBlank(item.contentHtml)
    ? item.contentHtml
    : !nonBlank(item.contentText) &&
        nonBlank(item.summary) &&
        item.summaryIsHtml &&
        LOOKS_LIKE_HTML.test(item.summary)
      ? item.summary
      : undefined;
  let htmlText: string | undefined;
  if (html !== undefined) {
    reading("html");
    draft.html = html;
    htmlText = htmlToText(html);
    if (htmlText !== "") draft.body = htmlText;
  }
  reading("excerpt");
  // The description read as the content already: its text is known.
  const summaryText =
    html !== undefined && html === item.summary && item.summaryIsHtml
      ? htmlText || undefined
      : looseText(item.summary, item.summaryIsHtml);
  if (html === undefined && nonBlank(item.contentText)) {
    draft.body = normalizeText(item.contentText);
  } else if (html === undefined && summaryText !== undefined) {
    draft.body = summaryText;
  }
  if (summaryText !== undefined && html !== item.summary) draft.excerpt = oneLine(summaryText);
  return { line, draft };
}

/** The first characters of `text` on one line, quoted, for messages. */
function preview(text: string): string {
  const head = oneLine(text.slice(0, 40));
  return JSON.stringify(text.length > 40 ? `${head}…` : head);
}

/** Why a parsed-but-unrecognised document is not a feed. */
function notAFeedReason(text: string, isJson: boolean): string {
  if (isJson) return "not a feed: JSON without a JSON Feed version (https://jsonfeed.org/version/1.1)";
  const root = /<([A-Za-z_][\w:.-]*)/.exec(
    text.replace(/<\?[\s\S]*?\?>|<!--[\s\S]*?-->|<!DOCTYPE[^>]*>/gi, ""),
  );
  return `not a feed: the root element is <${root?.[1] ?? "?"}>, not <rss>, <feed> or <rdf:RDF>`;
}

/**
 * Parses a feed document: RSS 2.0, RSS 1.0 (RDF), Atom or JSON Feed, detected from the content.
 * Returns one record per item (`line` = 1-based item number): a draft with headline, URL (resolved
 * against `feedUrl`), raw publication time, byline, untrusted content HTML, body text and excerpt text,
 * and the feed's title as source; or an error record for an item with no link ("no link"), no date
 * ("no date (pubDate or dc:date)") or no title. Returns `{ error }` when the document as a whole is not
 * a feed: empty, binary, HTML, malformed XML or JSON, or XML/JSON of another kind.
 */
export function parseFeedDocument(text: string, feedUrl?: string): FeedParseResult {
  const doc = text.startsWith("\uFEFF") ? text.slice(1) : text;
  if (doc.includes("\u0000")) return { error: "not a feed: binary data" };
  const start = doc.trimStart();
  if (start === "") return { error: "not a feed: the document is empty" };
  const isJson = start.startsWith("{") || start.startsWith("[");
  if (isJson) {
    try {
      JSON.parse(start);
    } catch (e) {
      return { error: `not JSON: ${(e as Error).message}` };
    }
  } else {
    if (!start.startsWith("<")) return { error: `not XML: the document starts with ${preview(start)}` };
    const prolog = start.replace(/^(?:<\?[\s\S]*?\?>\s*|<!--[\s\S]*?-->\s*)*/, "");
    if (/^<!doctype\s+html|^<html[\s>]/i.test(prolog)) return { error: "not a feed: the document is HTML" };
    const problem = xmlTagProblem(start);
    if (problem !== null) return { error: `not XML: ${problem}` };
  }
  let parsed: AnyFeed;
  try {
    parsed = parseFeed(start);
  } catch (e) {
    if ((e as Error).name === "DetectError") return { error: notAFeedReason(start, isJson) };
    return { error: `not a feed: ${(e as Error).message}` };
  }
  const { title, home, items } = rawItems(parsed);
  // Relative links resolve against the feed's address, else (a file) against the site it names.
  const base = [feedUrl, home].find((u) => u !== undefined && /^https?:\/\//i.test(u.trim()));
  const source = title === null ? null : oneLine(title);
  const records = items.map((item, i) => {
    const record = toRecord(item, i + 1, parsed.format, base);
    if ("draft" in record && source) record.draft.source = source;
    return record;
  });
  return { records, title: source || null };
}

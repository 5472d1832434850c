/**
 * An article page's metadata, from the two places publishers put it: JSON-LD (schema.org
 * NewsArticle, Article, BlogPosting…, also inside an `@graph`) and meta tags (Open Graph, article:*,
 * name="author"), plus `<link rel="canonical">`, the first `<h1>` and `<title>`.
 */

import { oneLine } from "../kernel/text.js";
import type { StoryDraft } from "../kernel/types.js";
import type { DomDocument } from "./dom.js";
import { decodeCharacterReferences } from "./html-text.js";

/** What each source of metadata says; a field is absent when that source does not say it. */
export interface MetadataFields {
  headline?: string;
  publishedAt?: string;
  byline?: string;
  source?: string;
  section?: string;
  url?: string;
}

/** A picture as the page names it (checked later, when the story is finalised: story-image.ts). */
export type PageImage = NonNullable<StoryDraft["image"]>;

export interface PageMetadata {
  jsonLd: MetadataFields;
  meta: MetadataFields;
  /** The article's picture: JSON-LD `image`, then og:image / twitter:image. */
  image?: PageImage;
  /** `<link rel="canonical">` href, as written (may be relative). */
  canonical?: string;
  /** Text of the first `<h1>`. */
  h1?: string;
  /** Text of `<title>`. */
  title?: string;
}

type JsonObject = Record<string, unknown>;

const isObject = (v: unknown): v is JsonObject => typeof v === "object" && v !== null && !Array.isArray(v);
const asArray = (v: unknown): unknown[] => (Array.isArray(v) ? v : v === undefined || v === null ? [] : [v]);

/** A non-empty single-line string, or undefined. */
function text(v: unknown): string | undefined {
  if (typeof v !== "string" && typeof v !== "number") return undefined;
  // Publishers often HTML-encode JSON-LD and meta values ("O&#8217;Neill").
  const t = oneLine(decodeCharacterReferences(String(v)));
  return t === "" ? undefined : t;
}

const ARTICLE_TYPE = /(?:Article|BlogPosting|NewsArticle|Report)$/;

function typesOf(node: JsonObject): string[] {
  return asArray(node["@type"]).filter((t): t is string => typeof t === "string");
}

/** How deep `@graph`s inside `@graph`s are read (real pages have one level; a hostile one, thousands). */
const MAX_GRAPH_DEPTH = 8;

/** Every object in the JSON-LD blocks, `@graph` members included, in document order. */
function jsonLdNodes(blocks: unknown[]): JsonObject[] {
  const out: JsonObject[] = [];
  const visit = (v: unknown, depth: number): void => {
    for (const item of asArray(v)) {
      if (!isObject(item)) continue;
      out.push(item);
      if (item["@graph"] !== undefined && depth < MAX_GRAPH_DEPTH) visit(item["@graph"], depth + 1);
    }
  };
  for (const block of blocks) visit(block, 0);
  return out;
}

/** Parses the JSON of a `<script type="application/ld+json">`, tolerating HTML comment and CDATA wrappers. */
function parseJsonLd(raw: string): unknown {
  const cleaned = raw
    .replace(/^\s*(?:<!--|<!\[CDATA\[)/, "")
    .replace(/(?:-->|\]\]>)\s*$/, "")
    .trim();
  try {
    return JSON.parse(cleaned);
  } catch {
    return undefined;
  }
}

/** A size as JSON-LD writes it: 800, "800", "800 px" or a QuantitativeValue { value: 800 }. */
function size(v: unknown): number | undefined {
  const raw = isObject(v) ? v.value : v;
  const n = typeof raw === "number" ? raw : typeof raw === "string" ? Number.parseInt(raw, 10) : Number.NaN;
  return Number.isFinite(n) ? n : undefined;
}

/**
 * The first picture of a JSON-LD `image` (a URL, an ImageObject, or a list of either; ImageObjects
 * by `@id` resolved), with its caption (else description, else name) as alt text and its size.
 */
function jsonLdImage(value: unknown, resolve: (v: unknown) => unknown): PageImage | undefined {
  for (const item of asArray(value)) {
    const node = resolve(item);
    if (typeof node === "string") {
      const url = text(node);
      if (url) return { url };
      continue;
    }
    if (!isObject(node)) continue;
    const url = text(node.url) ?? text(node.contentUrl);
    if (!url) continue;
    const image: PageImage = { url };
    const alt = text(node.caption) ?? text(node.description) ?? text(node.name);
    if (alt) image.alt = alt;
    const width = size(node.width);
    const height = size(node.height);
    if (width !== undefined) image.width = width;
    if (height !== undefined) image.height = height;
    return image;
  }
  return undefined;
}

/** Reads the article node of the page's JSON-LD: the first node typed as an article. */
export function readJsonLd(blocks: string[]): MetadataFields {
  return readJsonLdArticle(blocks).fields;
}

/** The article node's fields and its picture. */
function readJsonLdArticle(blocks: string[]): { fields: MetadataFields; image?: PageImage } {
  const nodes = jsonLdNodes(blocks.map(parseJsonLd));
  const byId = new Map<string, JsonObject>();
  for (const n of nodes) if (typeof n["@id"] === "string") byId.set(n["@id"], n);
  // Yoast and others write { "@id": "…#/schema/person/1" } and put the person elsewhere in the graph.
  const resolve = (v: unknown): unknown => {
    if (isObject(v) && typeof v["@id"] === "string" && Object.keys(v).length === 1) {
      return byId.get(v["@id"]) ?? v;
    }
    return v;
  };
  const nameOf = (v: unknown): string | undefined => {
    const r = resolve(v);
    return isObject(r) ? text(r.name) : text(r);
  };
  const article = nodes.find((n) => typesOf(n).some((t) => ARTICLE_TYPE.test(t)));
  if (article === undefined) return { fields: {} };
  const fields: MetadataFields = {};
  const headline = text(article.headline) ?? text(article.name);
  if (headline) fields.headline = headline;
  const published = text(article.datePublished) ?? text(article.dateCreated);
  if (published) fields.publishedAt = published;
  const authors = asArray(article.author)
    .map(nameOf)
    .filter((n): n is string => n !== undefined && !/^https?:\/\//i.test(n));
  if (authors.length > 0) fields.byline = joinNames(authors);
  const publisher = nameOf(article.publisher);
  if (publisher) fields.source = publisher;
  const section = asArray(article.articleSection)
    .map(text)
    .find((s) => s !== undefined);
  if (section) fields.section = section;
  const mainEntity = resolve(article.mainEntityOfPage);
  const url = text(article.url) ?? (isObject(mainEntity) ? text(mainEntity["@id"]) : text(mainEntity));
  if (url) fields.url = url;
  const image = jsonLdImage(article.image ?? article.thumbnailUrl, resolve);
  return image ? { fields, image } : { fields };
}

/** "Ana", "Ana and Tom", "Ana, Tom and Lee". */
function joinNames(names: string[]): string {
  const unique = [...new Set(names)];
  if (unique.length <= 1) return unique[0] ?? "";
  return `${unique.slice(0, -1).join(", ")} and ${unique[unique.length - 1]}`;
}

/** Meta tag values by lower-cased property, name or itemprop; the first tag of a key wins. */
function metaValues(doc: DomDocument): Map<string, string> {
  const values = new Map<string, string>();
  for (const el of Array.from(doc.querySelectorAll("meta"))) {
    const key = (el.getAttribute("property") ?? el.getAttribute("name") ?? el.getAttribute("itemprop") ?? "")
      .trim()
      .toLowerCase();
    const value = text(el.getAttribute("content") ?? "");
    if (key !== "" && value !== undefined && !values.has(key)) values.set(key, value);
  }
  return values;
}

/** og:image (or its secure_url, or twitter:image), with its alt text and size when the page gives them. */
function metaImage(m: Map<string, string>): PageImage | undefined {
  const url =
    m.get("og:image:secure_url") ?? m.get("og:image") ?? m.get("og:image:url") ?? m.get("twitter:image");
  if (url === undefined) return undefined;
  const image: PageImage = { url };
  const alt = m.get("og:image:alt") ?? m.get("twitter:image:alt");
  if (alt) image.alt = alt;
  const width = size(m.get("og:image:width"));
  const height = size(m.get("og:image:height"));
  if (width !== undefined) image.width = width;
  if (height !== undefined) image.height = height;
  return image;
}

function readMeta(doc: DomDocument): MetadataFields {
  const m = metaValues(doc);
  const first = (...keys: string[]): string | undefined => {
    for (const k of keys) {
      const v = m.get(k);
      if (v !== undefined) return v;
    }
    return undefined;
  };
  const fields: MetadataFields = {};
  const headline = first("og:title", "twitter:title", "dc.title");
  if (headline) fields.headline = headline;
  const published = first(
    "article:published_time",
    "og:published_time",
    "datepublished",
    "date",
    "pubdate",
    "publish-date",
    "dc.date",
    "dc.date.issued",
  );
  if (published) fields.publishedAt = published;
  // article:author is often a profile URL: a name is only taken from tags that hold one.
  const author = [first("author"), first("article:author"), first("dc.creator"), first("byl")].find(
    (a) => a !== undefined && !/^https?:\/\//i.test(a),
  );
  if (author) fields.byline = author.replace(/^by\b:?\s*/i, "");
  const source = first("og:site_name", "application-name");
  if (source) fields.source = source;
  const section = first("article:section");
  if (section) fields.section = section;
  const url = first("og:url");
  if (url) fields.url = url;
  return fields;
}

/** Reads the metadata of a parsed page (before anything rewrites the DOM). */
export function readPageMetadata(doc: DomDocument): PageMetadata {
  const jsonLdBlocks = Array.from(doc.querySelectorAll("script"))
    .filter((s) => /^\s*application\/ld\+json\s*$/i.test(s.getAttribute("type") ?? ""))
    .map((s) => s.textContent ?? "");
  const canonicalLink = Array.from(doc.querySelectorAll("link")).find((l) =>
    (l.getAttribute("rel") ?? "").toLowerCase().split(/\s+/).includes("canonical"),
  );
  const jsonLd = readJsonLdArticle(jsonLdBlocks);
  const metadata: PageMetadata = { jsonLd: jsonLd.fields, meta: readMeta(doc) };
  const image = jsonLd.image ?? metaImage(metaValues(doc));
  if (image) metadata.image = image;
  const canonical = text(canonicalLink?.getAttribute("href") ?? "");
  if (canonical) metadata.canonical = canonical;
  const h1 = text(doc.querySelector("h1")?.textContent ?? "");
  if (h1) metadata.h1 = h1;
  const title = text(doc.querySelector("title")?.textContent ?? "");
  if (title) metadata.title = title;
  return metadata;
}

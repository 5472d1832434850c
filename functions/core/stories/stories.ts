/**
 * Turning an import draft into a story: defaults, canonical URL, publication time, clean text,
 * excerpt, local day and id.
 */

import { dayInZone, isValidTimeZone, parseDay, zonedTimeToUtc } from "../kernel/dates.js";
import { MAX_SECTION_NAME_LENGTH } from "../kernel/sections.js";
import { cutAtWord, normalizeText, oneLine, splitParagraphs } from "../kernel/text.js";
import type { Story, StoryDraft } from "../kernel/types.js";
import { canonicalUrl } from "./canonical-url.js";
import { EXCERPT_MAX, makeExcerpt } from "./excerpt.js";
import { decodeCharacterReferences, htmlToText, looksLikeHtml, toPlainLine } from "./html-text.js";
import { MARKUP_LIMITS, MarkupLimitError } from "./markup-limits.js";
import { sanitiseStoryHtml } from "./sanitise-html.js";
import { storyId } from "./story-id.js";
import { checkedImage } from "./story-image.js";

/** Section of a story that names none and gets none from the import options. */
export const DEFAULT_SECTION = "General";

/**
 * Source of a story that names none, has no URL to take a host from, and gets none from the import
 * options. An honest placeholder rather than "Staff": a story without source or URL is not known to be
 * our own.
 */
export const DEFAULT_SOURCE = "Unknown source";

/** Import options (`--url`, `--published-at`, `--section`, `--source`) and the context of an import. */
export interface FinaliseOptions {
  /** Fill only what the draft lacks (missing, null or blank): a value in the draft always wins. */
  defaults: { url?: string; publishedAt?: string; section?: string; source?: string };
  /** IANA zone of the edition: decides the story's day, and the meaning of times written without a zone. */
  timeZone: string;
  /** The publication time of a story that has none. */
  now: Date;
  /**
   * When set, a publication time more than this many milliseconds after `now` is invalid (a wrong
   * clock, a typo in the year). Absent: any time is accepted. {@link FUTURE_TOLERANCE_MS} is the
   * tolerance import sources are meant to use: a day, so a story from a zone ahead of ours, or
   * scheduled for the morning, still goes in.
   */
  futureToleranceMs?: number;
}

/** How far ahead of the time of import a publication time may be: 24 hours. */
export const FUTURE_TOLERANCE_MS = 24 * 60 * 60 * 1000;

/**
 * What one story may carry. Headline, byline and source longer than their cap are cut at a word with
 * "…" (the import says so): a headline is a line in a subject and an inbox, not an article. A section
 * name is a key subscribers choose by, so a longer one is refused rather than changed. Body and HTML
 * (UTF-8 bytes) are bounded so that a story, with everything else, stays well within the 400 KB of one
 * DynamoDB item: a longer body is cut at a paragraph, longer sanitised HTML is dropped (the hosted copy
 * then shows the text).
 */
export const STORY_LIMITS = {
  headline: 300,
  byline: 200,
  source: 120,
  section: MAX_SECTION_NAME_LENGTH,
  bodyBytes: 120_000,
  htmlBytes: 200_000,
} as const;

/**
 * A finalised story, its day, and notes for the editor about what was changed to fit
 * ({@link STORY_LIMITS}): "headline: 1,200 characters, cut to 300".
 */
export type FinaliseResult =
  | { story: Omit<Story, "editionId">; day: string; notices: string[] }
  | { error: string };

/** `YYYY-MM-DD`, optionally with a time, and no zone: a wall-clock time in the edition's zone. */
const ISO_LOCAL = /^(\d{4}-\d{2}-\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?)?$/;

/** Signs that a date string names its zone or offset. */
const HAS_ZONE = /(?:\d[Zz]$|[+-]\d{2}:?\d{2}\b|\b(?:GMT|UTC|UT|[ECMP][SD]T)\b)/;

/** Day, month and year written with numbers only: "27/11/2026", "27.11.2026 10:00", "11-12-26". */
const NUMERIC_DMY = /^(\d{1,2})([/.-])(\d{1,2})\2(\d{2}|\d{4})(?:[T ,]+(\d{1,2}):(\d{2})(?::(\d{2}))?)?$/;

const MONTHS = [
  "January",
  "February",
  "March",
  "April",
  "May",
  "June",
  "July",
  "August",
  "September",
  "October",
  "November",
  "December",
];

/**
 * Reads a numeric date such as "27/11/2026". The order of day and month is a convention, not
 * something the string says: it is read only when one of the two numbers is above 12 (or they are
 * equal); "11/12/2026" is refused as ambiguous, and so is a two-digit year.
 */
function readNumericDate(s: string): string | { error: string } | null {
  const m = NUMERIC_DMY.exec(s);
  if (!m) return null;
  const [a, b] = [Number(m[1]), Number(m[3])];
  const year = m[4] ?? "";
  if (year.length !== 4) {
    return { error: `publishedAt: "${s}" has a two-digit year; write the date as YYYY-MM-DD` };
  }
  let day: number;
  let month: number;
  if (a === b || (a > 12 && b <= 12)) [day, month] = [a, b];
  else if (b > 12 && a <= 12) [day, month] = [b, a];
  else if (a > 12 && b > 12) return { error: `publishedAt: "${s}" is not a date (no month in it)` };
  else {
    return {
      error: `publishedAt: "${s}" is ambiguous: ${a} ${MONTHS[b - 1]} or ${MONTHS[a - 1]} ${b}? Write it as YYYY-MM-DD`,
    };
  }
  const pad = (n: number | string) => String(n).padStart(2, "0");
  const time = m[5] === undefined ? "" : `T${pad(m[5])}:${m[6]}:${m[7] ?? "00"}`;
  return `${year}-${pad(month)}-${pad(day)}${time}`;
}

/**
 * Reads a publication time, or says precisely why it cannot. Accepted: ISO 8601; RFC 822/2822 as
 * feeds write it ("Fri, 27 Nov 2026 07:00:00 +0000"); written-out dates ("27 November 2026",
 * "November 27, 2026 10:00"); numeric day/month/year when unambiguous ("27/11/2026"); Unix time in
 * seconds (9–10 digits) or milliseconds (12–13 digits). Times that name no zone are wall-clock times
 * in `timeZone` (a bare date is its first instant), so the result never depends on the machine's zone.
 */
export function readPublishedAt(raw: string, timeZone: string): { date: Date } | { error: string } {
  const s = raw.trim();
  const cannot = { error: `publishedAt: cannot parse "${s}"` };
  if (/^\d{9,10}$/.test(s)) return { date: new Date(Number(s) * 1000) };
  if (/^\d{12,13}$/.test(s)) return { date: new Date(Number(s)) };
  const numeric = readNumericDate(s);
  if (numeric !== null && typeof numeric !== "string") return numeric;
  const date = parsePublishedAt(numeric ?? s, timeZone);
  return date === null ? cannot : { date };
}

/**
 * Parses a publication time. ISO 8601 dates and times without an offset, and other strings Date can
 * parse that name no zone ("November 27, 2026 10:00"), are wall-clock times in `timeZone` (a bare date
 * is its first instant), so the result never depends on the machine's own zone. Returns null when the
 * string cannot be parsed. {@link readPublishedAt} accepts more forms and says why it refuses one.
 */
export function parsePublishedAt(raw: string, timeZone: string): Date | null {
  const s = raw.trim();
  const iso = ISO_LOCAL.exec(s);
  if (iso) {
    let ymd: [number, number, number];
    try {
      ymd = parseDay(iso[1] ?? "");
    } catch {
      return null;
    }
    const [hour, minute, second] = [iso[2], iso[3], iso[4]].map((v) => Number(v ?? 0)) as [
      number,
      number,
      number,
    ];
    if (hour > 23 || minute > 59 || second > 59) return null;
    const ms = Math.floor(Number(`0.${iso[5] ?? "0"}`) * 1000);
    return zonedTimeToUtc({ year: ymd[0], month: ymd[1], day: ymd[2], hour, minute, second, ms }, timeZone);
  }
  if (s === "") return null;
  const parsed = new Date(s);
  if (Number.isNaN(parsed.getTime())) return null;
  if (HAS_ZONE.test(s)) return parsed;
  // Date read it as local time of this process: take its wall-clock fields and place them in `timeZone`.
  return zonedTimeToUtc(
    {
      year: parsed.getFullYear(),
      month: parsed.getMonth() + 1,
      day: parsed.getDate(),
      hour: parsed.getHours(),
      minute: parsed.getMinutes(),
      second: parsed.getSeconds(),
      ms: parsed.getMilliseconds(),
    },
    timeZone,
  );
}

/**
 * Normalises a story body: paragraphs separated by one blank line. When the text has blank lines they
 * separate paragraphs and single newlines are wrapping (joined with a space); when it has none, each
 * line is a paragraph (as JSON exports usually write them).
 */
export function normaliseBody(raw: string): string {
  const text = normalizeText(raw);
  if (text.includes("\n\n")) return splitParagraphs(text).join("\n\n");
  return text
    .split("\n")
    .filter((line) => line !== "")
    .join("\n\n");
}

/**
 * The first non-blank single-line value, or "", with character references decoded (feeds and pages
 * often leave "&amp;" or "&#8217;" in titles): tags stay as written, the templates escape them.
 */
function firstText(...values: Array<string | null | undefined>): string {
  for (const v of values) {
    if (typeof v !== "string") continue;
    const t = oneLine(decodeCharacterReferences(v));
    if (t !== "") return t;
  }
  return "";
}

/** A line that may hold markup, as plain text: its text when it looks like HTML, else itself. */
function plainLine(line: string): string {
  return looksLikeHtml(line) ? oneLine(htmlToText(line)) : line;
}

/** Plain text of a body that may be HTML (feed content pasted as the body) or hold character references. */
function plainBody(raw: string): string {
  return normaliseBody(looksLikeHtml(raw) ? htmlToText(raw) : decodeCharacterReferences(raw));
}

const fmt = (n: number) => n.toLocaleString("en-US");

/** `text` within `max` characters (cut at a word), noting the cut in `notices` under `field`. */
function capped(field: string, text: string, max: number, notices: string[]): string {
  if (text.length <= max) return text;
  notices.push(`${field}: ${fmt(text.length)} characters, cut to ${max}`);
  return cutAtWord(text, max);
}

/** The first paragraphs of `body` that fit in `maxBytes` of UTF-8 with a closing "…". */
function cutBody(body: string, maxBytes: number): string {
  const budget = maxBytes - Buffer.byteLength("…");
  const kept: string[] = [];
  let used = 0;
  for (const paragraph of body.split("\n\n")) {
    const bytes = Buffer.byteLength(paragraph) + (kept.length > 0 ? 2 : 0);
    if (used + bytes > budget) {
      // Not even the first paragraph fits: cut it at a word.
      if (kept.length === 0) kept.push(cutAtWord(paragraph, Math.floor(budget / 3)).replace(/…$/, ""));
      break;
    }
    kept.push(paragraph);
    used += bytes;
  }
  return `${kept.join("\n\n")}…`;
}

/**
 * Reads a text field that may hold markup: a MarkupLimitError (markup too long, too many elements,
 * nested too deep) becomes the field's error.
 */
function readField<T>(field: string, read: () => T): T | { error: string } {
  try {
    return read();
  } catch (e) {
    if (e instanceof MarkupLimitError) return { error: `${field}: ${e.message}` };
    throw e;
  }
}

const isError = (v: unknown): v is { error: string } =>
  typeof v === "object" && v !== null && "error" in v && Object.keys(v).length === 1;

/** The error of a field longer than the most markup one story may carry, else null. */
function overLong(field: string, value: string): { error: string } | null {
  if (value.length <= MARKUP_LIMITS.fragment.maxChars) return null;
  return {
    error: `${field}: ${fmt(value.length)} characters, more than the ${fmt(MARKUP_LIMITS.fragment.maxChars)} one story may carry`,
  };
}

/**
 * A headline as a story carries it, from imported text or an editor's correction: one line, character
 * references decoded, markup (`<b>best</b>`, also encoded as `&lt;b&gt;`: the source's styling, not
 * its words) read as HTML into plain text, which the templates escape; cut at a word to
 * {@link STORY_LIMITS}.headline with a note in `notices`. An error when nothing is left.
 */
export function storyHeadline(raw: string, notices: string[]): string | { error: string } {
  const tooLong = overLong("headline", raw);
  if (tooLong) return tooLong;
  const text = readField("headline", () => plainLine(firstText(raw)));
  if (isError(text)) return text;
  const headline = capped("headline", text, STORY_LIMITS.headline, notices);
  return headline === "" ? { error: "headline: required" } : headline;
}

/**
 * An excerpt as a story carries it, from imported text or an editor's correction: HTML or text read
 * as one plain line, cut at a sentence boundary to EXCERPT_MAX characters; "" when nothing is left.
 */
export function storyExcerpt(raw: string): string | { error: string } {
  const tooLong = overLong("excerpt", raw);
  if (tooLong) return tooLong;
  return readField("excerpt", () => makeExcerpt(toPlainLine(raw), EXCERPT_MAX));
}

/**
 * Completes a draft into a story (without edition) and its local day.
 * - Defaults fill only what the draft lacks: a value in the draft wins over an import option.
 * - The URL is canonicalised (tracking parameters, fragment dropped); one that is not an absolute
 *   http(s) URL is an error. No URL anywhere → `url: null`.
 * - `publishedAt` missing → `now`; unparseable or ambiguous → error (see {@link readPublishedAt});
 *   later than `now` + `futureToleranceMs` (when set) → error; stored as ISO 8601 UTC with "Z".
 * - Text is NFC with whitespace collapsed, control characters removed and character references
 *   decoded; a headline that holds markup is read as HTML (`<b>best</b>` → "best"); tags in source,
 *   section and byline are kept as text (the templates escape them). Source defaults to the URL's host without "www.", else {@link DEFAULT_SOURCE}; section to
 *   {@link DEFAULT_SECTION}; byline may be "".
 * - `html` goes through the allow-list ({@link sanitiseStoryHtml}, links resolved against the URL) and
 *   is kept only when something readable is left. A body that is HTML becomes its text; a draft with
 *   HTML and no body gets the HTML's text as body (paragraphs separated by a blank line).
 * - Excerpt: the draft's own (HTML or text, read as plain text), cut to ≤ 300 characters at a sentence
 *   boundary, else the body's lede.
 * - `image`: the draft's picture when it is usable in an email ({@link checkedImage}), else none.
 * - `day` is the calendar date of `publishedAt` in `timeZone`; the id comes from {@link storyId}.
 * - What a story may carry is capped ({@link STORY_LIMITS}): what was cut is said in `notices`; a
 *   section name over its cap, any field longer than one story's markup may be, and markup too deep
 *   or with too many elements (markup-limits.ts) are errors naming the field.
 * Returns `{ error }` with a reason naming the field; throws RangeError when `timeZone` is unknown.
 */
export function finaliseStory(draft: StoryDraft, opts: FinaliseOptions): FinaliseResult {
  if (!isValidTimeZone(opts.timeZone)) throw new RangeError(`unknown time zone "${opts.timeZone}"`);
  // Before any reading: no field may be longer than the most markup one story may carry.
  for (const [field, value] of Object.entries(draft)) {
    const tooLong = typeof value === "string" ? overLong(field, value) : null;
    if (tooLong) return tooLong;
  }
  const notices: string[] = [];

  const headline = storyHeadline(draft.headline, notices);
  if (isError(headline)) return headline;

  const rawUrl = firstText(draft.url, opts.defaults.url);
  let url: string | null = null;
  if (rawUrl !== "") {
    url = canonicalUrl(rawUrl);
    if (url === null) return { error: "url: not an absolute http(s) URL" };
  }

  const rawPublished = firstText(draft.publishedAt, opts.defaults.publishedAt);
  let published: Date;
  if (rawPublished === "") {
    published = new Date(opts.now.getTime());
    if (Number.isNaN(published.getTime())) throw new RangeError("opts.now is not a valid date");
  } else {
    const parsed = readPublishedAt(rawPublished, opts.timeZone);
    if ("error" in parsed) return parsed;
    published = parsed.date;
    const tolerance = opts.futureToleranceMs;
    if (tolerance !== undefined && published.getTime() > opts.now.getTime() + tolerance) {
      return {
        error: `publishedAt: ${published.toISOString()} is in the future (more than ${describeTolerance(tolerance)} after ${opts.now.toISOString()})`,
      };
    }
  }

  const host = url === null ? "" : new URL(url).hostname.replace(/^www\./, "");
  const rawSource = firstText(draft.source, opts.defaults.source, host) || DEFAULT_SOURCE;
  const source = capped("source", rawSource, STORY_LIMITS.source, notices);
  const section = firstText(draft.section, opts.defaults.section) || DEFAULT_SECTION;
  if (section.length > STORY_LIMITS.section) {
    return {
      error: `section: ${fmt(section.length)} characters, more than the ${STORY_LIMITS.section} a section name may have`,
    };
  }
  const byline = capped("byline", firstText(draft.byline), STORY_LIMITS.byline, notices);
  const sanitised = readField("html", () =>
    draft.html === undefined ? "" : sanitiseStoryHtml(draft.html, url),
  );
  if (isError(sanitised)) return sanitised;
  const plain = readField("body", () => plainBody(draft.body ?? ""));
  if (isError(plain)) return plain;
  let html = sanitised;
  let body = plain;
  if (body === "" && html !== "") {
    const text = readField("html", () => htmlToText(sanitised));
    if (isError(text)) return text;
    body = text;
  }
  const lede = body;
  const ownExcerpt = storyExcerpt(draft.excerpt ?? "");
  if (isError(ownExcerpt)) return ownExcerpt;
  const excerpt = ownExcerpt !== "" ? ownExcerpt : readField("body", () => makeExcerpt(lede, EXCERPT_MAX));
  if (isError(excerpt)) return excerpt;
  const bodyBytes = Buffer.byteLength(body);
  if (bodyBytes > STORY_LIMITS.bodyBytes) {
    body = cutBody(body, STORY_LIMITS.bodyBytes);
    notices.push(`body: ${fmt(bodyBytes)} bytes, cut to ${fmt(Buffer.byteLength(body))} at a paragraph`);
  }
  const htmlBytes = Buffer.byteLength(html);
  if (htmlBytes > STORY_LIMITS.htmlBytes) {
    html = "";
    notices.push(
      `html: ${fmt(htmlBytes)} bytes after sanitising, more than the ${fmt(STORY_LIMITS.htmlBytes)} kept: the hosted copy shows the text`,
    );
  }

  const image = checkedImage(draft.image, url);
  const day = dayInZone(published, opts.timeZone);
  const id = storyId({ url, source, headline, day });
  return {
    story: {
      id,
      headline,
      url,
      source,
      section,
      byline,
      publishedAt: published.toISOString(),
      body,
      excerpt,
      ...(html === "" ? {} : { html }),
      ...(image ? { image } : {}),
    },
    day,
    notices,
  };
}

function describeTolerance(ms: number): string {
  const hours = ms / 3_600_000;
  return Number.isInteger(hours) ? `${hours} hour${hours === 1 ? "" : "s"}` : `${ms} ms`;
}

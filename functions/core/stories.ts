/**
 * Turning an import draft into a story: defaults, canonical URL, publication time, clean text,
 * excerpt, local day and id.
 */
import { canonicalUrl } from "./canonical-url.js";
import { dayInZone, isValidTimeZone, parseDay, zonedTimeToUtc } from "./dates.js";
import { EXCERPT_MAX, makeExcerpt } from "./excerpt.js";
import { storyId } from "./story-id.js";
import { normalizeText, oneLine, splitParagraphs } from "./text.js";
import type { Story, StoryDraft } from "./types.js";

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
}

export type FinaliseResult = { story: Omit<Story, "editionId">; day: string } | { error: string };

/** `YYYY-MM-DD`, optionally with a time, and no zone: a wall-clock time in the edition's zone. */
const ISO_LOCAL = /^(\d{4}-\d{2}-\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?)?$/;

/** Signs that a date string names its zone or offset. */
const HAS_ZONE = /(?:\d[Zz]$|[+-]\d{2}:?\d{2}\b|\b(?:GMT|UTC|UT|[ECMP][SD]T)\b)/;

/**
 * Parses a publication time. ISO 8601 dates and times without an offset, and other strings Date can
 * parse that name no zone ("November 27, 2026 10:00"), are wall-clock times in `timeZone` (a bare date
 * is its first instant), so the result never depends on the machine's own zone. Returns null when the
 * string cannot be parsed.
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

/** The first non-blank single-line value, or "". */
function firstText(...values: Array<string | null | undefined>): string {
  for (const v of values) {
    if (typeof v !== "string") continue;
    const t = oneLine(v);
    if (t !== "") return t;
  }
  return "";
}

/**
 * Completes a draft into a story (without edition) and its local day.
 * - Defaults fill only what the draft lacks: a value in the draft wins over an import option.
 * - The URL is canonicalised (tracking parameters, fragment dropped); one that is not an absolute
 *   http(s) URL is an error. No URL anywhere → `url: null`.
 * - `publishedAt` missing → `now`; unparseable → error; stored as ISO 8601 UTC with "Z".
 * - Text is NFC with whitespace collapsed and control characters removed; HTML is kept as text (the
 *   templates escape it). Source defaults to the URL's host without "www.", else {@link DEFAULT_SOURCE};
 *   section to {@link DEFAULT_SECTION}; byline may be "".
 * - Excerpt: the draft's own, cut to ≤ 300 characters at a sentence boundary, else the body's lede.
 * - `day` is the calendar date of `publishedAt` in `timeZone`; the id comes from {@link storyId}.
 * Returns `{ error }` with a reason naming the field; throws RangeError when `timeZone` is unknown.
 */
export function finaliseStory(draft: StoryDraft, opts: FinaliseOptions): FinaliseResult {
  if (!isValidTimeZone(opts.timeZone)) throw new RangeError(`unknown time zone "${opts.timeZone}"`);

  const headline = firstText(draft.headline);
  if (headline === "") return { error: "headline: required" };

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
    const parsed = parsePublishedAt(rawPublished, opts.timeZone);
    if (parsed === null) return { error: `publishedAt: cannot parse "${rawPublished}"` };
    published = parsed;
  }

  const host = url === null ? "" : new URL(url).hostname.replace(/^www\./, "");
  const source = firstText(draft.source, opts.defaults.source, host) || DEFAULT_SOURCE;
  const section = firstText(draft.section, opts.defaults.section) || DEFAULT_SECTION;
  const byline = firstText(draft.byline);
  const body = normaliseBody(draft.body ?? "");
  const ownExcerpt = makeExcerpt(oneLine(draft.excerpt ?? ""), EXCERPT_MAX);
  const excerpt = ownExcerpt !== "" ? ownExcerpt : makeExcerpt(body, EXCERPT_MAX);

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
    },
    day,
  };
}

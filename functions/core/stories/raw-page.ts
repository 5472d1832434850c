/**
 * Parser for raw article pages: text copied from an aggregator page (see design.md, "Raw article pages").
 *
 * Layout: leading site chrome, the source name (sometimes twice), a section, the byline, a blank line,
 * the headline, a blank line, body paragraphs separated by blank lines, then trailing chrome (sign-up
 * prompts, related stories, app promotion). Chrome differs from site to site, so nothing here matches
 * phrases: parts are told apart by position (the metadata block is the one right before the headline,
 * read from its last line up) and by shape (prose paragraphs have words and end like sentences; chrome
 * comes as short lines without terminal punctuation, often in list-like runs).
 */

import { endsLikeSentence, looksLikeProse, normalizeText, wordCount } from "../kernel/text.js";
import { splitSentences } from "./excerpt.js";

/** Thrown when a text is not a raw article page; the message says which part is missing. */
export class RawPageError extends Error {
  override name = "RawPageError";
}

/** The parts of a raw article page that import keeps; empty strings where the page had none. */
export interface RawPage {
  source: string;
  section: string;
  byline: string;
  headline: string;
  /** Plain text; paragraphs separated by a blank line, wrapped lines joined. */
  body: string;
}

const EXPECTED_LAYOUT =
  "expected the source, section and byline, a blank line, the headline, a blank line, then the body";

/** A run of non-blank lines between blank lines. */
type Block = string[];

/** True when a line starts like the start of a sentence or heading (upper case letter, digit or quote). */
function startsCapitalised(line: string): boolean {
  return /^["'“‘(]?[\p{Lu}\p{N}]/u.test(line);
}

/**
 * True when the lines of a block read as separate items (a menu, a related-stories list) rather than one
 * wrapped paragraph: wrapped prose never has a short line before its last one unless that line ends a
 * sentence, and its continuation lines are not all capitalised non-sentences.
 */
function isListLike(lines: Block): boolean {
  if (lines.length < 2) return false;
  const longest = Math.max(...lines.map((l) => l.length));
  const nonFinal = lines.slice(0, -1);
  if (nonFinal.some((l) => (l.length < 25 || l.length < longest * 0.5) && !endsLikeSentence(l))) return true;
  const continuations = lines.slice(1);
  const sentenceEnds = nonFinal.filter((l) => endsLikeSentence(l)).length;
  return (
    continuations.length >= 2 && continuations.every(startsCapitalised) && sentenceEnds * 2 < nonFinal.length
  );
}

/** A short line that asks or exclaims: how calls to action end ("Was this article helpful?"). */
function isPrompt(line: string): boolean {
  return /[?!]["'”’)]*$/u.test(line) && wordCount(line) <= 8;
}

/** Title Case: most words of four or more letters capitalised, as in headings, menus and promotions. */
function isTitleCase(line: string): boolean {
  const long = line.split(/\s+/).filter((w) => /^\P{L}*\p{L}{4,}/u.test(w));
  if (long.length < 2) return false;
  return long.filter((w) => /^\P{L}*\p{Lu}/u.test(w)).length / long.length >= 0.75;
}

/**
 * True when a block of several lines opens with a Title Case line that does not end a sentence
 * ("Get the Echo Morning Briefing\nThe day's news, in your inbox by 7am."): a promotion's heading and
 * its blurb, not a wrapped paragraph (wrapped prose does not capitalise most words of a line).
 */
function isHeadedBlock(lines: Block): boolean {
  const first = lines[0] ?? "";
  return lines.length >= 2 && isTitleCase(first) && !endsLikeSentence(first);
}

/**
 * A line that dates or times the article ("27 November 2026, 07:40", "Updated 3 hours ago",
 * "4 min read"): part of the metadata block's shape, but neither source, section nor byline.
 */
function isDateOrTimeLine(line: string): boolean {
  const month =
    /\b(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?\s+\d{1,2}\b|\b\d{1,2}(?:st|nd|rd|th)?\s+(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\b/i;
  return (
    month.test(line) ||
    /\b\d{4}-\d{2}-\d{2}\b|\b\d{1,2}[/.]\d{1,2}[/.]\d{2,4}\b/.test(line) ||
    /^(?:updated|published|posted)\b/i.test(line) ||
    /\b\d+\s+(?:min|mins|minute|minutes|hour|hours|day|days)\b(?:\s+(?:ago|read))?$/i.test(line)
  );
}

/**
 * Splits a block into its paragraph lines and chrome lines glued to its end without a blank line
 * ("…said on Friday.\nSign up to read this article\nAlready a member? Sign in here"). A tail starts
 * after a line that ends a sentence, with a capitalised line, and is either short lines none of which
 * ends a sentence, or a list-like run headed by a short non-sentence line ("Related Stories").
 */
function splitTail(lines: Block): { head: Block; tail: Block } {
  for (let k = 1; k < lines.length; k++) {
    const prev = lines[k - 1] ?? "";
    const first = lines[k] ?? "";
    if (!endsLikeSentence(prev) || !startsCapitalised(first)) continue;
    const tail = lines.slice(k);
    if (tail.some((l) => l.length > 80)) continue;
    // A question or exclamation heading a run of chrome ("Enjoying this story?") is its prompt.
    const rest = tail.length >= 2 && isPrompt(first) ? tail.slice(1) : tail;
    const noSentences = !rest.some((l) => endsLikeSentence(l));
    const headedList = isListLike(tail) && first.length < 40 && !endsLikeSentence(first);
    if (noSentences || headedList) return { head: lines.slice(0, k), tail };
  }
  return { head: lines, tail: [] };
}

interface BlockInfo {
  lines: Block;
  /** The lines without chrome glued to the end. */
  head: Block;
  /** A prose paragraph (possibly wrapped). */
  prose: boolean;
  /** Prose that is surely body text: at least 100 characters or two sentences. */
  strong: boolean;
  /** Several lines that are not a paragraph: a menu, a list of related headlines, an app promotion. */
  chromeRun: boolean;
}

function classify(lines: Block): BlockInfo {
  const { head } = splitTail(lines);
  const text = head.join(" ");
  const prose = looksLikeProse(text) && !isListLike(head) && !isHeadedBlock(head);
  const strong = prose && (text.length >= 100 || splitSentences(text).length >= 2);
  return { lines, head, prose, strong, chromeRun: !prose && lines.length >= 2 };
}

/**
 * A one-line block inside the body that is kept as a sub-heading: two words or more, not all capitals.
 * A single word or a shouted line between paragraphs is a label ("Advertisement", "ADVERTISEMENT").
 */
function isSubheading(lines: Block): boolean {
  const line = lines[0] ?? "";
  return lines.length === 1 && wordCount(line) >= 2 && /\p{Ll}/u.test(line);
}

/** A headline: one line, or a wrapped one whose continuation lines start in lower case. */
function isHeadlineShaped(lines: Block): boolean {
  return lines.slice(1).every((l) => /^\p{Ll}/u.test(l)) && lines.join(" ").length <= 300;
}

function stripBy(byline: string): string {
  return byline.replace(/^by\b:?\s*/i, "").trim();
}

/**
 * Reads source, section and byline from the metadata block, bottom up, once date and reading-time
 * lines at its end are set aside: the byline is the last line,
 * the section the line before, the source the line before that; an identical line above the source is
 * its duplicate and everything above is chrome. When the line above the byline is doubled there is no
 * section ("Herald\nHerald\nAna Ortiz"); with two lines they are source and byline; a single line is
 * the byline when it starts with "By ", else the source.
 */
function readMetadata(block: Block): Pick<RawPage, "source" | "section" | "byline"> {
  const lines = [...block];
  while (lines.length > 1 && isDateOrTimeLine(lines[lines.length - 1] ?? "")) lines.pop();
  const n = lines.length;
  const at = (i: number): string => lines[i] ?? "";
  if (n === 1) {
    return /^by\b/i.test(at(0))
      ? { source: "", section: "", byline: stripBy(at(0)) }
      : { source: at(0), section: "", byline: "" };
  }
  const byline = stripBy(at(n - 1));
  if (n === 2) return { source: at(0), section: "", byline };
  if (at(n - 2) === at(n - 3)) return { source: at(n - 2), section: "", byline };
  return { source: at(n - 3), section: at(n - 2), byline };
}

/** Finds the index of the metadata block: the block before a headline-shaped block followed by body text. */
function findMetadataBlock(blocks: Block[], info: BlockInfo[]): number {
  const metaLines = (m: number): number => blocks[m]?.length ?? 0;
  /** Up to two one-line non-prose blocks (a caption, "5 min read") before the first prose paragraph. */
  const proseSoonAfter = (i: number): boolean => {
    for (let j = i; j < i + 3 && j < blocks.length; j++) {
      if (info[j]?.prose === true) return true;
      if (metaLines(j) !== 1) return false;
    }
    return false;
  };
  const passes: Array<(m: number) => boolean> = [
    // A metadata block of two or more lines, the headline, then a prose paragraph right away.
    (m) => metaLines(m) >= 2 && info[m + 2]?.prose === true,
    // The same with a line or two of chrome between headline and body.
    (m) => metaLines(m) >= 2 && proseSoonAfter(m + 2),
    // A one-line metadata block (a source or a byline only), the headline, then prose right away.
    (m) => info[m + 2]?.prose === true,
  ];
  for (const pass of passes) {
    for (let m = 0; m + 2 < blocks.length; m++) {
      if (isHeadlineShaped(blocks[m + 1] ?? []) && pass(m)) return m;
    }
  }
  return -1;
}

/** The reason a page has no recognisable layout, judged against the canonical layout. */
function layoutError(blocks: Block[]): RawPageError {
  if (blocks.length === 0) return new RawPageError("empty page");
  if (blocks.length === 1) {
    return new RawPageError(
      "no headline: expected a blank line, the headline, a blank line, then the body (the page has no blank line)",
    );
  }
  const second = blocks[1] ?? [];
  if (!isHeadlineShaped(second)) {
    return new RawPageError(
      `no headline: the text after the first blank line has ${second.length} lines; ${EXPECTED_LAYOUT}`,
    );
  }
  if (blocks.length === 2) {
    return new RawPageError("no body: expected a blank line after the headline, then the body paragraphs");
  }
  return new RawPageError(
    "no body: no prose paragraph after the headline (a paragraph of at least four words ending with . ! ? or a closing quote)",
  );
}

/**
 * Parses a raw article page. Returns source, section, byline (without a leading "By "), headline and
 * body (paragraphs separated by a blank line, wrapped lines joined with a space), with leading and
 * trailing chrome dropped. Accepts CRLF, a BOM, tabs and trailing whitespace. Throws RawPageError when
 * there is no headline between blank lines or no prose paragraph after it.
 */
export function parseRawPage(text: string): RawPage {
  const normalised = normalizeText(text);
  const blocks: Block[] = normalised === "" ? [] : normalised.split(/\n{2,}/).map((b) => b.split("\n"));
  const info = blocks.map(classify);
  const m = findMetadataBlock(blocks, info);
  if (m < 0) throw layoutError(blocks);

  const { source, section, byline } = readMetadata(blocks[m] ?? []);
  const headline = (blocks[m + 1] ?? []).join(" ");

  // Body: from the first prose paragraph to the last surely-prose one, then any prose paragraphs right
  // after it ("He declined to comment."). A run of several non-prose lines ends the body; single
  // non-prose lines in between (sub-headings) are kept.
  const start = info.findIndex((b, i) => i >= m + 2 && b.prose);
  let end = start;
  for (let i = start; i < info.length; i++) {
    const b = info[i];
    if (b === undefined || b.chromeRun) break;
    if (b.strong) end = i;
  }
  // Short statements after the last long paragraph are body; a short question or exclamation there
  // is a prompt ("Was this article helpful?").
  while (info[end + 1]?.prose === true && !isPrompt((info[end + 1]?.head ?? []).join(" "))) end++;

  const paragraphs = info
    .slice(start, end + 1)
    .filter((b) => b.prose || isSubheading(b.lines))
    .map((b, i, all) => (i === all.length - 1 ? b.head : b.lines));
  const body = paragraphs.map((lines) => lines.join(" ")).join("\n\n");
  if (headline.trim() === "") throw new RawPageError(`no headline: ${EXPECTED_LAYOUT}`);
  return { source, section, byline, headline, body };
}

/**
 * Small plain-text helpers shared by the story import core. Pure functions, no I/O.
 */

/** C0 controls except "\n" (tab and CR are handled before), DEL, C1 controls, BOM / zero-width no-break space. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: stripping control characters is the point
const CONTROL_CHARS = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\ufeff]/g;

/** A string with something other than whitespace in it (a type guard for optional fields). */
export const nonBlank = (v: string | null | undefined): v is string =>
  typeof v === "string" && v.trim() !== "";

/**
 * Returns `s` as clean multi-line plain text: NFC, line endings as "\n", control characters other than
 * "\n" removed, runs of horizontal whitespace (spaces, tabs, no-break spaces) collapsed to one space,
 * each line trimmed, three or more newlines collapsed into one blank line, and the whole trimmed.
 */
export function normalizeText(s: string): string {
  return s
    .normalize("NFC")
    .replace(/\r\n?/g, "\n")
    .replace(/\t/g, " ")
    .replace(CONTROL_CHARS, "")
    .replace(/[^\S\n]+/g, " ")
    .split("\n")
    .map((line) => line.trim())
    .join("\n")
    .replace(/\n{3,}/g, "\n\n")
    .trim();
}

/** Returns `s` normalised (see {@link normalizeText}) onto a single line: newlines become spaces. */
export function oneLine(s: string): string {
  return normalizeText(s).replace(/\n+/g, " ");
}

/**
 * Splits normalised text into paragraphs at blank lines; the lines of one paragraph are joined with a
 * space (wrapped text). Returns no empty paragraphs.
 */
export function splitParagraphs(s: string): string[] {
  return normalizeText(s)
    .split(/\n{2,}/)
    .map((p) => p.replace(/\n/g, " ").trim())
    .filter((p) => p !== "");
}

/** Sentence-final punctuation, optionally followed by closing quotes or brackets; or a closing quote alone. */
const SENTENCE_END = /(?:[.!?…]["'”’»)\]]*|[”»"])$/u;

/** True when `s` (trimmed) ends like a sentence: `.`, `!`, `?`, `…`, possibly inside closing quotes, or a closing quote. */
export function endsLikeSentence(s: string): boolean {
  return SENTENCE_END.test(s.trimEnd());
}

/** Number of whitespace-separated words in `s`. */
export function wordCount(s: string): number {
  const t = s.trim();
  return t === "" ? 0 : t.split(/\s+/).length;
}

/**
 * True when a single-line text looks like prose rather than chrome or a heading: at least four words,
 * some lower-case letters (not an all-caps banner), and it ends like a sentence.
 * "He declined to comment." is prose; "Sign in here", "Related Stories" and "READ MORE." are not.
 */
export function looksLikeProse(s: string): boolean {
  const t = s.trim();
  return wordCount(t) >= 4 && /\p{Ll}/u.test(t) && endsLikeSentence(t);
}

/**
 * Returns `text` when it has at most `max` characters (UTF-16 code units), else its head cut at the last
 * word boundary that leaves room for a trailing "…" (never splitting a word), with trailing
 * punctuation that reads badly before "…" removed. A single word longer than that is cut by code
 * point (a surrogate pair is never split). The result has at most `max` characters.
 */
export function cutAtWord(text: string, max: number): string {
  if (text.length <= max) return text;
  const limit = Math.max(0, max - 1);
  const cut = text.lastIndexOf(" ", limit);
  let head: string;
  if (cut > 0) {
    head = text.slice(0, cut);
  } else {
    // One word longer than the limit: nothing better than a hard cut, by code point.
    head = text.slice(0, limit);
    if (/[\ud800-\udbff]$/.test(head)) head = head.slice(0, -1);
  }
  head = head.replace(/[\s,;:\-–—]+$/u, "");
  return `${head}…`;
}

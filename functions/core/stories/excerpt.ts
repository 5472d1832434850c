import { cutAtWord, looksLikeProse, splitParagraphs } from "../kernel/text.js";
import { decodeCharacterReferences, htmlToText, looksLikeHtml } from "./html-text.js";

/** Maximum excerpt length in characters (UTF-16 code units), the "…" included. */
export const EXCERPT_MAX = 300;

const sentenceSegmenter = new Intl.Segmenter("en", { granularity: "sentence" });

/**
 * Abbreviations after which ICU's sentence segmenter breaks but a sentence rarely ends when the next
 * word is capitalised or a number ("Dr. Smith", "St. Paul", "No. 10"). Company suffixes ("Inc.", "Ltd.")
 * are left out on purpose: they often do end a sentence.
 */
const ABBREVIATIONS = new Set([
  "mr",
  "mrs",
  "ms",
  "mx",
  "dr",
  "prof",
  "sr",
  "jr",
  "st",
  "mt",
  "ft",
  "gen",
  "gov",
  "sen",
  "rep",
  "lt",
  "col",
  "capt",
  "sgt",
  "rev",
  "hon",
  "pres",
  "supt",
  "insp",
  "no",
  "nos",
  "vol",
  "fig",
  "approx",
  "vs",
  "e.g",
  "i.e",
  "cf",
]);

/** True when `sentence` ends with an abbreviation or an initial ("J.") that should not end a sentence. */
function endsWithAbbreviation(sentence: string): boolean {
  const m = /(?:^|[\s("“‘'])([\p{L}.]+)\.$/u.exec(sentence);
  if (!m?.[1]) return false;
  const word = m[1];
  return ABBREVIATIONS.has(word.toLowerCase()) || /^\p{Lu}$/u.test(word);
}

/** Splits one paragraph into sentences (trimmed), re-joining breaks ICU makes after abbreviations. */
export function splitSentences(text: string): string[] {
  const out: string[] = [];
  for (const { segment } of sentenceSegmenter.segment(text)) {
    const s = segment.trim();
    if (s === "") continue;
    const prev = out[out.length - 1];
    if (prev !== undefined && endsWithAbbreviation(prev) && /^[\p{Lu}\p{N}]/u.test(s)) {
      out[out.length - 1] = `${prev} ${s}`;
    } else {
      out.push(s);
    }
  }
  return out;
}

/**
 * Returns the lede of `body` as a one-line excerpt of at most `max` characters: the first paragraph that
 * looks like prose (else the first paragraph), as many whole sentences as fit, and always at least one.
 * When the first sentence alone is longer than `max`, it is cut at the last word boundary that leaves
 * room for a trailing "…". A body that is HTML is read as its text first and character references are
 * decoded, so the excerpt never holds a tag or an encoded entity; it is NFC, whitespace collapsed.
 * Returns "" for an empty body.
 */
export function makeExcerpt(body: string, max: number = EXCERPT_MAX): string {
  const text = looksLikeHtml(body) ? htmlToText(body) : decodeCharacterReferences(body);
  const paragraphs = splitParagraphs(text);
  const lede = paragraphs.find(looksLikeProse) ?? paragraphs[0];
  if (lede === undefined) return "";
  const sentences = splitSentences(lede);
  let out = "";
  for (const sentence of sentences) {
    const next = out === "" ? sentence : `${out} ${sentence}`;
    if (next.length > max) break;
    out = next;
  }
  if (out === "") out = cutAtWord(sentences[0] ?? lede, max);
  return out;
}

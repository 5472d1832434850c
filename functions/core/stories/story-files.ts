/**
 * Reading story import files into drafts: `.json` (an object or an array of objects, or a JSON Feed),
 * `.ndjson` / `.jsonl` (one object per line), `.txt` (one raw article page), `.html` / `.htm` (one
 * article page) and `.xml` / `.rss` / `.atom` (a feed: RSS 2.0, RSS 1.0/RDF or Atom). Pure: the caller
 * reads the file (decodeStoryFile in story-file-decode.ts turns its bytes into text).
 */
import type { ParsedRecord, StoryDraft } from "../kernel/types.js";
import { parseArticleHtml } from "./article-html.js";
import { parseFeedDocument } from "./feed-parse.js";
import { lineAndColumn, linesOf, parseJson, scanJson } from "./json-scan.js";
import { MarkupLimitError } from "./markup-limits.js";
import { parseRawPage, RawPageError } from "./raw-page.js";
import { describeType, validateDraft } from "./story-draft.js";
import { BINARY_FILE } from "./story-file-decode.js";

/** A JSON Feed names its version by URL: `"version": "https://jsonfeed.org/version/1.1"`. */
function isJsonFeed(value: unknown): boolean {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return false;
  const version = (value as Record<string, unknown>).version;
  return typeof version === "string" && /^https?:\/\/jsonfeed\.org\/version\//i.test(version);
}

/**
 * A feed file through the feed parser. Records are numbered by item (the first item is 1); a document
 * that is not a feed is one error naming why.
 */
function parseFeedFile(text: string): ParsedRecord[] {
  const result = parseFeedDocument(text);
  if ("error" in result) return [{ line: 1, error: result.error }];
  if (result.records.length === 0) return [{ line: 1, error: "feed has no items" }];
  return result.records;
}

function parseJsonFile(text: string): ParsedRecord[] {
  const parsed = parseJson(text);
  if (!("value" in parsed)) {
    const { line, column } = lineAndColumn(text, parsed.pos);
    return [{ line, error: `invalid JSON at line ${line}, column ${column}: ${parsed.message}` }];
  }
  if (isJsonFeed(parsed.value)) return parseFeedFile(text);
  const toRecord = (value: unknown, line: number): ParsedRecord => {
    const r = validateDraft(value);
    return "draft" in r ? { line, draft: r.draft } : { line, error: r.error };
  };
  if (!Array.isArray(parsed.value)) {
    if (typeof parsed.value !== "object" || parsed.value === null) {
      const { line } = lineAndColumn(text, Math.max(0, text.search(/\S/)));
      return [
        { line, error: `expected an object or an array of objects, got ${describeType(parsed.value)}` },
      ];
    }
    return [toRecord(parsed.value, lineAndColumn(text, Math.max(0, text.search(/\S/))).line)];
  }
  const lines = linesOf(text, scanJson(text).elementStarts);
  return parsed.value.map((element, index) => toRecord(element, lines[index] ?? 1));
}

function parseNdjsonFile(text: string): ParsedRecord[] {
  const records: ParsedRecord[] = [];
  text.split("\n").forEach((raw, index) => {
    const lineText = raw.replace(/\r$/, "");
    if (lineText.trim() === "") return;
    const line = index + 1;
    const parsed = parseJson(lineText);
    if (!("value" in parsed)) {
      records.push({ line, error: `invalid JSON at column ${parsed.pos + 1}: ${parsed.message}` });
      return;
    }
    const r = validateDraft(parsed.value);
    records.push("draft" in r ? { line, draft: r.draft } : { line, error: r.error });
  });
  return records;
}

function parseTxtFile(text: string): ParsedRecord[] {
  try {
    const page = parseRawPage(text);
    const draft: StoryDraft = { headline: page.headline, body: page.body };
    if (page.source !== "") draft.source = page.source;
    if (page.section !== "") draft.section = page.section;
    if (page.byline !== "") draft.byline = page.byline;
    return [{ line: 1, draft }];
  } catch (e) {
    if (e instanceof RawPageError) return [{ line: 1, error: e.message }];
    throw e;
  }
}

function parseHtmlFile(text: string): ParsedRecord[] {
  const result = parseArticleHtml(text);
  return [{ line: 1, ...result }];
}

/** Extensions `parseStoryFile` reads. */
export const STORY_FILE_EXTENSIONS = [
  ".json",
  ".ndjson",
  ".jsonl",
  ".txt",
  ".html",
  ".htm",
  ".xml",
  ".rss",
  ".atom",
] as const;

/**
 * Parses the content of one story import file, by the extension of `fileName` (case-insensitive).
 * Returns one record per story with its 1-based line (for a JSON array, the line its element starts on),
 * or error records: one for the whole file when it is empty, binary (contains NUL), of an unsupported
 * type, malformed JSON (with line and column), not a raw article page, an HTML page with no
 * headline or no article text, a page over the markup limits (markup-limits.ts) or that cannot be read
 * at all, or a feed file that is not a feed; one per bad line in NDJSON and one per bad feed item
 * (numbered by item), where the good ones still parse. An empty JSON array gives no records. Never
 * throws for the content of a file.
 */
export function parseStoryFile(fileName: string, content: string): ParsedRecord[] {
  const base = fileName.split(/[/\\]/).pop() ?? fileName;
  const dot = base.lastIndexOf(".");
  const ext = dot > 0 ? base.slice(dot).toLowerCase() : "";
  if (!(STORY_FILE_EXTENSIONS as readonly string[]).includes(ext)) {
    return [
      {
        line: 1,
        error: `unsupported file type ${ext || "(no extension)"} (expected ${STORY_FILE_EXTENSIONS.join(", ")})`,
      },
    ];
  }
  const text = content.startsWith("\uFEFF") ? content.slice(1) : content;
  if (text.includes("\u0000")) return [{ line: 1, error: BINARY_FILE }];
  if (text.trim() === "") return [{ line: 1, error: "empty file" }];
  try {
    if (ext === ".json") return parseJsonFile(text);
    if (ext === ".txt") return parseTxtFile(text);
    if (ext === ".html" || ext === ".htm") return parseHtmlFile(text);
    if (ext === ".xml" || ext === ".rss" || ext === ".atom") return parseFeedFile(text);
    return parseNdjsonFile(text);
  } catch (e) {
    // Records are read one by one where the format allows (each reports its own problem); what still
    // throws is the file's own (an article page over the markup limits, say): this file's error alone.
    if (e instanceof MarkupLimitError) return [{ line: 1, error: e.message }];
    return [{ line: 1, error: `cannot be read (${(e as Error).name}: ${(e as Error).message})` }];
  }
}

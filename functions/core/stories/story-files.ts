/**
 * Reading story import files into drafts: `.json` (an object or an array of objects, or a JSON Feed),
 * `.ndjson` / `.jsonl` (one object per line), `.txt` (one raw article page), `.html` / `.htm` (one
 * article page) and `.xml` / `.rss` / `.atom` (a feed: RSS 2.0, RSS 1.0/RDF or Atom). Pure: the caller
 * reads the file ({@link decodeStoryFile} turns its bytes into text).
 */
import { z } from "zod";
import type { ParsedRecord, StoryDraft } from "../kernel/types.js";
import { parseArticleHtml } from "./article-html.js";
import { parseFeedDocument } from "./feed-parse.js";
import { MarkupLimitError } from "./markup-limits.js";
import { parseRawPage, RawPageError } from "./raw-page.js";

/** Draft fields and the keys accepted for each, canonical name first; the first present non-null key wins. */
const FIELD_KEYS = {
  headline: ["headline", "title"],
  url: ["url", "link"],
  source: ["source"],
  section: ["section"],
  byline: ["byline", "author"],
  publishedAt: ["publishedAt", "published_at", "date", "published"],
  body: ["body", "content", "text"],
  excerpt: ["excerpt", "summary", "description"],
  html: ["html", "content_html"],
} as const satisfies Record<keyof StoryDraft, readonly string[]>;

type Field = keyof typeof FIELD_KEYS;

const optionalString = z.string({ error: "expected a string" }).optional();

const draftSchema = z.object({
  headline: z
    .string({ error: (issue) => (issue.input === undefined ? "required" : "expected a string") })
    .refine((s) => s.trim() !== "", { error: "must not be empty" }),
  url: z.string({ error: "expected a string or null" }).nullable().optional(),
  source: optionalString,
  section: optionalString,
  byline: optionalString,
  publishedAt: optionalString,
  body: optionalString,
  excerpt: optionalString,
  html: optionalString,
});

function describeType(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  return typeof value === "object" ? "an object" : `a ${typeof value}`;
}

/**
 * Validates one JSON value as a story draft. Aliases (`title`, `link`, `author`, `date`, `published`,
 * `content`, `text`, `summary`, `description`) fill the canonical fields; null counts as absent (for
 * `url`: no URL); unknown keys are ignored. Returns the draft, or a reason naming the key as written,
 * e.g. `headline: required` or `date: expected a string`.
 */
export function validateDraft(value: unknown): { draft: StoryDraft } | { error: string } {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    return { error: `expected an object, got ${describeType(value)}` };
  }
  const obj = value as Record<string, unknown>;
  const merged: Record<string, unknown> = {};
  const keyUsed: Partial<Record<Field, string>> = {};
  for (const [field, keys] of Object.entries(FIELD_KEYS) as Array<[Field, readonly string[]]>) {
    const key = keys.find((k) => Object.hasOwn(obj, k) && obj[k] !== null && obj[k] !== undefined);
    if (key !== undefined) {
      merged[field] = obj[key];
      keyUsed[field] = key;
    } else if (field === "url" && keys.some((k) => Object.hasOwn(obj, k))) {
      merged.url = null;
    }
  }
  const result = draftSchema.safeParse(merged);
  if (!result.success) {
    const reasons = result.error.issues.map((issue) => {
      const field = issue.path[0];
      const name = typeof field === "string" ? (keyUsed[field as Field] ?? field) : "story";
      return `${name}: ${issue.message}`;
    });
    return { error: reasons.join("; ") };
  }
  const draft: StoryDraft = { headline: result.data.headline };
  for (const field of Object.keys(FIELD_KEYS) as Field[]) {
    const v = result.data[field];
    if (field !== "headline" && v !== undefined) (draft as unknown as Record<string, unknown>)[field] = v;
  }
  return { draft };
}

/** 1-based line and column of a UTF-16 offset in `text`. */
function lineAndColumn(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < offset && i < text.length; i++) {
    if (text.charCodeAt(i) === 10) {
      line++;
      lineStart = i + 1;
    }
  }
  return { line, column: offset - lineStart + 1 };
}

/**
 * 1-based lines of ascending UTF-16 offsets in `text`, in one pass (one lineAndColumn call per element
 * of a large array would read the text once per element).
 */
function linesOf(text: string, offsets: readonly number[]): number[] {
  const lines: number[] = [];
  let line = 1;
  // Each newline is found once: the next one is remembered until an offset passes it.
  let nextNewline = text.indexOf("\n");
  for (const offset of offsets) {
    while (nextNewline !== -1 && nextNewline < offset) {
      line++;
      nextNewline = text.indexOf("\n", nextNewline + 1);
    }
    lines.push(line);
  }
  return lines;
}

class JsonScanFailure {
  constructor(
    readonly pos: number,
    readonly message: string,
  ) {}
}

const NUMBER_RE = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;

/**
 * Scans JSON text without building values. Returns the start offsets of the elements when the top-level
 * value is an array (empty otherwise), and the offset and description of the first syntax error, if any.
 * Used because Node 20's JSON.parse does not report a position for every error. Iterative (an explicit
 * stack of open containers), so no nesting overflows the call stack.
 */
export function scanJson(text: string): {
  elementStarts: number[];
  error: { pos: number; message: string } | null;
} {
  const elementStarts: number[] = [];
  let i = 0;
  const fail = (message: string): never => {
    throw new JsonScanFailure(i, message);
  };
  const found = (): string => (i >= text.length ? "end of input" : JSON.stringify(text[i]));
  const skipWhitespace = (): void => {
    while (i < text.length && (text[i] === " " || text[i] === "\t" || text[i] === "\n" || text[i] === "\r"))
      i++;
  };
  const scanString = (): void => {
    i++; // opening quote
    for (;;) {
      if (i >= text.length) fail("unterminated string");
      const c = text.charCodeAt(i);
      if (c === 0x22) {
        i++;
        return;
      }
      if (c < 0x20) fail("control character in string (escape it)");
      if (c === 0x5c) {
        const e = text[i + 1] ?? "";
        if ('"\\/bfnrt'.includes(e) && e !== "") i += 2;
        else if (e === "u" && /^[0-9a-fA-F]{4}$/.test(text.slice(i + 2, i + 6))) i += 6;
        else fail("bad escape in string");
      } else {
        i++;
      }
    }
  };
  /** A property name and its ":" (the value follows). */
  const scanKey = (): void => {
    skipWhitespace();
    if (text[i] !== '"') fail(`expected a property name in double quotes, found ${found()}`);
    scanString();
    skipWhitespace();
    if (text[i] !== ":") fail(`expected ':' after the property name, found ${found()}`);
    i++;
  };
  /** Open containers, innermost last: "{" or "[". */
  const open: string[] = [];
  /**
   * Reads one value: a scalar or an empty container whole; a container with members is opened (pushed)
   * and read on into its first member, down to the first scalar, so the loop below goes on from there.
   */
  const readValue = (): void => {
    for (;;) {
      skipWhitespace();
      if (open.length === 1 && open[0] === "[") elementStarts.push(i);
      const c = text[i];
      if (c === "{" || c === "[") {
        i++;
        skipWhitespace();
        if (text[i] === (c === "{" ? "}" : "]")) {
          i++;
          return;
        }
        open.push(c);
        if (c === "{") scanKey();
        continue;
      }
      if (c === '"') {
        scanString();
        return;
      }
      NUMBER_RE.lastIndex = i;
      if (c !== undefined && /[-0-9]/.test(c) && NUMBER_RE.test(text)) {
        i = NUMBER_RE.lastIndex;
        return;
      }
      for (const literal of ["true", "false", "null"]) {
        if (text.startsWith(literal, i)) {
          i += literal.length;
          return;
        }
      }
      fail(`unexpected ${found()}`);
    }
  };
  try {
    readValue();
    // After each whole value: close containers that end here, then read the next member.
    while (open.length > 0) {
      skipWhitespace();
      const container = open[open.length - 1];
      if (text[i] === ",") {
        i++;
        if (container === "{") scanKey();
        readValue();
      } else if (text[i] === (container === "{" ? "}" : "]")) {
        i++;
        open.pop();
      } else if (container === "{") {
        fail(`expected ',' or '}' after a property value, found ${found()}`);
      } else {
        fail(`expected ',' or ']' after an array element, found ${found()}`);
      }
    }
    skipWhitespace();
    if (i < text.length) fail(`unexpected ${found()} after the end of the JSON value`);
    return { elementStarts, error: null };
  } catch (e) {
    if (e instanceof JsonScanFailure) return { elementStarts, error: { pos: e.pos, message: e.message } };
    throw e;
  }
}

/** JSON.parse, or the position and description of the syntax error. */
function parseJson(text: string): { value: unknown } | { pos: number; message: string } {
  try {
    return { value: JSON.parse(text) };
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e);
    const m = /(?: in JSON)? at position (\d+)(?: \(line \d+ column \d+\))?/.exec(message);
    if (m) return { pos: Number(m[1]), message: message.slice(0, m.index) };
    const scanned = scanJson(text).error;
    return scanned ?? { pos: 0, message };
  }
}

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

/** The reason given for a file that is not text. */
export const BINARY_FILE = "binary file, not a story";

const utf8 = new TextDecoder("utf-8", { fatal: true });

/** The encoding an HTML page declares in its first bytes (`<meta charset>` or http-equiv), if any. */
function declaredCharset(bytes: Uint8Array): string | null {
  const head = new TextDecoder("latin1").decode(bytes.subarray(0, 2048));
  return /<meta[^>]+charset\s*=\s*["']?([\w-]+)/i.exec(head)?.[1]?.toLowerCase() ?? null;
}

/** Labels that mean windows-1252 on the web (WHATWG Encoding: latin1 and ISO-8859-1 included). */
const WINDOWS_1252_LABELS = new Set([
  "windows-1252",
  "cp1252",
  "latin1",
  "iso-8859-1",
  "iso8859-1",
  "us-ascii",
  "ascii",
]);

/** Code points of windows-1252 bytes 0x80–0x9F (the rest are Latin-1); 0 where the byte is undefined. */
const WINDOWS_1252_HIGH = [
  0x20ac, 0, 0x201a, 0x0192, 0x201e, 0x2026, 0x2020, 0x2021, 0x02c6, 0x2030, 0x0160, 0x2039, 0x0152, 0,
  0x017d, 0, 0, 0x2018, 0x2019, 0x201c, 0x201d, 0x2022, 0x2013, 0x2014, 0x02dc, 0x2122, 0x0161, 0x203a,
  0x0153, 0, 0x017e, 0x0178,
];

/** Decoded here because Node 20's TextDecoder reads "windows-1252" as ISO-8859-1 (C1 controls for “ ” ‘ ’ …). */
function decodeWindows1252(bytes: Uint8Array): string {
  let out = "";
  for (const b of bytes) {
    const high = b >= 0x80 && b <= 0x9f ? WINDOWS_1252_HIGH[b - 0x80] : 0;
    out += String.fromCharCode(high || b);
  }
  return out;
}

/**
 * Decodes the bytes of an import file into text: UTF-8 (a BOM is allowed), UTF-16 with a BOM, or, for
 * an HTML page that is not UTF-8, the charset its `<meta>` declares (windows-1252, ISO-8859-1…).
 * Returns `{ error }` for a file with NUL bytes or that is not valid in its encoding, with the byte
 * offset of the first bad sequence.
 */
export function decodeStoryFile(fileName: string, bytes: Uint8Array): { text: string } | { error: string } {
  if (bytes[0] === 0xff && bytes[1] === 0xfe) return { text: new TextDecoder("utf-16le").decode(bytes) };
  if (bytes[0] === 0xfe && bytes[1] === 0xff) return { text: new TextDecoder("utf-16be").decode(bytes) };
  const nul = bytes.indexOf(0);
  if (nul >= 0) return { error: `${BINARY_FILE} (a NUL byte at offset ${nul})` };
  try {
    return { text: utf8.decode(bytes) };
  } catch {
    const charset = /\.html?$/i.test(fileName) ? declaredCharset(bytes) : null;
    if (charset !== null && WINDOWS_1252_LABELS.has(charset)) return { text: decodeWindows1252(bytes) };
    if (charset !== null && charset !== "utf-8" && charset !== "utf8") {
      try {
        return { text: new TextDecoder(charset, { fatal: true }).decode(bytes) };
      } catch {
        // An unknown label or bytes invalid in it: reported below like any other undecodable file.
      }
    }
    return { error: `${BINARY_FILE} (not valid UTF-8 at byte ${firstInvalidUtf8(bytes)})` };
  }
}

/** Offset of the first byte that does not start or continue a valid UTF-8 sequence (the length if none). */
function firstInvalidUtf8(bytes: Uint8Array): number {
  let i = 0;
  while (i < bytes.length) {
    const c = bytes[i] ?? 0;
    if (c < 0x80) {
      i++;
      continue;
    }
    // Length of the sequence and the range its second byte must fall in (no overlongs, no surrogates).
    let extra: number;
    let [lo, hi] = [0x80, 0xbf];
    if (c >= 0xc2 && c <= 0xdf) extra = 1;
    else if (c >= 0xe0 && c <= 0xef) {
      extra = 2;
      if (c === 0xe0) lo = 0xa0;
      if (c === 0xed) hi = 0x9f;
    } else if (c >= 0xf0 && c <= 0xf4) {
      extra = 3;
      if (c === 0xf0) lo = 0x90;
      if (c === 0xf4) hi = 0x8f;
    } else return i;
    for (let k = 1; k <= extra; k++) {
      const next = bytes[i + k];
      if (next === undefined) return i;
      if (k === 1 ? next < lo || next > hi : (next & 0xc0) !== 0x80) return i;
    }
    i += extra + 1;
  }
  return bytes.length;
}

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

import type { Readable } from "node:stream";
import { StringDecoder } from "node:string_decoder";
import { parseRowStatus, type RowStatus } from "./import-status.js";
import { parseSections, type SubscriberView } from "./subscribers.js";

/**
 * Subscriber CSV files: reading (streaming, header-driven, line-exact error reports) and writing
 * (the export format, which the import reads back).
 *
 * The reader is a small RFC 4180 tokenizer rather than csv-parse: csv-parse drops every row after
 * the first malformed quote and counts a CRLF inside a quoted field as two lines, and an import
 * must report each bad row at its own line and still import the rest.
 */

/**
 * One data row of a subscriber CSV: the fields, or why the row cannot be read. `line` is the line
 * the row starts on, counting the header as 1. A row with `line` 1 is a note about the header
 * (unknown columns), not a bad row.
 */
export type CsvRow =
  | {
      line: number;
      email: string;
      name: string | null;
      sections: string[] | undefined;
      timezone: string | null;
      /** What the row says about consent; undefined when it says nothing (no status column, empty cell). */
      status: RowStatus | undefined;
    }
  | { line: number; error: string };

/** A physical line longer than this is refused (its row is reported, the rest of the file read on). */
export const MAX_LINE_CHARS = 64 * 1024;
/** A quoted field may span lines; one still open after this many lines is an unclosed quote. */
export const MAX_RECORD_LINES = 32;

const COLUMN_ALIASES: Record<string, string> = {
  email: "email",
  emailaddress: "email",
  mail: "email",
  name: "name",
  fullname: "name",
  sections: "sections",
  section: "sections",
  timezone: "timezone",
  tz: "timezone",
  // The subscriber's consent state: this export's column, and other tools' names for it.
  status: "status",
  subscriptionstatus: "status",
  subscriberstatus: "status",
  memberstatus: "status",
  emailmarketingstatus: "status",
  // Mailchimp exports one file per state; these columns are filled only in the unsubscribed and the
  // cleaned (bounced) members' file, so they lower a row's status even without a status column.
  unsubtime: "unsubscribedat",
  unsubscribedat: "unsubscribedat",
  cleantime: "cleanedat",
  cleanedat: "cleanedat",
  // This export's own dates: known, not imported (the record gets the import's own dates).
  createdat: "createdat",
  confirmedat: "confirmedat",
};
const KNOWN_COLUMNS = new Set(Object.values(COLUMN_ALIASES));

/** "E-mail Address" → "email", "Time Zone" → "timezone"; other names stay as written (lower-cased). */
function columnName(header: string): string {
  const key = header
    .trim()
    .toLowerCase()
    .replace(/[\s_-]+/g, "");
  return COLUMN_ALIASES[key] ?? header.trim().toLowerCase();
}

/** Physical lines of a text stream: "\r\n", "\n" and a lone "\r" end a line; a BOM is dropped. */
class LineSplitter {
  private rest = "";
  private skippingLongLine = false;
  private pendingCr = false;
  private first = true;

  /** Lines completed by `chunk`; a line over MAX_LINE_CHARS comes back as `null` (once). */
  push(chunk: string, out: (line: string | null) => void): void {
    let text = chunk;
    if (text === "") return;
    if (this.first) {
      this.first = false;
      if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
    }
    if (this.pendingCr) {
      // The previous chunk ended in "\r": a "\n" right after it belongs to the same line break.
      this.pendingCr = false;
      if (text.startsWith("\n")) text = text.slice(1);
    }
    let start = 0;
    for (;;) {
      const nl = nextBreak(text, start);
      if (nl < 0) break;
      this.emit(this.rest + text.slice(start, nl), out);
      this.rest = "";
      if (text.charCodeAt(nl) === 13 /* \r */) {
        if (nl + 1 === text.length) {
          this.pendingCr = true;
          start = nl + 1;
          break;
        }
        start = text.charCodeAt(nl + 1) === 10 ? nl + 2 : nl + 1;
      } else {
        start = nl + 1;
      }
    }
    if (start < text.length) {
      if (this.skippingLongLine) return;
      this.rest += text.slice(start);
      if (this.rest.length > MAX_LINE_CHARS) {
        this.rest = "";
        this.skippingLongLine = true;
        out(null);
      }
    }
  }

  end(out: (line: string | null) => void): void {
    if (this.rest !== "" || this.skippingLongLine) this.emit(this.rest, out);
    this.rest = "";
  }

  private emit(line: string, out: (line: string | null) => void) {
    if (this.skippingLongLine) {
      // The long line was already reported when it passed the limit; its tail is dropped.
      this.skippingLongLine = false;
      return;
    }
    out(line.length > MAX_LINE_CHARS ? null : line);
  }
}

function nextBreak(text: string, from: number): number {
  const n = text.indexOf("\n", from);
  const r = text.indexOf("\r", from);
  if (n < 0) return r;
  if (r < 0) return n;
  return Math.min(n, r);
}

type Fields = { fields: string[] } | { error: string } | "open";

/**
 * Splits one logical record into fields. Unquoted fields are trimmed; a quote inside an unquoted
 * field is kept as written (as spreadsheets do). Returns "open" when a quoted field is still open at
 * the end of the text (it may continue on the next line).
 */
function splitFields(text: string): Fields {
  const fields: string[] = [];
  let i = 0;
  for (;;) {
    while (text[i] === " " || text[i] === "\t") i++;
    if (text[i] === '"') {
      let value = "";
      let j = i + 1;
      for (;;) {
        const q = text.indexOf('"', j);
        if (q < 0) return "open";
        value += text.slice(j, q);
        if (text[q + 1] === '"') {
          value += '"';
          j = q + 2;
          continue;
        }
        i = q + 1;
        break;
      }
      while (text[i] === " " || text[i] === "\t") i++;
      fields.push(value);
      if (i >= text.length) return { fields };
      if (text[i] !== ",") {
        return {
          error: `malformed quoting in column ${fields.length}: characters after the closing quote (write a quote inside a quoted value as "")`,
        };
      }
      i++;
      continue;
    }
    const comma = text.indexOf(",", i);
    if (comma < 0) {
      fields.push(text.slice(i).trim());
      return { fields };
    }
    fields.push(text.slice(i, comma).trim());
    i = comma + 1;
  }
}

/** A record as read from the file: its first line and its fields, or why it could not be read. */
export type RawRecord = { line: number; fields: string[] } | { line: number; error: string };

/**
 * Assembles physical lines into records. A line whose quote stays open is joined with the following
 * lines until the quote closes; if it never closes within MAX_RECORD_LINES (or before the end of the
 * file), or the joined text is not a plausible row, the opening line is reported as an unclosed quote
 * and the lines after it are read again as rows of their own. So one stray quote costs one row.
 */
class RecordAssembler {
  /** Fields per row, once the header is known: a multi-line row must have exactly this many. */
  expectedFields: number | null = null;
  private line = 0;
  private open: { line: number; lines: string[] } | null = null;

  constructor(private readonly out: (record: RawRecord) => void) {}

  pushLine(text: string | null): void {
    this.line++;
    this.take(this.line, text);
  }

  end(): void {
    while (this.open) this.fail();
  }

  private take(line: number, text: string | null): void {
    if (text === null) {
      if (this.open) this.fail();
      this.out({ line, error: `line is longer than ${MAX_LINE_CHARS} characters` });
      return;
    }
    if (!this.open) {
      if (text.trim() === "") return;
      const parsed = splitFields(text);
      if (parsed === "open") this.open = { line, lines: [text] };
      else this.out("error" in parsed ? { line, error: parsed.error } : { line, fields: parsed.fields });
      return;
    }
    this.open.lines.push(text);
    const parsed = splitFields(this.open.lines.join("\n"));
    if (parsed === "open") {
      if (this.open.lines.length >= MAX_RECORD_LINES) this.fail();
      return;
    }
    if ("error" in parsed || !this.plausible(parsed.fields)) {
      this.fail();
      return;
    }
    this.out({ line: this.open.line, fields: parsed.fields });
    this.open = null;
  }

  /** A joined multi-line row must fit the header, else the quote that opened it was a stray one. */
  private plausible(fields: string[]): boolean {
    const expected = this.expectedFields;
    if (expected === null) return true;
    return fields.length >= expected && fields.slice(expected).every((f) => f.trim() === "");
  }

  /** Reports the open record's first line as an unclosed quote and re-reads the lines after it. */
  private fail(): void {
    const open = this.open as { line: number; lines: string[] };
    this.open = null;
    this.out({ line: open.line, error: "malformed quoting: a quoted value is never closed" });
    open.lines.slice(1).forEach((text, i) => {
      this.take(open.line + 1 + i, text);
    });
  }
}

async function* textChunks(input: Readable | string): AsyncGenerator<string> {
  if (typeof input === "string") {
    yield input;
    return;
  }
  const decoder = new StringDecoder("utf8");
  for await (const chunk of input) {
    yield typeof chunk === "string" ? chunk : decoder.write(chunk as Buffer);
  }
  const tail = decoder.end();
  if (tail) yield tail;
}

/** Raw records of a CSV text or stream, read lazily: the file is never held in memory. */
async function* csvRecords(input: Readable | string, assemblerRef: { current?: RecordAssembler }) {
  const ready: RawRecord[] = [];
  const assembler = new RecordAssembler((r) => ready.push(r));
  assemblerRef.current = assembler;
  const splitter = new LineSplitter();
  const onLine = (line: string | null) => assembler.pushLine(line);
  for await (const chunk of textChunks(input)) {
    splitter.push(chunk, onLine);
    while (ready.length > 0) yield ready.shift() as RawRecord;
  }
  splitter.end(onLine);
  assembler.end();
  while (ready.length > 0) yield ready.shift() as RawRecord;
}

/**
 * The records of any CSV text or stream with this reader's rules (the header is line 1, each bad row
 * reported at its line, a multi-line row must have as many fields as the header): what other files
 * of the admin (the suppression list) are read with.
 */
export async function* readCsvRecords(input: Readable | string): AsyncGenerator<RawRecord> {
  const assembler: { current?: RecordAssembler } = {};
  let header = true;
  for await (const record of csvRecords(input, assembler)) {
    if (header && "fields" in record)
      (assembler.current as RecordAssembler).expectedFields = record.fields.length;
    header = false;
    yield record;
  }
}

/**
 * Streams a subscriber CSV: header-driven (email[,name,sections,timezone] in any order, names
 * case-insensitive; sections split on ';'), BOM, CRLF and quoted multi-line values tolerated. Rows
 * are yielded as they are read, so a 100k-row file is never held in memory (only the addresses seen,
 * to report duplicates). Each bad row comes back as an error with its line; the rest read on.
 * Throws when the file is empty or the header has no email column or repeats a column. A note about
 * the header (unknown columns, ignored) goes to `opts.onHeaderNote`, else it is yielded as an error
 * row on the header's line.
 */
export async function* readSubscriberCsv(
  input: Readable | string,
  opts: { onHeaderNote?: (line: number, note: string) => void } = {},
): AsyncGenerator<CsvRow> {
  const assembler: { current?: RecordAssembler } = {};
  let columns: string[] | null = null;
  let index: Record<string, number> = {};
  const seen = new Map<string, number>();
  for await (const record of csvRecords(input, assembler)) {
    if (!columns) {
      if ("error" in record)
        throw new Error(`the header (line ${record.line}) cannot be read: ${record.error}`);
      const names = record.fields.map(columnName);
      // Trailing empty header cells ("email,name,") are not columns.
      while (names.length > 1 && names[names.length - 1] === "") names.pop();
      columns = names;
      index = Object.fromEntries(names.map((c, i) => [c, i]));
      if (!names.includes("email")) {
        throw new Error(
          `the header (line ${record.line}) has no "email" column: found ${names.join(", ") || "nothing"}`,
        );
      }
      const repeated = names.filter((c, i) => c !== "" && names.indexOf(c) !== i);
      if (repeated.length > 0) {
        throw new Error(`the header (line ${record.line}) names ${[...new Set(repeated)].join(", ")} twice`);
      }
      (assembler.current as RecordAssembler).expectedFields = names.length;
      const unknown = names.filter((c) => c !== "" && !KNOWN_COLUMNS.has(c));
      if (unknown.length > 0) {
        const note = `ignoring unknown column(s): ${unknown.join(", ")}`;
        if (opts.onHeaderNote) opts.onHeaderNote(record.line, note);
        else yield { line: record.line, error: note };
      }
      continue;
    }
    if ("error" in record) {
      yield record;
      continue;
    }
    const { line, fields } = record;
    // A row of empty cells (spreadsheets write them after the data) counts as a blank line.
    if (fields.every((f) => f.trim() === "")) continue;
    if (fields.length < columns.length) {
      yield { line, error: `too few columns: ${fields.length}, the header has ${columns.length}` };
      continue;
    }
    if (fields.slice(columns.length).some((f) => f.trim() !== "")) {
      yield {
        line,
        error: `too many columns: ${fields.length}, the header has ${columns.length} (quote values that contain commas)`,
      };
      continue;
    }
    const field = (name: string): string | undefined => {
      const i = index[name];
      return i === undefined ? undefined : reviveFormulas(fields[i] as string).trim();
    };
    const email = field("email") ?? "";
    if (!email) {
      yield { line, error: "email is empty" };
      continue;
    }
    const key = email.toLowerCase();
    const first = seen.get(key);
    if (first !== undefined) {
      yield { line, error: `duplicate of line ${first} (${key})` };
      continue;
    }
    const status = rowStatus(field);
    if (typeof status === "string") {
      yield { line, error: status };
      continue;
    }
    seen.set(key, line);
    const sections = field("sections");
    yield {
      line,
      email,
      name: field("name") || null,
      sections: sections === undefined ? undefined : parseSections(sections),
      timezone: field("timezone") || null,
      status,
    };
  }
  if (!columns)
    throw new Error("the file is empty: expected a header line such as email,name,sections,timezone");
}

/**
 * A row's consent state: its status word, lowered by Mailchimp's unsubscribe or clean time when
 * those are filled in (an import never raises consent). Returns the error for an unknown word.
 */
function rowStatus(field: (name: string) => string | undefined): RowStatus | undefined | string {
  const word = field("status");
  const parsed = word ? parseRowStatus(word) : undefined;
  if (parsed === null) {
    return `unknown status "${word}" (use pending, active, paused, unsubscribed or suppressed; see the README for the words other tools export)`;
  }
  if (field("cleanedat")) return { status: "suppressed", reason: "bounce", word: "cleaned" };
  if (field("unsubscribedat") && parsed?.status !== "suppressed") {
    return { status: "unsubscribed", word: "unsubscribed" };
  }
  return parsed;
}

/** The export's columns: the import format first, so an export can be imported back. */
export const SUBSCRIBER_CSV_HEADER = "email,name,sections,timezone,status,createdAt,confirmedAt";

/**
 * Where a spreadsheet starts a cell: the field's start, or after "," or ";" (the list separator of
 * many locales, where Excel and Calc split a line on ";" whatever the file's quoting); then blanks
 * and double quotes it skips; then the characters OWASP's CSV-injection guidance names as the start
 * of a formula (= + - @ tab CR), possibly behind apostrophes already there.
 */
const FORMULA_AT_CELL_START = /(^|[,;])([ "]*)(?='*[=+\-@\t\r])/g;
/** The same places with the apostrophe `defuseFormulas` put there. */
const DEFUSED_AT_CELL_START = /(^|[,;])([ "]*)'(?='*[=+\-@\t\r])/g;

/**
 * Puts an apostrophe (a spreadsheet's "this is text" mark) before every formula a spreadsheet could
 * see in `value`, in "," and ";" locales alike: "Bob;=cmd" → "Bob;'=cmd". Exactly reversed by
 * reviveFormulas (an apostrophe already there gets one more, so nothing is ambiguous).
 */
export function defuseFormulas(value: string): string {
  return value.replace(FORMULA_AT_CELL_START, "$1$2'");
}

/**
 * Undoes defuseFormulas when a file is imported: a defused export comes back as it was. A value typed
 * as '=x in a spreadsheet (its text mark) comes back as =x, which is also what the spreadsheet shows.
 */
export function reviveFormulas(value: string): string {
  return value.replace(DEFUSED_AT_CELL_START, "$1$2");
}

/**
 * One CSV field: formulas defused (defuseFormulas), and quoted when defused or when it holds a
 * quote, a separator (",", ";") or a line break, so every such cell is one cell in any locale.
 */
export function csvField(value: string): string {
  const v = defuseFormulas(value);
  return v !== value || /[",;\r\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v;
}

/** One export line (no line break) for a subscriber. */
export function subscriberCsvLine(s: SubscriberView): string {
  return [
    s.email,
    s.name ?? "",
    s.sections.join(";"),
    s.timezone ?? "",
    s.status,
    s.createdAt,
    s.confirmedAt ?? "",
  ]
    .map(csvField)
    .join(",");
}

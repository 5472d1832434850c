import type { Readable } from "node:stream";
import { StringDecoder } from "node:string_decoder";

/**
 * CSV text or streams read into records (the header is line 1, each bad row reported at its line, the
 * rest read on): what the subscriber and suppression imports are read with.
 *
 * The reader is a small RFC 4180 tokenizer rather than csv-parse: csv-parse drops every row after
 * the first malformed quote and counts a CRLF inside a quoted field as two lines, and an import
 * must report each bad row at its own line and still import the rest.
 */

/** A physical line longer than this is refused (its row is reported, the rest of the file read on). */
export const MAX_LINE_CHARS = 64 * 1024;
/** A quoted field may span lines; one still open after this many lines is an unclosed quote. */
export const MAX_RECORD_LINES = 32;

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
export class RecordAssembler {
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
export async function* csvRecords(input: Readable | string, assemblerRef: { current?: RecordAssembler }) {
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

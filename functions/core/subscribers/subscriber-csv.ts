import type { Readable } from "node:stream";
import { csvField, reviveFormulas } from "./csv-cells.js";
import { csvRecords, type RecordAssembler } from "./csv-records.js";
import { parseRowStatus, type RowStatus } from "./import-status.js";
import { parseSections, type SubscriberView } from "./subscribers.js";

/**
 * Subscriber CSV files: reading (streaming, header-driven, line-exact error reports) and writing
 * (the export format, which the import reads back). Tokenizing is csv-records.ts; cells csv-cells.ts.
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
      /** The language tag as written (checked at import); undefined when the cell is empty or absent. */
      locale?: string;
      /** What the row says about consent; undefined when it says nothing (no status column, empty cell). */
      status: RowStatus | undefined;
    }
  | { line: number; error: string };

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
  locale: "locale",
  language: "locale",
  lang: "locale",
  preferredlanguage: "locale",
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

/** "E-mail Address" → "email", "Time Zone" → "timezone", "Language" → "locale"; other names stay as written (lower-cased). */
function columnName(header: string): string {
  const key = header
    .trim()
    .toLowerCase()
    .replace(/[\s_-]+/g, "");
  return COLUMN_ALIASES[key] ?? header.trim().toLowerCase();
}

/**
 * Streams a subscriber CSV: header-driven (email[,name,sections,timezone,locale] in any order, names
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
      locale: field("locale") || undefined,
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
export const SUBSCRIBER_CSV_HEADER = "email,name,sections,timezone,locale,status,createdAt,confirmedAt";

/** One export line (no line break) for a subscriber. */
export function subscriberCsvLine(s: SubscriberView): string {
  return [
    s.email,
    s.name ?? "",
    s.sections.join(";"),
    s.timezone ?? "",
    s.locale ?? "",
    s.status,
    s.createdAt,
    s.confirmedAt ?? "",
  ]
    .map(csvField)
    .join(",");
}

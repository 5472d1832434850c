import type { Readable } from "node:stream";
import { parse } from "csv-parse";
import { parseSections } from "./subscribers.js";

/** One data row of a subscriber CSV: the fields, or why the row cannot be read. `line` counts the header as 1. */
export type CsvRow =
  | {
      line: number;
      email: string;
      name: string | null;
      sections: string[] | undefined;
      timezone: string | null;
    }
  | { line: number; error: string };

const KNOWN_COLUMNS = new Set(["email", "name", "sections", "timezone"]);

/**
 * Streams a subscriber CSV (header-driven: email[,name,sections,timezone], sections split on ';',
 * BOM and CRLF tolerated). Rows are yielded as they are read, so a 100k-row file is never held in
 * memory. A header without an email column throws.
 */
export async function* readSubscriberCsv(input: Readable | string): AsyncGenerator<CsvRow> {
  const parser = parse({
    bom: true,
    columns: (header: string[]) => header.map((h) => h.trim().toLowerCase()),
    skip_empty_lines: true,
    relax_column_count: true,
    trim: true,
    info: true,
    skip_records_with_error: true,
  });
  const skipped: CsvRow[] = [];
  parser.on("skip", (err: Error & { lines?: number }) => {
    skipped.push({ line: err.lines ?? 0, error: `malformed CSV: ${err.message}` });
  });
  let headerChecked = false;
  if (typeof input === "string") {
    parser.end(input);
  } else {
    input.on("error", (err) => parser.destroy(err));
    input.pipe(parser);
  }
  const seen = new Map<string, number>();
  for await (const record of parser as AsyncIterable<{
    record: Record<string, string>;
    info: { lines: number };
  }>) {
    while (skipped.length > 0) yield skipped.shift() as CsvRow;
    const { record: row, info } = record;
    if (!headerChecked) {
      headerChecked = true;
      const columns = Object.keys(row);
      if (!columns.includes("email")) {
        throw new Error(
          `the header (line 1) has no "email" column: found ${columns.join(", ") || "nothing"}`,
        );
      }
      const unknown = columns.filter((c) => !KNOWN_COLUMNS.has(c));
      if (unknown.length > 0) yield { line: 1, error: `ignoring unknown column(s): ${unknown.join(", ")}` };
    }
    const line = info.lines;
    const email = (row.email ?? "").trim();
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
    seen.set(key, line);
    yield {
      line,
      email,
      name: row.name?.trim() || null,
      sections: row.sections === undefined ? undefined : parseSections(row.sections),
      timezone: row.timezone?.trim() || null,
    };
  }
  while (skipped.length > 0) yield skipped.shift() as CsvRow;
}

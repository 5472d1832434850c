import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { csvField } from "../../functions/core/subscribers/csv-cells.js";
import {
  readSubscriberCsv,
  SUBSCRIBER_CSV_HEADER,
  subscriberCsvLine,
} from "../../functions/core/subscribers/subscriber-csv.js";
import type { SubscriberView } from "../../functions/core/subscribers/subscribers.js";

/**
 * CSV formula injection (issue 14, item 2; OWASP "CSV Injection"): a spreadsheet runs a cell as a
 * formula when it starts with = + - @ tab or CR, and it splits a line on the locale's list
 * separator, "," or ";". So no piece of an exported line, split on either, may start with one of
 * those (after the blanks and quotes a spreadsheet skips), and the defused value must import back
 * as it was. Name and sections can be set by anyone through the public sign-up.
 */

const TRIGGER = /^[=+\-@\t\r]/;

/** The cells a spreadsheet sees when it splits `line` on `separator` without regard to quoting. */
function naivePieces(line: string, separator: "," | ";"): string[] {
  return line.split(separator).map((piece) => piece.replace(/^[ "]+/, ""));
}

const hostileChar = fc.constantFrom(..."=+-@;,'\" |!()A0bcalc".split(""));
const hostile = fc.string({ unit: hostileChar, maxLength: 24 });

/** A name as the admin rules store it: single spaces, trimmed, not empty. */
const storedName = hostile.map((s) => s.replace(/\s+/g, " ").trim()).filter((s) => s !== "");
/** Section names as parseSections yields them: no separators, trimmed, unique case-insensitively. */
const storedSections = fc
  .array(
    fc
      .string({ unit: fc.constantFrom(..."=+-@'\" |!AbC".split("")), maxLength: 8 })
      .map((s) => s.trim())
      .filter((s) => s !== ""),
    { maxLength: 4 },
  )
  .map((list) => [...new Map(list.map((s) => [s.toLowerCase(), s])).values()]);

function view(name: string | null, sections: string[]): SubscriberView {
  return {
    email: "bob@example.com",
    name,
    status: "active",
    sections,
    timezone: null,
    locale: null,
    createdAt: "2031-01-01T00:00:00.000Z",
    confirmedAt: null,
  };
}

async function readBack(line: string) {
  const rows = [];
  const csv = `${SUBSCRIBER_CSV_HEADER}\n${line}\n`;
  for await (const row of readSubscriberCsv(csv, { onHeaderNote: () => {} })) rows.push(row);
  expect(rows).toHaveLength(1);
  const [row] = rows;
  if (!row || "error" in row) throw new Error(`row not read back: ${JSON.stringify(row)}`);
  return row;
}

describe("CSV formula defusing", () => {
  it("defuses a formula after a ';' (the list separator of many locales), and quotes the cell", () => {
    const cell = csvField("Bob;=cmd|' /C calc'!A0");
    expect(cell.startsWith('"')).toBe(true);
    for (const separator of [",", ";"] as const) {
      for (const piece of naivePieces(cell, separator)) expect(piece).not.toMatch(TRIGGER);
    }
    expect(csvField("=1+1")).toBe(`"'=1+1"`);
    expect(csvField("Plain Name")).toBe("Plain Name");
  });

  it("leaves no formula at the start of any cell, split on ',' or ';', for hostile names and sections", () => {
    fc.assert(
      fc.property(storedName, storedSections, (name, sections) => {
        const line = subscriberCsvLine(view(name, sections));
        for (const separator of [",", ";"] as const) {
          for (const piece of naivePieces(line, separator)) expect(piece).not.toMatch(TRIGGER);
        }
      }),
      { numRuns: 500 },
    );
  });

  it("imports a defused export back as the original name and sections", async () => {
    await fc.assert(
      fc.asyncProperty(storedName, storedSections, async (name, sections) => {
        const row = await readBack(subscriberCsvLine(view(name, sections)));
        expect(row.name).toBe(name);
        expect(row.sections).toEqual(sections);
        expect(row.email).toBe("bob@example.com");
      }),
      { numRuns: 300 },
    );
  });

  it("reads back an address that starts with a formula character", async () => {
    const row = await readBack(subscriberCsvLine({ ...view(null, []), email: "-bob+news@example.com" }));
    expect(row.email).toBe("-bob+news@example.com");
  });
});

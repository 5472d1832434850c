import type { Readable } from "node:stream";
import type { Suppression } from "../kernel/ports.js";
import { csvField, reviveFormulas } from "./csv-cells.js";
import { readCsvRecords } from "./csv-records.js";
import { isErasedKey, normalizeEmail } from "./subscribers.js";
import { SUPPRESSION_REASONS, type SuppressionDeps, suppressAddress } from "./suppression-admin.js";

/**
 * The suppression list as a file, so it travels with a migration: `digest suppressions export`
 * writes every entry (with its reason, detail and time; an erased address as its hash), and
 * `digest suppressions import` puts them back. A subscriber export carries its suppressed
 * subscribers already (status "suppressed"); this file adds what it cannot: addresses suppressed
 * without ever subscribing, the original reasons, and erased addresses. An erased address's keyed
 * hash only matches under the same erasure key: move the key with the data (README).
 */

export const SUPPRESSION_CSV_HEADER = "email,reason,detail,at";

/** One export line for an entry (formulas defused like the subscriber export). */
export function suppressionCsvLine(s: Suppression): string {
  return [s.email, s.reason, s.detail ?? "", s.at].map(csvField).join(",");
}

export interface SuppressionImportSummary {
  imported: number;
  updated: number;
  skipped: number;
  invalid: number;
}

const REASONS: readonly string[] = SUPPRESSION_REASONS;

const sameEntry = (a: Suppression, b: Suppression) =>
  a.reason === b.reason && a.detail === b.detail && a.at === b.at;

/**
 * Imports a suppression-list CSV (header email,reason[,detail][,at], any order): a plain address is
 * suppressed as `suppressAddress` does (its subscriber, if any, moved to suppressed); an address
 * already on the list takes the file's reason, detail and time (the original ones, when a subscriber
 * file of the same move put it there first: "updated"), the same ones are "skipped"; an erased
 * address's hash is copied unless present.
 * Each bad row is reported at its line and the rest read on. Throws when the header cannot be used.
 */
export async function importSuppressionCsv(
  deps: SuppressionDeps,
  input: Readable | string,
  onReport: (line: number, reason: string) => void,
): Promise<SuppressionImportSummary> {
  const summary: SuppressionImportSummary = { imported: 0, updated: 0, skipped: 0, invalid: 0 };
  let columns: Record<string, number> | null = null;
  const bad = (line: number, reason: string) => {
    summary.invalid++;
    onReport(line, reason);
  };
  for await (const record of readCsvRecords(input)) {
    if (!columns) {
      if ("error" in record) throw new Error(`the header (line 1) cannot be read: ${record.error}`);
      columns = Object.fromEntries(record.fields.map((name, i) => [name.trim().toLowerCase(), i]));
      if (columns.email === undefined || columns.reason === undefined) {
        throw new Error(
          `the header (line 1) needs "email" and "reason" columns: found ${record.fields.join(", ")}`,
        );
      }
      continue;
    }
    if ("error" in record) {
      bad(record.line, record.error);
      continue;
    }
    const cols = columns;
    const field = (name: string) => {
      const i = cols[name];
      return i === undefined ? "" : reviveFormulas(record.fields[i] ?? "").trim();
    };
    if (record.fields.every((f) => f.trim() === "")) continue;
    const key = field("email");
    const reason = field("reason");
    const at = field("at") || (deps.clock?.() ?? new Date()).toISOString();
    if (Number.isNaN(Date.parse(at))) {
      bad(record.line, `"${at}" is not a date and time (ISO 8601)`);
      continue;
    }
    if (isErasedKey(key.toLowerCase())) {
      const hashed = key.toLowerCase();
      if (await deps.suppressions.get(hashed)) summary.skipped++;
      else {
        await deps.suppressions.put({ email: hashed, reason: "erased", detail: null, at });
        summary.imported++;
      }
      continue;
    }
    if (!REASONS.includes(reason)) {
      bad(record.line, `unknown reason "${reason}" (use ${REASONS.join(", ")})`);
      continue;
    }
    const normalized = normalizeEmail(key);
    if ("error" in normalized) {
      bad(record.line, normalized.error);
      continue;
    }
    const entry = { email: normalized.email, reason, detail: field("detail") || null, at };
    const result = await suppressAddress(deps, entry);
    if (result.outcome === "suppressed" && result.entry.at === at) summary.imported++;
    else if (result.outcome === "invalid") bad(record.line, result.error);
    else if (result.outcome === "erased") {
      summary.skipped++;
      onReport(record.line, `${normalized.email} was erased: its hashed entry already blocks it`);
    } else if (sameEntry(result.entry, entry)) summary.skipped++;
    else {
      // Already on the list (say, from the subscriber file of the same move): the exported entry's
      // reason, detail and time are the original ones. Only the record of why changes.
      await deps.suppressions.put(entry);
      summary.updated++;
    }
  }
  if (!columns) throw new Error("the file is empty: expected a header line email,reason,detail,at");
  return summary;
}

import type { Readable } from "node:stream";
import { addSubscriber, type SubscriberAdminDeps } from "./subscriber-admin.js";
import { type CsvRow, readSubscriberCsv } from "./subscriber-csv.js";
import { type Consent, normalizeEmail } from "./subscribers.js";

/**
 * The one subscriber import loop, shared by `digest subscribers import` (a file stream) and
 * `POST /admin/subscribers/import` (the request body): rows from readSubscriberCsv go through
 * addSubscriber with a bounded number in flight, and every row that needs saying something about is
 * reported in line order.
 */

export interface ImportOptions {
  /** active: consent was given elsewhere; pending: each new address gets a confirmation email. */
  status: "active" | "pending";
  /** Consent evidence stored with each new subscriber (method "import", when, which file or caller). */
  consent: Consent;
  /** Rows in flight at once (default 16). */
  concurrency?: number;
  /** Called for each row worth reporting, in line order (bad rows, refused addresses, failed emails). */
  onReport?: (report: ImportReport) => void;
  /** Called after every `progressEvery` rows read (default 1000) with the count so far. */
  onProgress?: (rows: number) => void;
  progressEvery?: number;
}

export interface ImportReport {
  line: number;
  /**
   * invalid: the row was not imported (bad address, section, zone, quoting, columns, duplicate);
   * skipped: the address is unsubscribed, suppressed or erased and was left alone;
   * failed: the row was valid but its confirmation email could not be sent (re-import retries it);
   * note: about the file, not a row (unknown header columns).
   */
  kind: "invalid" | "skipped" | "failed" | "note";
  reason: string;
}

export interface ImportSummary {
  imported: number;
  updated: number;
  skipped: number;
  invalid: number;
  /** Rows whose confirmation email failed (not stored; a re-import retries them). */
  failed: number;
  /** Confirmation emails sent (pending imports). */
  confirmations: number;
}

export const DEFAULT_IMPORT_CONCURRENCY = 16;
/** Rows whose suppression status is looked up in one batch. */
const LOOKUP_BATCH = 100;

/** `imported=… updated=… skipped=… invalid=…` (design.md), plus `failed=…` only when some failed. */
export function importSummaryLine(s: ImportSummary): string {
  const line = `imported=${s.imported} updated=${s.updated} skipped=${s.skipped} invalid=${s.invalid}`;
  return s.failed > 0 ? `${line} failed=${s.failed}` : line;
}

type Outcome =
  | { counted: keyof ImportSummary | null; report?: ImportReport; confirmation?: boolean }
  | { error: unknown };

/**
 * Imports subscriber rows. Good rows are added or refreshed (re-importing the same file changes
 * nothing), bad ones reported with their line and reason; an address that unsubscribed, is
 * suppressed or was erased is never reactivated (skipped, with a report). Up to `concurrency` rows are
 * written at once; suppression lookups are batched per LOOKUP_BATCH rows; reports still come out in
 * line order. Memory stays bounded by the batch, whatever the size of the input.
 * Storage errors (after the SDK's own retries) stop the import and are thrown once the rows in flight
 * settled: every row before them is stored, and a re-run is safe.
 */
export async function importSubscribers(
  deps: SubscriberAdminDeps,
  rows: AsyncIterable<CsvRow>,
  opts: ImportOptions,
): Promise<ImportSummary> {
  if (opts.status === "pending" && !deps.mail) {
    throw new Error("a pending import needs the transactional mail (confirmation emails)");
  }
  const concurrency = Math.max(1, opts.concurrency ?? DEFAULT_IMPORT_CONCURRENCY);
  const progressEvery = opts.progressEvery ?? 1000;
  const summary: ImportSummary = {
    imported: 0,
    updated: 0,
    skipped: 0,
    invalid: 0,
    failed: 0,
    confirmations: 0,
  };
  const inFlight: Promise<Outcome>[] = [];
  let failure: unknown = null;

  const settleOldest = async () => {
    const o = await (inFlight.shift() as Promise<Outcome>);
    if ("error" in o) {
      failure ??= o.error;
      return;
    }
    if (o.counted) summary[o.counted]++;
    if (o.confirmation) summary.confirmations++;
    if (o.report) opts.onReport?.(o.report);
  };

  // Whether recent rows were new addresses: then each row is tried as a conditional create first
  // (one write), else read first (a re-import of known addresses then writes nothing at all).
  let recentNew = 0.5;
  const processRow = async (row: CsvRow, suppressed: Promise<Set<string>>): Promise<Outcome> => {
    if ("error" in row)
      return { counted: "invalid", report: { line: row.line, kind: "invalid", reason: row.error } };
    const normalized = normalizeEmail(row.email);
    const result = await addSubscriber(
      deps,
      {
        email: row.email,
        name: row.name ?? undefined,
        sections: row.sections,
        timezone: row.timezone ?? undefined,
        status: opts.status,
        consent: opts.consent,
      },
      {
        suppressed: "email" in normalized ? (await suppressed).has(normalized.email) : undefined,
        likelyNew: recentNew >= 0.5,
      },
    );
    if (result.outcome !== "invalid") recentNew = recentNew * 0.9 + (result.outcome === "imported" ? 0.1 : 0);
    switch (result.outcome) {
      case "invalid":
        return { counted: "invalid", report: { line: row.line, kind: "invalid", reason: result.error } };
      case "failed":
        return { counted: "failed", report: { line: row.line, kind: "failed", reason: result.error } };
      default:
        if ("blocked" in result) {
          return { counted: "skipped", report: { line: row.line, kind: "skipped", reason: result.note } };
        }
        return { counted: result.outcome, confirmation: result.confirmationSent };
    }
  };

  let read = 0;
  let batch: CsvRow[] = [];
  const flush = async () => {
    const emails: string[] = [];
    for (const row of batch) {
      if ("error" in row) continue;
      const n = normalizeEmail(row.email);
      if ("email" in n) emails.push(n.email);
    }
    const suppressed =
      emails.length > 0 ? deps.suppressions.suppressed(emails) : Promise.resolve(new Set<string>());
    // A failed lookup fails its rows (and so the import), not the process.
    suppressed.catch(() => {});
    for (const row of batch) {
      while (inFlight.length >= concurrency && failure === null) await settleOldest();
      if (failure !== null) break;
      // Each outcome is caught at once: a row failing while older ones are awaited is no unhandled rejection.
      inFlight.push(processRow(row, suppressed).catch((error: unknown) => ({ error })));
    }
    batch = [];
  };

  for await (const row of rows) {
    batch.push(row);
    read++;
    if (opts.onProgress && read % progressEvery === 0) opts.onProgress(read);
    if (batch.length >= LOOKUP_BATCH) await flush();
    if (failure !== null) break;
  }
  if (failure === null) await flush();
  while (inFlight.length > 0) await settleOldest();
  if (failure !== null) throw failure;
  return summary;
}

/**
 * Imports a subscriber CSV (a file stream or a request body) through importSubscribers; a note about
 * the header (ignored columns) is reported as kind "note" on its line. Throws when the header cannot be
 * used (no email column, empty file): nothing is imported then.
 */
export function importSubscriberCsv(
  deps: SubscriberAdminDeps,
  input: Readable | string,
  opts: ImportOptions,
): Promise<ImportSummary> {
  const rows = readSubscriberCsv(input, {
    onHeaderNote: (line, reason) => opts.onReport?.({ line, kind: "note", reason }),
  });
  return importSubscribers(deps, rows, opts);
}

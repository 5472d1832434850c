import type { Readable } from "node:stream";
import { type ChunkOptions, chunkEmails, importChunk, type Outcome } from "./import-batch.js";
import type { SubscriberAdminDeps } from "./subscriber-admin.js";
import { type CsvRow, readSubscriberCsv } from "./subscriber-csv.js";
import type { Consent } from "./subscribers.js";

/**
 * The one subscriber import loop, shared by `digest subscribers import` (a file stream) and
 * `POST /admin/subscribers/import` (the request body): rows from readSubscriberCsv go in chunks
 * through import-batch.ts (the rules of addSubscriber, batched reads and writes), and every row that
 * needs saying something about is reported in line order.
 *
 * An import never raises consent. A row without a status gets the import's own choice (active, or
 * pending with --pending: the admin vouches for it); a row with one keeps it (pending stays pending
 * and gets the confirmation email, paused stays paused, unsubscribed and suppressed are never
 * mailed, a suppressed one's suppression entry is re-created); an existing subscriber's unsubscribe
 * or suppression is never undone, and an existing pending one is never confirmed by a file. What was
 * kept from being active is counted in the summary (`kept`).
 */

export interface ImportOptions {
  /**
   * For rows without a status (or "active"): active, consent was given elsewhere; pending, each new
   * address gets a confirmation email.
   */
  status: "active" | "pending";
  /** Consent evidence stored with each new subscriber (method "import", when, which file or caller). */
  consent: Consent;
  /** Rows that go one by one (pending: a confirmation email each; suppressed) in flight at once (default 16). */
  concurrency?: number;
  /** Rows of one chunk: read, decided and written together (default 100). */
  chunkRows?: number;
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

/** Rows not made active, by the state that held them back (the row's own status or the stored one). */
export interface KeptCounts {
  pending: number;
  paused: number;
  unsubscribed: number;
  suppressed: number;
  /** Erased addresses (GDPR): only their keyed hash is left, and it blocks them. */
  erased: number;
}

export interface ImportSummary {
  imported: number;
  updated: number;
  /** Rows that changed nothing: `unchanged` of them, and the rest each with a "skipped" report. */
  skipped: number;
  /**
   * Of `skipped`, the rows the list already had as they are (a re-import, an unsubscribed row of an
   * address that is unsubscribed): counted, not reported row by row.
   */
  unchanged: number;
  invalid: number;
  /** Rows whose confirmation email failed (not stored; a re-import retries them). */
  failed: number;
  /** Confirmation emails sent (pending rows and pending imports). */
  confirmations: number;
  /**
   * Rows that did not end active because of a consent state: their own status, or the subscriber's
   * stored one. New rows that are pending only because of --pending are not counted here.
   */
  kept: KeptCounts;
}

export const DEFAULT_IMPORT_CONCURRENCY = 16;
/** Rows read and written together (one batched lookup each of subscribers and suppressions). */
export const DEFAULT_CHUNK_ROWS = 100;
/** Chunks in flight at once. */
const CHUNKS_IN_FLIGHT = 4;

/** `imported=… updated=… skipped=… invalid=…` (design.md), plus `failed=…` only when some failed. */
export function importSummaryLine(s: ImportSummary): string {
  const line = `imported=${s.imported} updated=${s.updated} skipped=${s.skipped} invalid=${s.invalid}`;
  return s.failed > 0 ? `${line} failed=${s.failed}` : line;
}

/**
 * `kept: pending=2 unsubscribed=3 …`: what was kept from being active, on a line of its own after the
 * summary line (whose shape is the CLI contract); null when nothing was.
 */
export function keptSummaryLine(s: ImportSummary): string | null {
  const parts = Object.entries(s.kept)
    .filter(([, n]) => n > 0)
    .map(([state, n]) => `${state}=${n}`);
  return parts.length > 0 ? `kept: ${parts.join(" ")}` : null;
}

/**
 * Imports subscriber rows: the entry point of every import, whatever reads the rows (a file stream, a
 * request body, one chunk of an import job: any iterable of parsed rows with their line numbers).
 * Good rows are added or refreshed (re-importing the same file changes nothing), bad ones reported
 * with their line and reason; an address that unsubscribed, is suppressed or was erased is never
 * reactivated (skipped, with a report). Rows go in chunks of `chunkRows` (import-batch.ts: batched
 * reads, rules per row in memory, one batched write), a few chunks at once; a chunk that shares an
 * address with one in flight waits for it. Reports still come out in line order, and memory stays
 * bounded by the chunks in flight, whatever the size of the input.
 * Storage errors (after the SDK's own retries) stop the import and are thrown once the chunks in
 * flight settled: the rows of earlier chunks are stored, and a re-run is safe.
 */
export async function importSubscribers(
  deps: SubscriberAdminDeps,
  rows: AsyncIterable<CsvRow> | Iterable<CsvRow>,
  opts: ImportOptions,
): Promise<ImportSummary> {
  if (opts.status === "pending" && !deps.mail) {
    throw new Error("a pending import needs the transactional mail (confirmation emails)");
  }
  const chunkOpts: ChunkOptions = {
    status: opts.status,
    consent: opts.consent,
    concurrency: Math.max(1, opts.concurrency ?? DEFAULT_IMPORT_CONCURRENCY),
    recentNew: { share: 0.5 },
  };
  const chunkRows = Math.max(1, opts.chunkRows ?? DEFAULT_CHUNK_ROWS);
  const progressEvery = opts.progressEvery ?? 1000;
  const summary: ImportSummary = {
    imported: 0,
    updated: 0,
    skipped: 0,
    unchanged: 0,
    invalid: 0,
    failed: 0,
    confirmations: 0,
    kept: { pending: 0, paused: 0, unsubscribed: 0, suppressed: 0, erased: 0 },
  };
  const inFlight: { outcomes: Promise<Outcome[] | { error: unknown }>; emails: Set<string> }[] = [];
  let failure: unknown = null;

  const settleOldest = async () => {
    const outcomes = await (inFlight.shift() as (typeof inFlight)[number]).outcomes;
    if ("error" in outcomes) {
      failure ??= outcomes.error;
      return;
    }
    for (const o of outcomes) {
      summary[o.counted]++;
      if (o.unchanged) summary.unchanged++;
      if (o.kept) summary.kept[o.kept]++;
      if (o.confirmation) summary.confirmations++;
      if (o.report) opts.onReport?.(o.report);
    }
  };

  const start = async (chunk: CsvRow[]) => {
    const emails = chunkEmails(chunk);
    // One address in two chunks at once would race: the later chunk waits for the earlier ones.
    if (inFlight.some((c) => [...emails].some((e) => c.emails.has(e)))) {
      while (inFlight.length > 0) await settleOldest();
    }
    while (inFlight.length >= CHUNKS_IN_FLIGHT) await settleOldest();
    if (failure !== null) return;
    // Caught at once: a chunk failing while older ones are awaited is no unhandled rejection.
    const outcomes = importChunk(deps, chunk, chunkOpts).catch((error: unknown) => ({ error }));
    inFlight.push({ outcomes, emails });
  };

  let read = 0;
  let chunk: CsvRow[] = [];
  for await (const row of rows) {
    chunk.push(row);
    read++;
    if (opts.onProgress && read % progressEvery === 0) opts.onProgress(read);
    if (chunk.length >= chunkRows) {
      await start(chunk);
      chunk = [];
    }
    if (failure !== null) break;
  }
  if (failure === null && chunk.length > 0) await start(chunk);
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

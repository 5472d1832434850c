import type { Readable } from "node:stream";
import type { RowStatus } from "./import-status.js";
import {
  type AddResult,
  addSubscriber,
  findSubscriber,
  type SubscriberAdminDeps,
} from "./subscriber-admin.js";
import { type CsvRow, readSubscriberCsv } from "./subscriber-csv.js";
import { type SubscriberInput, validateSubscriberInput } from "./subscriber-input.js";
import { type Consent, normalizeEmail } from "./subscribers.js";
import { suppressAddress } from "./suppression-admin.js";

/**
 * The one subscriber import loop, shared by `digest subscribers import` (a file stream) and
 * `POST /admin/subscribers/import` (the request body): rows from readSubscriberCsv go through
 * addSubscriber with a bounded number in flight, and every row that needs saying something about is
 * reported in line order.
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
/** Rows whose suppression status is looked up in one batch. */
const LOOKUP_BATCH = 100;

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

type Counted = "imported" | "updated" | "skipped" | "invalid" | "failed";
type Outcome =
  | {
      counted: Counted;
      report?: ImportReport;
      confirmation?: boolean;
      kept?: keyof KeptCounts;
      /** A skipped row that changed nothing because the list already has it so (no report). */
      unchanged?: boolean;
    }
  | { error: unknown };

/**
 * Whether a row's end state counts as kept: anything but active, except a row created exactly as
 * the import's own choice asked (new and pending because of --pending).
 */
function keptState(
  final: keyof KeptCounts | "active",
  row: { asked: SubscriberInput["status"]; fromRow: boolean; created: boolean },
): keyof KeptCounts | undefined {
  if (final === "active") return undefined;
  if (row.created && final === row.asked && !row.fromRow) return undefined;
  return final;
}

/** A row of an erased address: skipped, and said so (only its keyed hash is left, and it blocks it). */
const erasedRow = (line: number, email: string): Outcome => ({
  counted: "skipped",
  kept: "erased",
  report: { line, kind: "skipped", reason: `${email} was erased (GDPR) and may not be added again` },
});

/**
 * A row whose status says suppressed (bounced, complained, blocklisted…): the address goes on the
 * suppression list with the reason the word gives; a new address also gets a record (so the export
 * of this list shows it as the old one did), an existing subscriber is moved to suppressed. An
 * address that was erased stays erased.
 */
async function importSuppressedRow(
  deps: SubscriberAdminDeps,
  row: Extract<CsvRow, { email: string }>,
  status: Extract<RowStatus, { status: "suppressed" }>,
  listed: Promise<Set<string>>,
  consent: Consent,
): Promise<Outcome> {
  const input = { email: row.email, name: row.name, sections: row.sections, timezone: row.timezone };
  const valid = validateSubscriberInput(input, deps.config.sections);
  if ("outcome" in valid)
    return { counted: "invalid", report: { line: row.line, kind: "invalid", reason: valid.error } };
  let created = false;
  if (!(await findSubscriber(deps, valid.email))) {
    // An erased address never gets a record again; an address already on the list gets its record
    // (as the exported list had it), never mailable from the first write on: unsubscribed, then
    // suppressed.
    if ((await listed).has(valid.email) && (await deps.suppressions.erasure(valid.email))) {
      return erasedRow(row.line, valid.email);
    }
    const added = await addSubscriber(
      deps,
      { ...input, name: input.name ?? undefined, status: "unsubscribed", consent },
      { suppressed: false, fromFile: true },
    );
    if (added.outcome === "invalid" || added.outcome === "failed")
      return { counted: "invalid", report: { line: row.line, kind: "invalid", reason: added.error } };
    created = added.outcome === "imported";
  }
  const result = await suppressAddress(deps, {
    email: valid.email,
    reason: status.reason,
    detail: `imported as "${status.word}"${consent.source ? ` from ${consent.source}` : ""}`,
  });
  switch (result.outcome) {
    case "invalid":
      return { counted: "invalid", report: { line: row.line, kind: "invalid", reason: result.error } };
    case "erased":
      return erasedRow(row.line, valid.email);
    case "already":
      return created
        ? { counted: "imported", kept: "suppressed" }
        : { counted: "skipped", kept: "suppressed", unchanged: true };
    default:
      return { counted: created ? "imported" : "updated", kept: "suppressed" };
  }
}

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
    unchanged: 0,
    invalid: 0,
    failed: 0,
    confirmations: 0,
    kept: { pending: 0, paused: 0, unsubscribed: 0, suppressed: 0, erased: 0 },
  };
  const inFlight: Promise<Outcome>[] = [];
  let failure: unknown = null;

  const settleOldest = async () => {
    const o = await (inFlight.shift() as Promise<Outcome>);
    if ("error" in o) {
      failure ??= o.error;
      return;
    }
    summary[o.counted]++;
    if (o.unchanged) summary.unchanged++;
    if (o.kept) summary.kept[o.kept]++;
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
    const rowStatus = row.status;
    if (rowStatus?.status === "never-subscribed") {
      const who = "email" in normalized ? normalized.email : row.email;
      const reason = `${who} never opted in (${rowStatus.word}); not imported`;
      return { counted: "skipped", report: { line: row.line, kind: "skipped", reason } };
    }
    if (rowStatus?.status === "suppressed") {
      return importSuppressedRow(deps, row, rowStatus, suppressed, opts.consent);
    }
    // What the row asks for: its own status, or for "active" and no status the import's choice.
    const fromRow = rowStatus !== undefined && rowStatus.status !== "active";
    const asked = fromRow ? (rowStatus.status as SubscriberInput["status"]) : opts.status;
    const result: AddResult = await addSubscriber(
      deps,
      {
        email: row.email,
        name: row.name ?? undefined,
        sections: row.sections,
        timezone: row.timezone ?? undefined,
        status: asked,
        consent: opts.consent,
      },
      {
        suppressed: "email" in normalized ? (await suppressed).has(normalized.email) : undefined,
        likelyNew: recentNew >= 0.5,
        fromFile: true,
      },
    );
    if (result.outcome !== "invalid") recentNew = recentNew * 0.9 + (result.outcome === "imported" ? 0.1 : 0);
    switch (result.outcome) {
      case "invalid":
        return { counted: "invalid", report: { line: row.line, kind: "invalid", reason: result.error } };
      case "failed":
        return { counted: "failed", report: { line: row.line, kind: "failed", reason: result.error } };
      default: {
        const blocked = "blocked" in result ? result.blocked : null;
        const final = "blocked" in result ? result.blocked : result.subscriber.status;
        const kept = keptState(final, { asked, fromRow, created: result.outcome === "imported" });
        // Worth a note only when the row asked for more than it got (an unsubscribed row of an
        // unsubscribed address is simply as it should be).
        const report =
          blocked && "note" in result && asked !== "unsubscribed"
            ? { line: row.line, kind: "skipped" as const, reason: result.note }
            : undefined;
        return {
          counted: blocked ? "skipped" : result.outcome,
          report,
          unchanged: result.outcome === "skipped" && report === undefined,
          kept,
          confirmation: "confirmationSent" in result ? result.confirmationSent : undefined,
        };
      }
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

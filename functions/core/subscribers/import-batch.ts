import { eachBounded } from "../kernel/limiter.js";
import type { RowStatus } from "./import-status.js";
import {
  type AddResult,
  addSubscriber,
  blockedReason,
  findSubscriber,
  live,
  planAdd,
  type SubscriberAdminDeps,
  type ValidInput,
} from "./subscriber-admin.js";
import type { CsvRow } from "./subscriber-csv.js";
import type { ImportReport, KeptCounts } from "./subscriber-import.js";
import { type SubscriberInput, validateSubscriberInput } from "./subscriber-input.js";
import { type Consent, normalizeEmail, type Subscriber } from "./subscribers.js";
import { suppressAddress } from "./suppression-admin.js";

/**
 * One chunk of an import, read and written in batches: the chunk's subscribers and suppression
 * entries are read with one batched lookup each, every row is decided in memory by the same rules as
 * addSubscriber (planAdd), and what changed is written in one batched put. Rows that need more than a
 * write go through addSubscriber / suppressAddress one by one, as before: pending rows (their
 * confirmation email, rolled back when it fails) and suppressed rows (the suppression entry).
 *
 * Races: a batched put cannot be conditional (DynamoDB's BatchWriteItem has no conditions). A record
 * the chunk read as absent and that someone creates in the milliseconds before the put (a sign-up) is
 * replaced by the imported one: the outcome of the import having come first, which the rules allow
 * (an admin's file may add the address; the sign-up's confirmation link then names a replaced id). No
 * lowering of consent fits in that window: unsubscribing, a bounce or a complaint need an email sent
 * to the new record first. An update (a record read, changed, put back) races a concurrent change of
 * that record exactly as addSubscriber's get-then-put always did.
 */

type Counted = "imported" | "updated" | "skipped" | "invalid" | "failed";
export interface Outcome {
  counted: Counted;
  report?: ImportReport;
  confirmation?: boolean;
  kept?: keyof KeptCounts;
  /** A skipped row that changed nothing because the list already has it so (no report). */
  unchanged?: boolean;
}

/** What the import asks of every row, and the state it keeps from chunk to chunk. */
export interface ChunkOptions {
  status: "active" | "pending";
  consent: Consent;
  /** Rows going through addSubscriber one by one (pending, suppressed) in flight at once. */
  concurrency: number;
  /**
   * Whether recent one-by-one rows were new addresses: then such a row is tried as a conditional
   * create first (one write), else read first.
   */
  recentNew: { share: number };
}

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

const invalidRow = (line: number, reason: string): Outcome => ({
  counted: "invalid",
  report: { line, kind: "invalid", reason },
});

/** A row of an erased address: skipped, and said so (only its keyed hash is left, and it blocks it). */
const erasedRow = (line: number, email: string): Outcome => ({
  counted: "skipped",
  kept: "erased",
  report: { line, kind: "skipped", reason: `${email} was erased (GDPR) and may not be added again` },
});

/** The outcome of a row that went through addSubscriber or planAdd. */
function addOutcome(
  line: number,
  result: AddResult,
  row: { asked: SubscriberInput["status"]; fromRow: boolean },
): Outcome {
  switch (result.outcome) {
    case "invalid":
      return invalidRow(line, result.error);
    case "failed":
      return { counted: "failed", report: { line, kind: "failed", reason: result.error } };
    default: {
      const blocked = "blocked" in result ? result.blocked : null;
      const final = "blocked" in result ? result.blocked : result.subscriber.status;
      const kept = keptState(final, { ...row, created: result.outcome === "imported" });
      // Worth a note only when the row asked for more than it got (an unsubscribed row of an
      // unsubscribed address is simply as it should be).
      const report =
        blocked && "note" in result && row.asked !== "unsubscribed"
          ? { line, kind: "skipped" as const, reason: result.note }
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
}

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
  listed: Set<string>,
  consent: Consent,
): Promise<Outcome> {
  const input = {
    email: row.email,
    name: row.name,
    sections: row.sections,
    timezone: row.timezone,
    locale: row.locale,
  };
  const valid = validateSubscriberInput(input, deps.config.sections, deps.config.locales);
  if ("outcome" in valid) return invalidRow(row.line, valid.error);
  let created = false;
  if (!(await findSubscriber(deps, valid.email))) {
    // An erased address never gets a record again; an address already on the list gets its record
    // (as the exported list had it), never mailable from the first write on: unsubscribed, then
    // suppressed.
    if (listed.has(valid.email) && (await deps.suppressions.erasure(valid.email))) {
      return erasedRow(row.line, valid.email);
    }
    const added = await addSubscriber(
      deps,
      { ...input, name: input.name ?? undefined, status: "unsubscribed", consent },
      { suppressed: false, fromFile: true },
    );
    if (added.outcome === "invalid" || added.outcome === "failed") return invalidRow(row.line, added.error);
    created = added.outcome === "imported";
  }
  const result = await suppressAddress(deps, {
    email: valid.email,
    reason: status.reason,
    detail: `imported as "${status.word}"${consent.source ? ` from ${consent.source}` : ""}`,
  });
  switch (result.outcome) {
    case "invalid":
      return invalidRow(row.line, result.error);
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

/** A row's normalised address, or null when it has none (a bad row, a bad address). */
function rowEmail(row: CsvRow): string | null {
  if ("error" in row) return null;
  const n = normalizeEmail(row.email);
  return "email" in n ? n.email : null;
}

/** The normalised addresses of a chunk's rows (to keep chunks sharing an address apart). */
export function chunkEmails(rows: readonly CsvRow[]): Set<string> {
  const emails = new Set<string>();
  for (const row of rows) {
    const email = rowEmail(row);
    if (email) emails.add(email);
  }
  return emails;
}

/**
 * Imports one chunk of rows; returns each row's outcome, in row order. An address that comes back
 * within the chunk splits it: the rows before it are stored first, so the later row sees them, as it
 * would one by one. Storage errors are thrown (the rows decided so far may be stored).
 */
export async function importChunk(
  deps: SubscriberAdminDeps,
  rows: readonly CsvRow[],
  opts: ChunkOptions,
): Promise<Outcome[]> {
  const outcomes: Outcome[] = [];
  let segment: CsvRow[] = [];
  const emails = new Set<string>();
  for (const row of rows) {
    const email = rowEmail(row);
    if (email && emails.has(email)) {
      outcomes.push(...(await importSegment(deps, segment, opts)));
      segment = [];
      emails.clear();
    }
    if (email) emails.add(email);
    segment.push(row);
  }
  outcomes.push(...(await importSegment(deps, segment, opts)));
  return outcomes;
}

interface Decided {
  index: number;
  line: number;
  valid: ValidInput;
  input: SubscriberInput;
  asked: SubscriberInput["status"];
  fromRow: boolean;
}

/**
 * What a row asks for, as the subscriber input to decide on: its own status, or for "active" and no
 * status the import's choice (`fromRow` says which).
 */
function rowRequest(
  row: Extract<CsvRow, { email: string }>,
  opts: ChunkOptions,
): { input: SubscriberInput; asked: SubscriberInput["status"]; fromRow: boolean } {
  const rowStatus = row.status;
  const fromRow = rowStatus !== undefined && rowStatus.status !== "active";
  const asked = fromRow ? (rowStatus.status as SubscriberInput["status"]) : opts.status;
  const input: SubscriberInput = {
    email: row.email,
    name: row.name ?? undefined,
    sections: row.sections,
    timezone: row.timezone ?? undefined,
    locale: row.locale,
    status: asked,
    consent: opts.consent,
  };
  return { input, asked, fromRow };
}

/** Rows with no address twice: read in two batched lookups, decided, written in one batched put. */
async function importSegment(
  deps: SubscriberAdminDeps,
  rows: readonly CsvRow[],
  opts: ChunkOptions,
): Promise<Outcome[]> {
  const outcomes: (Outcome | undefined)[] = new Array(rows.length);
  const batched: Decided[] = [];
  const oneByOne: number[] = [];
  const emails: string[] = [];
  rows.forEach((row, index) => {
    if ("error" in row) {
      outcomes[index] = invalidRow(row.line, row.error);
      return;
    }
    const email = rowEmail(row);
    if (email) emails.push(email);
    const rowStatus = row.status;
    if (rowStatus?.status === "never-subscribed") {
      const reason = `${email ?? row.email} never opted in (${rowStatus.word}); not imported`;
      outcomes[index] = { counted: "skipped", report: { line: row.line, kind: "skipped", reason } };
      return;
    }
    const { input, asked, fromRow } = rowRequest(row, opts);
    if (rowStatus?.status === "suppressed" || asked === "pending") {
      oneByOne.push(index);
      return;
    }
    const valid = validateSubscriberInput(input, deps.config.sections, deps.config.locales);
    if ("outcome" in valid) outcomes[index] = invalidRow(row.line, valid.error);
    else batched.push({ index, line: row.line, valid, input, asked, fromRow });
  });
  if (batched.length + oneByOne.length === 0) return outcomes as Outcome[];

  const [listed, stored] = await Promise.all([
    emails.length > 0 ? deps.suppressions.suppressed(emails) : new Set<string>(),
    readMany(
      deps,
      batched.map((d) => d.valid.email),
    ),
  ]);
  const now = deps.clock();
  const writes: Subscriber[] = [];
  for (const d of batched) {
    const record = stored.get(d.valid.email) ?? null;
    const blocked = await blockedReason(deps, d.valid.email, live(record, now), listed.has(d.valid.email));
    const plan = planAdd(d.valid, d.input, record, blocked, now, true);
    if (plan.write) writes.push(plan.write.subscriber);
    outcomes[d.index] = addOutcome(d.line, plan.result, d);
  }
  await Promise.all([
    writeMany(deps, writes),
    eachBounded(oneByOne, opts.concurrency, async (index) => {
      outcomes[index] = await importOneRow(
        deps,
        rows[index] as Extract<CsvRow, { email: string }>,
        listed,
        opts,
      );
    }),
  ]);
  return outcomes as Outcome[];
}

/** A pending or suppressed row, through addSubscriber or importSuppressedRow. */
async function importOneRow(
  deps: SubscriberAdminDeps,
  row: Extract<CsvRow, { email: string }>,
  listed: Set<string>,
  opts: ChunkOptions,
): Promise<Outcome> {
  const rowStatus = row.status;
  if (rowStatus?.status === "suppressed") {
    return importSuppressedRow(deps, row, rowStatus, listed, opts.consent);
  }
  const { input, asked, fromRow } = rowRequest(row, opts);
  const email = rowEmail(row);
  const result = await addSubscriber(deps, input, {
    suppressed: email === null ? undefined : listed.has(email),
    likelyNew: opts.recentNew.share >= 0.5,
    fromFile: true,
  });
  if (result.outcome !== "invalid") {
    opts.recentNew.share = opts.recentNew.share * 0.9 + (result.outcome === "imported" ? 0.1 : 0);
  }
  return addOutcome(row.line, result, { asked, fromRow });
}

/** The stored records of these addresses: one batched read when the store has it, else one by one. */
async function readMany(deps: SubscriberAdminDeps, emails: string[]): Promise<Map<string, Subscriber>> {
  if (emails.length === 0) return new Map();
  if (deps.subscribers.getMany) return deps.subscribers.getMany(emails);
  const found = new Map<string, Subscriber>();
  for (const email of emails) {
    const s = await deps.subscribers.get(email);
    if (s) found.set(email, s);
  }
  return found;
}

/** Stores these records: one batched put when the store has it, else one by one. */
async function writeMany(deps: SubscriberAdminDeps, subscribers: Subscriber[]): Promise<void> {
  if (subscribers.length === 0) return;
  if (deps.subscribers.putMany) return deps.subscribers.putMany(subscribers);
  for (const s of subscribers) await deps.subscribers.put(s);
}

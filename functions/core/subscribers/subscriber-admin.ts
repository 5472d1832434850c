import type { DigestConfig } from "../kernel/config.js";
import { isValidTimeZone } from "../kernel/dates.js";
import type {
  EditionStore,
  Outbox,
  Page,
  SendLedger,
  SubscriberStore,
  Suppression,
  SuppressionStore,
  UpsertOutcome,
} from "../kernel/ports.js";
import {
  type Consent,
  isExpired,
  newSubscriberId,
  normalizeEmail,
  resolveSections,
  type Subscriber,
  type SubscriberStatus,
  type SubscriberView,
  toView,
} from "./subscribers.js";
import { TOKEN_MAX_AGE_SECONDS } from "./tokens.js";
import type { TransactionalMail } from "./transactional.js";

/**
 * What an admin can do to subscribers, shared by `digest subscribers …` and the admin API (the
 * route handlers only parse and map). Rules that hold for every entry point:
 * - one record per normalised address;
 * - nothing an admin does reactivates an address that unsubscribed or is suppressed (that was the
 *   subscriber's decision, or a bounce or complaint), and an erased address is never re-added;
 * - a pending address gets a confirmation email, and only once per record.
 */

/** The stores and settings the admin operations need (the API context has them all). */
export interface SubscriberAdminDeps {
  subscribers: SubscriberStore;
  suppressions: SuppressionStore;
  config: Pick<DigestConfig, "sections">;
  clock: () => Date;
  /** Needed only to add pending subscribers (the confirmation email). */
  mail?: TransactionalMail;
}

/** An admin's request to add (or refresh) one subscriber: from `digest subscribers add`, a CSV row or the API. */
export interface SubscriberInput {
  email: string;
  name?: string | null;
  /** Undefined leaves an existing choice alone; [] means all sections. */
  sections?: string[];
  timezone?: string | null;
  /** Local delivery: the hour (0–23) in their zone; null or undefined → the configured default. */
  deliveryHour?: number | null;
  /**
   * Consent was given elsewhere (active) or must still be confirmed (pending). An imported row may
   * also say paused or unsubscribed: a new record gets that status, an existing one is lowered to it
   * (see settledStatus), never raised.
   */
  status: "active" | "pending" | "paused" | "unsubscribed";
  consent: Consent;
}

/** The input field a validation error is about (the admin API names it in its 400 answer). */
export type SubscriberField = "email" | "name" | "sections" | "timezone" | "status" | "deliveryHour";

/** A delivery hour must be a whole hour of the day; returns the error, or null when it is fine. */
export function deliveryHourError(hour: number | null | undefined): Invalid | null {
  if (hour === undefined || hour === null || (Number.isInteger(hour) && hour >= 0 && hour <= 23)) return null;
  return {
    outcome: "invalid",
    error: `deliveryHour must be a whole hour from 0 to 23, got ${hour}`,
    field: "deliveryHour",
  };
}

export type Invalid = { outcome: "invalid"; error: string; field: SubscriberField };

export type AddResult =
  | {
      outcome: UpsertOutcome;
      subscriber: Subscriber;
      /** A confirmation email went out (new pending subscriber). */
      confirmationSent?: boolean;
    }
  /** The address may not be added or reactivated: nothing was written (the API answers 409). */
  | {
      outcome: "skipped";
      blocked: "unsubscribed" | "suppressed" | "erased";
      note: string;
      /** The stored record, if there is one (an erased address has none). */
      subscriber: Subscriber | null;
    }
  | Invalid
  /** The confirmation email could not be sent; the new record was rolled back so a retry starts clean. */
  | { outcome: "failed"; error: string };

/** Longest name kept (longer ones are a paste accident, not a name). */
export const MAX_NAME_LENGTH = 200;

/** How long an unconfirmed subscriber an admin added stays: as long as the confirmation link works. */
const PENDING_LIFETIME_SECONDS = TOKEN_MAX_AGE_SECONDS.confirm ?? 7 * 24 * 3600;

const invalid = (field: SubscriberField, error: string): Invalid => ({ outcome: "invalid", error, field });

/** A name as stored: trimmed, inner whitespace (line breaks from a CSV cell) collapsed; "" → null. */
function cleanName(raw: string | null | undefined): string | null | Invalid {
  if (raw === undefined || raw === null) return null;
  const name = raw.replace(/\s+/g, " ").trim();
  if (name.length > MAX_NAME_LENGTH)
    return invalid("name", `name is longer than ${MAX_NAME_LENGTH} characters`);
  // biome-ignore lint/suspicious/noControlCharactersInRegex: refusing control characters is the point
  if (/[\u0000-\u001f\u007f]/.test(name)) return invalid("name", "name contains control characters");
  return name || null;
}

const zones = new Map<string, string | null>();

/**
 * "europe/lisbon" → "Europe/Lisbon"; null when the runtime does not know the zone. Memoised: building
 * an Intl.DateTimeFormat per CSV row was a measurable share of an import.
 */
function canonicalZone(zone: string): string | null {
  let canonical = zones.get(zone);
  if (canonical === undefined) {
    canonical = isValidTimeZone(zone)
      ? new Intl.DateTimeFormat("en-US", { timeZone: zone }).resolvedOptions().timeZone
      : null;
    if (zones.size < 1000) zones.set(zone, canonical);
  }
  return canonical;
}

/** Checks an input without touching storage; returns the normalised address, name, sections and zone. */
export function validateSubscriberInput(
  input: Pick<SubscriberInput, "email" | "sections" | "timezone"> & { name?: string | null },
  knownSections: readonly string[],
):
  | {
      email: string;
      name: string | null | undefined;
      sections: string[] | undefined;
      timezone: string | null | undefined;
    }
  | Invalid {
  const normalized = normalizeEmail(input.email);
  if ("error" in normalized) return invalid("email", normalized.error);
  let name: string | null | undefined;
  if (input.name !== undefined) {
    const cleaned = cleanName(input.name);
    if (cleaned !== null && typeof cleaned === "object") return cleaned;
    name = cleaned;
  }
  let sections: string[] | undefined;
  if (input.sections !== undefined) {
    const resolved = resolveSections(input.sections, knownSections);
    if ("error" in resolved) return invalid("sections", resolved.error);
    sections = resolved.sections;
  }
  let timezone = input.timezone;
  if (timezone) {
    const canonical = canonicalZone(timezone);
    if (!canonical)
      return invalid("timezone", `"${timezone}" is not a time zone (use Area/City, e.g. Europe/Lisbon)`);
    timezone = canonical;
  } else if (timezone === "") {
    timezone = null;
  }
  return { email: normalized.email, name, sections, timezone };
}

const sameList = (a: readonly string[], b: readonly string[]) =>
  a.length === b.length && a.every((x, i) => x === b[i]);

/**
 * Why an address may not be (re)activated by an admin, or null when it may: its record unsubscribed
 * or is suppressed, or the address is on the suppression list (directly, or as an erased address's
 * hash). `listed` is the caller's bulk lookup when it already has one (imports batch it).
 */
async function blockedReason(
  deps: SubscriberAdminDeps,
  email: string,
  existing: Subscriber | null,
  listed?: boolean,
): Promise<"unsubscribed" | "suppressed" | "erased" | null> {
  if (existing?.status === "unsubscribed" || existing?.status === "suppressed") return existing.status;
  const onList = listed ?? (await deps.suppressions.suppressed([email])).has(email);
  if (!onList) return null;
  if (existing) return "suppressed";
  // No record: erased (only the hash is kept) or suppressed without ever subscribing.
  return (await deps.suppressions.get(email)) ? "suppressed" : "erased";
}

function blockedNote(
  email: string,
  reason: "unsubscribed" | "suppressed" | "erased",
  existed: boolean,
): string {
  if (reason === "erased") return `${email} was erased (GDPR) and may not be added again`;
  return `${email} is ${reason}; not ${existed ? "reactivated" : "added"}`;
}

/**
 * The status an existing subscriber ends with when an admin or a file names `asked`. Either may
 * lower it: unsubscribed ends a subscription (pending, active or paused), paused pauses an active
 * one. Only an admin's explicit "active" confirms a pending address (consent given elsewhere, vouched
 * for by that admin); a file never does: a row cannot tell that the person ever confirmed.
 */
function settledStatus(
  current: SubscriberStatus,
  asked: SubscriberInput["status"],
  fromFile: boolean,
): SubscriberStatus {
  if (asked === "unsubscribed" && ["pending", "active", "paused"].includes(current)) return "unsubscribed";
  if (asked === "paused" && current === "active") return "paused";
  if (asked === "active" && current === "pending" && !fromFile) return "active";
  return current;
}

/**
 * Adds a subscriber, or refreshes the one with that address (one record per address). Returns
 * "imported" for a new record, "updated" when something changed, "skipped" when nothing did or the
 * address is blocked (unsubscribed, suppressed, erased: `blocked` and `note` say which; nothing is
 * written). A new pending subscriber gets a confirmation email through `deps.mail`; when that fails
 * the record is removed again and the result is "failed". `opts.suppressed` passes a suppression
 * lookup the caller already made for this address; `opts.fromFile` marks an imported row, which
 * never confirms a pending subscriber (settledStatus).
 */
export async function addSubscriber(
  deps: SubscriberAdminDeps,
  input: SubscriberInput,
  opts: { suppressed?: boolean; likelyNew?: boolean; fromFile?: boolean } = {},
): Promise<AddResult> {
  const valid = validateSubscriberInput(input, deps.config.sections);
  if ("outcome" in valid) return valid;
  const badHour = deliveryHourError(input.deliveryHour);
  if (badHour) return badHour;
  if (input.status === "pending" && !deps.mail) {
    throw new Error("adding pending subscribers needs the transactional mail (confirmation emails)");
  }
  const now = deps.clock();
  const at = now.toISOString();
  if (opts.likelyNew && opts.suppressed === false) {
    // Imports of new addresses: one conditional put instead of a read and a write. It only succeeds
    // when there is no record, and the suppression list was already checked for this address.
    const subscriber = fresh(valid, input, at, now);
    if (await deps.subscribers.create(subscriber)) return created(deps, subscriber);
  }
  const stored = await deps.subscribers.get(valid.email);
  // An unconfirmed sign-up past its expiry counts as gone (DynamoDB TTL deletes it some time later).
  const existing = stored && isExpired(stored, now) ? null : stored;
  const blocked = await blockedReason(deps, valid.email, existing, opts.suppressed);
  if (blocked) {
    return {
      outcome: "skipped",
      blocked,
      note: blockedNote(valid.email, blocked, existing !== null),
      subscriber: existing,
    };
  }
  if (!existing) {
    const subscriber = fresh(valid, input, at, now);
    if (stored) {
      // Replaces the expired sign-up: a new id, so links from its old confirmation email are dead.
      await deps.subscribers.put(subscriber);
    } else if (!(await deps.subscribers.create(subscriber))) {
      // Created concurrently by someone else: treat this as an update of theirs.
      return addSubscriber(deps, input, { suppressed: opts.suppressed, fromFile: opts.fromFile });
    }
    return created(deps, subscriber);
  }
  const next: Subscriber = {
    ...existing,
    name: valid.name === undefined ? existing.name : valid.name,
    sections: valid.sections ?? existing.sections,
    timezone: valid.timezone === undefined ? existing.timezone : valid.timezone,
    status: settledStatus(existing.status, input.status, opts.fromFile === true),
  };
  if (next.status === "active" && existing.status === "pending") {
    next.confirmedAt = at;
    next.consent = input.consent;
  }
  // Only pending records expire (TTL); an unsubscribed one must stay so that no import re-adds it.
  if (next.status !== "pending") delete next.expiresAt;
  const changed =
    next.name !== existing.name ||
    !sameList(next.sections, existing.sections) ||
    next.timezone !== existing.timezone ||
    next.status !== existing.status;
  if (!changed) return { outcome: "skipped", subscriber: existing };
  next.updatedAt = at;
  await deps.subscribers.put(next);
  return { outcome: "updated", subscriber: next };
}

/** A new record was stored: a pending one gets its confirmation (rolled back when that fails). */
async function created(deps: SubscriberAdminDeps, subscriber: Subscriber): Promise<AddResult> {
  if (subscriber.status !== "pending") return { outcome: "imported", subscriber };
  try {
    await (deps.mail as TransactionalMail).send("confirm", subscriber);
  } catch (err) {
    await deps.subscribers.delete(subscriber.email);
    return { outcome: "failed", error: `confirmation email not sent: ${(err as Error).message}` };
  }
  return { outcome: "imported", subscriber, confirmationSent: true };
}

function fresh(
  valid: { email: string; name?: string | null; sections?: string[]; timezone?: string | null },
  input: SubscriberInput,
  at: string,
  now: Date,
): Subscriber {
  const subscriber: Subscriber = {
    id: newSubscriberId(),
    email: valid.email,
    name: valid.name ?? null,
    status: input.status,
    sections: valid.sections ?? [],
    timezone: valid.timezone ?? null,
    deliveryHour: input.deliveryHour ?? null,
    createdAt: at,
    // Active and paused subscribers were confirmed (elsewhere: the consent evidence says how).
    confirmedAt: input.status === "active" || input.status === "paused" ? at : null,
    updatedAt: at,
    consent: input.consent,
  };
  if (input.status === "pending")
    subscriber.expiresAt = Math.floor(now.getTime() / 1000) + PENDING_LIFETIME_SECONDS;
  return subscriber;
}

/** Looks a subscriber up by address (normalised here); an expired pending sign-up counts as absent. */
export async function findSubscriber(
  deps: SubscriberAdminDeps,
  rawEmail: string,
): Promise<Subscriber | null> {
  const normalized = normalizeEmail(rawEmail);
  if ("error" in normalized) return null;
  const s = await deps.subscribers.get(normalized.email);
  return s && !isExpired(s, deps.clock()) ? s : null;
}

/** The admin's full view of one subscriber: the public shape plus consent evidence and suppression. */
export interface SubscriberDetail extends SubscriberView {
  /** Opaque id: the only thing the send ledger keeps about a recipient. */
  id: string;
  updatedAt: string;
  /** How consent was given: when, by which method, from which source (IP address, file, admin). */
  consent: Subscriber["consent"];
  /** Present when the address is on the suppression list or the record was suppressed. */
  suppression: { reason: string; at: string; detail: string | null } | null;
}

/** Builds the detail view; reads the suppression list for the address. */
export async function subscriberDetail(deps: SubscriberAdminDeps, s: Subscriber): Promise<SubscriberDetail> {
  const listed: Suppression | null = await deps.suppressions.get(s.email);
  const suppression = listed
    ? { reason: listed.reason, at: listed.at, detail: listed.detail }
    : s.suppression
      ? { reason: s.suppression.reason, at: s.suppression.at, detail: null }
      : null;
  return { ...toView(s), id: s.id, updatedAt: s.updatedAt, consent: s.consent, suppression };
}

/** What an admin may change on an existing subscriber. Undefined fields are left alone. */
export interface SubscriberPatch {
  name?: string | null;
  /** [] means all sections. */
  sections?: string[];
  timezone?: string | null;
  /** Local delivery hour (0–23); null returns to the configured default. */
  deliveryHour?: number | null;
  /** Only these moves: active → paused, paused → active, anything → unsubscribed. */
  status?: "active" | "paused" | "unsubscribed";
}

export type UpdateResult =
  | { outcome: "updated" | "unchanged"; subscriber: Subscriber }
  | { outcome: "not-found" }
  | { outcome: "conflict"; error: string }
  | Invalid;

/**
 * Changes name, sections, time zone or status of an existing subscriber. Status moves are limited:
 * pausing an active subscriber, resuming a paused one (unless the address is on the suppression
 * list), unsubscribing anyone; unsubscribed and suppressed addresses are never made active or
 * paused again ("conflict"), and a pending one confirms itself (or is added again as active).
 */
export async function updateSubscriber(
  deps: SubscriberAdminDeps,
  rawEmail: string,
  patch: SubscriberPatch,
): Promise<UpdateResult> {
  const valid = validateSubscriberInput(
    { email: rawEmail, name: patch.name, sections: patch.sections, timezone: patch.timezone },
    deps.config.sections,
  );
  if ("outcome" in valid) return valid;
  const badHour = deliveryHourError(patch.deliveryHour);
  if (badHour) return badHour;
  const existing = await findSubscriber(deps, valid.email);
  if (!existing) return { outcome: "not-found" };
  const status = patch.status ?? existing.status;
  if (status !== existing.status) {
    const refused = (why: string): UpdateResult => ({
      outcome: "conflict",
      error: `${existing.email} is ${existing.status}; ${why}`,
    });
    if (
      existing.status === "suppressed" ||
      (existing.status === "unsubscribed" && status !== "unsubscribed")
    ) {
      return refused(`only the subscriber can come back (by signing up again)`);
    }
    if (status === "paused" && existing.status !== "active")
      return refused("only active subscribers can be paused");
    if (status === "active") {
      if (existing.status !== "paused") {
        return refused(
          existing.status === "pending"
            ? "it becomes active when the subscriber confirms (or add it again as active with consent)"
            : "only paused subscribers can be resumed",
        );
      }
      if ((await deps.suppressions.suppressed([existing.email])).has(existing.email)) {
        return refused("the address is on the suppression list; not resumed");
      }
    }
  }
  const next: Subscriber = {
    ...existing,
    name: valid.name === undefined ? existing.name : valid.name,
    sections: valid.sections ?? existing.sections,
    timezone: valid.timezone === undefined ? existing.timezone : valid.timezone,
    deliveryHour: patch.deliveryHour === undefined ? existing.deliveryHour : patch.deliveryHour,
    status,
  };
  // Only pending records expire; an unsubscribed one must stay so that no import re-adds the address.
  if (next.status !== "pending") delete next.expiresAt;
  const changed =
    next.name !== existing.name ||
    !sameList(next.sections, existing.sections) ||
    next.timezone !== existing.timezone ||
    (next.deliveryHour ?? null) !== (existing.deliveryHour ?? null) ||
    next.status !== existing.status;
  if (!changed) return { outcome: "unchanged", subscriber: existing };
  next.updatedAt = deps.clock().toISOString();
  await deps.subscribers.put(next);
  return { outcome: "updated", subscriber: next };
}

/**
 * Unsubscribes (`digest subscribers remove`, `DELETE /admin/subscribers/{email}`): the record stays
 * with status unsubscribed, so an import cannot re-add the address. A suppressed record stays
 * suppressed ("unchanged").
 */
export async function unsubscribeSubscriber(
  deps: SubscriberAdminDeps,
  rawEmail: string,
): Promise<{ outcome: "updated" | "unchanged"; subscriber: Subscriber } | { outcome: "not-found" }> {
  const existing = await findSubscriber(deps, rawEmail);
  if (!existing) return { outcome: "not-found" };
  if (existing.status === "unsubscribed" || existing.status === "suppressed") {
    return { outcome: "unchanged", subscriber: existing };
  }
  const result = await updateSubscriber(deps, existing.email, { status: "unsubscribed" });
  if (result.outcome === "updated" || result.outcome === "unchanged") return result;
  throw new Error(`unsubscribing ${existing.email}: ${"error" in result ? result.error : result.outcome}`);
}

/** What erasure needs beyond the admin operations: the ledger, the editions, the outbox copies. */
export interface ErasureDeps extends SubscriberAdminDeps {
  ledger: Pick<SendLedger, "eraseRecipient">;
  editions: Pick<EditionStore, "idsOfDay" | "getStatus">;
  /** The local outbox; null or absent when there is none (deployed). */
  outbox?: Pick<Outbox, "eraseRecipient"> | null;
}

export type EraseResult =
  | {
      outcome: "erased";
      alreadyErased: boolean;
      /** Send-ledger entries of the subscriber stripped of everything but their state. */
      ledgerEntries: number;
      /** Outbox files (sent copies, confirmations, test sends) removed. */
      outboxFiles: number;
    }
  | { outcome: "not-found" }
  | Invalid;

/**
 * Days of editions that may have gone to a subscriber, looked up by day (there is no index by
 * subscriber, and a scan of the ledger is far too big): from a month before the record was created
 * (an edition is dated by its day, and a missed day's edition may go out days later, to everyone
 * subscribed by then) to two weeks after today (an edition prepared ahead). Deployed, entries older
 * than 180 days are gone anyway (ledger TTL); locally nothing expires them, so the window starts
 * from the record, however old. An edition dated outside the window is not looked at.
 */
const DAYS_BEFORE_RECORD = 31;
const DAYS_AHEAD = 14;
const DAY_MS = 86_400_000;
/** Edition states after which no sender works on the edition any more. */
const FINISHED: readonly string[] = ["sent", "partial", "cancelled"];

/**
 * Every ledger entry of the subscriber: for each day of the window, the editions of the day (the
 * per-day index, and the one named by the day itself) are looked up by key, a few days at a time:
 * point reads and small queries, no scan. Returns how many entries were erased.
 */
async function eraseLedgerEntries(deps: ErasureDeps, subscriber: Subscriber): Promise<number> {
  const created = Date.parse(subscriber.createdAt);
  const now = deps.clock().getTime();
  const from = Math.min(Number.isNaN(created) ? now : created, now) - DAYS_BEFORE_RECORD * DAY_MS;
  const days: string[] = [];
  for (let t = now + DAYS_AHEAD * DAY_MS; t >= from; t -= DAY_MS)
    days.push(new Date(t).toISOString().slice(0, 10));
  let erased = 0;
  let next = 0;
  await Promise.all(
    Array.from({ length: 8 }, async () => {
      while (next < days.length) {
        const day = days[next++] as string;
        const ids = new Set([day, ...(await deps.editions.idsOfDay(day))]);
        for (const id of ids) {
          const held = async () => {
            const status = await deps.editions.getStatus(id);
            return status !== null && !FINISHED.includes(status);
          };
          if ((await deps.ledger.eraseRecipient(id, subscriber.id, held)) !== "absent") erased++;
        }
      }
    }),
  );
  return erased;
}

/**
 * GDPR erasure. Removes everything that names the person: the record (name, sections, consent
 * evidence, bounce counts), a plain suppression entry, their send-ledger entries (error texts that
 * quote the address, message ids, open/click/soft-bounce times: each entry keeps only its state under
 * a random key, so editions still count what they sent), and every outbox copy (sent editions,
 * confirmations, test sends). What stays is one suppression entry under the address's keyed hash, so
 * the address is never mailed or re-added again, and a later sign-up of it is refused.
 *
 * An edition still sending keeps the entry under its key with nothing but its state ("sent", else
 * "rejected") for a day: a sender that read the record just before the erasure then finds the
 * recipient done, so nobody is mailed twice (ledger eraseRecipient). A message already handed to SES
 * at that instant still completes, and its sender records it.
 *
 * Order: the hash first (a crash after it leaves the address blocked, never mailable), the record
 * last but the outbox (a crash before it leaves the id, so running the erasure again finishes the
 * ledger). Running it again is always safe; an address erased before the hash was keyed gets the
 * keyed entry in place of the unkeyed one. Returns "not-found" when the address is unknown (no
 * record, no suppression entry).
 */
export async function eraseSubscriber(deps: ErasureDeps, rawEmail: string): Promise<EraseResult> {
  const normalized = normalizeEmail(rawEmail);
  if ("error" in normalized) return invalid("email", normalized.error);
  const email = normalized.email;
  const [record, listed, erasure] = await Promise.all([
    deps.subscribers.get(email),
    deps.suppressions.get(email),
    deps.suppressions.erasure(email),
  ]);
  if (!record && !listed && !erasure) return { outcome: "not-found" };
  if (!erasure?.email.startsWith("hmac-sha256:")) {
    await deps.suppressions.markErased(email, erasure?.at ?? deps.clock().toISOString());
  }
  if (listed) await deps.suppressions.remove(email);
  const ledgerEntries = record ? await eraseLedgerEntries(deps, record) : 0;
  if (record) await deps.subscribers.delete(email);
  const outboxFiles = (await deps.outbox?.eraseRecipient?.(email)) ?? 0;
  return {
    outcome: "erased",
    alreadyErased: Boolean(erasure) && !record && !listed,
    ledgerEntries,
    outboxFiles,
  };
}

/** Largest page the admin list serves. */
export const MAX_PAGE_SIZE = 500;
/** Records read per request at most when filtering by section: a page may come back short (follow nextCursor). */
const MAX_SCANNED_PER_PAGE = 2000;

export interface SubscriberFilter {
  status?: SubscriberStatus;
  /** Subscribers who receive this section: they chose it, or chose no sections (all). */
  section?: string;
}

/** Thrown for a cursor the store cannot read (the API answers 400). */
export class InvalidCursorError extends Error {
  override name = "InvalidCursorError";
}

/** Resolves a section filter to its configured spelling; returns the error when it is not a known one. */
export function resolveSectionFilter(
  section: string,
  deps: SubscriberAdminDeps,
): { section: string } | Invalid {
  const resolved = resolveSections([section.trim()], deps.config.sections);
  if ("error" in resolved) return invalid("sections", resolved.error);
  return { section: resolved.sections[0] as string };
}

/**
 * One page of subscribers: by status through the sharded status index (all statuses: a table
 * scan), by section within the pages read. Follow `nextCursor` until it is null; with a section
 * filter a page may hold fewer than `limit` items (even none) and still have a next one.
 */
export async function listSubscribers(
  deps: SubscriberAdminDeps,
  filter: SubscriberFilter,
  cursor: string | null,
  limit: number,
): Promise<Page<Subscriber>> {
  const now = deps.clock();
  const section = filter.section?.toLowerCase();
  const wanted = (s: Subscriber) =>
    !isExpired(s, now) &&
    (section === undefined || s.sections.length === 0 || s.sections.some((x) => x.toLowerCase() === section));
  const items: Subscriber[] = [];
  let next = cursor;
  let scanned = 0;
  do {
    // Never read more than the page still needs: the store's cursor then marks exactly where we stopped.
    let page: Page<Subscriber>;
    try {
      page = await deps.subscribers.list({ status: filter.status }, next, limit - items.length);
    } catch (err) {
      // The store's own cursor check, or DynamoDB refusing the start key a forged cursor carried.
      const { name, message } = err as Error;
      if (next !== null && (/invalid cursor/i.test(message) || name === "ValidationException")) {
        throw new InvalidCursorError("cursor is not one this API returned");
      }
      throw err;
    }
    scanned += page.items.length;
    items.push(...page.items.filter(wanted));
    next = page.nextCursor;
  } while (next !== null && items.length < limit && scanned < MAX_SCANNED_PER_PAGE);
  return { items, nextCursor: next };
}

/** Every subscriber matching the filter, page by page (exports); `pageSize` records per store call. */
export async function* allSubscribers(
  deps: SubscriberAdminDeps,
  filter: SubscriberFilter,
  pageSize = MAX_PAGE_SIZE,
): AsyncGenerator<Subscriber> {
  let cursor: string | null = null;
  do {
    const page: Page<Subscriber> = await listSubscribers(deps, filter, cursor, pageSize);
    yield* page.items;
    cursor = page.nextCursor;
  } while (cursor);
}

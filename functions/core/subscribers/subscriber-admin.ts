import type { DigestConfig } from "../kernel/config.js";
import type { SubscriberStore, Suppression, SuppressionStore, UpsertOutcome } from "../kernel/ports.js";
import {
  deliveryHourError,
  type Invalid,
  type SubscriberInput,
  validateSubscriberInput,
} from "./subscriber-input.js";
import {
  isExpired,
  newSubscriberId,
  normalizeEmail,
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
  /** `locales`: the languages a subscriber may have (absent: none besides the default). */
  config: Pick<DigestConfig, "sections"> & Partial<Pick<DigestConfig, "locales">>;
  clock: () => Date;
  /** Needed only to add pending subscribers (the confirmation email). */
  mail?: TransactionalMail;
}

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

/** How long an unconfirmed subscriber an admin added stays: as long as the confirmation link works. */
const PENDING_LIFETIME_SECONDS = TOKEN_MAX_AGE_SECONDS.confirm ?? 7 * 24 * 3600;

const sameList = (a: readonly string[], b: readonly string[]) =>
  a.length === b.length && a.every((x, i) => x === b[i]);

/** Whether an admin's change (or a file's row) changed anything an admin can set on the record. */
const differs = (a: Subscriber, b: Subscriber) =>
  a.name !== b.name ||
  !sameList(a.sections, b.sections) ||
  a.timezone !== b.timezone ||
  (a.locale ?? null) !== (b.locale ?? null) ||
  (a.deliveryHour ?? null) !== (b.deliveryHour ?? null) ||
  a.status !== b.status;

/**
 * Why an address may not be (re)activated by an admin, or null when it may: its record unsubscribed
 * or is suppressed, or the address is on the suppression list (directly, or as an erased address's
 * hash). `listed` is the caller's bulk lookup when it already has one (imports batch it).
 */
export async function blockedReason(
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
 * What adding `input` does to an address, decided from what is stored (nothing is read or written
 * here): `stored` is the record as read (an expired pending sign-up counts as gone), `blocked` why the
 * address may not be (re)activated (blockedReason). `write` is what to store, if anything: a new record
 * ("create": only if there still is none), one replacing an expired sign-up ("replace"), or the
 * refreshed record ("update"); `result` is the outcome once that is stored. Shared by addSubscriber
 * (one address) and the batched import (many, read and written in batches).
 */
export function planAdd(
  valid: ValidInput,
  input: SubscriberInput,
  stored: Subscriber | null,
  blocked: "unsubscribed" | "suppressed" | "erased" | null,
  now: Date,
  fromFile: boolean,
): { result: AddResult; write?: { mode: "create" | "replace" | "update"; subscriber: Subscriber } } {
  const at = now.toISOString();
  const existing = live(stored, now);
  if (blocked) {
    return {
      result: {
        outcome: "skipped",
        blocked,
        note: blockedNote(valid.email, blocked, existing !== null),
        subscriber: existing,
      },
    };
  }
  if (!existing) {
    const subscriber = fresh(valid, input, at, now);
    // Replacing an expired sign-up: a new id, so links from its old confirmation email are dead.
    return {
      result: { outcome: "imported", subscriber },
      write: { mode: stored ? "replace" : "create", subscriber },
    };
  }
  const next: Subscriber = {
    ...existing,
    name: valid.name === undefined ? existing.name : valid.name,
    sections: valid.sections ?? existing.sections,
    timezone: valid.timezone === undefined ? existing.timezone : valid.timezone,
    locale: valid.locale === undefined ? existing.locale : valid.locale,
    status: settledStatus(existing.status, input.status, fromFile),
  };
  if (next.status === "active" && existing.status === "pending") {
    next.confirmedAt = at;
    next.consent = input.consent;
  }
  // Only pending records expire (TTL); an unsubscribed one must stay so that no import re-adds it.
  if (next.status !== "pending") delete next.expiresAt;
  if (!differs(next, existing)) return { result: { outcome: "skipped", subscriber: existing } };
  next.updatedAt = at;
  return { result: { outcome: "updated", subscriber: next }, write: { mode: "update", subscriber: next } };
}

/** An unconfirmed sign-up past its expiry counts as gone (DynamoDB TTL deletes it some time later). */
export const live = (stored: Subscriber | null, now: Date) =>
  stored && isExpired(stored, now) ? null : stored;

/** An admin's input once validateSubscriberInput accepted it. */
export type ValidInput = Exclude<ReturnType<typeof validateSubscriberInput>, Invalid>;

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
  const valid = validateSubscriberInput(input, deps.config.sections, deps.config.locales);
  if ("outcome" in valid) return valid;
  const badHour = deliveryHourError(input.deliveryHour);
  if (badHour) return badHour;
  if (input.status === "pending" && !deps.mail) {
    throw new Error("adding pending subscribers needs the transactional mail (confirmation emails)");
  }
  const now = deps.clock();
  if (opts.likelyNew && opts.suppressed === false) {
    // Imports of new addresses: one conditional put instead of a read and a write. It only succeeds
    // when there is no record, and the suppression list was already checked for this address.
    const subscriber = fresh(valid, input, now.toISOString(), now);
    if (await deps.subscribers.create(subscriber)) return created(deps, subscriber);
  }
  const stored = await deps.subscribers.get(valid.email);
  const blocked = await blockedReason(deps, valid.email, live(stored, now), opts.suppressed);
  const plan = planAdd(valid, input, stored, blocked, now, opts.fromFile === true);
  switch (plan.write?.mode) {
    case undefined:
      return plan.result;
    case "create":
      if (!(await deps.subscribers.create(plan.write.subscriber))) {
        // Created concurrently by someone else: treat this as an update of theirs.
        return addSubscriber(deps, input, { suppressed: opts.suppressed, fromFile: opts.fromFile });
      }
      return created(deps, plan.write.subscriber);
    case "replace":
      await deps.subscribers.put(plan.write.subscriber);
      return created(deps, plan.write.subscriber);
    case "update":
      await deps.subscribers.put(plan.write.subscriber);
      return plan.result;
  }
}

/** A new record was stored: a pending one gets its confirmation (rolled back when that fails). */
export async function created(deps: SubscriberAdminDeps, subscriber: Subscriber): Promise<AddResult> {
  if (subscriber.status !== "pending") return { outcome: "imported", subscriber };
  try {
    await (deps.mail as TransactionalMail).send("confirm", subscriber);
  } catch (err) {
    await deps.subscribers.delete(subscriber.email);
    return { outcome: "failed", error: `confirmation email not sent: ${(err as Error).message}` };
  }
  return { outcome: "imported", subscriber, confirmationSent: true };
}

function fresh(valid: ValidInput, input: SubscriberInput, at: string, now: Date): Subscriber {
  const subscriber: Subscriber = {
    id: newSubscriberId(),
    email: valid.email,
    name: valid.name ?? null,
    status: input.status,
    sections: valid.sections ?? [],
    timezone: valid.timezone ?? null,
    locale: valid.locale ?? null,
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
  /** A tag of config `locales`; null or "" returns to the configured `locale`. */
  locale?: string | null;
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
 * Changes name, sections, time zone, language, delivery hour or status of an existing subscriber. Status moves are limited:
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
    {
      email: rawEmail,
      name: patch.name,
      sections: patch.sections,
      timezone: patch.timezone,
      locale: patch.locale,
    },
    deps.config.sections,
    deps.config.locales,
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
    locale: valid.locale === undefined ? existing.locale : valid.locale,
    deliveryHour: patch.deliveryHour === undefined ? existing.deliveryHour : patch.deliveryHour,
    status,
  };
  // Only pending records expire; an unsubscribed one must stay so that no import re-adds the address.
  if (next.status !== "pending") delete next.expiresAt;
  if (!differs(next, existing)) return { outcome: "unchanged", subscriber: existing };
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

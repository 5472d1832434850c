import type { SubscriberStore, Suppression, SuppressionStore } from "../kernel/ports.js";
import { normalizeEmail, type Subscriber, type SubscriberStatus } from "./subscribers.js";

/**
 * The suppression list and the subscriber records it shadows, kept in step: suppressing an address
 * writes a suppression entry (what the send checks) and moves its subscriber to "suppressed",
 * remembering why, when and the status it had; lifting it does the reverse for that one address.
 * Also counts soft bounces on the subscriber record; applying SES events is events/apply-ses-events.ts.
 */

export interface SuppressionDeps {
  subscribers: SubscriberStore;
  suppressions: SuppressionStore;
  clock?: () => Date;
}

/** Reasons written by this module; "erased" entries are written by GDPR erasure. */
export const SUPPRESSION_REASONS = ["bounce", "complaint", "transient-bounces", "manual"] as const;
export type SuppressionReason = (typeof SUPPRESSION_REASONS)[number];

const nowIso = (deps: SuppressionDeps) => (deps.clock?.() ?? new Date()).toISOString();

export type SuppressResult =
  /** The address is now suppressed (entry written and/or subscriber moved to "suppressed"). */
  | { outcome: "suppressed"; entry: Suppression; subscriber: Subscriber | null }
  /** It already was, entry and subscriber alike: nothing changed (a redelivered bounce lands here). */
  | { outcome: "already"; entry: Suppression; subscriber: Subscriber | null }
  /** The address was erased (GDPR): its hashed entry already blocks it and no plain entry is written. */
  | { outcome: "erased" }
  | { outcome: "invalid"; error: string };

/**
 * Puts an address on the suppression list and marks its subscriber (if any) "suppressed" with
 * `suppression: {reason, at, previousStatus}`. Idempotent: an address already on the list keeps its
 * first reason and time; only a subscriber left behind (a crash between the two writes) is moved.
 * The entry is written first, so the send stops mailing the address even if the second write fails.
 * `subscriber` lets a caller hand in the record it just read and changed (soft-bounce counting).
 */
export async function suppressAddress(
  deps: SuppressionDeps,
  input: { email: string; reason: string; detail: string | null; at?: string },
  known?: { subscriber: Subscriber | null },
): Promise<SuppressResult> {
  const normalized = normalizeEmail(input.email);
  if ("error" in normalized) return { outcome: "invalid", error: normalized.error };
  const { email } = normalized;
  let outcome: "suppressed" | "already" = "already";
  // One BatchGet answers "listed at all?" (plain or hashed); only a listed address needs the second look.
  const listed = (await deps.suppressions.suppressed([email])).has(email);
  let entry = listed ? await deps.suppressions.get(email) : null;
  if (!entry) {
    if (listed) return { outcome: "erased" };
    entry = { email, reason: input.reason, detail: input.detail, at: input.at || nowIso(deps) };
    await deps.suppressions.put(entry);
    outcome = "suppressed";
  }
  let subscriber = known ? known.subscriber : await deps.subscribers.get(email);
  if (subscriber && subscriber.status !== "suppressed") {
    subscriber = {
      ...subscriber,
      status: "suppressed",
      suppression: { reason: entry.reason, at: entry.at, previousStatus: subscriber.status },
      updatedAt: nowIso(deps),
    };
    await deps.subscribers.put(subscriber);
    outcome = "suppressed";
  }
  return { outcome, entry, subscriber };
}

export type UnsuppressResult =
  /** Entry removed and/or subscriber restored to `restoredStatus` (null: no subscriber record). */
  | {
      outcome: "removed";
      entry: Suppression | null;
      subscriber: Subscriber | null;
      restoredStatus: SubscriberStatus | null;
    }
  | { outcome: "not-suppressed" }
  /** Only the erased address's hash blocks it; that entry is the erasure's tombstone and stays. */
  | { outcome: "erased" }
  | { outcome: "invalid"; error: string };

/**
 * Lifts the suppression of one address (an admin's explicit decision): removes the entry and gives
 * its subscriber back the status it had before (`suppression.previousStatus`; "unsubscribed" when
 * that was never recorded, so nobody is mailed without evidence they wanted it), with a fresh
 * soft-bounce count. An erased address cannot be lifted by address: its hashed entry stays.
 */
export async function unsuppressAddress(deps: SuppressionDeps, rawEmail: string): Promise<UnsuppressResult> {
  const normalized = normalizeEmail(rawEmail);
  if ("error" in normalized) return { outcome: "invalid", error: normalized.error };
  const { email } = normalized;
  if (await deps.suppressions.erasure(email)) return { outcome: "erased" };
  const entry = await deps.suppressions.get(email);
  const subscriber = await deps.subscribers.get(email);
  if (!entry && subscriber?.status !== "suppressed") return { outcome: "not-suppressed" };
  if (entry) await deps.suppressions.remove(email);
  if (subscriber?.status !== "suppressed") {
    return { outcome: "removed", entry, subscriber, restoredStatus: null };
  }
  const previous = subscriber.suppression?.previousStatus;
  const restoredStatus: SubscriberStatus = previous && previous !== "suppressed" ? previous : "unsubscribed";
  const { suppression: _suppression, transientBounces: _count, ...rest } = subscriber;
  const restored: Subscriber = {
    ...rest,
    status: restoredStatus,
    transientBounces: 0,
    updatedAt: nowIso(deps),
  };
  await deps.subscribers.put(restored);
  return { outcome: "removed", entry, subscriber: restored, restoredStatus };
}

/** Every entry of the suppression list (plain addresses and erased addresses' hashes), sorted. */
export async function listSuppressions(store: SuppressionStore): Promise<Suppression[]> {
  const items: Suppression[] = [];
  let cursor: string | null = null;
  do {
    const page = await store.list(cursor, 500);
    items.push(...page.items);
    cursor = page.nextCursor;
  } while (cursor);
  return items.sort((a, b) => a.email.localeCompare(b.email));
}

export type SoftBounceResult =
  | { outcome: "counted"; count: number }
  | { outcome: "suppressed"; count: number }
  /** No subscriber record to count on, or the address is suppressed already. */
  | { outcome: "ignored"; reason: string };

/**
 * Counts a transient or undetermined bounce on the subscriber (`transientBounces`); at `limit` the
 * address is suppressed with reason "transient-bounces". Not deduplicated here: applySesDecision
 * lets only the first soft bounce of a recipient and edition through (a redelivery would count twice).
 * `known` hands in the subscriber record the caller has just read.
 */
export async function recordSoftBounce(
  deps: SuppressionDeps,
  bounce: { email: string; detail: string; at: string },
  limit: number,
  known?: { subscriber: Subscriber | null },
): Promise<SoftBounceResult> {
  const subscriber = known ? known.subscriber : await deps.subscribers.get(bounce.email);
  if (!subscriber) return { outcome: "ignored", reason: "not a subscriber" };
  if (subscriber.status === "suppressed") return { outcome: "ignored", reason: "already suppressed" };
  const count = (subscriber.transientBounces ?? 0) + 1;
  const counted: Subscriber = { ...subscriber, transientBounces: count, updatedAt: nowIso(deps) };
  if (count < limit) {
    await deps.subscribers.put(counted);
    return { outcome: "counted", count };
  }
  const result = await suppressAddress(
    deps,
    {
      email: bounce.email,
      reason: "transient-bounces",
      detail: `${count} soft bounces with no delivery between; last: ${bounce.detail}`,
      at: bounce.at,
    },
    { subscriber: counted },
  );
  // An erased address has no subscriber record, so it never gets here; "already" still counts.
  if (result.outcome === "erased" || result.outcome === "invalid")
    return { outcome: "ignored", reason: result.outcome };
  return { outcome: "suppressed", count };
}

/** A delivery: the subscriber's soft-bounce count starts again. True when a count was reset. */
export async function recordDelivery(deps: SuppressionDeps, email: string): Promise<boolean> {
  const subscriber = await deps.subscribers.get(email);
  if (!subscriber?.transientBounces || subscriber.status === "suppressed") return false;
  await deps.subscribers.put({ ...subscriber, transientBounces: 0, updatedAt: nowIso(deps) });
  return true;
}

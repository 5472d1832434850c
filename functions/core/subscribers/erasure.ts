import type { EditionStore, Outbox, SendLedger } from "../kernel/ports.js";
import type { AuditLog } from "../team/ports.js";
import type { SubscriberAdminDeps } from "./subscriber-admin.js";
import { type Invalid, invalid } from "./subscriber-input.js";
import { normalizeEmail, type Subscriber } from "./subscribers.js";

/** What erasure needs beyond the admin operations: the ledger, the editions, the outbox copies. */
export interface ErasureDeps extends SubscriberAdminDeps {
  ledger: Pick<SendLedger, "eraseRecipient" | "flushCounts">;
  editions: Pick<EditionStore, "idsOfDay" | "getStatus">;
  /** The local outbox; null or absent when there is none (deployed). */
  outbox?: Pick<Outbox, "eraseRecipient"> | null;
  /** The audit log, whose entries about the person lose their address; absent where there is none. */
  audit?: Pick<AuditLog, "forget"> | null;
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
  // A held entry may have changed state (to "rejected"): the editions' counters follow.
  await deps.ledger.flushCounts();
  return erased;
}

/**
 * GDPR erasure. Removes everything that names the person: the record (name, sections, consent
 * evidence, bounce counts), a plain suppression entry, their send-ledger entries (error texts that
 * quote the address, message ids, open/click/soft-bounce times: each entry keeps only its state under
 * a random key, so editions still count what they sent), and every outbox copy (sent editions,
 * confirmations, test sends). What stays is one suppression entry under the address's keyed hash, so
 * the address is never mailed or re-added again, and a later sign-up of it is refused. The audit log's
 * entries about the person keep who did what and when, with "(erased)" for the address.
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
  await deps.audit?.forget(email);
  const outboxFiles = (await deps.outbox?.eraseRecipient?.(email)) ?? 0;
  return {
    outcome: "erased",
    alreadyErased: Boolean(erasure) && !record && !listed,
    ledgerEntries,
    outboxFiles,
  };
}

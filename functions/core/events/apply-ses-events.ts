import type { EditionStat, EditionStore, RecipientMark, SendLedger } from "../kernel/ports.js";
import type { Subscriber } from "../subscribers/subscribers.js";
import {
  recordDelivery,
  recordSoftBounce,
  type SuppressionDeps,
  suppressAddress,
} from "../subscribers/suppression-admin.js";
import { decideSesEvent, type SesDecision, type SesRecord } from "./ses-events.js";

/**
 * Applies SES event decisions (ses-events.ts) to the subscribers, the suppression list and the
 * edition's counters: hard bounces, complaints, soft-bounce counts, readers' first opens and clicks.
 */

export interface SesEventDeps extends SuppressionDeps {
  editions: EditionStore;
  /** Soft bounces in a row (no delivery between) before an address is suppressed. */
  transientBounceLimit: number;
  /**
   * Where each recipient's first open, click and soft bounce of an edition is recorded. Without it
   * there are no unique counts and a redelivered soft bounce counts twice.
   */
  ledger?: Pick<SendLedger, "markFirst">;
}

/** What applying one decision changed, address by address. */
export interface SesApplied {
  changes: {
    email: string;
    action:
      | "suppressed"
      | "already-suppressed"
      | "erased"
      | "soft-bounce"
      | "ignored"
      | "count-reset"
      /** A soft bounce of this recipient and edition was counted before (a redelivered event). */
      | "repeat";
    note: string;
  }[];
  /** The counters added to the edition (empty when untagged or nothing to count). */
  stats: SesDecision["stats"];
}

/** Unique counter of each recipient mark. */
const UNIQUE_STAT: Record<RecipientMark, EditionStat> = {
  opened: "uniqueOpened",
  clicked: "uniqueClicked",
  softBounced: "softBounced",
};

/**
 * Applies a decision: suppressions first (they are what protects the sender), then soft bounces,
 * delivery resets and readers' first opens and clicks, then the edition's counters last, in one ADD.
 *
 * Redelivery (SNS, EventBridge and SQS deliver at least once) and retries of a record that failed
 * part-way: suppressions and resets are idempotent; soft bounces, unique opens and unique clicks are
 * recorded on the recipient's ledger entry of the edition with a conditional write (markFirst), so
 * each counts once per recipient and edition; event totals (delivered, opened, clicked, bounced,
 * complained) are at-least-once, so a redelivered event adds to them again. A recipient with no
 * subscriber record (erased) or no ledger entry gets no unique count, and their soft bounces are
 * counted without deduplication.
 */
export async function applySesDecision(deps: SesEventDeps, decision: SesDecision): Promise<SesApplied> {
  const applied: SesApplied = { changes: [], stats: {} };
  const stats: SesDecision["stats"] = { ...decision.stats };
  const edition = decision.editionId;
  const add = (stat: EditionStat) => {
    stats[stat] = (stats[stat] ?? 0) + 1;
  };
  /** Whether this is the recipient's first `mark` of the edition; null: cannot tell (untagged, no ledger, no subscriber). */
  const first = async (subscriber: Subscriber | null, mark: RecipientMark, at: string) =>
    edition && deps.ledger && subscriber ? deps.ledger.markFirst(edition, subscriber.id, mark, at) : null;
  for (const s of decision.suppress) {
    const result = await suppressAddress(deps, s);
    const action =
      result.outcome === "suppressed"
        ? "suppressed"
        : result.outcome === "already"
          ? "already-suppressed"
          : result.outcome === "erased"
            ? "erased"
            : "ignored";
    const note =
      result.outcome === "already"
        ? `already suppressed (${result.entry.reason}, ${result.entry.at})`
        : result.outcome === "invalid"
          ? result.error
          : result.outcome === "erased"
            ? "erased address: its hashed entry already blocks it"
            : `${s.reason}: ${s.detail}`;
    applied.changes.push({ email: s.email, action, note });
  }
  for (const b of decision.softBounces) {
    const subscriber = await deps.subscribers.get(b.email);
    if ((await first(subscriber, "softBounced", b.at)) === "repeat") {
      applied.changes.push({
        email: b.email,
        action: "repeat",
        note: `soft bounce already counted for edition ${edition} (a redelivered event)`,
      });
      continue;
    }
    if (edition) add("softBounced");
    const result = await recordSoftBounce(deps, b, deps.transientBounceLimit, { subscriber });
    applied.changes.push(
      result.outcome === "ignored"
        ? { email: b.email, action: "ignored", note: `soft bounce not counted: ${result.reason}` }
        : result.outcome === "suppressed"
          ? {
              email: b.email,
              action: "suppressed",
              note: `transient-bounces: ${result.count} in a row (${b.detail})`,
            }
          : {
              email: b.email,
              action: "soft-bounce",
              note: `${result.count} of ${deps.transientBounceLimit} soft bounces (${b.detail})`,
            },
    );
  }
  for (const email of decision.delivered) {
    if (await recordDelivery(deps, email)) {
      applied.changes.push({ email, action: "count-reset", note: "delivered: soft-bounce count reset" });
    }
  }
  for (const f of decision.firsts) {
    // "absent": not sent this edition through the ledger (a test send): a reader of nothing counted.
    if ((await first(await deps.subscribers.get(f.email), f.mark, f.at)) === "first")
      add(UNIQUE_STAT[f.mark]);
  }
  if (edition && Object.keys(stats).length > 0) {
    await deps.editions.addStats(edition, stats);
    applied.stats = stats;
  }
  return applied;
}

/** One parsed record and what became of it. */
export type SesRecordOutcome =
  | {
      status: "applied";
      record: Extract<SesRecord, { kind: "event" }>;
      decision: SesDecision;
      applied: SesApplied;
    }
  | { status: "failed"; record: Extract<SesRecord, { kind: "event" }>; decision: SesDecision; error: Error }
  /** Ignored or malformed: nothing to apply. */
  | { status: "skipped"; record: Exclude<SesRecord, { kind: "event" }> };

/**
 * Decides and applies each parsed record in order. A record that fails to apply (a store error) is
 * reported with its error and the rest still run; ignored and malformed records are passed through.
 */
export async function applySesRecords(
  deps: SesEventDeps,
  records: readonly SesRecord[],
): Promise<SesRecordOutcome[]> {
  const outcomes: SesRecordOutcome[] = [];
  for (const record of records) {
    if (record.kind !== "event") {
      outcomes.push({ status: "skipped", record });
      continue;
    }
    const decision = decideSesEvent(record.event);
    try {
      outcomes.push({ status: "applied", record, decision, applied: await applySesDecision(deps, decision) });
    } catch (err) {
      outcomes.push({
        status: "failed",
        record,
        decision,
        error: err instanceof Error ? err : new Error(String(err)),
      });
    }
  }
  return outcomes;
}

import type { EditionRecord } from "../kernel/ports.js";

/**
 * What a send did: the counts of a run, of a queue message or of an engine, and what became of each
 * recipient.
 */

export interface SendSummary {
  editionId: string;
  stories: number;
  recipients: number;
  sent: number;
  alreadySent: number;
  skipped: number;
  suppressed: number;
  failed: number;
  /** Recipients not attempted because the daily quota ran out; a rerun sends them. */
  remaining: number;
  /** Of `failed`, those that failed transiently (throttling/5xx to the end): a retry may still reach them. */
  retryable: number;
  /** Why the run stopped early, when it did. */
  stoppedBecause: string | null;
  /**
   * Set when the edition is halted by the safety pause: tripped during this run, or tripped earlier
   * and this run refused to continue (nothing sent) because `resumeHalted` was not given.
   */
  haltedBecause: string | null;
}

/**
 * What became of one recipient: sent now, found sent already, skipped (nothing in their sections),
 * suppressed, rejected (permanent, never retried by a rerun), failed (transient to the end: a retry may
 * reach them) or remaining (not attempted: the quota ran out or the edition is halted).
 */
export type RecipientOutcome =
  | "sent"
  | "already_sent"
  | "skipped"
  | "suppressed"
  | "rejected"
  | "failed"
  | "remaining";

/** A summary with every count at zero. */
export function emptySummary(edition: Pick<EditionRecord, "editionId" | "stories">): SendSummary {
  return {
    editionId: edition.editionId,
    stories: edition.stories.length,
    recipients: 0,
    sent: 0,
    alreadySent: 0,
    skipped: 0,
    suppressed: 0,
    failed: 0,
    remaining: 0,
    retryable: 0,
    stoppedBecause: null,
    haltedBecause: null,
  };
}

/** Adds (or with `delta` -1 takes back) one recipient's outcome to a summary's counts. */
export function countOutcome(summary: SendSummary, outcome: RecipientOutcome, delta = 1): void {
  switch (outcome) {
    case "sent":
      summary.sent += delta;
      break;
    case "already_sent":
      summary.alreadySent += delta;
      break;
    case "skipped":
      summary.skipped += delta;
      break;
    case "suppressed":
      summary.suppressed += delta;
      break;
    case "rejected":
      summary.failed += delta;
      break;
    case "failed":
      summary.failed += delta;
      summary.retryable += delta;
      break;
    case "remaining":
      summary.remaining += delta;
      break;
  }
}

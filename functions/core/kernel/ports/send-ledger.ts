import type { Page } from "./page.js";

export const LEDGER_STATES = ["sending", "sent", "failed", "rejected", "suppressed", "skipped"] as const;
export type LedgerState = (typeof LEDGER_STATES)[number];
/** Recipients of an edition per ledger state. */
export type LedgerCounts = Record<LedgerState, number>;

export interface LedgerEntry {
  state: LedgerState;
  messageId?: string;
  error?: string;
  owner?: string;
  leaseUntil?: number;
}

export type ClaimResult = { claimed: true } | { claimed: false; entry: LedgerEntry };

/** The send ledger: one entry per edition and subscriber, written with conditional writes. */
export interface SendLedger {
  /**
   * Reserves the recipient for `owner` until `leaseUntil` (epoch ms). Succeeds when there is no entry,
   * when the entry failed transiently, or when another owner's lease has run out (it crashed).
   */
  claim(editionId: string, subscriberId: string, owner: string, leaseUntil: number): Promise<ClaimResult>;
  /** Records SES's MessageId: from now on the recipient counts as sent. */
  markSent(editionId: string, subscriberId: string, owner: string, messageId: string): Promise<void>;
  /** Records a failure; permanent ones are never retried by a rerun. */
  markFailed(
    editionId: string,
    subscriberId: string,
    owner: string,
    error: string,
    permanent: boolean,
  ): Promise<void>;
  /** Records a recipient that was not mailed (suppressed or nothing in their sections), unless already sent. */
  markNotSent(editionId: string, subscriberId: string, state: "suppressed" | "skipped"): Promise<void>;
  /**
   * How many recipients of the edition are in each state, from counters kept as entries change state
   * (a few small reads, whatever the edition's size): exact for editions counted from their first
   * entry (EditionRecord.ledgerCounted; `ledgerCountsOf` in core/delivery picks the right read).
   */
  counts(editionId: string): Promise<LedgerCounts>;
  /** The same counts read from every entry of the edition (one Query of its whole partition). */
  countEntries(editionId: string): Promise<LedgerCounts>;
  /**
   * Adds the state changes this ledger made since the last flush to their editions' counters. Every
   * writer of entries flushes when its unit of work is over (the send path: each queue message);
   * changes not yet flushed are not in `counts`.
   */
  flushCounts(): Promise<void>;
  /** Replaces the edition's counters with a count of its entries (an operator's recount); returns it. */
  recount(editionId: string): Promise<LedgerCounts>;
  /**
   * The edition's entries in the given states, a page at a time (one Query of the edition's
   * partition, filtered on state; a page may hold fewer than `limit` and still have a next one).
   */
  list(
    editionId: string,
    states: readonly LedgerState[],
    cursor: string | null,
    limit: number,
  ): Promise<Page<LedgerRecord>>;
  /**
   * Moves a permanently rejected recipient back to "failed", so the next claim may retry it (an
   * operator's decision: `resend-failed --include-rejected`). True when it did; any other state is
   * left alone.
   */
  reopen(editionId: string, subscriberId: string): Promise<boolean>;
  /**
   * Records on the recipient's entry that `mark` happened (sets `<mark>At` once; one conditional
   * write): what makes unique counts idempotent under redelivery. "first" the first time, "repeat"
   * when it was recorded before, "absent" when the recipient has no entry in the edition's ledger
   * (it was not sent to; nothing is written).
   */
  markFirst(editionId: string, subscriberId: string, mark: RecipientMark, at: string): Promise<MarkResult>;
  /**
   * GDPR erasure of one recipient's entry of one edition. `held`: the edition may still be sending,
   * so the entry stays under its key (a sender that read the record before the erasure must still
   * find the recipient sent, or permanently not sendable) with nothing but its state, until it
   * expires; otherwise it is replaced by an entry under a random key that keeps only the state, so
   * the edition's counts stay right. "absent" when there was no entry.
   */
  eraseRecipient(
    editionId: string,
    subscriberId: string,
    held: () => Promise<boolean>,
  ): Promise<"held" | "anonymised" | "absent">;
}

export type MarkResult = "first" | "repeat" | "absent";

/** What is recorded at most once per recipient and edition (see SendLedger.markFirst). */
export type RecipientMark = "opened" | "clicked" | "softBounced";

/** One recipient's ledger entry, as listed. */
export interface LedgerRecord {
  subscriberId: string;
  state: LedgerState;
  error?: string;
}

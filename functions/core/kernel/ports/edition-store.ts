import type { EditionStory } from "../../edition/edition.js";

export type EditionStatus = "building" | "awaiting-approval" | "sending" | "sent" | "partial" | "cancelled";

/**
 * How an edition composed under config `approval` waits (edition/approval.ts): its deadline (mode
 * "deadline"), and who held, approved or released it, when.
 */
export interface EditionApproval {
  mode: "required" | "deadline";
  /** Mode "deadline": the instant (ISO 8601) it goes out unless held. */
  deadline?: string;
  heldAt?: string;
  heldBy?: string;
  /** Set when it left "awaiting-approval": by an editor's approval, or by "deadline". */
  approvedAt?: string;
  approvedBy?: string;
}

/**
 * Per-edition counters: fed by SES events (delivery, bounce, complaint, open, click; `opened` and
 * `clicked` count every event, `uniqueOpened` / `uniqueClicked` each recipient's first, `softBounced`
 * each recipient's first soft bounce), and `sent` by the send path (messages SES accepted).
 */
export const EDITION_STATS = [
  "delivered",
  "bounced",
  "complained",
  "opened",
  "clicked",
  "sent",
  "softBounced",
  "uniqueOpened",
  "uniqueClicked",
] as const;
export type EditionStat = (typeof EDITION_STATS)[number];

export interface EditionRecord {
  editionId: string;
  date: string;
  status: EditionStatus;
  /** Selected stories in rank order (the cap already applied). */
  stories: EditionStory[];
  /** Stories of the day the cap left out, by section. */
  leftOutBySection: Record<string, number>;
  /**
   * Ids of the stories the cap left out, in rank order (at most MAX_RECORDED_LEFT_OUT of
   * edition/compose.ts): what the archive's "more stories" shows. Absent on editions composed before it
   * was recorded.
   */
  leftOutIds?: string[];
  /**
   * Set on a cancelled edition that had reached at least one reader when it was cancelled: the
   * archive keeps showing it (its "View in browser" links must not break).
   */
  reachedReaders?: boolean;
  /**
   * Set on editions whose ledger counters were kept from their first entry (composed since they
   * exist, or recounted by `digest editions recount`): their counts are read from the counters.
   * Absent on older editions: counted from their entries.
   */
  ledgerCounted?: boolean;
  /** Sections of the selected stories, in display order. */
  sections: string[];
  createdAt: string;
  updatedAt: string;
  /** Set when the send stopped itself (bounce or complaint rate over the threshold). */
  haltedBecause?: string;
  /**
   * The nonce of the edition's personal-link markers (personalSlots in edition.ts), drawn at compose.
   * Absent on editions composed before it existed: they use the fixed PERSONAL_SLOTS.
   */
  slotNonce?: string;
  /**
   * The subject of the all-sections email as it went out (the archive's list and feed show it). Absent
   * on editions composed before it was recorded: the archive computes it again from today's settings.
   */
  subject?: string;
  /** Stories of the day left out because they could not be rendered, with the reason (story-selection.ts). */
  dropped?: DroppedStory[];
  /** Set on an edition composed while config `approval` was not "none". */
  approval?: EditionApproval;
  /**
   * Set (the first such correction's time) when an editor corrected one of the edition's stories while
   * it awaited approval: `stories` holds the correction, but the stored all-sections copy and `subject`
   * were rendered before it. Cleared once they are rendered again (edition/edition-rerender.ts), which
   * happens before anything is sent.
   */
  staleSince?: string;
  /**
   * How many corrections the edition's stories took since it was composed (absent: none). Each
   * rendered variant records the revision it was rendered from, so an older copy is never sent.
   */
  revision?: number;
}

/** A story left out of an edition because rendering it failed: the edition went on without it. */
export interface DroppedStory {
  id: string;
  headline: string;
  section: string;
  /** "render: TypeError: …" */
  reason: string;
}

export interface RenderedVariant {
  key: string;
  subject: string;
  html: string;
  text: string;
  /** The edition's `revision` it was rendered from (absent: 0, as composed). */
  revision?: number;
}

/** An editor's corrected text of one story, as the edition's snapshot takes it (a field absent: unchanged). */
export interface EditionStoryText {
  headline?: string;
  excerpt?: string;
}

export interface EditionStore {
  /**
   * The edition itself, without its SES event counters (those are items of their own, read with
   * getStats by the few callers that show or check them).
   */
  get(editionId: string): Promise<EditionRecord | null>;
  /** The edition's status alone (a small read, for checks made once per queue message); null if none. */
  getStatus(editionId: string): Promise<EditionStatus | null>;
  /** Creates the edition unless it exists; returns the stored one either way. */
  createIfAbsent(edition: EditionRecord): Promise<EditionRecord>;
  replace(edition: EditionRecord): Promise<void>;
  /**
   * Sets the status; false (and nothing written) when the transition is not allowed: a cancelled
   * edition stays cancelled, and a sent one cannot be cancelled. Throws when the edition does not exist.
   */
  setStatus(editionId: string, status: EditionStatus, haltedBecause?: string): Promise<boolean>;
  /**
   * Moves an edition from "awaiting-approval" to "sending", recording who released it; false (nothing
   * written) when it is not awaiting approval, or, with `unlessHeld`, when an editor held it.
   */
  releaseApproval(
    editionId: string,
    by: { at: string; by: string },
    opts?: { unlessHeld?: boolean },
  ): Promise<boolean>;
  /** Records an editor's hold on an edition awaiting approval; false (nothing written) when it is not. */
  holdApproval(editionId: string, by: { at: string; by: string }): Promise<boolean>;
  /**
   * Marks a cancelled edition as having reached readers (see EditionRecord.reachedReaders); a no-op
   * for an edition that does not exist.
   */
  markReachedReaders(editionId: string): Promise<void>;
  /** Sets EditionRecord.ledgerCounted (after a recount); a no-op for an edition that does not exist. */
  markLedgerCounted(editionId: string): Promise<void>;
  /**
   * Ids of the editions of a day, from a per-day index written with each edition (so ids with a
   * suffix after the day are found too); editions stored before the index existed are not in it.
   */
  idsOfDay(day: string): Promise<string[]>;
  /** Adds to the edition's SES event counters (atomic ADD on a small item of their own). */
  addStats(editionId: string, delta: Partial<Record<EditionStat, number>>): Promise<void>;
  /**
   * The edition's SES event counters (DynamoDB: its small counters items, not the edition with its
   * stories); empty when no event arrived.
   */
  getStats(editionId: string): Promise<Partial<Record<EditionStat, number>>>;
  /**
   * A rendered variant (with the edition's personal-link markers, never a reader's links). The
   * all-sections one is stored when the edition is composed and is what the web archive shows.
   */
  getVariant(editionId: string, key: string): Promise<RenderedVariant | null>;
  /**
   * Stores a rendered variant. One with a `revision` replaces only a copy of the same or an older
   * revision: false (nothing written) when a newer one is stored (a re-render that lost a race).
   */
  putVariant(editionId: string, variant: RenderedVariant): Promise<boolean>;
  /**
   * Writes an editor's correction of story `story.id`, at `story.position` in the edition's story list
   * (as the caller read it), into the edition's snapshot, marks the edition stale (`staleSince`) and
   * counts the revision, in one conditional write: false (nothing written) unless the edition awaits
   * approval and carries the story at that place. So a correction racing the release lands before it
   * or not at all.
   */
  correctStory(
    editionId: string,
    story: { id: string; position: number },
    text: EditionStoryText,
    at: string,
  ): Promise<boolean>;
  /**
   * Records that the edition's copy was rendered again from revision `revision` (clears `staleSince`,
   * sets the subject of that rendering); false (nothing written) when a correction came since.
   */
  markRendered(editionId: string, revision: number, subject: string): Promise<boolean>;
  /** The keys of the edition's stored variants (the admin preview lists them), in no given order. */
  variantKeys(editionId: string): Promise<string[]>;

  // The edition's delivery rounds (see edition-delivery.ts): what was enqueued and what settled.
  /** The edition's current delivery round, or null when none was ever started. */
  getDelivery(editionId: string): Promise<DeliveryRound | null>;
  /**
   * Starts a new round in place of round `after` (null: the edition has none yet), forgetting that
   * round's groups; null (nothing written) when another writer started one first.
   */
  startRound(
    editionId: string,
    kind: RoundKind,
    opts: { after: number | null; startedAt: string; carried: boolean },
  ): Promise<DeliveryRound | null>;
  /** Reserves a new group id for `batches` queue messages about to be enqueued (indexes 0..batches-1). */
  openGroup(editionId: string, batches: number): Promise<number>;
  /**
   * Records progress of round `round` once a group is enqueued (or a page had nobody): registers the
   * group, moves the fan-out's cursor from `cursor.from` to `cursor.to`, marks the fan-out `done`, or
   * that the round carries failures it does not retry. Null (nothing written) when the round is no
   * longer `round`, or, with a cursor, when another writer moved it or the fan-out is done already.
   */
  recordGroup(editionId: string, round: number, step: RoundStep): Promise<DeliveryRound | null>;
  /**
   * Records how one queue message ended (idempotent: a redelivery records the same index again).
   * Returns the round as it is after this message's group closed (every one of its messages settled),
   * or null while the group is still open or when the group is unknown.
   */
  settleBatch(editionId: string, ref: BatchRef, settlement: BatchSettlement): Promise<DeliveryRound | null>;
  /**
   * Sets the final status a complete round decided; false (nothing written) unless the edition is
   * sending, partial or sent and not halted by the safety pause: cancelled stays cancelled, and a
   * halted edition waits for an operator's --resume-halted.
   */
  settleStatus(editionId: string, status: "sent" | "partial"): Promise<boolean>;
}

/**
 * What fills a round: "fan-out" (compose or `digest send`: every active subscriber, resumable from a
 * cursor), "dispatch" (local morning delivery: the subscribers whose hour has come, hour after hour)
 * or "resend" (the ledger's failed recipients).
 */
export type RoundKind = "fan-out" | "dispatch" | "resend";

/**
 * How a queue message ended: every recipient reached or settled for good ("clean"), some failed or
 * were refused ("failed": in the ledger, resend-failed retries them) or some were never attempted
 * ("unreached": the quota, a cancel, the safety pause, a message given up).
 */
export type BatchSettlement = "clean" | "failed" | "unreached";

/** A queue message's place in its edition's delivery: its group (one enqueue) and index in it. */
export interface BatchRef {
  group: number;
  index: number;
}

export interface RoundStep {
  group?: number;
  cursor?: { from: string | null; to: string | null };
  done?: boolean;
  carry?: boolean;
}

/**
 * One delivery round of an edition: the groups of queue messages it enqueued and how they settled.
 * Complete when its fan-out is done and every group it registered closed; then "partial" when a group
 * had failed or unreached messages or the round carries failures from before, else "sent".
 */
export interface DeliveryRound {
  round: number;
  kind: RoundKind;
  startedAt: string;
  /** Where a "fan-out" round's subscriber listing continues; null: from the start, or done. */
  cursor: string | null;
  /** No more groups are expected (a resend may still add some). */
  fannedOut: boolean;
  /** Failures from an earlier round this one does not retry (rejections left, recipients not reached). */
  carried: boolean;
  groups: ReadonlySet<number>;
  closed: ReadonlySet<number>;
  failed: ReadonlySet<number>;
  unreached: ReadonlySet<number>;
}

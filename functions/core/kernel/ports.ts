import type { EditionStory } from "../edition/edition.js";
import type { Subscriber, SubscriberStatus } from "../subscribers/subscribers.js";
import type { Story } from "./types.js";

/**
 * The core's view of storage and delivery. Each port has one real implementation in
 * functions/adapters (DynamoDB, SESv2, the outbox folder); the core never imports AWS.
 */

export type UpsertOutcome = "imported" | "updated" | "skipped";

export interface StoryStore {
  /** Inserts or updates by id, keeping the edition that already carried it. Unchanged content → "skipped". */
  upsert(story: Omit<Story, "editionId">, day: string): Promise<UpsertOutcome>;
  /** One story by id, or null. */
  get(id: string): Promise<Story | null>;
  /** The stories of one local day, newest first (one Query). */
  listDay(day: string): Promise<Story[]>;
  /** Records that the stories went out in `editionId`; a story already in another edition is left alone. */
  markInEdition(storyIds: readonly string[], editionId: string): Promise<void>;
  /**
   * Removes a story that has gone out in no edition. What stays is a tombstone under its id, so a
   * re-import or the next feed poll does not bring it back (`upsert` then answers "skipped").
   * Returns "removed", "not-found" (no such story, or removed already) or the edition that carried it
   * (then nothing is removed: sent emails link to it).
   */
  remove(id: string): Promise<StoryRemoval>;
  /** Holds a story back from editions (true) or releases it (false); returns the story, or null when there is none. */
  setHeld(id: string, held: boolean): Promise<Story | null>;
}

export type StoryRemoval =
  | { outcome: "removed" | "not-found" }
  | { outcome: "in-edition"; editionId: string };

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

export interface SubscriberStore {
  get(email: string): Promise<Subscriber | null>;
  /**
   * The subscribers of these addresses that exist, by address, read consistently in as few requests
   * as the store allows (DynamoDB: BatchGetItem, 100 keys a call). Optional: without it callers `get`
   * each address.
   */
  getMany?(emails: readonly string[]): Promise<Map<string, Subscriber>>;
  /** Looks a subscriber up by the opaque id carried in signed links. */
  getById(id: string): Promise<Subscriber | null>;
  /** Deletes the record (GDPR erasure); true when there was one. */
  delete(email: string): Promise<boolean>;
  /** Creates the subscriber; returns false (and writes nothing) when the address exists. */
  create(subscriber: Subscriber): Promise<boolean>;
  /** Replaces a stored subscriber (same email). */
  put(subscriber: Subscriber): Promise<void>;
  /**
   * Notes on an existing record when its address was last entered in the public sign-up form
   * (`signupRequestedAt`); writes nothing, and creates nothing, for an address without a record. A
   * sign-up that changes no record makes this one write, so every sign-up does the same store work
   * whatever the address's state (no enumeration by what the server does).
   */
  noteSignupRequest(email: string, at: string): Promise<void>;
  /** Pages through the addresses of active subscribers in one local-delivery slot (see deliverySlot). */
  listSlot(slot: string, cursor: string | null, limit: number): Promise<Page<string>>;
  /** Pages through subscribers of one status (all statuses when undefined), in address order per shard. */
  list(
    filter: { status?: SubscriberStatus },
    cursor: string | null,
    limit: number,
  ): Promise<Page<Subscriber>>;
}

export interface Suppression {
  /**
   * Normalised address, or for an erased one (the address itself is gone) "hmac-sha256:<hex>" (its
   * keyed hash) or "sha256:<hex>" (the unkeyed hash older erasures wrote).
   */
  email: string;
  /** bounce | complaint | manual | erased | transient-bounces */
  reason: string;
  detail: string | null;
  at: string;
}

export interface SuppressionStore {
  /**
   * The subset of `emails` on the suppression list: directly, or as an erased address's keyed hash
   * or its older unkeyed one.
   */
  suppressed(emails: readonly string[]): Promise<Set<string>>;
  /** The entry under exactly this key (an address or an erased one's hash). */
  get(email: string): Promise<Suppression | null>;
  /** The entry recording that this address was erased (keyed hash, else the unkeyed one), or null. */
  erasure(email: string): Promise<Suppression | null>;
  /** Records the erasure of this address under its keyed hash, replacing an unkeyed entry. */
  markErased(email: string, at: string): Promise<void>;
  put(entry: Suppression): Promise<void>;
  /** True when there was an entry to remove. */
  remove(email: string): Promise<boolean>;
  list(cursor: string | null, limit: number): Promise<Page<Suppression>>;
}

export type EditionStatus = "building" | "sending" | "sent" | "partial" | "cancelled";

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
  /** Stories of the day left out because they could not be rendered, with the reason (story-selection.ts). */
  dropped?: DroppedStory[];
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
   * Marks a cancelled edition as having reached readers (see EditionRecord.reachedReaders); a no-op
   * for an edition that does not exist.
   */
  markReachedReaders(editionId: string): Promise<void>;
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
  getVariant(editionId: string, key: string): Promise<RenderedVariant | null>;
  putVariant(editionId: string, variant: RenderedVariant): Promise<void>;

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

export type LedgerState = "sending" | "sent" | "failed" | "rejected" | "suppressed" | "skipped";

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
  /** How many recipients of the edition are in each state. */
  counts(editionId: string): Promise<Record<LedgerState, number>>;
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

export type MailErrorKind = "throttled" | "transient" | "permanent" | "quota";

/** A failed send, classified for the retry policy. */
export class MailError extends Error {
  override name = "MailError";
  constructor(
    readonly kind: MailErrorKind,
    message: string,
  ) {
    super(message);
  }
}

/** The account's rolling 24-hour sending quota (SES GetAccount SendQuota), in recipients. */
export interface DailyQuota {
  /** Recipients the account may send to in any 24 hours (Max24HourSend). */
  max24HourSend: number;
  /** Recipients sent to in the last 24 hours (SentLast24Hours). */
  sentLast24Hours: number;
}

export interface Mailer {
  /** Messages per second the service allows (SES GetAccount MaxSendRate), or null when it cannot say. */
  maxSendRate(): Promise<number | null>;
  /**
   * The 24-hour quota and how much of it is used, or null when the service cannot say or sets no
   * limit. Absent or null: a run stops only once the service refuses a message for the quota.
   */
  dailyQuota?(): Promise<DailyQuota | null>;
  /** Sends raw MIME; resolves with the provider's MessageId or throws MailError. */
  sendRaw(raw: Buffer, opts: { to: string; editionId: string }): Promise<string>;
}

/** Keeps a copy of each accepted message (local runs: the out/ folder). */
export interface Outbox {
  writeMessage(editionId: string, email: string, raw: Buffer): Promise<void>;
  writeEdition(editionId: string, html: string, text: string): Promise<void>;
  /**
   * GDPR erasure: removes every copy kept for this address (each edition's, confirmations, test
   * sends, half-written temporary files); returns how many files went. Optional: an outbox that
   * cannot tell leaves nothing to erase.
   */
  eraseRecipient?(email: string): Promise<number>;
}

/** One queue message: up to 50 recipients of an edition, by address (the edition itself is stored, never queued). */
export interface RecipientBatch {
  editionId: string;
  emails: string[];
  /** Its group in the edition's delivery round (see BatchRef); absent on messages of older versions. */
  group?: number;
  index?: number;
}

/** The send queue (SQS deployed): at-least-once delivery of recipient batches to the send function. */
export interface RecipientQueue {
  enqueue(batches: readonly RecipientBatch[]): Promise<void>;
}

/** A message as a consumer of the in-process queue receives it. */
export interface QueueMessage {
  messageId: string;
  body: string;
  /** Deliveries so far, this one included (SQS ApproximateReceiveCount). */
  receiveCount: number;
}

/** How consumers drain an in-process queue: the local counterpart of Lambda's SQS event source. */
export interface QueueConsumers<M extends QueueMessage = QueueMessage> {
  /** Concurrent pollers, like the event source mapping's concurrency. Default 1. */
  consumers?: number;
  /** Messages per receive (≤ 10), handed to `handler` together. Default 1. */
  batchSize?: number;
  /**
   * Processes one received batch and answers like an SQS partial batch response: the ids of the
   * messages that failed. Those stay in the queue (visible again after `retryDelayMs`); the others are
   * deleted. Throwing fails the whole batch: nothing is deleted and it all comes back after the
   * visibility timeout, as when a Lambda invocation fails.
   */
  handler(messages: M[]): Promise<{ batchItemFailures: string[] }>;
  /** Visibility of a failed message before its next delivery; default: the queue's visibility timeout. */
  retryDelayMs?(message: M): number;
  /** Stop receiving (the batches in progress finish). Checked before every receive. */
  stop?(): boolean;
  /** True once nothing more will be sent: consumers return when the queue is empty. Default: always. */
  producerDone?(): boolean;
  /**
   * Extends the visibility of messages in progress every third of the timeout, so a slow batch is
   * not delivered twice while it runs (a crashed consumer stops doing so and its messages come back).
   */
  heartbeat?: boolean;
}

/**
 * An in-process queue with SQS's contract (functions/adapters/local-queue.ts): what the local run of
 * an edition sends through, so it drains the same queue messages through the same per-message step
 * as the send Lambda. functions/local hands one in (QueueRunDeps.inProcessQueue).
 */
export interface InProcessQueue extends RecipientQueue {
  /** Drains the queue with `opts.consumers` pollers until `stop()`, or the producer is done and it is empty. */
  consume(opts: QueueConsumers): Promise<void>;
  /** Wakes waiting consumers so they look again (e.g. when the producer is done). */
  notify(): void;
  /** Every message still in the queue (visible or in flight). */
  pending(): { messageId: string; body: string }[];
  /** Messages moved out after `maxReceiveCount` deliveries, oldest first. */
  readonly deadLetters: readonly { messageId: string; body: string }[];
}

/** Makes an empty in-process queue. */
export type InProcessQueueFactory = (opts: {
  /** How long a received message stays invisible unless deleted (SQS VisibilityTimeout). */
  visibilityTimeoutMs: number;
  /** Deliveries before a message goes to the dead-letter list (SQS maxReceiveCount). */
  maxReceiveCount: number;
}) => InProcessQueue;

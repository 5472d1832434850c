import type { EditionRecord, LedgerRecord, LedgerState, RecipientQueue } from "../kernel/ports.js";
import type { Subscriber } from "../subscribers/subscribers.js";
import { enqueueGroup, groupsOf, leftUnreached, roundToJoin } from "./edition-delivery.js";
import type { EditionDeps } from "./edition-sender.js";
import { MESSAGES_PER_ENQUEUE, RECIPIENTS_PER_MESSAGE } from "./fan-out.js";
import { deliverThroughQueue, type QueueDeliverOptions, type QueueRunDeps } from "./queue-run.js";
import { emptySummary, type SendSummary } from "./send-summary.js";

/**
 * `digest editions resend-failed <id>`: retries the recipients of an edition whose ledger entry is
 * "failed" (transient to the end: throttling, 5xx, the quota) and, only when asked, "rejected" (a
 * permanent refusal such as a bad address, likely to be refused again). They go through the same
 * queue and per-message step as any send, so the ledger still admits each recipient once: nobody
 * already sent is touched, and a recipient who unsubscribed or was suppressed since is not mailed.
 */

export interface ResendFailedOptions extends Omit<QueueDeliverOptions, "sentBefore" | "resumeHalted"> {
  /** Also retry permanent rejections (their entries are reopened as "failed" first). */
  includeRejected?: boolean;
}

export type ResendFailedResult =
  | { outcome: "not-found" }
  /** Building, cancelled, or halted by the safety pause (`send --resume-halted` decides that). */
  | { outcome: "refused"; reason: string }
  | {
      outcome: "done";
      /** Counts of this resend only (`recipients`: the retried ones still active). */
      summary: SendSummary;
      /** Ledger entries picked up (failed, and rejected with `includeRejected`). */
      retried: number;
      /** Rejected entries left alone because `includeRejected` was not given. */
      rejectedLeft: number;
      /** Entries whose subscriber no longer exists (erased): nobody to send to. */
      gone: number;
    };

/** What the deployed resend (enqueueFailed) did: the same refusals, or the recipients it enqueued. */
export type QueuedResendResult =
  | Extract<ResendFailedResult, { outcome: "not-found" | "refused" }>
  | {
      outcome: "queued";
      /** Addresses put on the send queue (the retried entries whose subscriber still exists). */
      queued: number;
      retried: number;
      rejectedLeft: number;
      gone: number;
    };

const LIST_PAGE = 500;
const LOOKUPS_IN_FLIGHT = 8;

/** The entries a resend picks up, and who they are now. */
type Collected =
  | Extract<ResendFailedResult, { outcome: "not-found" | "refused" }>
  | {
      outcome: "collected";
      edition: EditionRecord;
      sentBefore: number;
      /** The entries to retry whose subscriber still exists. */
      found: { entry: LedgerRecord; subscriber: Subscriber }[];
      retried: number;
      rejectedLeft: number;
      gone: number;
    };

/** Checks the edition may be resent and collects its failed (and, when asked, rejected) entries. */
async function collectFailed(
  deps: Pick<EditionDeps, "editions" | "ledger" | "subscribers">,
  editionId: string,
  includeRejected: boolean,
): Promise<Collected> {
  const edition = await deps.editions.get(editionId);
  if (!edition) return { outcome: "not-found" };
  if (edition.status === "building" || edition.status === "cancelled") {
    return { outcome: "refused", reason: `edition ${editionId} is ${edition.status}: nothing to resend` };
  }
  if (edition.haltedBecause) {
    return {
      outcome: "refused",
      reason:
        `edition ${editionId} is halted: ${edition.haltedBecause}; ` +
        `resume it with digest send --date ${edition.date} --resume-halted first`,
    };
  }
  const counts = await deps.ledger.counts(editionId);
  const states: LedgerState[] = includeRejected ? ["failed", "rejected"] : ["failed"];
  const entries: LedgerRecord[] = [];
  let cursor: string | null = null;
  do {
    const page = await deps.ledger.list(editionId, states, cursor, LIST_PAGE);
    entries.push(...page.items);
    cursor = page.nextCursor;
  } while (cursor);

  const found: { entry: LedgerRecord; subscriber: Subscriber }[] = [];
  let gone = 0;
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(LOOKUPS_IN_FLIGHT, entries.length) }, async () => {
      while (next < entries.length) {
        const entry = entries[next++] as LedgerRecord;
        const subscriber = await deps.subscribers.getById(entry.subscriberId);
        if (subscriber) found.push({ entry, subscriber });
        else gone++;
      }
    }),
  );
  return {
    outcome: "collected",
    edition,
    sentBefore: counts.sent,
    found,
    retried: entries.length,
    rejectedLeft: includeRejected ? 0 : counts.rejected,
    gone,
  };
}

/**
 * Reopens the rejected ones among `found` (they were chosen with `includeRejected`) and enqueues
 * everyone in batches of at most 50; returns how many addresses were enqueued.
 *
 * The messages join the edition's delivery round (edition-delivery.ts) while it is in progress, else
 * start a "resend" round: the edition settles again once they did, "sent" when every one of them got
 * through and nothing is left behind: no rejection left out (`rejectedLeft`) and no recipient the
 * earlier round never reached (a quota stop's: not in the ledger as failed, so not retried here).
 */
async function reopenAndEnqueue(
  deps: Pick<EditionDeps, "ledger" | "editions">,
  editionId: string,
  found: readonly { entry: LedgerRecord; subscriber: Subscriber }[],
  queue: RecipientQueue,
  rejectedLeft: number,
): Promise<number> {
  for (const { entry } of found) {
    if (entry.state === "rejected") await deps.ledger.reopen(editionId, entry.subscriberId);
  }
  const emails = found.map((f) => f.subscriber.email);
  const { round, joined } = await roundToJoin(deps.editions, editionId, "resend", {
    startedAt: new Date().toISOString(),
    carried: (previous) => rejectedLeft > 0 || previous === null || leftUnreached(previous),
  });
  const groups = groupsOf(editionId, emails, RECIPIENTS_PER_MESSAGE, MESSAGES_PER_ENQUEUE);
  const target = { editions: deps.editions, queue };
  // A round of its own is done with its last group; one joined is done when its own writer says so.
  if (groups.length === 0 && !joined) await enqueueGroup(target, editionId, round.round, [], { done: true });
  for (const [i, group] of groups.entries()) {
    const last = i === groups.length - 1;
    await enqueueGroup(target, editionId, round.round, group, {
      done: last && !joined,
      carry: i === 0 && joined && rejectedLeft > 0,
    });
  }
  return emails.length;
}

/** Retries an edition's failed recipients (see the module comment); the edition's status is left as is. */
export async function resendFailed(
  deps: QueueRunDeps,
  editionId: string,
  opts: ResendFailedOptions = {},
): Promise<ResendFailedResult> {
  const collected = await collectFailed(deps, editionId, opts.includeRejected ?? false);
  if (collected.outcome !== "collected") return collected;
  const { edition, found, retried, rejectedLeft, gone } = collected;
  if (retried === 0) {
    return { outcome: "done", summary: emptySummary(edition), retried, rejectedLeft, gone };
  }
  const { summary } = await deliverThroughQueue(
    deps,
    edition,
    // Reopened only now, once the engine has agreed to send (a refused run leaves them rejected).
    (queue) => reopenAndEnqueue(deps, editionId, found, queue, rejectedLeft),
    { ...opts, sentBefore: collected.sentBefore },
  );
  return { outcome: "done", summary, retried, rejectedLeft, gone };
}

/**
 * The deployed resend: the same checks and entries as `resendFailed`, but the recipients go onto the
 * send queue (SQS) for the send functions, which pace and send them as any other batch; nothing is
 * sent in this call. Returns "queued" with how many addresses were enqueued.
 */
export async function enqueueFailed(
  deps: Pick<EditionDeps, "editions" | "ledger" | "subscribers">,
  queue: RecipientQueue,
  editionId: string,
  opts: { includeRejected?: boolean } = {},
): Promise<QueuedResendResult> {
  const collected = await collectFailed(deps, editionId, opts.includeRejected ?? false);
  if (collected.outcome !== "collected") return collected;
  const { found, retried, rejectedLeft, gone } = collected;
  const queued = await reopenAndEnqueue(deps, editionId, found, queue, rejectedLeft);
  return { outcome: "queued", queued, retried, rejectedLeft, gone };
}

/**
 * What an API context carries when it can send editions (`digest serve`): the admin route
 * POST /admin/editions/{id}/resend-failed uses it, and answers 501 where it is absent.
 */
export interface EditionResending {
  resendFailed(
    editionId: string,
    opts: { includeRejected?: boolean },
  ): Promise<ResendFailedResult | QueuedResendResult>;
}

/** `ctx` with resend-failed over `deps` (the same engine and queue as the CLI). */
export function withEditionResending<C extends object>(ctx: C, deps: QueueRunDeps): C & EditionResending {
  return Object.assign(ctx, {
    resendFailed: (editionId: string, opts: { includeRejected?: boolean }) =>
      resendFailed(deps, editionId, opts),
  });
}

/** `ctx` with resend-failed that enqueues onto the send queue (the api Lambda; see enqueueFailed). */
export function withQueuedResending<C extends object>(
  ctx: C,
  deps: Pick<EditionDeps, "editions" | "ledger" | "subscribers">,
  queue: RecipientQueue,
): C & EditionResending {
  return Object.assign(ctx, {
    resendFailed: (editionId: string, opts: { includeRejected?: boolean }) =>
      enqueueFailed(deps, queue, editionId, opts),
  });
}

/** The context's resend-failed, or null when this context cannot send editions. */
export function editionResending(ctx: object): EditionResending | null {
  const fn = (ctx as Partial<EditionResending>).resendFailed;
  return typeof fn === "function" ? { resendFailed: fn } : null;
}

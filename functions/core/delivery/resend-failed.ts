import { ledgerCountsOf } from "../edition/ledger-counts.js";
import type {
  DeliveryRound,
  EditionRecord,
  LedgerCounts,
  LedgerRecord,
  LedgerState,
  RecipientQueue,
} from "../kernel/ports.js";
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
      /**
       * Where the next request continues (`?cursor=`), or null when every failed entry was picked up:
       * one request takes at most RESEND_LIMITS' entries and ledger pages, so it answers within API
       * Gateway's 29 s whatever the edition's size.
       */
      nextCursor: string | null;
    };

/** How much of the ledger one chunk takes. */
export interface ResendLimits {
  /** Failed entries one chunk picks up at most: one deployed request, one step of the local loop. */
  entries: number;
  /** Ledger pages one chunk reads at most: a ledger with few failures is read in steps. */
  pages: number;
  /** Entries looked at per Query page (the filter on state applies after the read). */
  pageSize: number;
}

/**
 * 5,000 recipients (16 lookups in flight, 100 messages) and 50 pages of 1,000 entries (~15 MB of
 * reads) per request: a few seconds deployed, far inside API Gateway's 29 s.
 */
export const RESEND_LIMITS: ResendLimits = { entries: 5_000, pages: 50, pageSize: 1_000 };
const LOOKUPS_IN_FLIGHT = 16;

type Refusal = Extract<ResendFailedResult, { outcome: "not-found" | "refused" }>;
type Found = { entry: LedgerRecord; subscriber: Subscriber };
type ResendDeps = Pick<EditionDeps, "editions" | "ledger" | "subscribers">;
type FailedChunk = { found: Found[]; retried: number; gone: number; nextCursor: string | null };

/** The edition, if it may be resent, with its counts; else why not. */
async function resendable(
  deps: ResendDeps,
  editionId: string,
): Promise<Refusal | { outcome: "ok"; edition: EditionRecord; counts: LedgerCounts }> {
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
  return { outcome: "ok", edition, counts: await ledgerCountsOf(deps.ledger, edition) };
}

/**
 * One chunk of the edition's failed (and, when asked, rejected) entries from `cursor` on, with who
 * they are now: at most RESEND_LIMITS' entries and ledger pages, so its memory and time are
 * bounded whatever the edition's size. `nextCursor`: where the next chunk starts.
 */
async function failedChunk(
  deps: ResendDeps,
  editionId: string,
  states: readonly LedgerState[],
  cursor: string | null,
  limits: ResendLimits,
): Promise<FailedChunk> {
  const entries: LedgerRecord[] = [];
  let next = cursor;
  for (let pages = 0; pages < limits.pages && entries.length < limits.entries; pages++) {
    const limit = Math.min(limits.pageSize, limits.entries - entries.length);
    const page = await deps.ledger.list(editionId, states, next, limit);
    entries.push(...page.items);
    next = page.nextCursor;
    if (!next) break;
  }
  const found: Found[] = [];
  let gone = 0;
  let i = 0;
  await Promise.all(
    Array.from({ length: Math.min(LOOKUPS_IN_FLIGHT, entries.length) }, async () => {
      while (i < entries.length) {
        const entry = entries[i++] as LedgerRecord;
        const subscriber = await deps.subscribers.getById(entry.subscriberId);
        if (subscriber) found.push({ entry, subscriber });
        else gone++;
      }
    }),
  );
  return { found, retried: entries.length, gone, nextCursor: next };
}

/** The delivery round a resend's messages go into: the edition's round in progress, or a new one. */
type ResendRound = { round: DeliveryRound; joined: boolean };

/**
 * The messages join the edition's delivery round (edition-delivery.ts) while it is in progress, else
 * start a "resend" round: the edition settles again once they did, "sent" when every one of them got
 * through and nothing is left behind: no rejection left out and no recipient the earlier round never
 * reached (a quota stop's: not in the ledger as failed, so not retried here). `carried`: something is
 * left behind.
 */
function resendRound(
  deps: Pick<EditionDeps, "editions">,
  editionId: string,
  carried: (previous: DeliveryRound | null) => boolean,
): Promise<ResendRound> {
  return roundToJoin(deps.editions, editionId, "resend", { startedAt: new Date().toISOString(), carried });
}

/**
 * Reopens the rejected ones among `found` (chosen with `includeRejected`) and enqueues everyone into
 * `round` in messages of at most 50; returns how many addresses were enqueued. `finish`: this is the
 * last of the round's chunks (a round of its own is done with its last group; one joined is done when
 * its own writer says so). `carry`: mark a joined round as leaving something behind.
 */
async function enqueueChunk(
  deps: Pick<EditionDeps, "ledger" | "editions">,
  editionId: string,
  found: readonly Found[],
  queue: RecipientQueue,
  { round, joined }: ResendRound,
  step: { finish: boolean; carry: boolean },
): Promise<number> {
  for (const { entry } of found) {
    if (entry.state === "rejected") await deps.ledger.reopen(editionId, entry.subscriberId);
  }
  await deps.ledger.flushCounts();
  const emails = found.map((f) => f.subscriber.email);
  const groups = groupsOf(editionId, emails, RECIPIENTS_PER_MESSAGE, MESSAGES_PER_ENQUEUE);
  const target = { editions: deps.editions, queue };
  if (groups.length === 0 && step.finish && !joined) {
    await enqueueGroup(target, editionId, round.round, [], { done: true });
  }
  for (const [i, group] of groups.entries()) {
    const last = i === groups.length - 1;
    await enqueueGroup(target, editionId, round.round, group, {
      done: step.finish && last && !joined,
      carry: i === 0 && joined && step.carry,
    });
  }
  return emails.length;
}

const statesFor = (includeRejected: boolean): LedgerState[] =>
  includeRejected ? ["failed", "rejected"] : ["failed"];

/** Retries an edition's failed recipients (see the module comment); the edition's status is left as is. */
export async function resendFailed(
  deps: QueueRunDeps,
  editionId: string,
  opts: ResendFailedOptions = {},
): Promise<ResendFailedResult> {
  const checked = await resendable(deps, editionId);
  if (checked.outcome !== "ok") return checked;
  const { edition, counts } = checked;
  const includeRejected = opts.includeRejected ?? false;
  const rejectedLeft = includeRejected ? 0 : counts.rejected;
  const states = statesFor(includeRejected);
  // The first chunk is read before the engine starts: with none, there is nothing to send.
  const first = await failedChunk(deps, editionId, states, null, RESEND_LIMITS);
  if (first.retried === 0 && first.nextCursor === null) {
    return { outcome: "done", summary: emptySummary(edition), retried: 0, rejectedLeft, gone: 0 };
  }
  let retried = 0;
  let gone = 0;
  const { summary } = await deliverThroughQueue(
    deps,
    edition,
    // Reopened only now, once the engine has agreed to send (a refused run leaves them rejected).
    // Chunk by chunk: never the whole list of failed recipients in memory.
    async (queue) => {
      const round = await resendRound(deps, editionId, (previous) => carriedBefore(rejectedLeft, previous));
      let chunk: FailedChunk = first;
      let enqueued = 0;
      for (let n = 0; ; n++) {
        retried += chunk.retried;
        gone += chunk.gone;
        const finish: boolean = chunk.nextCursor === null;
        enqueued += await enqueueChunk(deps, editionId, chunk.found, queue, round, {
          finish,
          carry: n === 0 && rejectedLeft > 0,
        });
        if (chunk.nextCursor === null) return enqueued;
        chunk = await failedChunk(deps, editionId, states, chunk.nextCursor, RESEND_LIMITS);
      }
    },
    { ...opts, sentBefore: counts.sent },
  );
  return { outcome: "done", summary, retried, rejectedLeft, gone };
}

/** Whether a new resend round starts out leaving something behind (see resendRound). */
function carriedBefore(rejectedLeft: number, previous: DeliveryRound | null): boolean {
  return rejectedLeft > 0 || previous === null || leftUnreached(previous);
}

/**
 * The deployed resend's cursor: where the ledger listing goes on, and whether the resend leaves
 * something behind (decided by its first request, from the round before it; later requests' rounds
 * must not read that from the rounds the resend itself started).
 */
export interface ResendCursor {
  after: string;
  carried: boolean;
}

function encodeCursor(cursor: ResendCursor): string {
  return Buffer.from(JSON.stringify(cursor), "utf8").toString("base64url");
}

/** The cursor of a later request, or null when it is not one this function wrote. */
export function decodeResendCursor(raw: string): ResendCursor | null {
  try {
    const value = JSON.parse(Buffer.from(raw, "base64url").toString("utf8"));
    return typeof value?.after === "string" && typeof value?.carried === "boolean"
      ? { after: value.after, carried: value.carried }
      : null;
  } catch {
    return null;
  }
}

/**
 * The deployed resend: the same checks and entries as `resendFailed`, but the recipients go onto the
 * send queue (SQS) for the send functions, which pace and send them as any other batch; nothing is
 * sent in this call. One chunk per call (RESEND_LIMITS); `nextCursor` says where the next call
 * (`cursor`) continues. Each call's messages go into the edition's round like one resend of their
 * own; until the last call the edition may settle "sent" while failed entries are still to come.
 */
export async function enqueueFailed(
  deps: ResendDeps,
  queue: RecipientQueue,
  editionId: string,
  opts: { includeRejected?: boolean; cursor?: ResendCursor; limits?: ResendLimits } = {},
): Promise<QueuedResendResult> {
  const checked = await resendable(deps, editionId);
  if (checked.outcome !== "ok") return checked;
  const includeRejected = opts.includeRejected ?? false;
  const rejectedLeft = includeRejected ? 0 : checked.counts.rejected;
  const states = statesFor(includeRejected);
  const after = opts.cursor?.after ?? null;
  const chunk = await failedChunk(deps, editionId, states, after, opts.limits ?? RESEND_LIMITS);
  let carried = opts.cursor?.carried ?? null;
  const round = await resendRound(deps, editionId, (previous) => {
    carried ??= carriedBefore(rejectedLeft, previous);
    return carried;
  });
  // A first call that joined a round in progress leaves behind only the rejections it did not take.
  carried ??= rejectedLeft > 0;
  const queued = await enqueueChunk(deps, editionId, chunk.found, queue, round, {
    finish: true,
    carry: carried,
  });
  const nextCursor = chunk.nextCursor ? encodeCursor({ after: chunk.nextCursor, carried }) : null;
  return { outcome: "queued", queued, retried: chunk.retried, rejectedLeft, gone: chunk.gone, nextCursor };
}

/**
 * What an API context carries when it can send editions (`digest serve`): the admin route
 * POST /admin/editions/{id}/resend-failed uses it, and answers 501 where it is absent.
 */
export interface EditionResending {
  /** `cursor`: where a deployed resend's earlier request stopped (a local one sends everything at once). */
  resendFailed(
    editionId: string,
    opts: { includeRejected?: boolean; cursor?: ResendCursor },
  ): Promise<ResendFailedResult | QueuedResendResult>;
}

/** `ctx` with resend-failed over `deps` (the same engine and queue as the CLI). */
export function withEditionResending<C extends object>(ctx: C, deps: QueueRunDeps): C & EditionResending {
  return Object.assign(ctx, {
    resendFailed: (editionId: string, opts: { includeRejected?: boolean }) =>
      resendFailed(deps, editionId, { includeRejected: opts.includeRejected }),
  });
}

/** `ctx` with resend-failed that enqueues onto the send queue (the api Lambda; see enqueueFailed). */
export function withQueuedResending<C extends object>(
  ctx: C,
  deps: Pick<EditionDeps, "editions" | "ledger" | "subscribers">,
  queue: RecipientQueue,
): C & EditionResending {
  return Object.assign(ctx, {
    resendFailed: (editionId: string, opts: { includeRejected?: boolean; cursor?: ResendCursor }) =>
      enqueueFailed(deps, queue, editionId, opts),
  });
}

/** The context's resend-failed, or null when this context cannot send editions. */
export function editionResending(ctx: object): EditionResending | null {
  const fn = (ctx as Partial<EditionResending>).resendFailed;
  return typeof fn === "function" ? { resendFailed: fn } : null;
}

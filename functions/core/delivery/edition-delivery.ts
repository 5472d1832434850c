import type {
  BatchSettlement,
  DeliveryRound,
  EditionStore,
  RecipientBatch,
  RecipientQueue,
  RoundKind,
  RoundStep,
} from "../kernel/ports.js";
import type { BatchOutcomes } from "./send-recipients.js";

/**
 * When an edition is done, the same way wherever its queue messages are consumed (the send Lambda
 * from SQS, the local run from its in-process queue): the one place an edition's final status is set.
 *
 * Whoever enqueues (compose's fan-out, `digest send`, the hourly dispatch, resend-failed) does so in
 * delivery rounds of groups: each enqueue of ≤ 10 queue messages gets a group id beforehand, every
 * message carries its group and index, and the group is registered with the round once it is
 * enqueued. Each message, once over (processed to a verdict other than retry, or failed on its last
 * delivery before the dead-letter queue), records its index in its group: idempotently, so an SQS
 * redelivery counts once. The settlement that closes the round's last group (or the writer's last
 * step, when every message already settled) finds the round complete and sets the edition "sent", or
 * "partial" when some message had failed or unreached recipients (or the round carries failures it
 * does not retry). A group opened but never registered (the writer crashed before) holds nothing up.
 */

/** The final status a round decided, or null while it is not complete. */
export function roundStatus(round: DeliveryRound): "sent" | "partial" | null {
  if (!round.fannedOut) return null;
  let partial = round.carried;
  for (const group of round.groups) {
    if (!round.closed.has(group)) return null;
    if (round.failed.has(group) || round.unreached.has(group)) partial = true;
  }
  return partial ? "partial" : "sent";
}

/** Sets the edition's status when `round` is complete; returns the status it decided, or null. */
export async function settleIfComplete(
  editions: EditionStore,
  editionId: string,
  round: DeliveryRound | null,
): Promise<"sent" | "partial" | null> {
  const status = round ? roundStatus(round) : null;
  if (status) await editions.settleStatus(editionId, status);
  return status;
}

/** How one queue message ended, from what became of its addresses (see BatchSettlement). */
export function settlementOf(outcomes: BatchOutcomes | undefined): BatchSettlement {
  if (!outcomes) return "unreached";
  let failed = false;
  for (const outcome of outcomes.values()) {
    if (outcome === "remaining") return "unreached";
    if (outcome === "failed" || outcome === "rejected") failed = true;
  }
  return failed ? "failed" : "clean";
}

/**
 * Records how a queue message ended for its edition's round and settles the edition when that made the
 * round complete; returns the status it set, or null. A message without a group (enqueued by an older
 * version) counts nowhere.
 */
export async function settleQueueMessage(
  editions: EditionStore,
  batch: RecipientBatch,
  settlement: BatchSettlement,
): Promise<"sent" | "partial" | null> {
  if (batch.group === undefined || batch.index === undefined) return null;
  const round = await editions.settleBatch(
    batch.editionId,
    { group: batch.group, index: batch.index },
    settlement,
  );
  return settleIfComplete(editions, batch.editionId, round);
}

/**
 * Enqueues `batches` as one group of round `round` and records `step` with it (a page with nobody
 * records the step alone). Returns the round as recorded, or null when the round refused the step (a
 * new round started, or another writer moved the cursor on): the messages are out all the same, and
 * the send ledger keeps them harmless.
 */
export async function enqueueGroup(
  deps: { editions: EditionStore; queue: RecipientQueue },
  editionId: string,
  round: number,
  batches: readonly Omit<RecipientBatch, "group" | "index">[],
  step: Omit<RoundStep, "group"> = {},
): Promise<DeliveryRound | null> {
  let group: number | undefined;
  if (batches.length > 0) {
    const id = await deps.editions.openGroup(editionId, batches.length);
    group = id;
    await deps.queue.enqueue(batches.map((batch, index) => ({ ...batch, group: id, index })));
  }
  const recorded = await deps.editions.recordGroup(editionId, round, { ...step, group });
  // Every message may have settled before its group was registered: then this step completes it.
  await settleIfComplete(deps.editions, editionId, recorded);
  return recorded;
}

/**
 * The round a writer of `kind` adds to: the current one while it is not complete (a resend or an
 * hour's dispatch joins the round in progress), else a new one, started with `carried`. Two writers
 * starting one at once: the second joins the first's.
 */
export async function roundToJoin(
  editions: EditionStore,
  editionId: string,
  kind: RoundKind,
  opts: { startedAt: string; carried?: (previous: DeliveryRound | null) => boolean },
): Promise<{ round: DeliveryRound; joined: boolean }> {
  for (let attempt = 0; ; attempt++) {
    const current = await editions.getDelivery(editionId);
    if (current && (roundStatus(current) === null || (kind === "dispatch" && current.kind === "dispatch"))) {
      return { round: current, joined: true };
    }
    const started = await editions.startRound(editionId, kind, {
      after: current?.round ?? null,
      startedAt: opts.startedAt,
      carried: opts.carried?.(current) ?? false,
    });
    if (started) return { round: started, joined: false };
    if (attempt >= 3) throw new Error(`edition ${editionId}: could not start a delivery round`);
  }
}

/** Whether a round left recipients unreached (or carried such from before): a resend cannot fix those. */
export function leftUnreached(round: DeliveryRound): boolean {
  return round.carried || [...round.groups].some((g) => round.unreached.has(g));
}

/** Splits addresses into queue messages of at most `perMessage`, grouped `perGroup` messages a group. */
export function groupsOf(
  editionId: string,
  emails: readonly string[],
  perMessage: number,
  perGroup: number,
): Omit<RecipientBatch, "group" | "index">[][] {
  const groups: Omit<RecipientBatch, "group" | "index">[][] = [];
  const span = perMessage * perGroup;
  for (let g = 0; g < emails.length; g += span) {
    const group: Omit<RecipientBatch, "group" | "index">[] = [];
    const end = Math.min(emails.length, g + span);
    for (let i = g; i < end; i += perMessage)
      group.push({ editionId, emails: emails.slice(i, Math.min(end, i + perMessage)) });
    groups.push(group);
  }
  return groups;
}

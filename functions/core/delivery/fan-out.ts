import type {
  DeliveryRound,
  EditionRecord,
  EditionStore,
  RecipientBatch,
  RecipientQueue,
  SubscriberStore,
} from "../kernel/ports.js";
import { enqueueGroup, groupsOf } from "./edition-delivery.js";

export const RECIPIENTS_PER_MESSAGE = 50;
/** SQS SendMessageBatch takes at most 10 entries: one page of subscribers is one enqueue. */
export const MESSAGES_PER_ENQUEUE = 10;

export interface FanOutSummary {
  editionId: string;
  /** Addresses enqueued by this call (a resumed fan-out: those after where the earlier one stopped). */
  recipients: number;
  messages: number;
  /** This call continued a fan-out an earlier invocation had started and not finished. */
  resumed: boolean;
  /** Another invocation moved the same fan-out on meanwhile: this one stopped and left it the rest. */
  superseded: boolean;
}

export interface FanOutOptions {
  /** Addresses per queue message (tests use small ones). */
  recipientsPerMessage?: number;
  /**
   * Continue the edition's fan-out where an earlier invocation stopped, when it did not finish (compose
   * retried after a crash or a timeout). Otherwise, and when there is none to continue, a new round
   * from the first subscriber (`digest send`, or compose rerun after a quota stop).
   */
  resume?: boolean;
  clock?: () => Date;
}

/**
 * Pages through every active subscriber (the sharded status index, never a Scan) and enqueues them in
 * queue messages of at most 50 addresses referencing the stored edition, one page (≤ 10 messages, one
 * SendMessageBatch) a group of the edition's delivery round (edition-delivery.ts). After each page the
 * round records the listing's cursor, so a retry resumes after the last page enqueued: a crash between
 * an enqueue and its record, the one window left, enqueues that page twice, which the send ledger
 * keeps harmless. The round's last page marks the fan-out done: the last message to settle then sets
 * the edition's status.
 */
export async function fanOutEdition(
  deps: { subscribers: SubscriberStore; queue: RecipientQueue; editions: EditionStore },
  edition: Pick<EditionRecord, "editionId">,
  opts: FanOutOptions = {},
): Promise<FanOutSummary> {
  const { editionId } = edition;
  const perMessage = opts.recipientsPerMessage ?? RECIPIENTS_PER_MESSAGE;
  const summary: FanOutSummary = { editionId, recipients: 0, messages: 0, resumed: false, superseded: false };
  const current = await deps.editions.getDelivery(editionId);
  let round: DeliveryRound | null;
  if (opts.resume && current?.kind === "fan-out" && !current.fannedOut) {
    round = current;
    summary.resumed = true;
  } else {
    round = await deps.editions.startRound(editionId, "fan-out", {
      after: current?.round ?? null,
      startedAt: (opts.clock ?? (() => new Date()))().toISOString(),
      carried: false,
    });
  }
  if (!round) return { ...summary, superseded: true };

  let cursor = round.cursor;
  do {
    const page = await deps.subscribers.list({ status: "active" }, cursor, perMessage * MESSAGES_PER_ENQUEUE);
    const emails = page.items.map((s) => s.email);
    const batches = groupsOf(editionId, emails, perMessage, MESSAGES_PER_ENQUEUE).flat();
    const recorded = await enqueueGroup(deps, editionId, round.round, batches, {
      cursor: { from: cursor, to: page.nextCursor },
      done: page.nextCursor === null,
    });
    if (!recorded) return { ...summary, superseded: true };
    summary.recipients += emails.length;
    summary.messages += batches.length;
    cursor = page.nextCursor;
  } while (cursor);
  return summary;
}

/** Parses a queue message body; throws on anything that is not a recipient batch. */
export function parseRecipientBatch(body: string): RecipientBatch {
  const value = JSON.parse(body) as Partial<RecipientBatch>;
  const count = (n: unknown) => n === undefined || (Number.isSafeInteger(n) && (n as number) >= 0);
  if (
    typeof value.editionId !== "string" ||
    !Array.isArray(value.emails) ||
    !value.emails.every((e) => typeof e === "string") ||
    value.emails.length > RECIPIENTS_PER_MESSAGE ||
    !count(value.group) ||
    !count(value.index) ||
    (value.group === undefined) !== (value.index === undefined)
  ) {
    throw new Error("not a recipient batch: want {editionId, emails[≤ 50], group?, index?}");
  }
  const { editionId, emails, group, index } = value;
  return group === undefined ? { editionId, emails } : { editionId, emails, group, index };
}

import type { EditionRecord, RecipientBatch, RecipientQueue, SubscriberStore } from "./ports.js";

export const RECIPIENTS_PER_MESSAGE = 50;
/** SQS SendMessageBatch takes at most 10 entries. */
const MESSAGES_PER_ENQUEUE = 10;
const SUBSCRIBER_PAGE = 500;

export interface FanOutSummary {
  editionId: string;
  recipients: number;
  messages: number;
}

/**
 * Pages through every active subscriber (the sharded status index, never a Scan) and enqueues them in
 * batches of at most 50 addresses referencing the stored edition. Enqueueing twice is harmless: the
 * send ledger admits each recipient once.
 */
export async function fanOutEdition(
  deps: { subscribers: SubscriberStore; queue: RecipientQueue },
  edition: Pick<EditionRecord, "editionId">,
  recipientsPerMessage = RECIPIENTS_PER_MESSAGE,
): Promise<FanOutSummary> {
  const summary: FanOutSummary = { editionId: edition.editionId, recipients: 0, messages: 0 };
  let pending: RecipientBatch[] = [];
  let current: string[] = [];
  const flush = async (force: boolean) => {
    if (current.length >= recipientsPerMessage || (force && current.length > 0)) {
      pending.push({ editionId: edition.editionId, emails: current });
      current = [];
    }
    if (pending.length >= MESSAGES_PER_ENQUEUE || (force && pending.length > 0)) {
      await deps.queue.enqueue(pending);
      summary.messages += pending.length;
      pending = [];
    }
  };
  let cursor: string | null = null;
  do {
    const page = await deps.subscribers.list({ status: "active" }, cursor, SUBSCRIBER_PAGE);
    for (const subscriber of page.items) {
      current.push(subscriber.email);
      summary.recipients++;
      await flush(false);
    }
    cursor = page.nextCursor;
  } while (cursor);
  await flush(true);
  await flush(true);
  return summary;
}

/** Parses a queue message body; throws on anything that is not a recipient batch. */
export function parseRecipientBatch(body: string): RecipientBatch {
  const value = JSON.parse(body) as Partial<RecipientBatch>;
  if (
    typeof value.editionId !== "string" ||
    !Array.isArray(value.emails) ||
    !value.emails.every((e) => typeof e === "string") ||
    value.emails.length > RECIPIENTS_PER_MESSAGE
  ) {
    throw new Error("not a recipient batch: want {editionId, emails[≤ 50]}");
  }
  return { editionId: value.editionId, emails: value.emails };
}

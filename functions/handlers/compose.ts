import { SqsRecipientQueue } from "../adapters/sqs-queue.js";
import { type FanOutSummary, fanOutEdition } from "../core/delivery/fan-out.js";
import { quotaShortfall } from "../core/delivery/send-quota.js";
import { composeEdition } from "../core/edition/compose.js";
import { dayInZone } from "../core/kernel/dates.js";
import { QUEUE_ENV } from "./env.js";
import { recordCompose, withMetrics } from "./metrics.js";
import { lambdaDeps, logger } from "./runtime.js";

/** The scheduled event (EventBridge Scheduler); `date` lets an operator rerun a given day. */
export interface ComposeEvent {
  date?: string;
}

export type ComposeResult =
  | { status: "empty" | "cancelled"; date: string; message: string }
  | { status: "composed"; date: string; stories: number }
  | ({
      status: "queued";
      stories: number;
      /** Set when the recipients are more than the daily SES quota has left (see quotaShortfall). */
      quotaWarning?: string;
    } & FanOutSummary);

let queue: SqsRecipientQueue | null = null;

/**
 * The scheduled entry: one daily run, its metrics (duration, stories, recipients, success) flushed as
 * EMF whether it returned or threw.
 */
export const handler = withMetrics(async (event: ComposeEvent = {}): Promise<ComposeResult> => {
  const started = Date.now();
  const result = await composeDay(event);
  recordCompose(result, Date.now() - started);
  return result;
});

/**
 * Composes the day's edition (stored once, frozen) and fans its active subscribers out to the send
 * queue in batches of ≤ 50. A retry (Lambda's or the Scheduler's, after a crash or a timeout) resumes
 * the fan-out after the last page enqueued; an invocation once the fan-out finished (an operator's
 * rerun after a quota stop) starts over, and the send ledger keeps that harmless.
 */
async function composeDay(event: ComposeEvent): Promise<ComposeResult> {
  const deps = await lambdaDeps();
  const queueUrl = process.env[QUEUE_ENV];
  if (!queueUrl) throw new Error(`${QUEUE_ENV} is not set`);
  queue ??= new SqsRecipientQueue(queueUrl);
  const date =
    event.date && /^\d{4}-\d{2}-\d{2}$/.test(event.date)
      ? event.date
      : dayInZone(new Date(), deps.config.timeZone);
  const composed = await composeEdition(deps, date);
  if (composed.kind !== "edition") {
    const message = composed.kind === "empty" ? composed.reason : "edition cancelled: nothing sent";
    logger.info(message, { date });
    return { status: composed.kind, date, message };
  }
  if (deps.config.deliveryMode === "local") {
    // Local morning delivery: the hourly dispatch fans subscribers out when their own hour comes.
    logger.info("edition composed; the hourly dispatch delivers it", {
      date,
      stories: composed.edition.stories.length,
    });
    return { status: "composed", date, stories: composed.edition.stories.length };
  }
  const quota = (await deps.mailer.dailyQuota?.()) ?? null;
  const summary = await fanOutEdition(
    { subscribers: deps.subscribers, queue, editions: deps.editions },
    composed.edition,
    { resume: true },
  );
  const stories = composed.edition.stories.length;
  if (summary.superseded)
    logger.warn("another compose invocation is fanning this edition out", { ...summary });
  logger.info(summary.resumed ? "edition queued (fan-out resumed)" : "edition queued", {
    ...summary,
    stories,
    quota,
  });
  const quotaWarning = quotaShortfall(quota, summary.recipients);
  if (!quotaWarning) return { status: "queued", stories, ...summary };
  logger.warn(quotaWarning, { ...summary, quota });
  return { status: "queued", stories, ...summary, quotaWarning };
}

import { DynamoTeamStore } from "../adapters/dynamo/team-store.js";
import { tableNamesFromEnv } from "../adapters/schema.js";
import { SqsRecipientQueue } from "../adapters/sqs-queue.js";
import { type FanOutSummary, fanOutEdition } from "../core/delivery/fan-out.js";
import { quotaShortfall } from "../core/delivery/send-quota.js";
import { approvalGate, releaseTime } from "../core/edition/approval.js";
import { requestApproval } from "../core/edition/approval-mail.js";
import { composeEdition, editionIdFor } from "../core/edition/compose.js";
import { isStale, rerenderIfStale } from "../core/edition/edition-rerender.js";
import { dayInZone } from "../core/kernel/dates.js";
import type { EditionRecord } from "../core/kernel/ports.js";
import { teamApprovers } from "../core/team/team-admin.js";
import { QUEUE_ENV } from "./env.js";
import { recordCompose, withMetrics } from "./metrics.js";
import { containerDocumentClient, lambdaDeps, logger } from "./runtime.js";

/**
 * The scheduled event (EventBridge Scheduler); `date` lets an operator rerun a given day.
 * `approvalRound`: the ApprovalRounds schedule's call (infra/triggers.ts, every minute while config
 * `approval` is not "none"): composes nothing; renders the day's edition again when a correction made
 * its copy stale, and sends it once it was approved or its deadline came (approvalRound below).
 */
export interface ComposeEvent {
  date?: string;
  approvalRound?: boolean;
}

export type ComposeResult =
  | { status: "empty" | "cancelled"; date: string; message: string }
  /** The edition waits for an approval or its deadline; or a round found nothing to do ("idle"). */
  | { status: "awaiting-approval" | "idle"; date: string; message: string }
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
  // An approval round with nothing to do is no compose: the compose alarms count real runs.
  if (result.status !== "idle") recordCompose(result, Date.now() - started);
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
  if (event.approvalRound) return approvalRound(deps, queue, date);
  const composed = await composeEdition(deps, date);
  if (composed.kind !== "edition") {
    const message = composed.kind === "empty" ? composed.reason : "edition cancelled: nothing sent";
    logger.info(message, { date });
    return { status: composed.kind, date, message };
  }
  if (composed.composedNow && composed.edition.status === "awaiting-approval") {
    // The team's editors and owners, besides config approvalNotify.
    const team = teamApprovers(new DynamoTeamStore(containerDocumentClient(), tableNamesFromEnv().team));
    const { sent, failed } = await requestApproval({ ...deps, team }, composed.edition);
    logger.info("approval requested", { date, sent, failed });
  }
  const gate = await approvalGate(deps, composed.edition);
  if (!gate.go) return waiting(date, gate.edition);
  return deliver(deps, queue, date, gate.edition);
}

/** The answer for an edition that waits for an approval (or its deadline). */
function waiting(
  date: string,
  edition: EditionRecord,
): { date: string; message: string } & {
  status: "awaiting-approval";
} {
  const until = releaseTime(edition);
  const message = until
    ? `edition ${edition.editionId} awaits approval; it goes out at ${until.toISOString()} unless held`
    : `edition ${edition.editionId} awaits approval`;
  logger.info(message, { date });
  return { status: "awaiting-approval", date, message };
}

/**
 * An approval round: the day's edition goes out once an editor approved it (the api function only
 * records the approval) or its deadline came unheld. An approved edition is fanned out unless a
 * fan-out round of it finished already; a fan-out in progress is resumed (the send ledger keeps a
 * recipient from getting it twice).
 */
async function approvalRound(
  deps: Awaited<ReturnType<typeof lambdaDeps>>,
  queue: SqsRecipientQueue,
  date: string,
): Promise<ComposeResult> {
  const read = await deps.editions.get(editionIdFor(date));
  if (!read?.approval) return { status: "idle", date, message: "no edition that waits for approval" };
  let edition: EditionRecord = read;
  if (isStale(read)) {
    // An editor corrected a story of it (the story-import function has no renderer): its copy is
    // rendered again here, so the preview shows the correction within a minute. What follows (the
    // gate, the release) goes on with the edition as rendered.
    edition = (await rerenderIfStale(deps, read.editionId)) ?? read;
    logger.info("corrected edition rendered again", { date, revision: read.revision });
  }
  if (edition.status === "awaiting-approval") {
    const gate = await approvalGate(deps, edition);
    if (!gate.go) return { ...waiting(date, gate.edition), status: "idle" };
    return deliver(deps, queue, date, gate.edition);
  }
  if (edition.status !== "sending" || edition.haltedBecause) {
    return { status: "idle", date, message: `edition ${edition.editionId} is ${edition.status}` };
  }
  const round = await deps.editions.getDelivery(edition.editionId);
  if (round && (round.kind !== "fan-out" || round.fannedOut)) {
    return { status: "idle", date, message: `edition ${edition.editionId} is fanned out already` };
  }
  logger.info("approved edition: sending", { date, approvedBy: edition.approval?.approvedBy });
  return deliver(deps, queue, date, edition);
}

/** Sends a composed (and, where it must be, approved) edition: the fan-out onto the send queue. */
async function deliver(
  deps: Awaited<ReturnType<typeof lambdaDeps>>,
  queue: SqsRecipientQueue,
  date: string,
  edition: EditionRecord,
): Promise<ComposeResult> {
  // Never fanned out from a copy older than a correction (released before a round rendered it).
  if (isStale(edition)) await rerenderIfStale(deps, edition.editionId);
  if (deps.config.deliveryMode === "local") {
    // Local morning delivery: the hourly dispatch fans subscribers out when their own hour comes.
    logger.info("edition composed; the hourly dispatch delivers it", {
      date,
      stories: edition.stories.length,
    });
    return { status: "composed", date, stories: edition.stories.length };
  }
  const quota = (await deps.mailer.dailyQuota?.()) ?? null;
  const summary = await fanOutEdition(
    { subscribers: deps.subscribers, queue, editions: deps.editions },
    edition,
    { resume: true },
  );
  const stories = edition.stories.length;
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

import type { EventBridgeEvent, SNSEvent, SQSBatchItemFailure, SQSEvent } from "aws-lambda";
import { createDocumentClient } from "../adapters/dynamo/client.js";
import { DynamoEditionStore } from "../adapters/dynamo/edition-store.js";
import { DynamoSendLedger } from "../adapters/dynamo/send-ledger.js";
import { DynamoSubscriberStore } from "../adapters/dynamo/subscriber-store.js";
import { DynamoSuppressionStore } from "../adapters/dynamo/suppression-store.js";
import { tableNamesFromEnv } from "../adapters/schema.js";
import { erasureKeyFromEnv } from "../adapters/secret-keys.js";
import { applySesRecords, type SesEventDeps } from "../core/events/apply-ses-events.js";
import { parseSesNotifications } from "../core/events/ses-events.js";
import { parseConfig } from "../core/kernel/config.js";
import { createLogger } from "./logging.js";
import { recordSesOutcomes, withMetrics } from "./metrics.js";

/**
 * SES feedback → suppression list, subscriber status and per-edition counters. Takes the event as
 * EventBridge (the stack's rule on `source: aws.ses`), SNS or SQS deliver it; the core parses and decides.
 * A malformed record is logged and skipped (retrying cannot fix it). A record that fails to apply
 * (a store error) is retried: reported in `batchItemFailures` for SQS, rethrown after the rest of
 * the batch for SNS and EventBridge (their retries re-apply idempotent steps: unique opens and clicks
 * and soft bounces are recorded once per recipient and edition; event totals may count a retried
 * record twice).
 * Needs no signing key and no template, so it bundles small; it reads one secret, the erasure key
 * (an erased address's bounce or complaint must find its keyed-hash entry).
 */

/** Addresses are masked here for reading and redacted by the logger whatever the field. */
const logger = createLogger();

export type SesEventsEvent = SNSEvent | SQSEvent | EventBridgeEvent<string, unknown>;

export interface SesEventsResult {
  processed: number;
  ignored: number;
  malformed: number;
  failed: number;
  /** SQS partial batch response: the records to redeliver (empty for other sources). */
  batchItemFailures: SQSBatchItemFailure[];
}

let cached: SesEventDeps | null = null;

/** Stores and settings from the environment the stack sets; built once per container. */
export function sesEventDeps(env: NodeJS.ProcessEnv = process.env): SesEventDeps {
  if (cached) return cached;
  const config = parseConfig({}, env);
  const db = createDocumentClient();
  const tables = tableNamesFromEnv(env);
  cached = {
    subscribers: new DynamoSubscriberStore(db, tables.subscribers),
    suppressions: new DynamoSuppressionStore(db, tables.suppressions, () => erasureKeyFromEnv(env)),
    editions: new DynamoEditionStore(db, tables.editions),
    ledger: new DynamoSendLedger(db, tables.sends),
    transientBounceLimit: config.transientBounceLimit,
  };
  return cached;
}

/** "jane@example.com" → "j***@example.com": enough to correlate, not an address list in the logs. */
export function maskEmail(email: string): string {
  const at = email.lastIndexOf("@");
  return at > 0 ? `${email[0]}***${email.slice(at)}` : "***";
}

/** Applies the records; the applied ones are counted (EMF) by type, also when a failed one is rethrown. */
export const handler = withMetrics(async (event: SesEventsEvent): Promise<SesEventsResult> => {
  const outcomes = await applySesRecords(sesEventDeps(), parseSesNotifications(event));
  recordSesOutcomes(outcomes);
  const result: SesEventsResult = {
    processed: 0,
    ignored: 0,
    malformed: 0,
    failed: 0,
    batchItemFailures: [],
  };
  let retryable: Error | null = null;
  for (const outcome of outcomes) {
    const where = { origin: outcome.record.origin, recordId: outcome.record.recordId };
    if (outcome.status === "skipped") {
      const { record } = outcome;
      if (record.kind === "malformed") {
        result.malformed++;
        logger.warn("malformed SES notification skipped", { ...where, error: record.error });
      } else {
        result.ignored++;
        logger.info("SES notification ignored", { ...where, reason: record.reason });
      }
      continue;
    }
    const e = outcome.record.event;
    const context = {
      ...where,
      type: e.type,
      editionId: e.editionId,
      messageId: e.messageId,
      feedbackId: e.feedbackId,
    };
    if (outcome.status === "failed") {
      result.failed++;
      logger.error("SES notification not applied; it will be retried", { ...context, error: outcome.error });
      if (where.origin === "sqs" && where.recordId)
        result.batchItemFailures.push({ itemIdentifier: where.recordId });
      else retryable ??= outcome.error;
      continue;
    }
    result.processed++;
    logger.info(outcome.decision.summary.replace(/[^\s,()]+@[^\s,()]+/g, maskEmail), {
      ...context,
      stats: outcome.applied.stats,
      changes: outcome.applied.changes.map((c) => ({ ...c, email: maskEmail(c.email) })),
    });
  }
  if (retryable) throw retryable;
  return result;
});

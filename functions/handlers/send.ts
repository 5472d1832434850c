import { BatchProcessor, EventType, processPartialResponse } from "@aws-lambda-powertools/batch";
import type { SQSBatchResponse, SQSEvent, SQSRecord } from "aws-lambda";
import { parseRecipientBatch } from "../core/delivery/fan-out.js";
import {
  createSendCache,
  processRecipientBatch,
  RecipientBatchError,
  type RecipientBatchResult,
  settleProcessed,
} from "../core/delivery/send-batch.js";
import { SEND_MAX_RECEIVES_ENV } from "./env.js";
import { recordSendBatch, withMetrics } from "./metrics.js";
import { lambdaSendDeps, logger } from "./runtime.js";

const processor = new BatchProcessor(EventType.SQS);
/** Per container: the editions it sends and one engine each (one pacer, one concurrency limit). */
const cache = createSendCache({ maxAgeMs: 5 * 60_000 });
/** The queue's maxReceiveCount (its redrive policy), as the stack passes it; null when not given. */
const maxReceives = Number(process.env[SEND_MAX_RECEIVES_ENV]) || null;

/**
 * One queue message: up to 50 recipients of an edition (see processRecipientBatch, which the local run
 * calls too). The message fails, and SQS redelivers it after the visibility timeout, only when some
 * recipient may still be reached: throttled to the end, 5xx, the daily quota, or an unexpected error
 * (logged; thrown only once the message's other sends settled). A cancelled or halted edition's
 * message is consumed, not retried into the DLQ. Once the message is over (consumed, or failed on its
 * last delivery before the DLQ) it settles in its edition's round; the last one sets the edition's
 * final status (see settleProcessed).
 */
async function sendBatch(record: SQSRecord): Promise<void> {
  const batch = parseRecipientBatch(record.body);
  const deps = await lambdaSendDeps();
  let result: RecipientBatchResult | null = null;
  let failure: unknown = null;
  try {
    result = await processRecipientBatch(deps, batch, cache);
  } catch (err) {
    failure = err;
    // The counts and the first error with its stack; no addresses in the logs.
    if (err instanceof RecipientBatchError) {
      result = err.result;
      logger.error(`batch failed: ${err.message}`, {
        messageId: record.messageId,
        ...err.result.summary,
        unexpectedErrors: err.errors.length,
        error: err.errors[0]?.cause,
      });
    }
  }
  if (result) recordSendBatch(result.summary);
  const failed = failure !== null || result?.verdict === "retry";
  const receiveCount = Number(record.attributes.ApproximateReceiveCount) || 1;
  const settled = await settleProcessed(deps, batch, { result, failed }, { receiveCount, maxReceives });
  if (settled)
    logger.info(`edition ${settled}: its last queue message settled`, { editionId: batch.editionId });
  if (failure !== null) throw failure;
  if (!result) return;
  const log = { messageId: record.messageId, ...result.summary };
  if (result.verdict === "dropped") logger.warn(`batch not sent: ${result.reason}`, log);
  else if (result.summary.stoppedBecause) logger.warn(`batch stopped: ${result.reason}`, log);
  else logger.info("batch delivered", log);
  if (result.verdict === "retry") throw new Error(result.reason ?? "recipients left for a retry");
}

/** Each message's counts are flushed as EMF once the batch settled, also when it failed as a whole. */
export const handler = withMetrics(
  (event: SQSEvent): Promise<SQSBatchResponse> => processPartialResponse(event, sendBatch, processor),
);

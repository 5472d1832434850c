import { BatchProcessor, EventType, processPartialResponse } from "@aws-lambda-powertools/batch";
import type { SQSBatchResponse, SQSEvent, SQSRecord } from "aws-lambda";
import { parseRecipientBatch } from "../core/fan-out.js";
import type { EditionRecord } from "../core/ports.js";
import { deliverRecipients } from "../core/send-edition.js";
import { lambdaDeps, logger } from "./runtime.js";

const processor = new BatchProcessor(EventType.SQS);
const editions = new Map<string, EditionRecord>();

/**
 * One queue message: up to 50 recipients of an edition. Recipients already in the ledger are skipped,
 * so an SQS redelivery or a Lambda retry sends nobody twice. The message fails (and SQS redelivers it
 * after the visibility timeout) only when some recipient may still be reached: throttled to the end,
 * 5xx, or the daily quota; permanent rejections are recorded and not retried.
 */
async function sendBatch(record: SQSRecord): Promise<void> {
  const batch = parseRecipientBatch(record.body);
  const deps = await lambdaDeps();
  let edition = editions.get(batch.editionId);
  if (!edition) {
    const stored = await deps.editions.get(batch.editionId);
    if (!stored) throw new Error(`edition ${batch.editionId} does not exist`);
    if (stored.status === "cancelled") {
      logger.info("edition cancelled: message dropped", { editionId: batch.editionId });
      return;
    }
    edition = stored;
    editions.set(batch.editionId, stored);
  }
  const summary = await deliverRecipients(deps, edition, batch.emails);
  if (summary.haltedBecause) {
    // The safety pause stopped the edition: the message is consumed, not retried into the DLQ. The
    // ledger knows who was not reached; `digest --aws send --date D --resume-halted` sends to them.
    logger.warn("edition halted: batch not sent", { messageId: record.messageId, ...summary });
    editions.delete(batch.editionId);
    return;
  }
  logger.info("batch delivered", { messageId: record.messageId, ...summary });
  if (summary.stoppedBecause || summary.retryable > 0) {
    throw new Error(
      `${summary.remaining + summary.retryable} recipient(s) left for a retry${summary.stoppedBecause ? `: ${summary.stoppedBecause}` : ""}`,
    );
  }
}

export async function handler(event: SQSEvent): Promise<SQSBatchResponse> {
  return processPartialResponse(event, sendBatch, processor);
}

import { SqsRecipientQueue } from "../adapters/sqs-queue.js";
import { type DispatchSummary, dispatchDue } from "../core/delivery/dispatch.js";
import { QUEUE_ENV } from "./env.js";
import { lambdaDeps, logger } from "./runtime.js";

let queue: SqsRecipientQueue | null = null;

/** Hourly (local morning delivery): enqueues the subscribers whose own delivery hour has come. */
export async function handler(event: { time?: string } = {}): Promise<DispatchSummary> {
  const deps = await lambdaDeps();
  const queueUrl = process.env[QUEUE_ENV];
  if (!queueUrl) throw new Error(`${QUEUE_ENV} is not set`);
  queue ??= new SqsRecipientQueue(queueUrl);
  const at = event.time && !Number.isNaN(Date.parse(event.time)) ? new Date(event.time) : new Date();
  const summary = await dispatchDue({ ...deps, queue }, at);
  logger.info(summary.editionId ? "subscribers dispatched" : "no edition going out: nothing dispatched", {
    ...summary,
  });
  return summary;
}

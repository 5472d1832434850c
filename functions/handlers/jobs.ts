import type { Context, SQSEvent } from "aws-lambda";
import { parseJobMessage } from "../adapters/sqs-job-starter.js";
import { JobNotFoundError, runJob } from "../core/jobs/run-job.js";
import { createTransactionalMail } from "../core/subscribers/transactional.js";
import { lambdaDeps, lambdaJobs, logger } from "./runtime.js";

/**
 * The jobs function: one job-queue message at a time (batch size 1), each the id of a started
 * subscriber import or export (core/jobs/run-job.ts). A failure that another attempt may cure
 * (storage) is thrown, and SQS delivers the message again after the visibility timeout (the import
 * goes on from its last checkpoint); a problem with the file itself ends the job as failed, with the
 * reason on the job. An import that would outlast this invocation stops at a checkpoint and puts a
 * new message on the queue for the rest.
 */
export async function handler(
  event: SQSEvent,
  context: Pick<Context, "getRemainingTimeInMillis">,
): Promise<void> {
  const jobs = lambdaJobs();
  if (!jobs) throw new Error("the jobs function needs DIGEST_JOB_BUCKET and DIGEST_JOB_QUEUE_URL");
  const deps = await lambdaDeps();
  const mail = createTransactionalMail({
    config: deps.config,
    mailer: deps.mailer,
    outbox: null,
    keys: deps.keys,
  });
  for (const record of event.Records) {
    const jobId = parseJobMessage(record.body);
    try {
      const job = await runJob({ ...deps, ...jobs, mail, clock: () => new Date() }, jobId, {
        onProgress: (counts) => logger.debug("job progress", { jobId, ...counts }),
        timeLeft: () => context.getRemainingTimeInMillis(),
      });
      logger.info(job.status === "queued" ? "job continues in a new invocation" : "job finished", {
        jobId,
        kind: job.kind,
        status: job.status,
        ...job.counts,
        error: job.error,
      });
    } catch (err) {
      if (err instanceof JobNotFoundError) {
        logger.warn("job message for no job (expired?)", { jobId });
        continue;
      }
      logger.error("job failed; the queue delivers it again", { jobId, error: err as Error });
      throw err;
    }
  }
}

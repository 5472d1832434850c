import type { Job } from "../kernel/ports.js";
import type { SubscriberAdminDeps } from "../subscribers/subscriber-admin.js";
import { exportJobRows } from "./export-job.js";
import { type ImportJobOptions, importJobRows } from "./import-job.js";
import type { JobDeps } from "./jobs.js";

/**
 * Runs one queued job (what the jobs function does with each queue message, and `digest serve` in
 * its own process): queued → running → done, or failed with the reason. A job already done is left
 * alone (a redelivered message); a failed or interrupted one runs again from its start, which is
 * safe: re-importing a row changes nothing, an export is rewritten whole.
 */

/** Problems with the file itself: running again cannot help. */
const FILE_PROBLEM = /^(the (header|file)|no file was uploaded)/;

export class JobNotFoundError extends Error {}

/**
 * Runs the job; resolves with its final record. Throws (after recording `failed`) only when another
 * attempt may succeed (storage errors): the queue redelivers the message then.
 */
export async function runJob(
  deps: SubscriberAdminDeps & JobDeps,
  jobId: string,
  opts: ImportJobOptions = {},
): Promise<Job> {
  const job = await deps.jobs.get(jobId);
  if (!job) throw new JobNotFoundError(`no job ${jobId}`);
  if (job.status === "done" || job.status === "awaiting-upload") return job;
  const startedAt = deps.clock().toISOString();
  const attempts = job.attempts + 1;
  if (
    !(await deps.jobs.transition(jobId, ["queued", "running", "failed"], "running", {
      startedAt,
      updatedAt: startedAt,
      attempts,
    }))
  ) {
    return (await deps.jobs.get(jobId)) as Job;
  }
  const running: Job = { ...job, status: "running", startedAt, attempts };
  try {
    const counts =
      job.kind === "import" ? await importJobRows(deps, running, opts) : await exportJobRows(deps, running);
    const finishedAt = deps.clock().toISOString();
    await deps.jobs.transition(jobId, ["running"], "done", {
      counts,
      finishedAt,
      updatedAt: finishedAt,
    });
  } catch (err) {
    const message = (err as Error).message ?? String(err);
    const at = deps.clock().toISOString();
    await deps.jobs.transition(jobId, ["running"], "failed", {
      error: message,
      finishedAt: at,
      updatedAt: at,
    });
    if (!FILE_PROBLEM.test(message)) throw err;
  }
  return (await deps.jobs.get(jobId)) as Job;
}

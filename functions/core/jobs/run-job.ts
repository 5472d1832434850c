import type { Job } from "../kernel/ports.js";
import type { SubscriberAdminDeps } from "../subscribers/subscriber-admin.js";
import { exportJobRows } from "./export-job.js";
import { type ImportJobOptions, importJobRows } from "./import-job.js";
import type { JobDeps } from "./jobs.js";
import { reindexJobPages } from "./reindex-job.js";

/**
 * Runs one queued job (what the jobs function does with each queue message, and `digest serve` in
 * its own process): queued → running → done, or failed with the reason. A job already done is left
 * alone (a redelivered message). An import whose time runs short records where it is, goes back to
 * queued and starts itself again (a new message); a failed or interrupted import goes on from the
 * last chunk it recorded (import-job.ts); a reindex likewise from its last page (reindex-job.ts). An
 * export runs again from its start (it is rewritten whole).
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
  const now = deps.clock().toISOString();
  // A job going on from a checkpoint keeps the time it first started.
  const startedAt = job.checkpoint && job.startedAt ? job.startedAt : now;
  const attempts = job.attempts + 1;
  if (
    !(await deps.jobs.transition(jobId, ["queued", "running", "failed"], "running", {
      startedAt,
      updatedAt: now,
      attempts,
    }))
  ) {
    return (await deps.jobs.get(jobId)) as Job;
  }
  const running: Job = { ...job, status: "running", startedAt, attempts };
  try {
    const run =
      job.kind === "import"
        ? await importJobRows(deps, running, opts)
        : job.kind === "reindex"
          ? await reindexJobPages(deps, running, opts)
          : { counts: await exportJobRows(deps, running), finished: true };
    const { counts } = run;
    if (!run.finished) {
      // Out of time: the next run (a new message) goes on from the checkpoint just recorded.
      const at = deps.clock().toISOString();
      if (await deps.jobs.transition(jobId, ["running"], "queued", { updatedAt: at })) {
        await deps.starter.start(jobId);
      }
      return (await deps.jobs.get(jobId)) as Job;
    }
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

import type { FileStore, Job, JobCounts, JobKind, JobStarter, JobStore } from "../kernel/ports.js";

/**
 * What every job shares: its record, its files' keys, how long both are kept, and the view the admin
 * API answers with. The import and export themselves are import-job.ts and export-job.ts.
 */

/** Days a job's record and files are kept (the bucket's lifecycle rule and the record's TTL). */
export const JOB_RETENTION_DAYS = 7;
/** Seconds a presigned upload or download link stays valid. */
export const JOB_LINK_SECONDS = 3600;
/** Rows handed to the import at once: progress is recorded after each chunk. */
export const IMPORT_CHUNK_ROWS = 2000;
/**
 * An import stops (and re-queues itself) once the time its invocation has left falls below this plus
 * twice its slowest chunk: enough to record the checkpoint and send the message, with room to spare.
 */
export const IMPORT_STOP_MARGIN_MS = 60_000;
/** Export rows between two progress records. */
export const EXPORT_PROGRESS_ROWS = 5000;

/** What a job needs: its records, its files, and how queued jobs start. */
export interface JobDeps {
  jobs: JobStore;
  files: FileStore;
  starter: JobStarter;
}

export const emptyCounts = (): JobCounts => ({
  rows: 0,
  imported: 0,
  updated: 0,
  skipped: 0,
  invalid: 0,
  failed: 0,
  confirmations: 0,
  reported: 0,
});

/** The file-store keys of a job's files. */
export const jobKeys = (id: string) => ({
  input: `jobs/${id}/input.csv`,
  report: `jobs/${id}/report.csv`,
  /** The report lines of one stretch of chunks, kept until the whole report is written (import). */
  reportPart: (n: number) => `jobs/${id}/report-parts/${String(n).padStart(6, "0")}.csv`,
  export: (format: "csv" | "json") => `jobs/${id}/subscribers.${format}`,
});

/** A new job record (the id is random: it is not a secret, the admin API is authenticated). */
export function newJob(
  kind: JobKind,
  params: Record<string, string>,
  now: Date,
  fields: Partial<Job> = {},
): Job {
  const at = now.toISOString();
  return {
    id: globalThis.crypto.randomUUID(),
    kind,
    status: kind === "import" ? "awaiting-upload" : "queued",
    createdAt: at,
    updatedAt: at,
    params,
    counts: emptyCounts(),
    attempts: 0,
    ...fields,
  };
}

/** Epoch seconds at which a job created at `createdAt` expires (the record's TTL). */
export function jobExpiry(createdAt: string): number {
  return Math.floor(Date.parse(createdAt) / 1000) + JOB_RETENTION_DAYS * 86400;
}

/** The admin API's view of a job: progress, and the links to its files once it is done. */
export async function jobView(files: FileStore, job: Job): Promise<Record<string, unknown>> {
  const percent =
    job.status === "done"
      ? 100
      : job.bytesTotal
        ? Math.min(99, Math.floor(((job.bytesRead ?? 0) / job.bytesTotal) * 100))
        : undefined;
  const view: Record<string, unknown> = {
    id: job.id,
    kind: job.kind,
    status: job.status,
    createdAt: job.createdAt,
    updatedAt: job.updatedAt,
    ...(job.startedAt ? { startedAt: job.startedAt } : {}),
    ...(job.finishedAt ? { finishedAt: job.finishedAt } : {}),
    ...(percent === undefined ? {} : { percent }),
    ...job.counts,
    ...(job.error ? { error: job.error } : {}),
    attempts: job.attempts,
  };
  if (job.status === "done" && job.reportKey && job.counts.reported > 0)
    view.reportUrl = await files.downloadUrl(job.reportKey, `import-${job.id}-report.csv`, JOB_LINK_SECONDS);
  if (job.status === "done" && job.outputKey) {
    const name = job.outputKey.slice(job.outputKey.lastIndexOf("/") + 1);
    view.downloadUrl = await files.downloadUrl(job.outputKey, name, JOB_LINK_SECONDS);
  }
  return view;
}

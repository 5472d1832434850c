import type { Readable } from "node:stream";

/**
 * Jobs: work too large for one API request (a 500,000-row import, a million-row export) runs in the
 * background and records its progress; its files (the uploaded CSV, the error report, the export) live
 * in a file store (deployed: the private job bucket; locally: the outbox's jobs/ folder).
 */

/** reindex: a migration of the stored subscribers, giving older records a new index's keys. */
export type JobKind = "import" | "export" | "reindex";
/**
 * awaiting-upload: an import job waiting for its file; queued: waiting for the job function;
 * running; done; failed (`error` says why; a failed import keeps every row it stored).
 */
export type JobStatus = "awaiting-upload" | "queued" | "running" | "done" | "failed";

/** Counts so far; an export fills `rows` only. */
export interface JobCounts {
  /** Data rows read (import) or written (export). */
  rows: number;
  imported: number;
  updated: number;
  skipped: number;
  invalid: number;
  failed: number;
  confirmations: number;
  /** Lines in the per-row report (invalid, skipped, failed rows and notes). */
  reported: number;
}

export interface Job {
  id: string;
  kind: JobKind;
  status: JobStatus;
  createdAt: string;
  updatedAt: string;
  startedAt?: string;
  finishedAt?: string;
  /** Import: pending ("true"/"false") and the consent source; export: status, section, format. */
  params: Record<string, string>;
  counts: JobCounts;
  /** Bytes of the input read so far and its size (import): the job's percentage. */
  bytesRead?: number;
  bytesTotal?: number;
  /** File-store keys: the uploaded CSV (import), the report (import), the export file. */
  inputKey?: string;
  reportKey?: string;
  outputKey?: string;
  /** Why the job failed. */
  error?: string;
  /**
   * Where an import resumes (recorded with the counts after each chunk): the rows through `line` are
   * imported and counted, and their report lines are in `reportParts` parts (jobs.ts, jobKeys). A
   * reindex records the store's cursor of its next page instead.
   */
  checkpoint?: ImportCheckpoint | ReindexCheckpoint;
  /**
   * Times the job function ran it: a redelivered message (after a crash) and a continuation (the job
   * re-queued itself before the function's time ran out) each add one.
   */
  attempts: number;
}

export interface ImportCheckpoint {
  /** The file line (the header is 1) of the last row imported; the rows after it are still to come. */
  line: number;
  /** Report parts written so far. */
  reportParts: number;
}

export interface ReindexCheckpoint {
  /** The store's cursor of the next page of records to read; the ones before it are done and counted. */
  cursor: string;
}

export interface JobStore {
  create(job: Job): Promise<void>;
  get(id: string): Promise<Job | null>;
  /**
   * Moves a job from one of `from` to `to` (with the fields given), atomically; false when the job
   * is in another status (nothing changes then).
   */
  transition(id: string, from: JobStatus[], to: JobStatus, fields?: Partial<Job>): Promise<boolean>;
  /** Records progress of a running job (counts, bytes read, an import's checkpoint). */
  progress(
    id: string,
    fields: Pick<Job, "counts"> & Partial<Pick<Job, "bytesRead" | "bytesTotal" | "updatedAt" | "checkpoint">>,
  ): Promise<void>;
}

/** Where job files live. Keys are relative paths such as `jobs/<id>/input.csv`. */
export interface FileStore {
  /** The file's bytes as a stream and its size, or null when there is no such file. */
  read(key: string): Promise<{ body: Readable; size: number } | null>;
  /** Writes the file from text chunks (consumed as they are produced: memory stays bounded). */
  write(key: string, chunks: AsyncIterable<string>, contentType: string): Promise<void>;
  /**
   * A URL the client PUTs the file to (presigned, valid `expiresSeconds`), or null when this store
   * takes uploads only through the API itself (the local outbox: PUT /admin/jobs/{id}/input).
   */
  uploadUrl(key: string, contentType: string, expiresSeconds: number): Promise<string | null>;
  /** A URL the file can be fetched from (presigned GET deployed; a file:// URL locally). */
  downloadUrl(key: string, filename: string, expiresSeconds: number): Promise<string>;
}

/** Starts a queued job: deployed, a message to the job queue; locally, a run in this process. */
export interface JobStarter {
  start(jobId: string): Promise<void>;
}

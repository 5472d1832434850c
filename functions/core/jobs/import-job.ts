import { Transform } from "node:stream";
import type { Job, JobCounts } from "../kernel/ports.js";
import { csvField } from "../subscribers/csv-cells.js";
import type { SubscriberAdminDeps } from "../subscribers/subscriber-admin.js";
import { type CsvRow, readSubscriberCsv } from "../subscribers/subscriber-csv.js";
import { type ImportReport, importSubscribers } from "../subscribers/subscriber-import.js";
import { IMPORT_CHUNK_ROWS, type JobDeps } from "./jobs.js";

/**
 * An import job: the uploaded CSV is read as a stream (readSubscriberCsv: line numbers of the
 * original file, duplicates across the whole file), handed chunk by chunk to the one import loop
 * (importSubscribers: the same validation and consent rules as `digest subscribers import`), and
 * every row worth reporting is written to the job's report (line,kind,reason) as it comes. After
 * each chunk the counts and the bytes read are recorded on the job, so GET /admin/jobs/{id} shows
 * progress. Memory stays bounded by a chunk (and the addresses seen, for duplicates).
 */

export const REPORT_HEADER = "line,kind,reason";

async function* fromArray<T>(items: T[]): AsyncGenerator<T> {
  yield* items;
}

/** Rows of `rows` in arrays of `size`. */
async function* chunked<T>(rows: AsyncIterable<T>, size: number): AsyncGenerator<T[]> {
  let chunk: T[] = [];
  for await (const row of rows) {
    chunk.push(row);
    if (chunk.length >= size) {
      yield chunk;
      chunk = [];
    }
  }
  if (chunk.length > 0) yield chunk;
}

const reportLine = (r: ImportReport) => `${[String(r.line), r.kind, r.reason].map(csvField).join(",")}\r\n`;

export interface ImportJobOptions {
  chunkRows?: number;
  /** Called after each chunk with the job's counts (the bench prints them). */
  onProgress?: (counts: JobCounts, bytesRead: number) => void | Promise<void>;
}

/** Runs a running import job to its end; throws what stopped it (the caller marks the job failed). */
export async function importJobRows(
  deps: SubscriberAdminDeps & JobDeps,
  job: Job,
  opts: ImportJobOptions = {},
): Promise<JobCounts> {
  const inputKey = job.inputKey as string;
  const reportKey = job.reportKey as string;
  const file = await deps.files.read(inputKey);
  if (!file)
    throw new Error("no file was uploaded for this job (PUT it to the uploadUrl, then start the job)");
  const bytesTotal = file.size;
  let bytesRead = 0;
  const counting = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      bytesRead += chunk.length;
      done(null, chunk);
    },
  });
  file.body.on("error", (err) => counting.destroy(err));
  file.body.pipe(counting);
  const counts = { ...job.counts, rows: 0 } as JobCounts;
  for (const k of Object.keys(counts) as (keyof JobCounts)[]) counts[k] = 0;
  const pending: ImportReport[] = [];
  const rows = readSubscriberCsv(counting, {
    onHeaderNote: (line, reason) => pending.push({ line, kind: "note", reason }),
  });
  const consent = {
    method: "import" as const,
    at: job.createdAt,
    source: job.params.source ?? `import job ${job.id}`,
  };
  const status = job.params.pending === "true" ? ("pending" as const) : ("active" as const);

  async function* report(): AsyncGenerator<string> {
    yield `${REPORT_HEADER}\r\n`;
    for await (const chunk of chunked<CsvRow>(rows, opts.chunkRows ?? IMPORT_CHUNK_ROWS)) {
      const summary = await importSubscribers(deps, fromArray(chunk), {
        status,
        consent,
        onReport: (r) => pending.push(r),
      });
      counts.rows += chunk.length;
      counts.imported += summary.imported;
      counts.updated += summary.updated;
      counts.skipped += summary.skipped;
      counts.invalid += summary.invalid;
      counts.failed += summary.failed;
      counts.confirmations += summary.confirmations;
      counts.reported += pending.length;
      const lines = pending.splice(0).map(reportLine).join("");
      if (lines) yield lines;
      await deps.jobs.progress(job.id, {
        counts: { ...counts },
        bytesRead,
        bytesTotal,
        updatedAt: deps.clock().toISOString(),
      });
      await opts.onProgress?.({ ...counts }, bytesRead);
    }
    // A file of a header alone (its note, if any).
    counts.reported += pending.length;
    const rest = pending.splice(0).map(reportLine).join("");
    if (rest) yield rest;
  }

  await deps.files.write(reportKey, report(), "text/csv; charset=utf-8");
  return counts;
}

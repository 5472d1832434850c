import { type Readable, Transform } from "node:stream";
import type { Job, JobCounts } from "../kernel/ports.js";
import { csvField } from "../subscribers/csv-cells.js";
import type { SubscriberAdminDeps } from "../subscribers/subscriber-admin.js";
import { type CsvRow, readSubscriberCsv } from "../subscribers/subscriber-csv.js";
import { type ImportReport, importSubscribers } from "../subscribers/subscriber-import.js";
import { emptyCounts, IMPORT_CHUNK_ROWS, IMPORT_STOP_MARGIN_MS, type JobDeps, jobKeys } from "./jobs.js";

/**
 * An import job: the uploaded CSV is read as a stream (readSubscriberCsv: line numbers of the
 * original file, duplicates across the whole file), handed chunk by chunk to the one import loop
 * (importSubscribers: the same validation and consent rules as `digest subscribers import`). After
 * each chunk its report lines (line,kind,reason) are stored as a report part, and the counts, the
 * bytes read and the checkpoint (the last line imported, the parts written) are recorded on the job:
 * GET /admin/jobs/{id} shows progress, and a job can stop and go on in another invocation.
 *
 * Resuming (the job re-queued itself before its time ran out, or the message came again after a
 * crash) reads the file from its start again: the rows through the checkpoint's line are parsed,
 * not imported. Parsing is what rebuilds the duplicate check (a row repeating an address of any
 * earlier line is reported as such, whichever invocation read that line), and it costs a small part
 * of the import (500,000 rows parse in seconds; they import in many minutes). A crash inside a chunk
 * runs that chunk again: its rows already stored are then counted as unchanged, none is lost or
 * stored twice. Memory stays bounded by a chunk (and the addresses seen, for duplicates).
 */

export const REPORT_HEADER = "line,kind,reason";
const REPORT_TYPE = "text/csv; charset=utf-8";

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
  /**
   * Milliseconds this invocation has left (Lambda: the context's getRemainingTimeInMillis); without
   * it the import runs to its end.
   */
  timeLeft?: () => number;
}

/** Where an import run ended: at the end of the file, or at a checkpoint, to go on in a new run. */
export interface ImportRun {
  counts: JobCounts;
  finished: boolean;
}

/** The rows after line `after` (the ones before it were imported by an earlier run). */
async function* rowsAfter(rows: AsyncIterable<CsvRow>, after: number): AsyncGenerator<CsvRow> {
  for await (const row of rows) if (row.line > after) yield row;
}

/** A file's text, decoded as a whole (a character split between two reads stays whole). */
async function* textOf(body: Readable): AsyncGenerator<string> {
  body.setEncoding("utf8");
  for await (const text of body) yield text as string;
}

/**
 * Runs a running import job on from its checkpoint (or its start) to the end of the file, or until
 * `timeLeft` runs short; throws what stopped it (the caller marks the job failed).
 */
export async function importJobRows(
  deps: SubscriberAdminDeps & JobDeps,
  job: Job,
  opts: ImportJobOptions = {},
): Promise<ImportRun> {
  const keys = jobKeys(job.id);
  const file = await deps.files.read(job.inputKey as string);
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
  const checkpoint = job.checkpoint && "line" in job.checkpoint ? job.checkpoint : undefined;
  const resumeAfter = checkpoint?.line ?? 0;
  let reportParts = checkpoint?.reportParts ?? 0;
  const counts: JobCounts = checkpoint ? { ...job.counts } : emptyCounts();
  const pending: ImportReport[] = [];
  const rows = readSubscriberCsv(counting, {
    // The header's note (line 1) went into the first run's report.
    onHeaderNote: (line, reason) => {
      if (line > resumeAfter) pending.push({ line, kind: "note", reason });
    },
  });
  const consent = {
    method: "import" as const,
    at: job.createdAt,
    source: job.params.source ?? `import job ${job.id}`,
  };
  const status = job.params.pending === "true" ? ("pending" as const) : ("active" as const);
  let slowestChunkMs = 0;

  try {
    for await (const chunk of chunked<CsvRow>(
      rowsAfter(rows, resumeAfter),
      opts.chunkRows ?? IMPORT_CHUNK_ROWS,
    )) {
      const started = performance.now();
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
      // Stored before the checkpoint that counts it: a crash in between writes the same part again.
      if (lines) await deps.files.write(keys.reportPart(reportParts++), fromArray([lines]), REPORT_TYPE);
      await deps.jobs.progress(job.id, {
        counts: { ...counts },
        bytesRead,
        bytesTotal,
        updatedAt: deps.clock().toISOString(),
        checkpoint: { line: (chunk[chunk.length - 1] as CsvRow).line, reportParts },
      });
      await opts.onProgress?.({ ...counts }, bytesRead);
      slowestChunkMs = Math.max(slowestChunkMs, performance.now() - started);
      if (opts.timeLeft && opts.timeLeft() < IMPORT_STOP_MARGIN_MS + 2 * slowestChunkMs) {
        return { counts, finished: false };
      }
    }
  } finally {
    file.body.destroy();
  }
  // A file of a header alone (its note, if any).
  counts.reported += pending.length;
  const rest = pending.splice(0).map(reportLine).join("");

  async function* report(): AsyncGenerator<string> {
    yield `${REPORT_HEADER}\r\n`;
    for (let n = 0; n < reportParts; n++) {
      const part = await deps.files.read(keys.reportPart(n));
      if (!part) throw new Error(`the report's part ${n} is missing (${keys.reportPart(n)})`);
      yield* textOf(part.body);
    }
    if (rest) yield rest;
  }

  await deps.files.write(job.reportKey as string, report(), REPORT_TYPE);
  return { counts, finished: true };
}

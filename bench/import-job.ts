/**
 * `npm run bench -- --only import-job [--import-job-rows 500000]`: a subscriber import run as a job,
 * locally, as `digest serve` runs one: the CSV in a local job folder, dynalite on its worker thread
 * (as `digest` runs it), the job read as a stream and imported in chunks through the one import loop,
 * progress recorded on the job after each chunk. Prints rows/s and the progress points (every tenth
 * of the file). The default is 500,000 rows (issue 15: a migration from another provider).
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { documentClientOver } from "../functions/adapters/dynamo/client.js";
import { createTables } from "../functions/adapters/dynamo/create-tables.js";
import { DynamoJobStore } from "../functions/adapters/dynamo/job-store.js";
import { DynamoSubscriberStore } from "../functions/adapters/dynamo/subscriber-store.js";
import { DynamoSuppressionStore } from "../functions/adapters/dynamo/suppression-store.js";
import { FolderFileStore } from "../functions/adapters/folder-file-store.js";
import { tableNamesFromEnv } from "../functions/adapters/schema.js";
import { jobKeys, newJob } from "../functions/core/jobs/jobs.js";
import { runJob } from "../functions/core/jobs/run-job.js";
import { localDynamoClient, type ServicesMode, startServices } from "./services.js";
import { round } from "./stats.js";

export interface ImportJobResult {
  rows: number;
  seconds: number;
  rowsPerSec: number;
  status: string;
  counts: Record<string, number>;
  /** Rows done and seconds elapsed at each tenth of the file, as GET /admin/jobs/{id} showed them. */
  progress: { rows: number; percent: number; seconds: number }[];
}

/** A migration file: every 1000th row a bad address, the rest new readers with a name and sections. */
async function* migrationCsv(rows: number): AsyncGenerator<string> {
  yield "email,name,sections,status\n";
  let batch = "";
  for (let i = 0; i < rows; i++) {
    batch +=
      i % 1000 === 999
        ? `not-an-address-${i},Broken,,\n`
        : `reader${i}@example.com,Reader ${i},,subscribed\n`;
    if (batch.length > 64 * 1024) {
      yield batch;
      batch = "";
    }
  }
  yield batch;
}

export async function benchImportJob(opts: {
  rows: number;
  services: ServicesMode;
  log?: (line: string) => void;
}): Promise<ImportJobResult> {
  const dir = await mkdtemp(join(tmpdir(), "digest-bench-import-"));
  const services = await startServices(opts.services, {
    dir,
    maxSendRate: null,
    faults: { throttleRate: 0, serverErrorRate: 0, seed: 1 },
  });
  const dynamo = localDynamoClient(services.dynamodb);
  try {
    const tables = tableNamesFromEnv({});
    await createTables(dynamo, tables);
    const db = documentClientOver(dynamo);
    const files = new FolderFileStore(join(dir, "out"));
    const jobs = new DynamoJobStore(db, tables.jobs);
    const job = newJob("import", { pending: "false", source: "bench migration" }, new Date(), {
      status: "queued",
    });
    job.inputKey = jobKeys(job.id).input;
    job.reportKey = jobKeys(job.id).report;
    await jobs.create(job);
    await files.write(job.inputKey, migrationCsv(opts.rows), "text/csv");

    const progress: ImportJobResult["progress"] = [];
    let nextTenth = 1;
    const started = performance.now();
    const done = await runJob(
      {
        subscribers: new DynamoSubscriberStore(db, tables.subscribers),
        suppressions: new DynamoSuppressionStore(db, tables.suppressions, async () => Buffer.alloc(32, 1)),
        config: { sections: [] },
        clock: () => new Date(),
        jobs,
        files,
        starter: { start: async () => {} },
      },
      job.id,
      {
        onProgress: async (counts) => {
          if (counts.rows < (opts.rows * nextTenth) / 10) return;
          nextTenth = Math.floor((counts.rows * 10) / opts.rows) + 1;
          // What the admin API answers at this point (the job's stored record).
          const stored = await jobs.get(job.id);
          const percent = stored?.bytesTotal
            ? Math.floor(((stored.bytesRead ?? 0) / stored.bytesTotal) * 100)
            : 0;
          const point = {
            rows: stored?.counts.rows ?? 0,
            percent,
            seconds: round((performance.now() - started) / 1000, 1),
          };
          progress.push(point);
          opts.log?.(
            `  import job: ${point.rows} rows (${point.percent}% of the file) after ${point.seconds} s`,
          );
        },
      },
    );
    const seconds = (performance.now() - started) / 1000;
    return {
      rows: opts.rows,
      seconds: round(seconds, 1),
      rowsPerSec: round(done.counts.rows / seconds, 0),
      status: done.status,
      counts: { ...done.counts },
      progress,
    };
  } finally {
    dynamo.destroy();
    await services.close();
    await rm(dir, { recursive: true, force: true });
  }
}

/**
 * Optional stage `--only import`: subscriber import throughput beside its ceiling, on the embedded
 * DynamoDB the CLI uses (dynalite on the services' worker thread, the same client settings as
 * functions/local/runtime.ts).
 *
 *   ceiling   a raw BatchWriteItem loop of N subscriber-shaped items (the stored shape, index keys
 *             included), 25 a request, at a few concurrencies; the best is the ceiling
 *   import    a CSV of N rows (the same subscribers) through importSubscriberCsv with the DynamoDB
 *             stores: validation, suppression lookups, consent rules and all, into an empty list
 *   re-import the same file again (every row unchanged: reads only)
 *
 * Each measurement gets fresh services, so no run writes into a table another one filled.
 */
import { createReadStream } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { BatchWriteCommand, type DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { documentClientOver } from "../functions/adapters/dynamo/client.js";
import { createTables } from "../functions/adapters/dynamo/create-tables.js";
import { DynamoSubscriberStore, subscriberItem } from "../functions/adapters/dynamo/subscriber-store.js";
import { DynamoSuppressionStore } from "../functions/adapters/dynamo/suppression-store.js";
import { tableNamesFromEnv } from "../functions/adapters/schema.js";
import type { DigestConfig } from "../functions/core/kernel/config.js";
import { csvField } from "../functions/core/subscribers/csv-cells.js";
import { importSubscriberCsv } from "../functions/core/subscribers/subscriber-import.js";
import type { Subscriber } from "../functions/core/subscribers/subscribers.js";
import { benchSubscriberStream } from "./fixtures.js";
import { localDynamoClient, startServices } from "./services.js";
import { round } from "./stats.js";

export interface ImportBenchResult {
  rows: number;
  /** Raw BatchWriteItem items/s at each concurrency tried. */
  raw: { concurrency: number; itemsPerSec: number; ms: number }[];
  ceilingPerSec: number;
  import: { ms: number; rowsPerSec: number; imported: number; invalid: number };
  reimport: { ms: number; rowsPerSec: number; unchanged: number };
  /** import rows/s over the ceiling. */
  ratio: number;
}

const BATCH_WRITE_ITEMS = 25;

async function withDynamo<T>(
  fn: (db: DynamoDBDocumentClient, tables: ReturnType<typeof tableNamesFromEnv>) => Promise<T>,
) {
  const dir = await mkdtemp(join(tmpdir(), "digest-bench-import-"));
  const services = await startServices("thread", {
    dir,
    maxSendRate: null,
    faults: { throttleRate: 0, serverErrorRate: 0, seed: 1 },
  });
  const dynamo = localDynamoClient(services.dynamodb);
  try {
    const tables = tableNamesFromEnv({});
    await createTables(dynamo, tables);
    return await fn(documentClientOver(dynamo), tables);
  } finally {
    dynamo.destroy();
    await services.close();
    await rm(dir, { recursive: true, force: true });
  }
}

/** Writes every item with BatchWriteItem, `concurrency` requests in flight, retrying unprocessed ones. */
async function rawBatchWrite(
  db: DynamoDBDocumentClient,
  table: string,
  subscribers: readonly Subscriber[],
  concurrency: number,
): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < subscribers.length) {
        const chunk = subscribers.slice(next, next + BATCH_WRITE_ITEMS);
        next += BATCH_WRITE_ITEMS;
        let requests = chunk.map((s) => ({ PutRequest: { Item: subscriberItem(s) } }));
        while (requests.length > 0) {
          const res = await db.send(new BatchWriteCommand({ RequestItems: { [table]: requests } }));
          requests = (res.UnprocessedItems?.[table] ?? []) as typeof requests;
        }
      }
    }),
  );
}

/** One row of the import file: the columns an import from another tool carries (no status). */
const importLine = (s: Subscriber) =>
  `${[s.email, s.name ?? "", s.sections.join(";"), s.timezone ?? ""].map(csvField).join(",")}\n`;

export async function benchImport(
  config: DigestConfig,
  opts: { rows: number; rawConcurrencies: number[]; importConcurrency?: number },
): Promise<ImportBenchResult> {
  const subscribers = [...benchSubscriberStream(opts.rows)];
  const raw: ImportBenchResult["raw"] = [];
  for (const concurrency of opts.rawConcurrencies) {
    raw.push(
      await withDynamo(async (db, tables) => {
        const t0 = performance.now();
        await rawBatchWrite(db, tables.subscribers, subscribers, concurrency);
        const ms = performance.now() - t0;
        return { concurrency, itemsPerSec: round((opts.rows * 1000) / ms, 0), ms: Math.round(ms) };
      }),
    );
  }
  const ceilingPerSec = Math.max(...raw.map((r) => r.itemsPerSec));

  const dir = await mkdtemp(join(tmpdir(), "digest-bench-csv-"));
  const file = join(dir, "subscribers.csv");
  try {
    await writeFile(file, `email,name,sections,timezone\n${subscribers.map(importLine).join("")}`);
    return await withDynamo(async (db, tables) => {
      const erasureKey = new Uint8Array(32).fill(7);
      const deps = {
        subscribers: new DynamoSubscriberStore(db, tables.subscribers),
        suppressions: new DynamoSuppressionStore(db, tables.suppressions, async () => erasureKey),
        config,
        clock: () => new Date(),
      };
      const run = async () => {
        const t0 = performance.now();
        const summary = await importSubscriberCsv(deps, createReadStream(file), {
          status: "active",
          consent: { method: "import", at: new Date().toISOString(), source: "bench" },
          ...(opts.importConcurrency ? { concurrency: opts.importConcurrency } : {}),
        });
        return { summary, ms: performance.now() - t0 };
      };
      const first = await run();
      if (first.summary.imported !== opts.rows)
        throw new Error(`import bench: imported ${first.summary.imported} of ${opts.rows} rows`);
      const again = await run();
      const rowsPerSec = round((opts.rows * 1000) / first.ms, 0);
      return {
        rows: opts.rows,
        raw,
        ceilingPerSec,
        import: {
          ms: Math.round(first.ms),
          rowsPerSec,
          imported: first.summary.imported,
          invalid: first.summary.invalid,
        },
        reimport: {
          ms: Math.round(again.ms),
          rowsPerSec: round((opts.rows * 1000) / again.ms, 0),
          unchanged: again.summary.unchanged,
        },
        ratio: round(rowsPerSec / ceilingPerSec, 3),
      };
    });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

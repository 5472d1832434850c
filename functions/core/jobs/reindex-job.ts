import type { Job, JobCounts } from "../kernel/ports.js";
import type { SubscriberAdminDeps } from "../subscribers/subscriber-admin.js";
import type { ImportJobOptions, ImportRun } from "./import-job.js";
import { emptyCounts, IMPORT_STOP_MARGIN_MS, type JobDeps } from "./jobs.js";

/**
 * A reindex job: the migration that gives subscribers stored before an index existed that index's
 * keys (the search indexes byAddress and byName, issue 17). Every write since derives the keys
 * itself (dynamo/subscriber-item.ts); this walks the table once, page by page, and the store writes
 * only the keys of the records that lack them, only if the record did not change meanwhile
 * (SubscriberStore.refreshIndexKeys).
 *
 * Resumable like an import: after each page the store's cursor is recorded on the job with the
 * counts (`rows`: records read; `updated`: records given their keys), so a run that stops (its time
 * short, or a crash) goes on from the last page recorded; a page run twice writes nothing twice
 * (its records already have their keys), so `updated` counts each record once.
 */

/** Records read per page: one Scan page and its updates, then a checkpoint. */
export const REINDEX_PAGE_RECORDS = 500;

export async function reindexJobPages(
  deps: SubscriberAdminDeps & JobDeps,
  job: Job,
  opts: ImportJobOptions = {},
): Promise<ImportRun> {
  const store = deps.subscribers;
  if (!store.refreshIndexKeys)
    throw new Error("this subscriber store keeps no index keys: nothing to reindex");
  const checkpoint = job.checkpoint && "cursor" in job.checkpoint ? job.checkpoint : undefined;
  const counts: JobCounts = checkpoint ? { ...job.counts } : emptyCounts();
  let cursor: string | null = checkpoint?.cursor ?? null;
  let slowestPageMs = 0;
  do {
    const started = performance.now();
    const page = await store.refreshIndexKeys(cursor, opts.chunkRows ?? REINDEX_PAGE_RECORDS);
    counts.rows += page.read;
    counts.updated += page.refreshed;
    cursor = page.nextCursor;
    await deps.jobs.progress(job.id, {
      counts: { ...counts },
      updatedAt: deps.clock().toISOString(),
      ...(cursor === null ? {} : { checkpoint: { cursor } }),
    });
    await opts.onProgress?.({ ...counts }, 0);
    slowestPageMs = Math.max(slowestPageMs, performance.now() - started);
    if (cursor !== null && opts.timeLeft && opts.timeLeft() < IMPORT_STOP_MARGIN_MS + 2 * slowestPageMs) {
      return { counts, finished: false };
    }
  } while (cursor !== null);
  return { counts, finished: true };
}

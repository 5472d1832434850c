import type { Job, JobCounts } from "../kernel/ports.js";
import type { SubscriberAdminDeps } from "../subscribers/subscriber-admin.js";
import { SUBSCRIBER_CSV_HEADER, subscriberCsvLine } from "../subscribers/subscriber-csv.js";
import { allSubscribers, type SubscriberFilter } from "../subscribers/subscriber-list.js";
import type { SubscriberStatus } from "../subscribers/subscribers.js";
import { toView } from "../subscribers/subscribers.js";
import { EXPORT_PROGRESS_ROWS, emptyCounts, type JobDeps } from "./jobs.js";

/**
 * An export job: every subscriber matching the filter, page by page, written to the job's file as
 * it is read (CSV in the export format, or a JSON array), with the rows so far recorded on the job.
 * Unlike the synchronous export, rows come in the store's order (sorting a million rows would hold
 * them all in memory).
 */
export async function exportJobRows(deps: SubscriberAdminDeps & JobDeps, job: Job): Promise<JobCounts> {
  const format = job.params.format === "json" ? "json" : "csv";
  const filter: SubscriberFilter = {
    status: (job.params.status || undefined) as SubscriberStatus | undefined,
    ...(job.params.section ? { section: job.params.section } : {}),
  };
  const counts = emptyCounts();
  const record = () =>
    deps.jobs.progress(job.id, { counts: { ...counts }, updatedAt: deps.clock().toISOString() });

  async function* lines(): AsyncGenerator<string> {
    yield format === "csv" ? `${SUBSCRIBER_CSV_HEADER}\r\n` : "[";
    for await (const s of allSubscribers(deps, filter)) {
      const view = toView(s);
      yield format === "csv"
        ? `${subscriberCsvLine(view)}\r\n`
        : `${counts.rows === 0 ? "\n" : ",\n"}${JSON.stringify(view)}`;
      counts.rows++;
      if (counts.rows % EXPORT_PROGRESS_ROWS === 0) await record();
    }
    if (format === "json") yield "\n]\n";
  }

  await deps.files.write(
    job.outputKey as string,
    lines(),
    format === "csv" ? "text/csv; charset=utf-8" : "application/json",
  );
  return counts;
}

import { useState } from "preact/hooks";
import { ApiError, call } from "../api";
import { useAction } from "../hooks";
import { Done, download, ErrorNote } from "../ui";

/**
 * CSV import and export. A small file goes in one request (POST /admin/subscribers/import, answered
 * with each bad row's line); a large one as an import job (create, upload, start, poll its progress).
 * An export over the one-request limit (413) becomes an export job.
 */

/** Rows the one-request import takes (the API's SYNC_IMPORT_MAX_ROWS); above, a job. */
const SYNC_MAX_LINES = 10_000;
const POLL_MS = 1000;

interface Problem {
  line: number;
  reason: string;
}
interface ImportAnswer {
  imported: number;
  updated: number;
  skipped: number;
  invalid: number;
  failed?: number;
  errors: Problem[];
  errorsOmitted?: number;
  notes: Problem[];
}
interface Job {
  id: string;
  status: string;
  percent: number | null;
  rows?: number;
  imported?: number;
  updated?: number;
  skipped?: number;
  invalid?: number;
  failed?: number;
  error?: string | null;
  reportUrl?: string | null;
  downloadUrl?: string | null;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function pollJob(id: string, onProgress: (job: Job) => void): Promise<Job> {
  for (;;) {
    const job = await call<Job>(`/admin/jobs/${encodeURIComponent(id)}`);
    onProgress(job);
    if (job.status === "done" || job.status === "failed") return job;
    await sleep(POLL_MS);
  }
}

function lineCount(text: string): number {
  let n = 0;
  for (let i = text.indexOf("\n"); i >= 0; i = text.indexOf("\n", i + 1)) n++;
  return text.endsWith("\n") ? n : n + 1;
}

export function SubscriberImport({ onImported }: { onImported: () => void }) {
  const [file, setFile] = useState<File | null>(null);
  const [pending, setPending] = useState(false);
  const [progress, setProgress] = useState<number | null>(null);
  const [result, setResult] = useState<{
    summary: string;
    problems: Problem[];
    more: number;
    report?: string;
  } | null>(null);
  const action = useAction();

  const importSmall = async (text: string) => {
    setProgress(null); // indeterminate: one request
    const answer = await call<ImportAnswer>("/admin/subscribers/import", {
      method: "POST",
      body: text,
      type: "text/csv",
      query: { pending: pending || undefined },
    });
    setProgress(100);
    setResult({
      summary: `${answer.imported} imported, ${answer.updated} updated, ${answer.skipped} skipped, ${answer.invalid} with errors.`,
      problems: answer.errors,
      more: answer.errorsOmitted ?? 0,
    });
  };

  const importLarge = async (f: File) => {
    setProgress(0);
    const job = await call<{
      jobId: string;
      uploadUrl: string;
      uploadHeaders: Record<string, string>;
      startUrl: string;
    }>("/admin/subscribers/import-jobs", { method: "POST", query: { pending: pending || undefined } });
    const local = new URL(job.uploadUrl, location.href).origin === location.origin;
    if (local) {
      await call(`/admin/jobs/${encodeURIComponent(job.jobId)}/input`, {
        method: "PUT",
        body: f,
        type: "text/csv",
      });
    } else {
      // Deployed: a presigned link to the job bucket, no bearer token.
      const res = await fetch(job.uploadUrl, { method: "PUT", headers: job.uploadHeaders, body: f });
      if (!res.ok) throw new ApiError(res.status, `the upload failed (${res.status})`, null);
    }
    await call(`/admin/jobs/${encodeURIComponent(job.jobId)}/start`, { method: "POST" });
    const done = await pollJob(job.jobId, (j) => setProgress(j.percent ?? 0));
    if (done.status === "failed") throw new Error(`the import failed: ${done.error ?? "unknown error"}`);
    setResult({
      summary: `${done.imported ?? 0} imported, ${done.updated ?? 0} updated, ${done.skipped ?? 0} skipped, ${done.invalid ?? 0} with errors.`,
      problems: [],
      more: 0,
      report: done.reportUrl ?? undefined,
    });
  };

  return (
    <section class="panel" aria-labelledby="import-subscribers">
      <h2 id="import-subscribers">Import a CSV</h2>
      <form
        onSubmit={async (e) => {
          e.preventDefault();
          if (!file) return;
          setResult(null);
          const ok = await action.run(async () => {
            const text = await file.text();
            if (lineCount(text) <= SYNC_MAX_LINES + 1) await importSmall(text);
            else await importLarge(file);
          });
          if (!ok) setProgress(null);
          onImported();
        }}
      >
        <div class="field">
          <label for="import-file">CSV file</label>
          <input
            id="import-file"
            type="file"
            accept=".csv,text/csv"
            required
            aria-describedby="import-hint"
            onChange={(e) => setFile(e.currentTarget.files?.[0] ?? null)}
          />
          <small id="import-hint" class="muted">
            A header row with an <code>email</code> column; <code>name</code>, <code>sections</code>,{" "}
            <code>timezone</code>, <code>locale</code> optional.
          </small>
        </div>
        <label class="check">
          <input type="checkbox" checked={pending} onChange={(e) => setPending(e.currentTarget.checked)} />
          Ask new addresses to confirm first
        </label>
        <button type="submit" class="primary" disabled={action.busy || !file}>
          Import
        </button>
      </form>
      {action.busy || result ? (
        <div class="progress">
          <label for="import-progress">Import progress</label>
          <progress id="import-progress" max={100} value={progress ?? undefined} />
        </div>
      ) : null}
      <ErrorNote error={action.error} />
      {result ? (
        <div role="status">
          <p>{result.summary}</p>
          {result.problems.length ? (
            <table class="problems">
              <caption>Rows not imported</caption>
              <thead>
                <tr>
                  <th scope="col">Line</th>
                  <th scope="col">Problem</th>
                </tr>
              </thead>
              <tbody>
                {result.problems.map((p) => (
                  <tr key={`${p.line}:${p.reason}`}>
                    <td class="num">{p.line}</td>
                    <td>{p.reason}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          ) : null}
          {result.more ? <p class="muted">…and {result.more} more.</p> : null}
          {result.report ? (
            <p>
              <a href={result.report}>Download the report of rows not imported</a>
            </p>
          ) : null}
        </div>
      ) : null}
    </section>
  );
}

export function SubscriberExport({ filter }: { filter: { status: string; section: string } }) {
  const action = useAction();
  const [link, setLink] = useState<string | null>(null);
  const query = { status: filter.status, section: filter.section, format: "csv" };
  return (
    <section class="panel" aria-labelledby="export-subscribers">
      <h2 id="export-subscribers">Export</h2>
      <p class="muted">The subscribers matching the status and section above, as CSV.</p>
      <button
        type="button"
        disabled={action.busy}
        onClick={() =>
          action.run(async () => {
            setLink(null);
            try {
              const csv = await call<string>("/admin/subscribers/export", { query, text: true });
              download(`subscribers-${new Date().toISOString().slice(0, 10)}.csv`, csv, "text/csv");
              return "Exported.";
            } catch (err) {
              if (!(err instanceof ApiError) || err.status !== 413) throw err;
            }
            const job = await call<{ jobId: string }>("/admin/subscribers/export-jobs", {
              method: "POST",
              query,
            });
            const done = await pollJob(job.jobId, () => {});
            if (done.status === "failed" || !done.downloadUrl)
              throw new Error(`the export failed: ${done.error ?? ""}`);
            setLink(done.downloadUrl);
            return "The export is ready.";
          })
        }
      >
        Export CSV
      </button>
      <ErrorNote error={action.error} />
      <Done message={action.done} />
      {link ? (
        <p>
          <a href={link}>Download the export</a>
        </p>
      ) : null}
    </section>
  );
}

import { describe, expect, it } from "vitest";
import { IMPORT_CHUNK_ROWS } from "../../../functions/core/jobs/jobs.js";
import { refusedBySes, status, twin } from "./context.js";

/**
 * Import and export jobs as the template wires them (issue 15, item 1): the api signs an upload link
 * to the job bucket, the admin's client PUTs the file there, starting the job puts a message on the
 * job queue, and the jobs function (its event source mapping) reads the file, imports it in chunks
 * and writes the report; every S3 request is checked against the signer's role and the bucket policy
 * (the S3 stand-in is a mock: no AWS account here).
 */

interface Created {
  jobId: string;
  uploadUrl: string;
  startUrl: string;
}

/** Starts an import job of `csv` (query: the import's options), runs it off the queue, returns its view. */
async function importJob(query: string, csv: string): Promise<Record<string, unknown>> {
  const created = await twin.admin<Created>("POST", `/admin/subscribers/import-jobs${query}`);
  const put = await fetch(created.uploadUrl, {
    method: "PUT",
    headers: { "content-type": "text/csv" },
    body: csv,
  });
  expect(put.status).toBe(200);
  await twin.admin("POST", created.startUrl);
  await twin.drainQueues();
  return twin.admin<Record<string, unknown>>("GET", `/admin/jobs/${created.jobId}`);
}

/** The jobs function's calls since `from` (an index into twin.calls): `service:operation resource`. */
const jobsCallsSince = (from: number) =>
  twin.calls
    .slice(from)
    .filter((c) => c.fn === "jobs")
    .flatMap((c) => c.decisions.map((d) => `${c.service}:${c.operation} ${d.resource}`));

export function importAndExportJobs(): void {
  describe("import and export jobs (job bucket, job queue, jobs function)", () => {
    it("imports an uploaded CSV as a job: presigned upload, the jobs function off the queue, the report", async () => {
      const created = await twin.admin<Created>("POST", "/admin/subscribers/import-jobs?source=old%20ESP");
      const upload = new URL(created.uploadUrl);
      // Signed by the api's role, valid for an hour; the file goes straight to the bucket.
      expect(upload.searchParams.get("X-Amz-Credential")).toMatch(/^ASIATWINAPI\//);
      expect(upload.searchParams.get("X-Amz-Expires")).toBe("3600");
      expect(upload.pathname).toMatch(new RegExp(`/jobs/${created.jobId}/input\\.csv$`));

      const lines = ["email,name,status"];
      for (let i = 0; i < 300; i++) lines.push(`migrated${i}@example.com,Migrated ${i},`);
      lines.push("no-at-sign,Bad,"); // line 302
      lines.push("cold@example.com,Cold,transactional"); // line 303: never opted in, not imported
      lines.push("bounced-before@example.com,Old,cleaned"); // line 304: kept suppressed
      const csv = `${lines.join("\r\n")}\r\n`;
      const tampered = created.uploadUrl.replace(
        /X-Amz-Signature=(.)/,
        (_, c: string) => `X-Amz-Signature=${c === "0" ? "1" : "0"}`,
      );
      expect((await fetch(tampered, { method: "PUT", body: csv })).status).toBe(403);
      const put = await fetch(created.uploadUrl, {
        method: "PUT",
        headers: { "content-type": "text/csv" },
        body: csv,
      });
      expect(put.status).toBe(200);

      const started = await twin.admin<{ status: string }>("POST", created.startUrl);
      expect(started.status).toBe("queued");
      await twin.drainQueues();
      const job = await twin.admin<Record<string, unknown>>("GET", `/admin/jobs/${created.jobId}`);
      expect(job).toMatchObject({
        status: "done",
        percent: 100,
        rows: 303,
        imported: 301,
        invalid: 1,
        skipped: 1,
        reported: 2,
        attempts: 1,
      });
      const report = await fetch(String(job.reportUrl));
      expect(report.status).toBe(200);
      expect((await report.text()).split("\r\n").slice(0, 3)).toEqual([
        "line,kind,reason",
        expect.stringMatching(/^302,invalid,/),
        expect.stringMatching(/^303,skipped,.*never opted in/),
      ]);
      expect(await status("migrated299@example.com")).toBe("active");
      expect(await status("bounced-before@example.com")).toBe("suppressed");
      // The jobs function read the upload and wrote the report with its own role.
      const jobsCalls = twin.calls.filter((c) => c.fn === "jobs").map((c) => `${c.service}:${c.operation}`);
      expect(jobsCalls).toEqual(expect.arrayContaining(["s3:GetObject", "s3:PutObject", "dynamodb:PutItem"]));
    });

    it("exports every subscriber as a job, downloaded through a presigned link", async () => {
      const created = await twin.admin<{ jobId: string }>("POST", "/admin/subscribers/export-jobs");
      await twin.drainQueues();
      const job = await twin.admin<Record<string, unknown>>("GET", `/admin/jobs/${created.jobId}`);
      expect(job).toMatchObject({ status: "done" });
      expect(job.rows).toBeGreaterThanOrEqual(300);
      const file = await fetch(String(job.downloadUrl));
      expect(file.status).toBe(200);
      expect(file.headers.get("content-disposition")).toContain("subscribers.csv");
      const text = await file.text();
      expect(text.startsWith("email,name,sections,timezone,locale,status,createdAt,confirmedAt\r\n")).toBe(
        true,
      );
      expect(text).toContain("migrated299@example.com");
      expect(text).toContain("bounced-before@example.com,Old,,,,suppressed,");
    });

    it("goes on in a new invocation when the function's time runs short: the job re-queues itself", async () => {
      const from = twin.calls.length;
      // A first chunk (IMPORT_CHUNK_ROWS) of bad rows (cheap: nothing to store), then good ones.
      const lines = ["email,name"];
      for (let i = 0; i < IMPORT_CHUNK_ROWS; i++) lines.push(`bad-${i},Bad`);
      lines.push("later-one@example.com,One", "later-two@example.com,Two", "bad-7,Again");
      // The first invocation's clock jumps 14.5 of its 15 minutes as it starts: after its first chunk
      // less than the stop margin is left, so it records where it is and puts a new message on the queue.
      let jumped = false;
      const untap = twin.onCall((call) => {
        if (!jumped && call.fn === "jobs" && call.operation === "UpdateItem") {
          jumped = true;
          twin.clock.advance(14.5 * 60);
        }
      });
      let job: Record<string, unknown>;
      try {
        job = await importJob("", `${lines.join("\r\n")}\r\n`);
      } finally {
        untap();
      }
      expect(job).toMatchObject({
        status: "done",
        rows: IMPORT_CHUNK_ROWS + 3,
        imported: 2,
        invalid: IMPORT_CHUNK_ROWS + 1,
        reported: IMPORT_CHUNK_ROWS + 1,
        attempts: 2,
      });
      const calls = jobsCallsSince(from);
      expect(calls).toEqual(expect.arrayContaining([expect.stringMatching(/^sqs:SendMessage .*JobQueue/)]));
      // One report, in line order, the duplicate found across the two invocations.
      const report = (await (await fetch(String(job.reportUrl))).text()).trim().split("\r\n");
      expect(report).toHaveLength(IMPORT_CHUNK_ROWS + 2);
      expect(report[1]).toMatch(/^2,invalid,/);
      expect(report.at(-1)).toMatch(new RegExp(`^${IMPORT_CHUNK_ROWS + 4},invalid,duplicate of line 9 `));
      expect(await status("later-two@example.com")).toBe("active");
    });

    // The grants the jobs function holds for paths the migration above never takes: each proven used.
    it("mails a pending import's confirmations; a row whose mail SES refuses is taken out again", async () => {
      const from = twin.calls.length;
      refusedBySes.add("refused-pending@example.com");
      try {
        const job = await importJob(
          "?pending=true&source=sign-up%20sheet",
          "email,name\r\npending-one@example.com,One\r\nrefused-pending@example.com,Refused\r\npending-two@example.com,Two\r\n",
        );
        expect(job).toMatchObject({ status: "done", rows: 3, imported: 2, failed: 1, confirmations: 2 });
      } finally {
        refusedBySes.delete("refused-pending@example.com");
      }
      expect(await status("pending-one@example.com")).toBe("pending");
      await expect(twin.admin("GET", "/admin/subscribers/refused-pending%40example.com")).rejects.toThrow(
        /404/,
      );
      expect(twin.mail.filter((m) => m.sentBy === "jobs").flatMap((m) => m.destinations)).toEqual(
        expect.arrayContaining(["pending-one@example.com", "pending-two@example.com"]),
      );
      const calls = jobsCallsSince(from);
      expect(calls).toEqual(expect.arrayContaining([expect.stringMatching(/^ses:SendEmail /)]));
      // The stored pending row whose confirmation failed, deleted again (as the api's import does).
      expect(calls).toEqual(
        expect.arrayContaining([expect.stringMatching(/^dynamodb:DeleteItem .*table\/[^/]*[Ss]ubscribers/)]),
      );
    });

    it("exports a filtered list as a job through the status index", async () => {
      const from = twin.calls.length;
      const created = await twin.admin<{ jobId: string }>(
        "POST",
        "/admin/subscribers/export-jobs?status=pending&format=json",
      );
      await twin.drainQueues();
      const job = await twin.admin<Record<string, unknown>>("GET", `/admin/jobs/${created.jobId}`);
      expect(job).toMatchObject({ status: "done" });
      const rows = (await (await fetch(String(job.downloadUrl))).json()) as {
        email: string;
        status: string;
      }[];
      expect(rows.map((r) => r.email)).toEqual(
        expect.arrayContaining(["pending-one@example.com", "pending-two@example.com"]),
      );
      expect(new Set(rows.map((r) => r.status))).toEqual(new Set(["pending"]));
      expect(jobsCallsSince(from)).toEqual(
        expect.arrayContaining([expect.stringMatching(/^dynamodb:Query .*\/index\/byStatus$/)]),
      );
    });

    it("runs the reindex migration as a job: only the index keys written, with the jobs function's grant", async () => {
      const from = twin.calls.length;
      const created = await twin.admin<{ jobId: string }>("POST", "/admin/subscribers/reindex-jobs");
      await twin.drainQueues();
      const job = await twin.admin<Record<string, unknown>>("GET", `/admin/jobs/${created.jobId}`);
      // Every record was written by this version's store, so it has its keys already: read, none written.
      expect(job).toMatchObject({ kind: "reindex", status: "done", updated: 0 });
      expect(job.rows).toBeGreaterThan(300);
      expect(jobsCallsSince(from)).toEqual(
        expect.arrayContaining([expect.stringMatching(/^dynamodb:Scan .*table\/[^/]*[Ss]ubscribers/)]),
      );
    });

    it("leaves an erased address out of an import job (the suppression list's lookup)", async () => {
      await twin.admin("DELETE", "/admin/subscribers/migrated7%40example.com?erase=true");
      const from = twin.calls.length;
      const job = await importJob("", "email,name\r\nmigrated7@example.com,Back again\r\n");
      expect(job).toMatchObject({ status: "done", rows: 1, imported: 0, skipped: 1, reported: 1 });
      const report = await (await fetch(String(job.reportUrl))).text();
      expect(report).toMatch(/^2,skipped,.*erased/m);
      expect(jobsCallsSince(from)).toEqual(
        expect.arrayContaining([expect.stringMatching(/^dynamodb:GetItem .*table\/[^/]*[Ss]uppressions/)]),
      );
    });
  });
}

import { describe, expect, it } from "vitest";
import { status, twin } from "./context.js";

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
      expect(text.startsWith("email,name,sections,timezone,status,createdAt,confirmedAt\r\n")).toBe(true);
      expect(text).toContain("migrated299@example.com");
      expect(text).toContain("bounced-before@example.com,Old,,,suppressed,");
    });
  });
}

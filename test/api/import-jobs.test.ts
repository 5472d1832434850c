import { readFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { SYNC_IMPORT_MAX_ROWS } from "../../functions/core/http/admin-subscriber-routes.js";
import { adminRequest, type Serve, serveForSuite, TEST_ADMIN_TOKEN } from "../helpers/serve.js";

/**
 * Import and export jobs through `digest serve` (issue 15, item 1): create the job, upload its file to
 * the uploadUrl, start it, follow GET /admin/jobs/{id} to done; the report and the export are files
 * under the outbox (out/jobs/<id>/). The synchronous routes refuse what belongs in a job with a 413
 * that names the job route.
 */

async function untilFinished(serve: Serve, id: string) {
  // The job runs in the server's process; each answer is its recorded state (no timing is asserted).
  for (;;) {
    const res = await adminRequest(serve, "GET", `/admin/jobs/${id}`);
    expect(res.status).toBe(200);
    if (res.json.status === "done" || res.json.status === "failed") return res.json;
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe("import and export jobs (digest serve)", () => {
  let serve: Serve;
  serveForSuite({ DIGEST_SECTIONS: "World,Science" }, (started) => {
    serve = started.serve;
  });

  it("imports an uploaded file as a job and links its per-row report", async () => {
    const created = await adminRequest(serve, "POST", "/admin/subscribers/import-jobs?source=old%20ESP");
    expect(created.status).toBe(201);
    const { jobId, uploadUrl, uploadMethod, startUrl } = created.json;
    expect(created.headers.get("location")).toBe(`/admin/jobs/${jobId}`);
    expect(uploadMethod).toBe("PUT");
    expect(uploadUrl).toBe(`${serve.url}/admin/jobs/${jobId}/input`);
    expect((await adminRequest(serve, "GET", `/admin/jobs/${jobId}`)).json.status).toBe("awaiting-upload");

    const csv = ["email,sections", "a@example.com,World", "b@example.com,Nope", "c@example.com,"].join("\n");
    const put = await fetch(uploadUrl, {
      method: "PUT",
      headers: { authorization: `Bearer ${TEST_ADMIN_TOKEN}`, "content-type": "text/csv" },
      body: csv,
    });
    expect(put.status).toBe(200);
    const started = await adminRequest(serve, "POST", startUrl);
    expect(started.status).toBe(202);
    expect(["queued", "running", "done"]).toContain(started.json.status);

    const done = await untilFinished(serve, jobId);
    expect(done).toMatchObject({
      status: "done",
      percent: 100,
      rows: 3,
      imported: 2,
      invalid: 1,
      reported: 1,
    });
    expect(done.reportUrl).toMatch(/^file:\/\/.*\/jobs\/.*\/report\.csv$/);
    const report = await readFile(fileURLToPath(done.reportUrl), "utf8");
    expect(report).toMatch(/^line,kind,reason\r\n3,invalid,/);
    // Its file is fixed once started.
    const again = await fetch(uploadUrl, {
      method: "PUT",
      headers: { authorization: `Bearer ${TEST_ADMIN_TOKEN}`, "content-type": "text/csv" },
      body: csv,
    });
    expect(again.status).toBe(409);
  });

  it("exports subscribers as a job into a file", async () => {
    const created = await adminRequest(serve, "POST", "/admin/subscribers/export-jobs?status=active");
    expect(created.status).toBe(202);
    const done = await untilFinished(serve, created.json.jobId);
    expect(done).toMatchObject({ status: "done", rows: 2 });
    const file = await readFile(fileURLToPath(done.downloadUrl), "utf8");
    expect(file.split("\r\n")[0]).toBe("email,name,sections,timezone,locale,status,createdAt,confirmedAt");
    expect(file).toContain("a@example.com");
    expect(file).toContain("c@example.com");
  });

  it("refuses a file too large for the synchronous import with a 413 naming the job route", async () => {
    const lines = ["email"];
    for (let i = 0; i <= SYNC_IMPORT_MAX_ROWS; i++) lines.push(`many${i}@example.com`);
    const res = await adminRequest(serve, "POST", "/admin/subscribers/import", {
      body: lines.join("\n"),
      type: "text/csv",
    });
    expect(res.status).toBe(413);
    expect(res.json.error).toContain("POST /admin/subscribers/import-jobs");
  });

  it("answers 404 for an unknown job", async () => {
    expect((await adminRequest(serve, "GET", "/admin/jobs/nope")).status).toBe(404);
  });
});

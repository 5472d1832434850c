import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DynamoJobStore } from "../../functions/adapters/dynamo/job-store.js";
import { DynamoSubscriberStore } from "../../functions/adapters/dynamo/subscriber-store.js";
import { DynamoSuppressionStore } from "../../functions/adapters/dynamo/suppression-store.js";
import { FolderFileStore } from "../../functions/adapters/folder-file-store.js";
import { jobKeys, newJob } from "../../functions/core/jobs/jobs.js";
import { runJob } from "../../functions/core/jobs/run-job.js";
import type { JobCounts } from "../../functions/core/kernel/ports.js";
import { stackDocumentClient, stackErasureKey, startTestStack, type TestStack } from "../helpers/services.js";

/**
 * An import job on dynalite and the local file store: the uploaded CSV is read as a stream, imported
 * chunk by chunk through the one import loop, progress recorded on the job after each chunk, and the
 * per-row report names the original file's lines (issue 15, item 1).
 */

const ROWS = 2000;

describe("subscriber import job", () => {
  let stack: TestStack;
  let db: ReturnType<typeof stackDocumentClient>;
  let deps: Parameters<typeof runJob>[0];
  let files: FolderFileStore;

  beforeAll(async () => {
    stack = await startTestStack();
    db = stackDocumentClient(stack);
    files = new FolderFileStore(join(stack.dir, "out"));
    deps = {
      subscribers: new DynamoSubscriberStore(db, "digest-subscribers"),
      suppressions: new DynamoSuppressionStore(db, "digest-suppressions", stackErasureKey(stack)),
      config: { sections: [] },
      clock: () => new Date(),
      jobs: new DynamoJobStore(db, "digest-jobs"),
      files,
      starter: { start: async () => {} },
    };
    // States an import must respect: an unsubscribed reader and a bounced address.
    for (const args of [
      ["subscribers", "add", "gone@example.com"],
      ["subscribers", "remove", "gone@example.com"],
      ["suppressions", "add", "bounced@example.com", "--reason", "bounce"],
    ]) {
      const run = await stack.digest(args);
      expect(run.code, run.err).toBe(0);
    }
  }, 60_000);
  afterAll(async () => {
    db?.destroy();
    await stack?.close();
  });

  it("imports 2,000 rows in chunks, records progress after each and reports bad rows at their file lines", async () => {
    const lines = ["email,name,status"];
    for (let i = 0; i < ROWS; i++) lines.push(`reader${i}@example.com,Reader ${i},`);
    // Rows the import must refuse or leave alone, at known lines of the file (the header is line 1).
    lines[101] = "not-an-address,Bad,"; // line 102
    lines[1001] = "reader5@example.com,Again,"; // line 1002: a duplicate of line 7
    lines[1500] = "gone@example.com,Gone,active"; // line 1501: unsubscribed stays unsubscribed
    lines[1700] = "bounced@example.com,Bounced,"; // line 1701: suppressed stays suppressed
    lines[1900] = 'quoted@example.com,"never closed,'; // line 1901
    lines[1999] = "newly-gone@example.com,New,unsubscribed"; // line 2000: kept unsubscribed
    const job = newJob("import", { pending: "false", source: "the old provider's export" }, new Date());
    job.inputKey = jobKeys(job.id).input;
    job.reportKey = jobKeys(job.id).report;
    job.status = "queued";
    await deps.jobs.create(job);
    await mkdir(join(stack.dir, "out", "jobs", job.id), { recursive: true });
    await writeFile(files.path(job.inputKey), `${lines.join("\r\n")}\r\n`);

    const progress: JobCounts[] = [];
    const done = await runJob(deps, job.id, {
      chunkRows: 500,
      onProgress: (counts) => {
        progress.push(counts);
      },
    });
    expect(done.status).toBe("done");
    expect(done.attempts).toBe(1);
    // After each chunk of 500 rows read (the reader leaves out nothing but blank lines).
    expect(progress.map((p) => p.rows)).toEqual([500, 1000, 1500, 2000]);
    expect(done.counts).toMatchObject({ rows: 2000, imported: 1995, invalid: 3, skipped: 2 });
    expect(done.counts.reported).toBe(5);

    const report = await readFile(files.path(job.reportKey), "utf8");
    expect(report.trim().split("\r\n")).toEqual([
      "line,kind,reason",
      expect.stringMatching(/^102,invalid,/),
      expect.stringMatching(/^1002,invalid,duplicate of line 7/),
      expect.stringMatching(/^1501,skipped,/),
      expect.stringMatching(/^1701,skipped,/),
      expect.stringMatching(/^1901,invalid,malformed quoting/),
    ]);
    const subscribers = deps.subscribers;
    expect((await subscribers.get("gone@example.com"))?.status).toBe("unsubscribed");
    expect((await subscribers.get("newly-gone@example.com"))?.status).toBe("unsubscribed");
    expect(await subscribers.get("bounced@example.com")).toBeNull();
    const imported = await subscribers.get("reader1999@example.com");
    expect(imported).toMatchObject({ status: "active" });
    expect(imported?.consent?.source).toBe("the old provider's export");

    // A redelivered message for a finished job changes nothing.
    expect((await runJob(deps, job.id)).attempts).toBe(1);
  }, 120_000);

  it("records progress on the job while it runs, readable by another reader", async () => {
    const lines = ["email"];
    for (let i = 0; i < 1200; i++) lines.push(`second${i}@example.com`);
    const job = newJob("import", { pending: "false" }, new Date(), { status: "queued" });
    job.inputKey = jobKeys(job.id).input;
    job.reportKey = jobKeys(job.id).report;
    await deps.jobs.create(job);
    await files.write(
      job.inputKey,
      (async function* () {
        yield lines.join("\n");
      })(),
      "text/csv",
    );
    const seen: unknown[] = [];
    await runJob(deps, job.id, {
      chunkRows: 400,
      onProgress: async () => {
        // What GET /admin/jobs/{id} reads at this point: recorded on the job before the callback.
        const now = await deps.jobs.get(job.id);
        seen.push({ status: now?.status, rows: now?.counts.rows, imported: now?.counts.imported });
      },
    });
    expect(seen).toEqual([
      { status: "running", rows: 400, imported: 400 },
      { status: "running", rows: 800, imported: 800 },
      { status: "running", rows: 1200, imported: 1200 },
    ]);
    const stored = await deps.jobs.get(job.id);
    expect(stored).toMatchObject({ status: "done", counts: { rows: 1200, imported: 1200, reported: 0 } });
    expect(stored?.bytesTotal).toBe(Buffer.byteLength(lines.join("\n")));
  }, 60_000);

  it("fails a job whose file has no email column, without importing anything, and says why", async () => {
    const job = newJob("import", { pending: "false" }, new Date(), { status: "queued" });
    job.inputKey = jobKeys(job.id).input;
    job.reportKey = jobKeys(job.id).report;
    await deps.jobs.create(job);
    await files.write(
      job.inputKey,
      (async function* () {
        yield "name\nAnn\n";
      })(),
      "text/csv",
    );
    const failed = await runJob(deps, job.id);
    expect(failed.status).toBe("failed");
    expect(failed.error).toMatch(/has no "email" column/);
  });
});

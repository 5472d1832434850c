import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DynamoJobStore } from "../../functions/adapters/dynamo/job-store.js";
import { DynamoSubscriberStore } from "../../functions/adapters/dynamo/subscriber-store.js";
import { DynamoSuppressionStore } from "../../functions/adapters/dynamo/suppression-store.js";
import { FolderFileStore } from "../../functions/adapters/folder-file-store.js";
import { jobKeys, newJob } from "../../functions/core/jobs/jobs.js";
import { runJob } from "../../functions/core/jobs/run-job.js";
import type { Job, JobCounts, JobStore } from "../../functions/core/kernel/ports.js";
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

  /**
   * A migration file whose bad rows sit in different chunks of 300 rows (the header is line 1): a
   * duplicate refers back across chunks, so the check must hold across invocations too.
   */
  const migrationLines = (prefix: string) => {
    const lines = ["email,name,status,colour"]; // colour: an unknown column, a note on line 1
    for (let i = 0; i < 1500; i++) lines.push(`${prefix}${i}@example.com,Reader ${i},,`);
    lines[50] = "not-an-address,Bad,,"; // line 51
    lines[700] = `${prefix}5@example.com,Again,,`; // line 701: a duplicate of line 7
    lines[1100] = "gone@example.com,Gone,active,"; // line 1101: unsubscribed stays unsubscribed
    lines[1300] = `${prefix}quoted@example.com,"never closed,`; // line 1301
    lines[1450] = `${prefix}8@example.com,Once more,,`; // line 1451: a duplicate of line 10
    return `${lines.join("\r\n")}\r\n`;
  };

  async function queuedImport(csv: string) {
    const job = newJob("import", { pending: "false", source: "migration" }, new Date(), { status: "queued" });
    job.inputKey = jobKeys(job.id).input;
    job.reportKey = jobKeys(job.id).report;
    await deps.jobs.create(job);
    await files.write(
      job.inputKey,
      (async function* () {
        yield csv;
      })(),
      "text/csv",
    );
    return job;
  }

  /** The report with the job's own address prefix taken out (two jobs import different addresses). */
  const reportOf = async (job: { reportKey?: string }, prefix: string) =>
    (await readFile(files.path(job.reportKey as string), "utf8")).replaceAll(prefix, "<prefix>");

  it("finishes over several invocations when each has little time left, with the result of one", async () => {
    const whole = await runJob(deps, (await queuedImport(migrationLines("whole"))).id, { chunkRows: 300 });
    expect(whole.status).toBe("done");
    expect(whole.counts).toMatchObject({ rows: 1500, invalid: 4, skipped: 1, reported: 6 });

    const job = await queuedImport(migrationLines("budget"));
    // Each invocation has time for two chunks: after the second, what is left is below the margin.
    let chunksThisInvocation = 0;
    const restarts: string[] = [];
    const budgetDeps = { ...deps, starter: { start: async (id: string) => void restarts.push(id) } };
    const invocations: string[] = [];
    let current = await deps.jobs.get(job.id);
    while (current?.status !== "done" && invocations.length < 10) {
      chunksThisInvocation = 0;
      current = await runJob(budgetDeps, job.id, {
        chunkRows: 300,
        onProgress: () => {
          chunksThisInvocation++;
        },
        timeLeft: () => (chunksThisInvocation >= 2 ? 0 : 15 * 60_000),
      });
      invocations.push(current.status);
    }
    // 1500 rows in chunks of 300, two chunks an invocation: three invocations, two of them re-queued.
    expect(invocations).toEqual(["queued", "queued", "done"]);
    expect(restarts).toEqual([job.id, job.id]);
    expect(current?.counts).toEqual(whole.counts);
    expect(await reportOf(current as Job, "budget")).toBe(await reportOf(whole, "whole"));
    expect((await deps.subscribers.get("budget5@example.com"))?.name).toBe("Reader 5");
  }, 120_000);

  it("resumes after a crash from the last chunk recorded, importing no row twice and losing none", async () => {
    const whole = await runJob(deps, (await queuedImport(migrationLines("single"))).id, { chunkRows: 300 });
    const job = await queuedImport(migrationLines("crash"));
    // The process dies right after the third chunk's progress was recorded: nothing after it runs,
    // not even the failure record (the job stays "running", as after a Lambda timeout).
    let dead = false;
    const dying: JobStore = {
      create: (j) => deps.jobs.create(j),
      get: (id) => deps.jobs.get(id),
      transition: async (...args) => (dead ? false : deps.jobs.transition(...args)),
      progress: (...args) => deps.jobs.progress(...args),
    };
    let chunks = 0;
    await expect(
      runJob({ ...deps, jobs: dying }, job.id, {
        chunkRows: 300,
        onProgress: () => {
          if (++chunks === 3) {
            dead = true;
            throw new Error("Task timed out after 900.00 seconds");
          }
        },
      }),
    ).rejects.toThrow(/timed out/);
    expect((await deps.jobs.get(job.id))?.status).toBe("running");
    // The same queue message, delivered again.
    const resumedChunks: number[] = [];
    const done = await runJob(deps, job.id, {
      chunkRows: 300,
      onProgress: (counts) => {
        resumedChunks.push(counts.rows);
      },
    });
    expect(done.status).toBe("done");
    // Only the two chunks after the third were imported again.
    expect(resumedChunks).toEqual([1200, 1500]);
    expect(done.counts).toEqual(whole.counts);
    expect(await reportOf(done, "crash")).toBe(await reportOf(whole, "single"));
  }, 120_000);

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

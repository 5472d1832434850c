import { JOB_LINK_SECONDS, type JobDeps, jobKeys, jobView, newJob } from "../jobs/jobs.js";
import type { Job } from "../kernel/ports.js";
import { resolveSectionFilter } from "../subscribers/subscriber-list.js";
import { SUBSCRIBER_STATUSES, type SubscriberStatus } from "../subscribers/subscribers.js";
import { adminRoute, bad, consentSource, queryBool, queryChoice } from "./admin-request.js";
import type { ApiContext } from "./context.js";
import type { Route } from "./router.js";
import { HttpError, type HttpRequest, jsonResponse } from "./types.js";

/**
 * Jobs: subscriber imports and exports too large for one request (API Gateway stops a request at
 * 30 s, Lambda a response at 6 MB). An import job is created, its file uploaded (deployed: straight
 * to the job bucket with a presigned PUT; locally: PUT /admin/jobs/{id}/input), then started; the
 * jobs function imports it in chunks and records progress, read with GET /admin/jobs/{id}.
 */

/** The jobs of this deployment; a context without them (a test's own) answers 501. */
function jobsOf(ctx: ApiContext): JobDeps {
  if (!ctx.jobs) throw new HttpError(501, "jobs are not set up in this deployment");
  return ctx.jobs;
}

/** Stores a job that needs no upload and queues it: 202 with its view, as GET /admin/jobs/{id} shows it. */
async function createAndStart(jobs: JobDeps, job: Job) {
  await jobs.jobs.create(job);
  await jobs.starter.start(job.id);
  return jsonResponse(
    202,
    { jobId: job.id, ...(await jobView(jobs.files, job)) },
    { location: jobPath(job.id) },
  );
}

/** Where consent evidence says an import job came from. */
const jobSource = (req: HttpRequest, given: string | undefined) => consentSource(req, "import job", given);

const jobPath = (id: string) => `/admin/jobs/${encodeURIComponent(id)}`;

const createImportJob = adminRoute(
  "POST",
  "/admin/subscribers/import-jobs",
  async (req, _params, ctx) => {
    const jobs = jobsOf(ctx);
    const params = {
      pending: String(queryBool(req, "pending")),
      source: jobSource(req, req.query.source),
    };
    const job = newJob("import", params, ctx.clock());
    const keys = jobKeys(job.id);
    job.inputKey = keys.input;
    job.reportKey = keys.report;
    await jobs.jobs.create(job);
    const presigned = await jobs.files.uploadUrl(keys.input, "text/csv", JOB_LINK_SECONDS);
    const uploadUrl = presigned ?? new URL(`${jobPath(job.id)}/input`, ctx.config.publicBaseUrl).href;
    return jsonResponse(
      201,
      {
        jobId: job.id,
        status: job.status,
        uploadUrl,
        uploadMethod: "PUT",
        uploadHeaders: { "content-type": "text/csv" },
        ...(presigned ? { uploadExpiresIn: JOB_LINK_SECONDS } : {}),
        startUrl: `${jobPath(job.id)}/start`,
      },
      { location: jobPath(job.id) },
    );
  },
  { role: "owner", audit: { action: "job.import.create", target: () => "" } },
);

/** The local upload (no presigned URLs there): the CSV as the body. */
const uploadInput = adminRoute(
  "PUT",
  "/admin/jobs/{id}/input",
  async (req, params, ctx) => {
    const jobs = jobsOf(ctx);
    const job = await jobs.jobs.get(params.id ?? "");
    if (job?.kind !== "import") throw new HttpError(404, "no such import job");
    if (await jobs.files.uploadUrl(job.inputKey as string, "text/csv", 1)) {
      throw new HttpError(409, "upload the file to the job's uploadUrl (a presigned link to the job bucket)");
    }
    if (job.status !== "awaiting-upload")
      throw new HttpError(409, `the job is ${job.status}: its file is fixed`);
    async function* body() {
      yield req.body;
    }
    await jobs.files.write(job.inputKey as string, body(), "text/csv");
    return jsonResponse(200, { jobId: job.id, bytes: Buffer.byteLength(req.body) });
  },
  { role: "owner", audit: { action: "job.upload" } },
);

const startJob = adminRoute(
  "POST",
  "/admin/jobs/{id}/start",
  async (_req, params, ctx) => {
    const jobs = jobsOf(ctx);
    const id = params.id ?? "";
    const job = await jobs.jobs.get(id);
    if (!job) throw new HttpError(404, "no such job");
    if (job.status === "awaiting-upload") {
      const queuedAt = ctx.clock().toISOString();
      if (await jobs.jobs.transition(id, ["awaiting-upload"], "queued", { updatedAt: queuedAt }))
        await jobs.starter.start(id);
    }
    const now = await jobs.jobs.get(id);
    return jsonResponse(202, await jobView(jobs.files, now ?? job), { location: jobPath(id) });
  },
  { role: "owner", audit: { action: "job.start" } },
);

const showJob = adminRoute(
  "GET",
  "/admin/jobs/{id}",
  async (_req, params, ctx) => {
    const jobs = jobsOf(ctx);
    const job = await jobs.jobs.get(params.id ?? "");
    if (!job) throw new HttpError(404, "no such job");
    return jsonResponse(200, await jobView(jobs.files, job));
    // The owner's: an export job's view carries a link to the subscriber file.
  },
  { role: "owner" },
);

const createExportJob = adminRoute(
  "POST",
  "/admin/subscribers/export-jobs",
  async (req, _params, ctx) => {
    const jobs = jobsOf(ctx);
    const format = queryChoice(req, "format", ["csv", "json"] as const) ?? "csv";
    const status = queryChoice<SubscriberStatus>(req, "status", SUBSCRIBER_STATUSES);
    const params: Record<string, string> = { format, ...(status ? { status } : {}) };
    const section = req.query.section?.trim();
    if (section) {
      const resolved = resolveSectionFilter(section, ctx);
      if ("outcome" in resolved) bad("section", resolved.error);
      params.section = resolved.section;
    }
    const job = newJob("export", params, ctx.clock());
    job.outputKey = jobKeys(job.id).export(format);
    return createAndStart(jobs, job);
  },
  { role: "owner", audit: { action: "job.export.create", target: () => "" } },
);

/**
 * The migration that gives subscribers stored before the search indexes their keys (run once after
 * upgrading a deployment; running it again reads every record and writes none).
 */
const createReindexJob = adminRoute(
  "POST",
  "/admin/subscribers/reindex-jobs",
  async (_req, _params, ctx) => {
    const jobs = jobsOf(ctx);
    const job = newJob("reindex", {}, ctx.clock());
    return createAndStart(jobs, job);
  },
  { role: "owner", audit: { action: "job.reindex.create", target: () => "subscribers" } },
);

/** Largest CSV body PUT /admin/jobs/{id}/input takes (local only; the bucket takes up to 5 GB). */
export const MAX_JOB_UPLOAD_BYTES = 512 * 1024 * 1024;

export const jobRoutes: Route<ApiContext>[] = [
  createImportJob,
  createExportJob,
  createReindexJob,
  { ...uploadInput, maxBodyBytes: MAX_JOB_UPLOAD_BYTES },
  startJob,
  showJob,
];

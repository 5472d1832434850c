import { join } from "node:path";
import type { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { DynamoJobStore } from "../adapters/dynamo/job-store.js";
import { FolderFileStore } from "../adapters/folder-file-store.js";
import type { TableNames } from "../adapters/schema.js";
import type { JobDeps } from "../core/jobs/jobs.js";
import { runJob } from "../core/jobs/run-job.js";
import type { SubscriberAdminDeps } from "../core/subscribers/subscriber-admin.js";

/**
 * Jobs on this machine (`digest serve`): records in the local jobs table, files under the outbox
 * (out/jobs/<id>/…), and a started job run in this process, in the background. `idle()` waits for
 * the running ones (the server waits before it closes).
 */
export interface LocalJobs extends JobDeps {
  idle(): Promise<void>;
}

export function localJobs(
  db: DynamoDBDocumentClient,
  tables: TableNames,
  outboxRoot: string,
  /** The deps the import runs with (the API's context, once built). */
  deps: () => Promise<SubscriberAdminDeps>,
  onError: (jobId: string, err: unknown) => void,
): LocalJobs {
  const running = new Set<Promise<unknown>>();
  const jobs: LocalJobs = {
    jobs: new DynamoJobStore(db, tables.jobs),
    files: new FolderFileStore(outboxRoot),
    starter: {
      async start(jobId) {
        const run = deps()
          .then((d) => runJob({ ...d, ...jobs }, jobId))
          .catch((err: unknown) => onError(jobId, err))
          .finally(() => running.delete(run));
        running.add(run);
      },
    },
    async idle() {
      while (running.size > 0) await Promise.all([...running]);
    },
  };
  return jobs;
}

/** Where a local job's files are: `<outbox>/jobs/<id>/`. */
export const localJobFolder = (outboxRoot: string, jobId: string) => join(outboxRoot, "jobs", jobId);

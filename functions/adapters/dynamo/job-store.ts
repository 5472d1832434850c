import { type DynamoDBDocumentClient, GetCommand, PutCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import { jobExpiry } from "../../core/jobs/jobs.js";
import type { Job, JobStatus, JobStore } from "../../core/kernel/ports.js";
import { isConditionalCheckFailed } from "./client.js";

/**
 * Jobs in the `jobs` table, one item each (key `id`), removed by TTL (`expiresAt`) once their files
 * have expired too. Status changes are conditional updates, so two deliveries of one queue message
 * cannot both run the job.
 */
export class DynamoJobStore implements JobStore {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  async create(job: Job): Promise<void> {
    await this.db.send(
      new PutCommand({
        TableName: this.table,
        Item: { ...job, expiresAt: jobExpiry(job.createdAt) },
        ConditionExpression: "attribute_not_exists(id)",
      }),
    );
  }

  async get(id: string): Promise<Job | null> {
    const res = await this.db.send(
      new GetCommand({ TableName: this.table, Key: { id }, ConsistentRead: true }),
    );
    if (!res.Item) return null;
    const { expiresAt: _expiresAt, ...job } = res.Item;
    return job as Job;
  }

  async transition(
    id: string,
    from: JobStatus[],
    to: JobStatus,
    fields: Partial<Job> = {},
  ): Promise<boolean> {
    const { id: _id, status: _status, ...rest } = fields;
    const set = Object.entries(rest).filter(([, v]) => v !== undefined);
    const names: Record<string, string> = { "#status": "status" };
    const values: Record<string, unknown> = { ":to": to };
    from.forEach((s, i) => {
      values[`:from${i}`] = s;
    });
    const assignments = ["#status = :to"];
    set.forEach(([key, value], i) => {
      names[`#f${i}`] = key;
      values[`:f${i}`] = value;
      assignments.push(`#f${i} = :f${i}`);
    });
    try {
      await this.db.send(
        new UpdateCommand({
          TableName: this.table,
          Key: { id },
          UpdateExpression: `SET ${assignments.join(", ")}`,
          ConditionExpression: `attribute_exists(id) AND #status IN (${from.map((_, i) => `:from${i}`).join(", ")})`,
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values,
        }),
      );
      return true;
    } catch (err) {
      if (isConditionalCheckFailed(err)) return false;
      throw err;
    }
  }

  async progress(
    id: string,
    fields: Pick<Job, "counts"> & Partial<Pick<Job, "bytesRead" | "bytesTotal" | "updatedAt" | "checkpoint">>,
  ): Promise<void> {
    // Only while it runs: a late progress record never overwrites the final one.
    await this.transition(id, ["running"], "running", fields);
  }
}

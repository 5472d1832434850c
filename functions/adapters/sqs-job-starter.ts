import { SendMessageCommand, SQSClient, type SQSClientConfig } from "@aws-sdk/client-sqs";
import type { JobStarter } from "../core/kernel/ports.js";

/** Starts a job by putting `{"jobId": …}` on the job queue; the jobs function takes it from there. */
export class SqsJobStarter implements JobStarter {
  readonly client: SQSClient;

  constructor(
    private readonly queueUrl: string,
    config: SQSClientConfig = {},
  ) {
    this.client = new SQSClient({ maxAttempts: 5, ...config });
  }

  async start(jobId: string): Promise<void> {
    await this.client.send(
      new SendMessageCommand({ QueueUrl: this.queueUrl, MessageBody: JSON.stringify({ jobId }) }),
    );
  }
}

/** The job id of a job-queue message; throws on anything else. */
export function parseJobMessage(body: string): string {
  const parsed = JSON.parse(body) as { jobId?: unknown };
  if (typeof parsed?.jobId !== "string" || parsed.jobId === "") throw new Error("not a job message");
  return parsed.jobId;
}

import { SendMessageBatchCommand, SQSClient, type SQSClientConfig } from "@aws-sdk/client-sqs";
import type { RecipientBatch, RecipientQueue } from "../core/kernel/ports.js";

/** The send queue on SQS: SendMessageBatch (≤ 10 entries), retrying entries SQS reports as failed. */
export class SqsRecipientQueue implements RecipientQueue {
  readonly client: SQSClient;

  constructor(
    private readonly queueUrl: string,
    config: SQSClientConfig = {},
  ) {
    this.client = new SQSClient({ maxAttempts: 5, ...config });
  }

  async enqueue(batches: readonly RecipientBatch[]): Promise<void> {
    for (let i = 0; i < batches.length; i += 10) {
      let entries = batches
        .slice(i, i + 10)
        .map((batch, j) => ({ Id: String(j), MessageBody: JSON.stringify(batch) }));
      for (let attempt = 0; entries.length > 0; attempt++) {
        if (attempt >= 5)
          throw new Error(`SQS refused ${entries.length} message(s) after ${attempt} attempts`);
        if (attempt > 0) await new Promise((r) => setTimeout(r, 100 * 2 ** attempt));
        const res = await this.client.send(
          new SendMessageBatchCommand({ QueueUrl: this.queueUrl, Entries: entries }),
        );
        const failed = new Set((res.Failed ?? []).map((f) => f.Id));
        entries = entries.filter((e) => failed.has(e.Id));
      }
    }
  }
}

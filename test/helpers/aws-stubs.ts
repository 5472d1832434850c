import { createHash, randomUUID } from "node:crypto";
import { createServer, type IncomingMessage } from "node:http";

/**
 * A small local endpoint for the two AWS services that have no embedded emulator here, speaking their
 * real JSON wire protocols so the real SDK clients (in the Lambda bundles too) talk to it:
 * - SQS (awsJson1_0, X-Amz-Target AmazonSQS.SendMessageBatch / SendMessage): keeps messages in order;
 * - Secrets Manager (awsJson1_1, X-Amz-Target secretsmanager.GetSecretValue): serves given secrets.
 */
export interface AwsStubs {
  url: string;
  /** Every message sent, in order (also when a queue sink takes them). */
  messages: { queueUrl: string; messageId: string; body: string }[];
  /**
   * After `calls` more SendMessageBatch calls succeed, refuse every further one (a non-retryable
   * error, so the caller fails at once, as a crashed or timed-out producer would stop); null: accept
   * them all again.
   */
  failSendMessageBatchAfter(calls: number | null): void;
  close(): Promise<void>;
}

/** Where sent messages go when a test keeps real queues (the deployed-stack twin's SQS emulator). */
export interface QueueSink {
  send(queueUrl: string, body: string): { messageId: string };
}

async function read(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

const md5 = (s: string) => createHash("md5").update(s).digest("hex");

export async function startAwsStubs(
  secrets: Record<string, string>,
  sink: QueueSink = { send: () => ({ messageId: randomUUID() }) },
): Promise<AwsStubs> {
  const messages: AwsStubs["messages"] = [];
  let batchesBeforeFailing: number | null = null;
  const enqueue = (queueUrl: string, body: string) => {
    const { messageId } = sink.send(queueUrl, body);
    messages.push({ queueUrl, messageId, body });
    return messageId;
  };
  const server = createServer(async (req, res) => {
    const target = String(req.headers["x-amz-target"] ?? "");
    const body = JSON.parse((await read(req)) || "{}");
    const reply = (status: number, value: unknown, type = "application/x-amz-json-1.0") => {
      res.writeHead(status, { "content-type": type }).end(JSON.stringify(value));
    };
    if (target === "AmazonSQS.SendMessageBatch") {
      if (batchesBeforeFailing !== null && batchesBeforeFailing-- <= 0) {
        return reply(400, {
          __type: "com.amazonaws.sqs#QueueDoesNotExist",
          message: "The specified queue does not exist (injected failure).",
        });
      }
      const successful = (body.Entries as { Id: string; MessageBody: string }[]).map((entry) => {
        const messageId = enqueue(body.QueueUrl, entry.MessageBody);
        return { Id: entry.Id, MessageId: messageId, MD5OfMessageBody: md5(entry.MessageBody) };
      });
      return reply(200, { Successful: successful, Failed: [] });
    }
    if (target === "AmazonSQS.SendMessage") {
      const messageId = enqueue(body.QueueUrl, body.MessageBody);
      return reply(200, { MessageId: messageId, MD5OfMessageBody: md5(body.MessageBody) });
    }
    if (target === "secretsmanager.GetSecretValue") {
      const value = secrets[body.SecretId];
      if (value === undefined) {
        return reply(
          400,
          {
            __type: "ResourceNotFoundException",
            message: "Secrets Manager can't find the specified secret.",
          },
          "application/x-amz-json-1.1",
        );
      }
      return reply(
        200,
        {
          ARN: body.SecretId,
          Name: "test",
          SecretString: value,
          VersionId: randomUUID(),
          VersionStages: ["AWSCURRENT"],
          CreatedDate: Date.now() / 1000,
        },
        "application/x-amz-json-1.1",
      );
    }
    reply(400, { __type: "UnknownOperationException", message: `not stubbed: ${target}` });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  const address = server.address();
  const port = address && typeof address === "object" ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}`,
    messages,
    failSendMessageBatchAfter(calls) {
      batchesBeforeFailing = calls;
    },
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

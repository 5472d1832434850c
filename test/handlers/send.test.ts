import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import type { SQSEvent } from "aws-lambda";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { DynamoEditionStore } from "../../functions/adapters/dynamo/edition-store.js";
import { DynamoSubscriberStore } from "../../functions/adapters/dynamo/subscriber-store.js";
import { type AwsStubs, startAwsStubs } from "../helpers/aws-stubs.js";
import {
  stackDocumentClient,
  stackErasureKey,
  startTestStack,
  story,
  type TestStack,
  writeStories,
} from "../helpers/services.js";

/**
 * The deployed path's end of an edition: the compose Lambda fans out to SQS, the send Lambda's handler
 * takes SQS events (each message as often as SQS delivers it), and the last message to settle sets
 * the edition's final status, "sent" or "partial", as the local run does. Against dynalite, the
 * embedded SESv2 endpoint and the SQS stub; the handlers read only the environment the stack sets.
 */

const MAX_RECEIVES = 3;
let stack: TestStack;
let stubs: AwsStubs;
let db: DynamoDBDocumentClient;
let editions: DynamoEditionStore;
let compose: (event: { date?: string }) => Promise<Record<string, unknown>>;
let send: (event: SQSEvent) => Promise<{ batchItemFailures: { itemIdentifier: string }[] }>;
let queueUrl = "";

beforeAll(async () => {
  // SES refuses one address for good: its recipient is "rejected", the edition "partial".
  stack = await startTestStack({
    reject: (raw) => (/^To: .*refused@example\.com/m.test(raw) ? "Address blacklisted." : null),
  });
  stubs = await startAwsStubs({});
  queueUrl = `${stubs.url}/000000000000/digest-send`;
  delete process.env.DIGEST_TOKEN_KEYS;
  Object.assign(process.env, {
    AWS_REGION: "us-east-1",
    AWS_ACCESS_KEY_ID: "test",
    AWS_SECRET_ACCESS_KEY: "test",
    AWS_ENDPOINT_URL_DYNAMODB: stack.dynamodbUrl,
    AWS_ENDPOINT_URL_SESV2: stack.ses.url,
    AWS_ENDPOINT_URL_SQS: stubs.url,
    DIGEST_SEND_QUEUE_URL: queueUrl,
    DIGEST_SEND_MAX_RECEIVES: String(MAX_RECEIVES),
    DIGEST_TOKEN_KEYS: `k1:${Buffer.from("a-signing-key-of-enough-length-0123456789").toString("base64")}`,
    // The key erased addresses are hashed with (deployed: the stack's secret), as the stack's `digest` runs use it.
    DIGEST_ERASURE_KEY: (await stackErasureKey(stack)()).toString("base64"),
    DIGEST_CONFIG: stack.env.DIGEST_CONFIG,
    POWERTOOLS_LOG_LEVEL: "SILENT",
  });
  ({ handler: compose } = (await import("../../functions/handlers/compose.js")) as never);
  ({ handler: send } = (await import("../../functions/handlers/send.js")) as never);
  db = stackDocumentClient(stack);
  editions = new DynamoEditionStore(db, "digest-editions");
}, 60_000);

afterAll(async () => {
  db?.destroy();
  await stubs?.close();
  await stack?.close();
});

/** One story of `day` and `emails` as the active subscribers (earlier tests' readers unsubscribed). */
async function seed(day: string, emails: string[]) {
  const subscribers = new DynamoSubscriberStore(db, "digest-subscribers");
  for (let page = await subscribers.list({ status: "active" }, null, 500); ; ) {
    for (const s of page.items) await subscribers.put({ ...s, status: "unsubscribed" });
    if (!page.nextCursor) break;
    page = await subscribers.list({ status: "active" }, page.nextCursor, 500);
  }
  const file = await writeStories(stack, `${day}.ndjson`, [story(day, 1)]);
  expect((await stack.digest(["stories", "import", file])).code).toBe(0);
  const csv = join(stack.dir, `${day}.csv`);
  await writeFile(csv, `email\n${emails.join("\n")}\n`);
  expect((await stack.digest(["subscribers", "import", csv])).code).toBe(0);
}

const readers = (day: string, n: number) => Array.from({ length: n }, (_, i) => `${day}.r${i}@example.com`);

/** The queue messages of an edition the stub received so far. */
const queued = (day: string) => stubs.messages.filter((m) => JSON.parse(m.body).editionId === day);

/** An SQS event as Lambda's event source hands it over, each record received `receiveCount` times. */
function sqsEvent(messages: AwsStubs["messages"], receiveCount = 1): SQSEvent {
  return {
    Records: messages.map((m) => ({
      messageId: m.messageId,
      receiptHandle: `rh-${m.messageId}-${receiveCount}`,
      body: m.body,
      attributes: {
        ApproximateReceiveCount: String(receiveCount),
        SentTimestamp: String(Date.now()),
        SenderId: "AIDA",
        ApproximateFirstReceiveTimestamp: String(Date.now()),
      },
      messageAttributes: {},
      md5OfBody: "",
      eventSource: "aws:sqs",
      eventSourceARN: "arn:aws:sqs:us-east-1:000000000000:digest-send",
      awsRegion: "us-east-1",
    })),
  };
}

const status = async (day: string) => (await editions.get(day))?.status;

describe("the send Lambda settles the edition when its last queue message settles", () => {
  it("sent after the last message, counting a redelivered message once; cancel then refuses", async () => {
    const day = "2031-04-01";
    await seed(day, readers(day, 120));
    expect(await compose({ date: day })).toMatchObject({ status: "queued", recipients: 120, messages: 3 });
    const [a, b, c] = queued(day);
    if (!a || !b || !c) throw new Error("expected three queue messages");

    expect(await send(sqsEvent([a]))).toEqual({ batchItemFailures: [] });
    expect(await status(day)).toBe("sending");
    // SQS delivers `a` again (at least once): it must not count as a second message settling.
    expect(await send(sqsEvent([a], 2))).toEqual({ batchItemFailures: [] });
    expect(await send(sqsEvent([b]))).toEqual({ batchItemFailures: [] });
    expect(await status(day)).toBe("sending");

    expect(await send(sqsEvent([c]))).toEqual({ batchItemFailures: [] });
    expect(await status(day)).toBe("sent");
    const sentTo = stack.ses.messages.filter((m) => m.destinations[0]?.startsWith(`${day}.`));
    expect(sentTo).toHaveLength(120);

    const cancel = await stack.digest(["editions", "cancel", day]);
    expect(cancel.code).toBe(1);
    expect(cancel.err).toMatch(/already sent to everyone/);
    expect(await status(day)).toBe("sent");

    // compose invoked again once the fan-out had finished (an operator's rerun after a quota stop):
    // a new round from the first subscriber, which the ledger keeps harmless and which settles again.
    const before = queued(day).length;
    expect(await compose({ date: day })).toMatchObject({ recipients: 120, messages: 3, resumed: false });
    for (const m of queued(day).slice(before)) {
      expect(await send(sqsEvent([m]))).toEqual({ batchItemFailures: [] });
    }
    expect(await status(day)).toBe("sent");
    expect(stack.ses.messages.filter((m) => m.destinations[0]?.startsWith(`${day}.`))).toHaveLength(120);
  });

  it("partial when a recipient was refused for good", async () => {
    const day = "2031-04-02";
    await seed(day, [...readers(day, 3), "refused@example.com"]);
    expect(await compose({ date: day })).toMatchObject({ status: "queued", recipients: 4, messages: 1 });
    expect(await send(sqsEvent(queued(day)))).toEqual({ batchItemFailures: [] });
    expect(await status(day)).toBe("partial");
    expect(JSON.parse((await stack.digest(["editions", "show", day, "--json"])).out).counts).toMatchObject({
      sent: 3,
      rejected: 1,
    });
  });

  it("a message that fails its last delivery (to the DLQ) settles as not reached; redriven, it settles sent", async () => {
    const day = "2031-04-03";
    await seed(day, readers(day, 2));
    expect(await compose({ date: day })).toMatchObject({ status: "queued", recipients: 2, messages: 1 });
    stack.ses.setMax24HourSend(0);
    try {
      for (let receive = 1; receive <= MAX_RECEIVES; receive++) {
        expect(await status(day)).toBe("sending");
        // Every record failed: Powertools throws so that Lambda hands the batch back to SQS.
        await expect(send(sqsEvent(queued(day), receive))).rejects.toThrow(/All records failed/);
      }
      // The last delivery SQS makes before the redrive policy moves it to the dead-letter queue.
      expect(await status(day)).toBe("partial");
    } finally {
      stack.ses.setMax24HourSend(1_000_000);
    }
    // An operator redrives the dead-letter queue once the quota reset, an hour later (the functions
    // read SES's quota afresh by then): the message comes back anew, and the edition settles again.
    vi.useFakeTimers({ toFake: ["Date"] });
    try {
      vi.setSystemTime(Date.now() + 3_600_000);
      expect(await send(sqsEvent(queued(day), 1))).toEqual({ batchItemFailures: [] });
    } finally {
      vi.useRealTimers();
    }
    expect(await status(day)).toBe("sent");
  });
});

describe("a compose retry resumes the fan-out where it stopped", () => {
  it("a crash after some SendMessageBatch calls: the retry enqueues each recipient exactly once, and the edition settles", async () => {
    const day = "2031-04-04";
    const emails = readers(day, 530); // 2 pages of ≤ 500 addresses: 2 SendMessageBatch calls
    await seed(day, emails);
    stubs.failSendMessageBatchAfter(1);
    try {
      await expect(compose({ date: day })).rejects.toThrow(/queue does not exist/);
    } finally {
      stubs.failSendMessageBatchAfter(null);
    }
    expect(queued(day)).toHaveLength(10);
    expect(await status(day)).toBe("sending");

    // Lambda's async retry (or the Scheduler's) invokes compose again.
    expect(await compose({ date: day })).toMatchObject({
      status: "queued",
      recipients: 30,
      messages: 1,
      resumed: true,
    });
    const enqueued = queued(day).flatMap((m) => JSON.parse(m.body).emails as string[]);
    expect(enqueued).toHaveLength(emails.length);
    expect(new Set(enqueued)).toEqual(new Set(emails));

    for (const m of queued(day)) expect(await send(sqsEvent([m]))).toEqual({ batchItemFailures: [] });
    expect(await status(day)).toBe("sent");
    expect(stack.ses.messages.filter((m) => m.destinations[0]?.startsWith(`${day}.`))).toHaveLength(530);
  }, 120_000);
});

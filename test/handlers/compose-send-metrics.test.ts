import type { SQSEvent } from "aws-lambda";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import {
  COMPOSE_METRICS,
  EMITTED_METRICS,
  METRICS_NAMESPACE,
  SEND_METRICS,
  SERVICE_DIMENSION,
  serviceName,
} from "../../functions/handlers/metric-names.js";
import { type AwsStubs, startAwsStubs } from "../helpers/aws-stubs.js";
import { seedDay } from "../helpers/edition-setup.js";
import { stackErasureKey, startTestStack, type TestStack } from "../helpers/services.js";
import { captureEmf, type EmfBlob, metricTotals } from "./emf.js";

/**
 * The compose and send handlers, invoked in-process as Lambda would (dynalite, the embedded SES endpoint
 * throttling a share of its calls, an SQS stub), and the CloudWatch EMF lines they print: the metrics
 * the stack's alarms and dashboard read (functions/handlers/metric-names.ts).
 */

const [DAY1, DAY2, DAY3] = ["2031-05-01", "2031-05-02", "2031-05-03"] as const;
const EMAILS = ["ana@example.com", "ben@example.com", "cy@example.com"];

type Handler = (event: unknown) => Promise<unknown>;
let stack: TestStack;
let stubs: AwsStubs;
let compose: Handler;
let send: Handler;
/** Every metric name each service printed in this file, for the "emits everything it declares" check. */
const seen = new Map<string, Set<string>>();

/** Imports a handler afresh with the environment the stack gives that function (its service name). */
async function load(fn: "compose" | "send"): Promise<Handler> {
  process.env.POWERTOOLS_SERVICE_NAME = serviceName(fn);
  vi.resetModules();
  const mod =
    fn === "compose"
      ? await import("../../functions/handlers/compose.js")
      : await import("../../functions/handlers/send.js");
  return mod.handler as Handler;
}

/** Checks the EMF envelope (namespace, the one `service` dimension) and notes the names seen. */
function expectEnvelope(blobs: EmfBlob[], fn: "compose" | "send") {
  expect(blobs.length).toBeGreaterThan(0);
  for (const blob of blobs) {
    expect(blob.namespace).toBe(METRICS_NAMESPACE);
    expect(blob.dimensions).toEqual([[SERVICE_DIMENSION]]);
    expect(blob.values[SERVICE_DIMENSION]).toBe(serviceName(fn));
    const names = seen.get(serviceName(fn)) ?? new Set<string>();
    for (const name of Object.keys(blob.units)) names.add(name);
    seen.set(serviceName(fn), names);
  }
}

const sqsEvent = (messages: AwsStubs["messages"]): SQSEvent => ({
  Records: messages.map((m) => ({
    messageId: m.messageId,
    receiptHandle: `rh-${m.messageId}`,
    body: m.body,
    attributes: {
      ApproximateReceiveCount: "1",
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
});

beforeAll(async () => {
  // A third of SendEmail calls throttled (seeded: the first two calls, and the same ones every run).
  stack = await startTestStack({ faults: { throttleRate: 0.35, seed: 7 } });
  stubs = await startAwsStubs({});
  Object.assign(process.env, {
    AWS_ENDPOINT_URL_DYNAMODB: stack.env.AWS_ENDPOINT_URL_DYNAMODB,
    AWS_ENDPOINT_URL_SESV2: stack.env.AWS_ENDPOINT_URL_SESV2,
    AWS_REGION: "us-east-1",
    AWS_ACCESS_KEY_ID: "test",
    AWS_SECRET_ACCESS_KEY: "test",
    DIGEST_TOKEN_KEYS: `k1:${Buffer.alloc(32, 7).toString("base64")}`,
    // The key erased addresses are hashed with (deployed: the stack's secret), as the stack's `digest` runs use it.
    DIGEST_ERASURE_KEY: (await stackErasureKey(stack)()).toString("base64"),
    // The endpoint the queue URL points at (without it the SDK warns that the two differ).
    AWS_ENDPOINT_URL_SQS: stubs.url,
    DIGEST_SEND_QUEUE_URL: `${stubs.url}/000000000000/digest-send`,
    POWERTOOLS_LOG_LEVEL: "SILENT",
    POWERTOOLS_METRICS_NAMESPACE: METRICS_NAMESPACE,
    // Metrics on, as in Lambda (vitest.config.ts turns them off for the rest of the suite).
    POWERTOOLS_METRICS_DISABLED: "false",
  });
  compose = await load("compose");
  send = await load("send");
});

afterAll(async () => {
  await stack?.close();
  await stubs?.close();
});

describe("compose and send metrics (EMF on stdout)", () => {
  it("compose reports its duration, the edition's stories, the recipients enqueued and its success", async () => {
    await seedDay(stack, DAY1, EMAILS);
    const run = await captureEmf(() => compose({ date: DAY1 }));
    expect(run.error).toBeUndefined();
    expect(run.result).toMatchObject({ status: "queued", recipients: 3, stories: 1 });
    expectEnvelope(run.blobs, "compose");
    const totals = metricTotals(run.blobs);
    expect(totals).toMatchObject({
      [COMPOSE_METRICS.succeeded]: 1,
      [COMPOSE_METRICS.storiesInEdition]: 1,
      [COMPOSE_METRICS.recipientsEnqueued]: 3,
    });
    expect(totals[COMPOSE_METRICS.duration]).toBeGreaterThan(0);
    expect(run.blobs[0]?.units[COMPOSE_METRICS.duration]).toBe("Milliseconds");
  });

  it("send reports each message's sends and every throttling answer SES gave", async () => {
    const before = { ...stack.ses.stats };
    const event = sqsEvent(stubs.messages);
    const run = await captureEmf(() => send(event));
    expect(run.result).toEqual({ batchItemFailures: [] });
    expectEnvelope(run.blobs, "send");
    const totals = metricTotals(run.blobs);
    const throttled = stack.ses.stats.throttled - before.throttled;
    expect(throttled).toBeGreaterThan(0);
    expect(totals).toMatchObject({
      [SEND_METRICS.sent]: 3,
      [SEND_METRICS.alreadySent]: 0,
      [SEND_METRICS.failed]: 0,
      [SEND_METRICS.throttled]: throttled,
    });
    expect(stack.ses.stats.accepted - before.accepted).toBe(3);

    // SQS delivers the message again: nobody is mailed twice, and the metrics say so.
    const again = metricTotals((await captureEmf(() => send(event))).blobs);
    expect(again).toMatchObject({ [SEND_METRICS.sent]: 0, [SEND_METRICS.alreadySent]: 3 });
  });

  it("a message the daily quota stopped is counted, and flushed though the invocation fails", async () => {
    await seedDay(stack, DAY2, EMAILS);
    stubs.messages.splice(0);
    expect((await captureEmf(() => compose({ date: DAY2 }))).result).toMatchObject({ recipients: 3 });
    // One more recipient today, then SES's rolling quota is used up. A new container (a fresh
    // import) reads the account afresh: the mailer reuses a GetAccount answer for a second.
    stack.ses.setMax24HourSend(stack.ses.stats.accepted + 1);
    send = await load("send");
    const run = await captureEmf(() => send(sqsEvent(stubs.messages)));
    // Its only message left recipients for a retry: Powertools fails the whole batch (a Lambda error).
    expect(String(run.error)).toMatch(/All records failed/);
    expectEnvelope(run.blobs, "send");
    expect(metricTotals(run.blobs)).toMatchObject({
      [SEND_METRICS.sent]: 1,
      [SEND_METRICS.quotaStopped]: 1,
    });
  });

  it("declares no metric it never emits", () => {
    for (const fn of ["compose", "send"] as const) {
      expect([...(seen.get(serviceName(fn)) ?? [])].sort()).toEqual(
        [...(EMITTED_METRICS[serviceName(fn)] ?? [])].sort(),
      );
    }
  });

  it("the local CLI prints no EMF, even in a process that loaded the handlers", async () => {
    stack.ses.setMax24HourSend(1_000_000);
    await seedDay(stack, DAY3, EMAILS);
    const run = await captureEmf(() => stack.digest(["send", "--date", DAY3]));
    expect(run.result).toMatchObject({ code: 0 });
    expect((run.result as { out: string }).out).toMatch(/ sent=3 /);
    expect(run.blobs).toEqual([]);
    expect(run.stdout).not.toContain("_aws");
  });
});

import { readFileSync } from "node:fs";
import { join } from "node:path";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import type { EventBridgeEvent, SNSEvent, SQSEvent, SQSRecord } from "aws-lambda";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { documentClientOver } from "../../functions/adapters/dynamo/client.js";
import { DynamoEditionStore } from "../../functions/adapters/dynamo/edition-store.js";
import { DynamoSendLedger } from "../../functions/adapters/dynamo/send-ledger.js";
import { DynamoSubscriberStore } from "../../functions/adapters/dynamo/subscriber-store.js";
import { DynamoSuppressionStore } from "../../functions/adapters/dynamo/suppression-store.js";
import {
  EMITTED_METRICS,
  METRICS_NAMESPACE,
  SERVICE_DIMENSION,
  SES_EVENT_METRICS,
  serviceName,
} from "../../functions/handlers/metric-names.js";
import { stackErasureKey, startTestStack, story, type TestStack, writeStories } from "../helpers/services.js";
import { captureEmf, type EmfBlob, metricTotals } from "./emf.js";

const DAY = "2031-03-14";
const FIXTURES = join(import.meta.dirname, "..", "fixtures", "ses");
const fixture = <T = unknown>(name: string): T => JSON.parse(readFileSync(join(FIXTURES, name), "utf8")) as T;

let stack: TestStack;
let handler: typeof import("../../functions/handlers/ses-events.js").handler;
let stores: {
  subscribers: DynamoSubscriberStore;
  suppressions: DynamoSuppressionStore;
  editions: DynamoEditionStore;
  ledger: DynamoSendLedger;
  close(): void;
};

beforeAll(async () => {
  stack = await startTestStack();
  // The handler reads only what the stack sets in Lambda: standard AWS variables, config, table names.
  // No signing key: this function never signs links.
  delete process.env.DIGEST_TOKEN_KEYS;
  Object.assign(process.env, {
    AWS_ENDPOINT_URL_DYNAMODB: stack.env.AWS_ENDPOINT_URL_DYNAMODB,
    AWS_REGION: "us-east-1",
    AWS_ACCESS_KEY_ID: "test",
    AWS_SECRET_ACCESS_KEY: "test",
    DIGEST_TRANSIENT_BOUNCE_LIMIT: "2",
    POWERTOOLS_LOG_LEVEL: "SILENT",
    // As the stack sets them for this function: the metrics' namespace and `service` dimension.
    POWERTOOLS_SERVICE_NAME: serviceName("ses-events"),
    POWERTOOLS_METRICS_NAMESPACE: METRICS_NAMESPACE,
    // Metrics on, as in Lambda (vitest.config.ts turns them off for the rest of the suite).
    POWERTOOLS_METRICS_DISABLED: "false",
    // Deployed it comes from the stack's secret; here the same key the stack's `digest` runs use.
    DIGEST_ERASURE_KEY: (await stackErasureKey(stack)()).toString("base64"),
  });
  ({ handler } = await import("../../functions/handlers/ses-events.js"));
  const db = documentClientOver(
    new DynamoDBClient({
      endpoint: stack.dynamodbUrl,
      region: "us-east-1",
      credentials: { accessKeyId: "t", secretAccessKey: "t" },
    }),
  );
  stores = {
    subscribers: new DynamoSubscriberStore(db, "digest-subscribers"),
    suppressions: new DynamoSuppressionStore(db, "digest-suppressions", stackErasureKey(stack)),
    editions: new DynamoEditionStore(db, "digest-editions"),
    ledger: new DynamoSendLedger(db, "digest-sends"),
    close: () => db.destroy(),
  };
  // A real edition of DAY, sent to the fixtures' addresses: the SES events below refer to it by tag.
  await stack.digest(["stories", "import", await writeStories(stack, "s.ndjson", [story(DAY, 1)])]);
  for (const who of ["recipient", "jane", "richard", "mary"])
    await stack.digest(["subscribers", "add", `${who}@example.com`]);
  expect((await stack.digest(["send", "--date", DAY])).out).toMatch(/ sent=4 /);
});

afterAll(async () => {
  stores?.close();
  await stack?.close();
});

/**
 * The handler with its stdout taken as Lambda takes it (to the log stream, not the terminal): the
 * tests below check what it did; the metrics tests at the end check what it wrote.
 */
async function invoke(event: Parameters<typeof handler>[0]): ReturnType<typeof handler> {
  const run = await captureEmf(() => handler(event));
  if ("error" in run) throw run.error;
  return run.result as Awaited<ReturnType<typeof handler>>;
}

describe("ses-events Lambda handler on dynalite", () => {
  it("EventBridge 'Email Bounced': suppresses the address and counts the bounce for its edition", async () => {
    const result = await invoke(fixture<EventBridgeEvent<string, unknown>>("eventbridge-bounce.json"));
    expect(result).toEqual({ processed: 1, ignored: 0, malformed: 0, failed: 0, batchItemFailures: [] });
    expect(await stores.suppressions.get("recipient@example.com")).toMatchObject({
      reason: "bounce",
      detail: "Permanent/General: smtp; 550 5.1.1 user unknown",
    });
    expect(await stores.subscribers.get("recipient@example.com")).toMatchObject({
      status: "suppressed",
      suppression: { reason: "bounce", previousStatus: "active" },
    });
    expect(await stores.editions.getStats(DAY)).toMatchObject({ bounced: 1 });

    // EventBridge redelivers: the suppression is unchanged (the event total is not deduplicated).
    const before = await stores.subscribers.get("recipient@example.com");
    await invoke(fixture<EventBridgeEvent<string, unknown>>("eventbridge-bounce.json"));
    expect(await stores.subscribers.get("recipient@example.com")).toEqual(before);
  });

  it("SNS → Lambda identity notification and event publishing records", async () => {
    expect(await invoke(fixture<SNSEvent>("sns-lambda-notification-bounce.json"))).toMatchObject({
      processed: 1,
    });
    expect((await stores.subscribers.get("jane@example.com"))?.status).toBe("suppressed");
    // mary is in the message's destination but did not bounce.
    expect((await stores.subscribers.get("mary@example.com"))?.status).toBe("active");
    expect(await invoke(fixture<SNSEvent>("sns-lambda-event-complaint.json"))).toMatchObject({
      processed: 1,
    });
    expect(await stores.editions.getStats(DAY)).toMatchObject({ complained: 1 });
  });

  it("SQS batch: a malformed record is skipped and never fails the batch", async () => {
    const event = fixture<SQSEvent>("sqs-sns-event-bounce.json");
    expect(await invoke(event)).toEqual({
      processed: 1,
      ignored: 0,
      malformed: 1,
      failed: 0,
      batchItemFailures: [],
    });
  });

  it("SQS batch: a record the stores fail on is reported for redelivery, the others are applied", async () => {
    const event = fixture<SQSEvent>("sqs-sns-event-bounce.json");
    const [bounce] = event.Records as [SQSRecord];
    const complaint = structuredClone(bounce);
    complaint.messageId = "c0ffee00-0000-4000-8000-000000000001";
    const body = JSON.parse(complaint.body);
    body.Message = JSON.stringify(fixture<Record<string, unknown>>("notification-complaint-feedback.json"));
    complaint.body = JSON.stringify(body);
    const spy = vi
      .spyOn(DynamoEditionStore.prototype, "addStats")
      .mockRejectedValueOnce(
        Object.assign(new Error("Rate exceeded"), { name: "ProvisionedThroughputExceededException" }),
      );
    try {
      const result = await invoke({ Records: [bounce, complaint] });
      expect(result).toMatchObject({ processed: 1, failed: 1 });
      expect(result.batchItemFailures).toEqual([{ itemIdentifier: "059f36b4-87a3-44ab-83d2-661975830a7d" }]);
      expect((await stores.subscribers.get("richard@example.com"))?.status).toBe("suppressed");
    } finally {
      spy.mockRestore();
    }
  });

  it("EventBridge: a store failure is rethrown so EventBridge retries the event", async () => {
    const spy = vi.spyOn(DynamoEditionStore.prototype, "addStats").mockRejectedValueOnce(new Error("boom"));
    try {
      await expect(
        invoke(fixture<EventBridgeEvent<string, unknown>>("eventbridge-delivery.json")),
      ).rejects.toThrow("boom");
    } finally {
      spy.mockRestore();
    }
  });

  it("soft bounces suppress after DIGEST_TRANSIENT_BOUNCE_LIMIT in a row; a delivery resets the count", async () => {
    // Two more editions, so that mary's soft bounces come from different messages.
    const [DAY2, DAY3] = ["2031-03-15", "2031-03-16"] as const;
    const file = await writeStories(stack, "more.ndjson", [story(DAY2, 1), story(DAY3, 1)]);
    expect((await stack.digest(["stories", "import", file])).code).toBe(0);
    for (const day of [DAY2, DAY3]) expect((await stack.digest(["send", "--date", day])).code).toBe(0);
    const softOf = (edition: string) =>
      JSON.parse(
        JSON.stringify(fixture("event-bounce-transient.json"))
          .replaceAll("recipient@example.com", "mary@example.com")
          .replaceAll(DAY, edition),
      );
    const soft = softOf(DAY);
    const delivery = JSON.parse(
      JSON.stringify(fixture("eventbridge-delivery.json")).replaceAll(
        "recipient@example.com",
        "mary@example.com",
      ),
    );
    const asEventBridge = (detail: unknown) => ({
      ...fixture<Record<string, unknown>>("eventbridge-bounce.json"),
      detail,
    });
    const statsBefore = await stores.editions.getStats(DAY);
    await invoke(asEventBridge(soft) as EventBridgeEvent<string, unknown>);
    // EventBridge redelivers the same bounce: counted once (recorded on mary's ledger entry of DAY).
    await invoke(asEventBridge(soft) as EventBridgeEvent<string, unknown>);
    expect(await stores.subscribers.get("mary@example.com")).toMatchObject({
      status: "active",
      transientBounces: 1,
    });
    await invoke(delivery);
    expect((await stores.subscribers.get("mary@example.com"))?.transientBounces).toBe(0);
    await invoke(asEventBridge(softOf(DAY2)) as EventBridgeEvent<string, unknown>);
    expect((await stores.subscribers.get("mary@example.com"))?.transientBounces).toBe(1);
    await invoke(asEventBridge(softOf(DAY3)) as EventBridgeEvent<string, unknown>);
    expect(await stores.subscribers.get("mary@example.com")).toMatchObject({
      status: "suppressed",
      suppression: { reason: "transient-bounces", previousStatus: "active" },
    });
    expect((await stores.suppressions.get("mary@example.com"))?.reason).toBe("transient-bounces");
    // Soft bounces are not edition bounces (SES's bounce rate counts hard ones); the delivery is counted.
    expect(await stores.editions.getStats(DAY)).toMatchObject({
      bounced: statsBefore.bounced,
      delivered: (statsBefore.delivered ?? 0) + 1,
      softBounced: (statsBefore.softBounced ?? 0) + 1,
    });
    expect(await stores.editions.getStats(DAY3)).toMatchObject({ softBounced: 1 });
  });

  it("counts every open and click, and each reader once, through redeliveries", async () => {
    const eb = fixture<EventBridgeEvent<string, unknown>>("eventbridge-bounce.json");
    const as = (name: string, detailType: string, email: string) => ({
      ...eb,
      "detail-type": detailType,
      detail: JSON.parse(JSON.stringify(fixture(name)).replaceAll("recipient@example.com", email)),
    });
    const before = await stores.editions.getStats(DAY);
    const events = [
      as("event-open.json", "Email Opened", "jane@example.com"),
      as("event-open.json", "Email Opened", "jane@example.com"), // a second open by jane
      as("event-open.json", "Email Opened", "richard@example.com"),
      as("event-click.json", "Email Clicked", "jane@example.com"),
      as("event-click.json", "Email Clicked", "jane@example.com"), // redelivered
    ];
    for (const event of events) expect(await invoke(event)).toMatchObject({ processed: 1, failed: 0 });
    const after = await stores.editions.getStats(DAY);
    const delta = (stat: keyof typeof after) => (after[stat] ?? 0) - (before[stat] ?? 0);
    expect({
      opened: delta("opened"),
      uniqueOpened: delta("uniqueOpened"),
      clicked: delta("clicked"),
      uniqueClicked: delta("uniqueClicked"),
    }).toEqual({ opened: 3, uniqueOpened: 2, clicked: 2, uniqueClicked: 1 });
  });

  it("ignores SES events that are not about an email, and counts nothing for unknown editions", async () => {
    const eb = fixture<EventBridgeEvent<string, unknown>>("eventbridge-bounce.json");
    expect(await invoke({ ...eb, "detail-type": "Sending Status Disabled", detail: {} })).toMatchObject({
      processed: 0,
      ignored: 1,
    });
    const open = JSON.parse(JSON.stringify(fixture("event-open.json")).replace(DAY, "2031-01-01"));
    expect(await invoke({ ...eb, "detail-type": "Email Opened", detail: open })).toMatchObject({
      processed: 1,
    });
    expect(await stores.editions.get("2031-01-01")).toBeNull();
    // Nor does recording a first open create a ledger entry for someone the edition never went to.
    expect(Object.values(await stores.ledger.counts("2031-01-01")).every((n) => n === 0)).toBe(true);
    for (let i = 0; i < 2; i++) {
      expect(await stores.ledger.markFirst(DAY, "no-such-subscriber", "opened", "2031-03-14T09:00:00Z")).toBe(
        "absent",
      );
    }
  });
});

describe("ses-events metrics (EMF on stdout)", () => {
  const eventBridge = (name: string) => ({
    ...fixture<EventBridgeEvent<string, unknown>>("eventbridge-bounce.json"),
    // Someone who is no subscriber, about a day with no edition: nothing above is disturbed.
    detail: JSON.parse(
      JSON.stringify(fixture(name))
        .replaceAll("recipient@example.com", "metrics@example.com")
        .replaceAll(DAY, "2031-01-02"),
    ),
  });

  it("counts each applied event per recipient by type, hard and soft bounces apart", async () => {
    const blobs: EmfBlob[] = [];
    for (const name of [
      "event-send.json",
      "event-delivery.json",
      "event-bounce.json",
      "event-bounce-transient.json",
      "event-complaint.json",
      "event-reject.json",
      "event-open.json",
      "event-open.json",
      "event-click.json",
      "event-delivery-delay.json",
      "event-rendering-failure.json",
    ]) {
      const run = await captureEmf(() => handler(eventBridge(name)));
      expect(run.result).toMatchObject({ processed: 1, failed: 0 });
      blobs.push(...run.blobs);
    }
    for (const blob of blobs) {
      expect(blob.namespace).toBe(METRICS_NAMESPACE);
      expect(blob.dimensions).toEqual([[SERVICE_DIMENSION]]);
      expect(blob.values[SERVICE_DIMENSION]).toBe(serviceName("ses-events"));
    }
    const totals = metricTotals(blobs);
    expect(totals).toEqual({
      [SES_EVENT_METRICS.sends]: 1,
      [SES_EVENT_METRICS.deliveries]: 1,
      [SES_EVENT_METRICS.hardBounces]: 1,
      [SES_EVENT_METRICS.softBounces]: 1,
      [SES_EVENT_METRICS.complaints]: 1,
      [SES_EVENT_METRICS.rejects]: 1,
      [SES_EVENT_METRICS.opens]: 2,
      [SES_EVENT_METRICS.clicks]: 1,
      [SES_EVENT_METRICS.deliveryDelays]: 1,
      [SES_EVENT_METRICS.renderingFailures]: 1,
    });
    // Everything this function declares (and the dashboard may graph) is emitted.
    expect(Object.keys(totals).sort()).toEqual(
      [...(EMITTED_METRICS[serviceName("ses-events")] ?? [])].sort(),
    );
  });

  it("counts a record only once it is applied: a failed one is counted on its retry", async () => {
    const spy = vi.spyOn(DynamoEditionStore.prototype, "addStats").mockRejectedValueOnce(new Error("boom"));
    const delivery = fixture<EventBridgeEvent<string, unknown>>("eventbridge-delivery.json");
    try {
      const failed = await captureEmf(() => handler(delivery));
      expect(String(failed.error)).toMatch(/boom/);
      expect(failed.blobs).toEqual([]);
    } finally {
      spy.mockRestore();
    }
    const retried = await captureEmf(() => handler(delivery));
    expect(metricTotals(retried.blobs)).toEqual({ [SES_EVENT_METRICS.deliveries]: 1 });
    // Nothing to count (not about an email): no EMF line at all.
    const ignored = await captureEmf(() =>
      handler({ ...delivery, "detail-type": "Sending Status Disabled", detail: {} }),
    );
    expect(ignored.blobs).toEqual([]);
  });
});

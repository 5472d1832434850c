import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { rateVerdict } from "../../functions/core/delivery/safety-pause.js";
import {
  applySesDecision,
  applySesRecords,
  type SesEventDeps,
} from "../../functions/core/events/apply-ses-events.js";
import {
  decideSesEvent,
  parseSesNotifications,
  type SesEvent,
  type SesRecord,
} from "../../functions/core/events/ses-events.js";
import { parseConfig } from "../../functions/core/kernel/config.js";
import type {
  EditionStat,
  EditionStore,
  RecipientMark,
  SendLedger,
  SubscriberStore,
} from "../../functions/core/kernel/ports.js";
import {
  erasedKey,
  type Subscriber,
  type SubscriberStatus,
} from "../../functions/core/subscribers/subscribers.js";
import { suppressAddress, unsuppressAddress } from "../../functions/core/subscribers/suppression-admin.js";
import { MemorySubscribers, MemorySuppressions, TEST_ERASURE_KEY } from "../helpers/memory-stores.js";

const FIXTURES = join(import.meta.dirname, "..", "fixtures", "ses");
const fixture = (name: string): unknown => JSON.parse(readFileSync(join(FIXTURES, name), "utf8"));
const EDITION = "2031-03-14";

function only(records: SesRecord[]): SesEvent {
  expect(records).toHaveLength(1);
  const [record] = records;
  if (record?.kind !== "event") throw new Error(`expected an event, got ${JSON.stringify(record)}`);
  return record.event;
}

function editionsWithStats() {
  const stats = new Map<string, Partial<Record<EditionStat, number>>>();
  const store = {
    stats,
    async addStats(editionId: string, delta: Partial<Record<EditionStat, number>>) {
      const current = stats.get(editionId) ?? {};
      for (const [k, n] of Object.entries(delta))
        current[k as EditionStat] = (current[k as EditionStat] ?? 0) + (n ?? 0);
      stats.set(editionId, current);
    },
  };
  return store as unknown as EditionStore & { stats: typeof stats };
}

function subscriber(
  email: string,
  status: SubscriberStatus = "active",
  extra: Partial<Subscriber> = {},
): Subscriber {
  return {
    id: `id-${email}`,
    email,
    name: null,
    status,
    sections: [],
    timezone: null,
    createdAt: "2031-01-01T00:00:00.000Z",
    confirmedAt: "2031-01-01T00:00:00.000Z",
    updatedAt: "2031-01-01T00:00:00.000Z",
    consent: { method: "admin", at: "2031-01-01T00:00:00.000Z", source: null },
    ...extra,
  };
}

/**
 * The ledger's markFirst over a map: entries exist for recipients "sent" to; each mark is set once.
 * (The DynamoDB ledger's conditional write is tested through the embedded stack.)
 */
function ledgerWith(entries: { editionId: string; subscriberId: string }[]) {
  const marks = new Map(entries.map((e) => [`${e.editionId}|${e.subscriberId}`, new Set<RecipientMark>()]));
  const ledger: Pick<SendLedger, "markFirst"> = {
    async markFirst(editionId, subscriberId, mark) {
      const set = marks.get(`${editionId}|${subscriberId}`);
      if (!set) return "absent";
      if (set.has(mark)) return "repeat";
      set.add(mark);
      return "first";
    },
  };
  return { ledger, marks };
}

function world(transientBounceLimit = 3) {
  const subscribers = new MemorySubscribers();
  const suppressions = new MemorySuppressions();
  const editions = editionsWithStats();
  const deps: SesEventDeps = {
    subscribers,
    suppressions,
    editions,
    transientBounceLimit,
    clock: () => new Date("2031-03-15T08:00:00.000Z"),
  };
  return { deps, subscribers, suppressions, editions };
}

describe("parsing SES notifications in every shape (doc fixtures)", () => {
  it("reads identity notifications (notificationType): bounce with and without a DSN, complaints, delivery", () => {
    const dsn = only(parseSesNotifications(fixture("notification-bounce-dsn.json")));
    expect(dsn).toMatchObject({
      type: "Bounce",
      publishing: "notification",
      bounceType: "Permanent",
      bounceSubType: "General",
      at: "2016-01-27T14:59:38.237Z",
      feedbackId: "00000138111222aa-33322211-cccc-cccc-cccc-ddddaaaa068a-000000",
      messageId: "00000138111222aa-33322211-cccc-cccc-cccc-ddddaaaa0680-000000",
      // Identity notifications carry no message tags.
      editionId: null,
      recipients: [{ email: "jane@example.com", detail: "smtp; 550 5.1.1 <jane@example.com>... User" }],
    });
    const noDsn = only(parseSesNotifications(fixture("notification-bounce-no-dsn.json")));
    expect(noDsn.recipients).toEqual([
      { email: "jane@example.com", detail: null },
      { email: "richard@example.com", detail: null },
    ]);
    expect(only(parseSesNotifications(fixture("notification-complaint-feedback.json")))).toMatchObject({
      type: "Complaint",
      complaintFeedbackType: "abuse",
      recipients: [{ email: "richard@example.com" }],
    });
    expect(only(parseSesNotifications(fixture("notification-complaint-no-feedback.json")))).toMatchObject({
      type: "Complaint",
      complaintFeedbackType: null,
    });
    expect(only(parseSesNotifications(fixture("notification-delivery.json")))).toMatchObject({
      type: "Delivery",
      recipients: [{ email: "jane@example.com" }],
    });
  });

  it("reads configuration-set event publishing (eventType) with the edition tag, every event type", () => {
    const types = {
      "event-bounce.json": "Bounce",
      "event-bounce-transient.json": "Bounce",
      "event-complaint.json": "Complaint",
      "event-delivery.json": "Delivery",
      "event-send.json": "Send",
      "event-reject.json": "Reject",
      "event-open.json": "Open",
      "event-click.json": "Click",
      "event-rendering-failure.json": "RenderingFailure",
      "event-delivery-delay.json": "DeliveryDelay",
    };
    for (const [file, type] of Object.entries(types)) {
      const event = only(parseSesNotifications(fixture(file)));
      expect(event, file).toMatchObject({ type, publishing: "event", editionId: EDITION });
      expect(event.recipients.length, file).toBeGreaterThan(0);
    }
    expect(only(parseSesNotifications(fixture("event-open.json"))).at).toBe("2017-08-09T22:00:19.652Z");
    expect(only(parseSesNotifications(fixture("event-delivery-delay.json"))).recipients).toEqual([
      { email: "recipient@example.com", detail: "smtp; 421 4.4.1 Unable to connect to remote host" },
    ]);
  });

  it("unwraps a Lambda SNS event whose Message is the SES JSON string", () => {
    const [record] = parseSesNotifications(fixture("sns-lambda-notification-bounce.json"));
    expect(record).toMatchObject({
      kind: "event",
      origin: "sns",
      recordId: "95df01b4-ee98-5cb9-9903-4c221d41eb5e",
      event: { type: "Bounce", publishing: "notification", recipients: [{ email: "jane@example.com" }] },
    });
    expect(only(parseSesNotifications(fixture("sns-lambda-event-complaint.json")))).toMatchObject({
      type: "Complaint",
      publishing: "event",
      editionId: EDITION,
    });
  });

  it("unwraps SQS records holding SNS notifications, and reports the docs' 'test' body as malformed", () => {
    const records = parseSesNotifications(fixture("sqs-sns-event-bounce.json"));
    expect(records).toHaveLength(2);
    expect(records[0]).toMatchObject({
      kind: "event",
      origin: "sqs",
      recordId: "059f36b4-87a3-44ab-83d2-661975830a7d",
      event: { type: "Bounce", editionId: EDITION, recipients: [{ email: "recipient@example.com" }] },
    });
    expect(records[1]).toMatchObject({
      kind: "malformed",
      origin: "sqs",
      recordId: "2e1424d4-f796-459a-8184-9c92662be6da",
    });
  });

  it("reads EventBridge events from SES (detail-type, detail = the event record)", () => {
    const [bounce] = parseSesNotifications(fixture("eventbridge-bounce.json"));
    expect(bounce).toMatchObject({
      kind: "event",
      origin: "eventbridge",
      recordId: "6a7e8feb-b491-4cf7-a9f1-bf3703467718",
      event: { type: "Bounce", bounceType: "Permanent", editionId: EDITION },
    });
    expect(only(parseSesNotifications(fixture("eventbridge-complaint.json"))).type).toBe("Complaint");
    expect(only(parseSesNotifications(fixture("eventbridge-delivery.json"))).type).toBe("Delivery");
    // The detail-type alone is enough when the detail lacks eventType.
    const { eventType: _t, ...detail } = (
      fixture("eventbridge-bounce.json") as { detail: Record<string, unknown> }
    ).detail;
    const bare = { ...(fixture("eventbridge-bounce.json") as object), detail };
    expect(only(parseSesNotifications(bare)).type).toBe("Bounce");
  });

  it("reads a bare SNS notification (HTTP or raw SQS body) and arrays of payloads", () => {
    const body = JSON.parse(
      (fixture("sqs-sns-event-bounce.json") as { Records: [{ body: string }] }).Records[0].body,
    );
    expect(only(parseSesNotifications(body)).type).toBe("Bounce");
    const many = parseSesNotifications([fixture("event-bounce.json"), fixture("event-delivery.json")]);
    expect(many.map((r) => r.kind === "event" && r.event.type)).toEqual(["Bounce", "Delivery"]);
  });

  it("ignores what is not an email event and reports what is broken, never throwing", () => {
    const eb = fixture("eventbridge-bounce.json") as Record<string, unknown>;
    expect(
      parseSesNotifications({ ...eb, "detail-type": "Sending Status Disabled", detail: {} })[0],
    ).toMatchObject({
      kind: "ignored",
    });
    expect(
      parseSesNotifications({
        notificationType: "AmazonSnsSubscriptionSucceeded",
        message: "You have successfully subscribed your Amazon SNS topic …",
      })[0],
    ).toMatchObject({ kind: "ignored" });
    expect(
      parseSesNotifications({ Type: "SubscriptionConfirmation", TopicArn: "arn:x", Message: "confirm" })[0],
    ).toMatchObject({
      kind: "ignored",
    });
    const cases: unknown[] = [
      "not json {",
      42,
      { hello: "world" },
      { eventType: "Bounce", mail: {} },
      { eventType: "Bounce", bounce: { bounceType: "Permanent", bouncedRecipients: [] }, mail: {} },
      {
        eventType: "Complaint",
        complaint: { complainedRecipients: [{ emailAddress: "not an address" }] },
        mail: {},
      },
      { notificationType: "Delivery", delivery: {} },
      {
        Records: [
          { Sns: { MessageId: "m1" } },
          { eventSource: "aws:sqs", messageId: "q1", body: "[" },
          { other: 1 },
        ],
      },
    ];
    for (const input of cases) {
      const records = parseSesNotifications(input);
      expect(records.length, JSON.stringify(input)).toBeGreaterThan(0);
      for (const r of records) expect(r.kind, JSON.stringify(input)).toBe("malformed");
    }
  });
});

describe("deciding what an SES event means", () => {
  const decide = (name: string) => decideSesEvent(only(parseSesNotifications(fixture(name))));

  it("suppresses hard bounces with subtype and diagnostic, and counts them for the tagged edition", () => {
    expect(decide("event-bounce.json")).toMatchObject({
      editionId: EDITION,
      stats: { bounced: 1 },
      suppress: [
        {
          email: "recipient@example.com",
          reason: "bounce",
          detail: "Permanent/General: smtp; 550 5.1.1 user unknown",
          at: "2017-08-05T00:41:02.669Z",
        },
      ],
      softBounces: [],
    });
    // Untagged (identity notification): suppressed all the same, counted nowhere.
    const untagged = decide("notification-bounce-no-dsn.json");
    expect(untagged.suppress.map((s) => s.email)).toEqual(["jane@example.com", "richard@example.com"]);
    expect(untagged.stats).toEqual({});
    expect(untagged.summary).toContain("no edition tag");
  });

  it("counts transient bounces per address instead of suppressing, and not as edition bounces", () => {
    expect(decide("event-bounce-transient.json")).toMatchObject({
      stats: {},
      suppress: [],
      softBounces: [
        { email: "recipient@example.com", detail: "Transient/MailboxFull: smtp; 452 4.2.2 mailbox full" },
      ],
    });
  });

  it("suppresses every complaint, with or without a feedback report, except a not-spam report", () => {
    expect(decide("event-complaint.json")).toMatchObject({
      stats: { complained: 1 },
      suppress: [{ email: "recipient@example.com", reason: "complaint", detail: "abuse" }],
    });
    expect(decide("notification-complaint-no-feedback.json").suppress).toEqual([
      {
        email: "richard@example.com",
        reason: "complaint",
        detail: "no feedback report",
        at: "2016-01-27T14:59:38.237Z",
      },
    ]);
    const notSpam = structuredClone(fixture("event-complaint.json")) as {
      complaint: Record<string, unknown>;
    };
    notSpam.complaint.complaintFeedbackType = "not-spam";
    const d = decideSesEvent(only(parseSesNotifications(notSpam)));
    expect(d.suppress).toEqual([]);
    expect(d.stats).toEqual({});
  });

  it("counts deliveries, opens and clicks; sends, rejects, rendering failures and delays change nothing", () => {
    expect(decide("event-delivery.json")).toMatchObject({
      stats: { delivered: 1 },
      delivered: ["recipient@example.com"],
    });
    expect(decide("event-open.json").stats).toEqual({ opened: 1 });
    expect(decide("event-click.json").stats).toEqual({ clicked: 1 });
    for (const name of [
      "event-send.json",
      "event-reject.json",
      "event-rendering-failure.json",
      "event-delivery-delay.json",
    ]) {
      const d = decide(name);
      expect(
        { stats: d.stats, suppress: d.suppress, soft: d.softBounces, delivered: d.delivered },
        name,
      ).toEqual({
        stats: {},
        suppress: [],
        soft: [],
        delivered: [],
      });
    }
  });
});

describe("applying decisions: suppression list, subscriber status, counters", () => {
  const apply = async (w: ReturnType<typeof world>, name: string | object) =>
    applySesRecords(w.deps, parseSesNotifications(typeof name === "string" ? fixture(name) : name));

  it("a hard bounce writes the entry and suppresses the subscriber, keeping reason, time and previous status", async () => {
    const w = world();
    await w.subscribers.put(subscriber("recipient@example.com", "active"));
    const [outcome] = await apply(w, "eventbridge-bounce.json");
    expect(outcome?.status).toBe("applied");
    expect(w.suppressions.items.get("recipient@example.com")).toEqual({
      email: "recipient@example.com",
      reason: "bounce",
      detail: "Permanent/General: smtp; 550 5.1.1 user unknown",
      at: "2017-08-05T00:41:02.669Z",
    });
    expect(w.subscribers.items.get("recipient@example.com")).toMatchObject({
      status: "suppressed",
      suppression: { reason: "bounce", at: "2017-08-05T00:41:02.669Z", previousStatus: "active" },
      updatedAt: "2031-03-15T08:00:00.000Z",
    });
    expect(w.editions.stats.get(EDITION)).toEqual({ bounced: 1 });
  });

  it("a redelivered hard bounce changes nothing but the edition counter", async () => {
    const w = world();
    await w.subscribers.put(subscriber("recipient@example.com", "paused"));
    await apply(w, "event-bounce.json");
    const entry = structuredClone(w.suppressions.items.get("recipient@example.com"));
    const sub = structuredClone(w.subscribers.items.get("recipient@example.com"));
    const [again] = await apply(w, "event-bounce.json");
    expect(again?.status === "applied" && again.applied.changes).toEqual([
      {
        email: "recipient@example.com",
        action: "already-suppressed",
        note: expect.stringContaining("bounce"),
      },
    ]);
    expect(w.suppressions.items.get("recipient@example.com")).toEqual(entry);
    expect(w.subscribers.items.get("recipient@example.com")).toEqual(sub);
    expect(sub?.suppression?.previousStatus).toBe("paused");
  });

  it("a complaint suppresses with its feedback type; a later bounce keeps the first reason", async () => {
    const w = world();
    await w.subscribers.put(subscriber("richard@example.com"));
    await apply(w, "notification-complaint-feedback.json");
    await apply(w, { ...(fixture("notification-bounce-no-dsn.json") as object) });
    expect(w.suppressions.items.get("richard@example.com")).toMatchObject({
      reason: "complaint",
      detail: "abuse",
    });
    expect(w.subscribers.items.get("richard@example.com")?.suppression?.reason).toBe("complaint");
    // jane had no subscriber record: the entry alone still blocks her.
    expect(w.suppressions.items.get("jane@example.com")?.reason).toBe("bounce");
  });

  it("soft bounces count up and suppress at the limit; a delivery in between resets the count", async () => {
    const w = world(3);
    await w.subscribers.put(subscriber("recipient@example.com"));
    await apply(w, "event-bounce-transient.json");
    await apply(w, "event-bounce-transient.json");
    expect(w.subscribers.items.get("recipient@example.com")).toMatchObject({
      status: "active",
      transientBounces: 2,
    });
    const [delivered] = await apply(w, "event-delivery.json");
    expect(delivered?.status === "applied" && delivered.applied.changes[0]?.action).toBe("count-reset");
    expect(w.subscribers.items.get("recipient@example.com")?.transientBounces).toBe(0);
    for (let i = 0; i < 2; i++) await apply(w, "event-bounce-transient.json");
    expect(w.subscribers.items.get("recipient@example.com")?.status).toBe("active");
    const [third] = await apply(w, "event-bounce-transient.json");
    expect(third?.status === "applied" && third.applied.changes[0]?.action).toBe("suppressed");
    expect(w.subscribers.items.get("recipient@example.com")).toMatchObject({
      status: "suppressed",
      transientBounces: 3,
      suppression: { reason: "transient-bounces", previousStatus: "active" },
    });
    expect(w.suppressions.items.get("recipient@example.com")?.detail).toMatch(
      /^3 soft bounces with no delivery between; last: Transient\/MailboxFull/,
    );
    // Soft bounces of addresses with no subscriber record are not counted anywhere.
    const stranger = JSON.parse(
      JSON.stringify(fixture("event-bounce-transient.json")).replaceAll(
        "recipient@example.com",
        "nobody@example.com",
      ),
    );
    const [unknown] = await apply(w, stranger);
    expect(unknown?.status === "applied" && unknown.applied.changes[0]).toMatchObject({
      action: "ignored",
      note: "soft bounce not counted: not a subscriber",
    });
  });

  it("never stores an erased address again: its hashed entry already blocks it", async () => {
    const w = world();
    await w.suppressions.put({
      email: erasedKey("recipient@example.com", TEST_ERASURE_KEY),
      reason: "erased",
      detail: null,
      at: "x",
    });
    const [outcome] = await apply(w, "event-complaint.json");
    expect(outcome?.status === "applied" && outcome.applied.changes[0]?.action).toBe("erased");
    expect(w.suppressions.items.has("recipient@example.com")).toBe(false);
    expect(await unsuppressAddress(w.deps, "recipient@example.com")).toEqual({ outcome: "erased" });
  });

  it("unsuppress restores the previous status explicitly and forgets the soft-bounce count", async () => {
    const w = world();
    await w.subscribers.put(subscriber("ana@example.com", "paused", { transientBounces: 2 }));
    expect(
      (await suppressAddress(w.deps, { email: "Ana@Example.com", reason: "manual", detail: null })).outcome,
    ).toBe("suppressed");
    expect(w.subscribers.items.get("ana@example.com")?.status).toBe("suppressed");
    const lifted = await unsuppressAddress(w.deps, "ana@example.com");
    expect(lifted).toMatchObject({ outcome: "removed", restoredStatus: "paused" });
    const ana = w.subscribers.items.get("ana@example.com");
    expect(ana).toMatchObject({ status: "paused", transientBounces: 0 });
    expect(ana?.suppression).toBeUndefined();
    expect(w.suppressions.items.size).toBe(0);
    expect(await unsuppressAddress(w.deps, "ana@example.com")).toEqual({ outcome: "not-suppressed" });
    // No recorded previous status: back to "unsubscribed", never straight to mail.
    await w.subscribers.put(subscriber("ben@example.com", "suppressed"));
    expect(await unsuppressAddress(w.deps, "ben@example.com")).toMatchObject({
      restoredStatus: "unsubscribed",
    });
  });

  it("repairs a subscriber left active when a crash hit between the entry and the subscriber write", async () => {
    const w = world();
    await w.subscribers.put(subscriber("recipient@example.com"));
    const failing = {
      ...w.deps,
      subscribers: Object.assign(Object.create(w.subscribers), {
        put: async () => {
          throw new Error("crash");
        },
      }) as SubscriberStore,
    };
    const decision = decideSesEvent(only(parseSesNotifications(fixture("event-bounce.json"))));
    await expect(applySesDecision(failing, decision)).rejects.toThrow("crash");
    expect(w.suppressions.items.has("recipient@example.com")).toBe(true);
    expect(w.subscribers.items.get("recipient@example.com")?.status).toBe("active");
    const redelivered = await applySesDecision(w.deps, decision);
    expect(redelivered.changes[0]?.action).toBe("suppressed");
    expect(w.subscribers.items.get("recipient@example.com")?.status).toBe("suppressed");
  });

  it("a record that fails to apply is reported and the rest still run", async () => {
    const w = world();
    const broken = {
      ...w.deps,
      editions: { addStats: async () => Promise.reject(new Error("throttled")) } as unknown as EditionStore,
    };
    const outcomes = await applySesRecords(broken, [
      ...parseSesNotifications(fixture("event-delivery.json")),
      ...parseSesNotifications(fixture("notification-bounce-dsn.json")),
    ]);
    expect(outcomes.map((o) => o.status)).toEqual(["failed", "applied"]);
    expect(w.suppressions.items.has("jane@example.com")).toBe(true);
  });
});

describe("the safety pause's verdict", () => {
  const limits = parseConfig({}, {});

  it("defaults to SES's review levels: 5% bounces, 0.1% complaints, from 100 sends", () => {
    expect(limits).toMatchObject({ bounceRateLimit: 0.05, complaintRateLimit: 0.001, rateMinimumSends: 100 });
    expect(rateVerdict({ sent: 99, bounced: 50, complained: 10 }, limits)).toBeNull();
    expect(rateVerdict({ sent: 100, bounced: 5, complained: 0 }, limits)).toBeNull();
    expect(rateVerdict({ sent: 100, bounced: 6, complained: 0 }, limits)).toBe(
      "bounce rate 6% (6 of 100 sent) passed the 5% limit",
    );
    expect(rateVerdict({ sent: 1000, bounced: 0, complained: 1 }, limits)).toBeNull();
    expect(rateVerdict({ sent: 1000, bounced: 60, complained: 2 }, limits)).toBe(
      "complaint rate 0.2% (2 of 1000 sent) passed the 0.1% limit",
    );
  });

  it("takes configured limits, as fractions or percentages", () => {
    const c = parseConfig({}, { DIGEST_BOUNCE_RATE_LIMIT: "10%", DIGEST_RATE_MINIMUM_SENDS: "2" });
    expect(rateVerdict({ sent: 2, bounced: 1, complained: 0 }, c)).toBe(
      "bounce rate 50% (1 of 2 sent) passed the 10% limit",
    );
    expect(() => parseConfig({}, { DIGEST_COMPLAINT_RATE_LIMIT: "0" })).toThrow(
      /complaintRateLimit \(DIGEST_COMPLAINT_RATE_LIMIT\): expected a fraction/,
    );
  });
});

describe("readers, not events: unique opens and clicks, soft bounces once per recipient and edition", () => {
  const tagged = (name: string, edition: string = EDITION, email = "recipient@example.com") => {
    const event = structuredClone(fixture(name)) as { mail: { tags?: Record<string, string[]> } };
    event.mail.tags = { ...event.mail.tags, edition: [edition] };
    return JSON.parse(JSON.stringify(event).replaceAll("recipient@example.com", email));
  };
  const decideTagged = (name: string) => decideSesEvent(only(parseSesNotifications(tagged(name))));

  it("names the reader of a tagged open or click for a first-time count", () => {
    expect(decideTagged("event-open.json")).toMatchObject({
      stats: { opened: 1 },
      firsts: [{ email: "recipient@example.com", mark: "opened", at: expect.any(String) }],
    });
    expect(decideTagged("event-click.json")).toMatchObject({
      stats: { clicked: 1 },
      firsts: [{ email: "recipient@example.com", mark: "clicked" }],
    });
    expect(decideTagged("event-delivery.json").firsts).toEqual([]);
    // Untagged: no edition to count a reader for.
    const untagged = structuredClone(fixture("event-open.json")) as { mail: { tags?: unknown } };
    delete untagged.mail.tags;
    expect(decideSesEvent(only(parseSesNotifications(untagged))).firsts).toEqual([]);
  });

  it("counts every open and click event, but each reader once, however often events repeat", async () => {
    const w = world();
    const ana = subscriber("ana@example.com");
    await w.subscribers.put(ana);
    await w.subscribers.put(subscriber("ben@example.com"));
    const { ledger, marks } = ledgerWith([
      { editionId: EDITION, subscriberId: ana.id },
      { editionId: EDITION, subscriberId: "id-ben@example.com" },
    ]);
    const deps = { ...w.deps, ledger };
    const open = (email: string) => parseSesNotifications(tagged("event-open.json", EDITION, email));
    const click = (email: string) => parseSesNotifications(tagged("event-click.json", EDITION, email));
    // ana opens twice and clicks once; that click is redelivered; ben opens once.
    const outcomes = await applySesRecords(deps, [
      ...open("ana@example.com"),
      ...open("ana@example.com"),
      ...click("ana@example.com"),
      ...click("ana@example.com"),
      ...open("ben@example.com"),
    ]);
    expect(outcomes.map((o) => o.status === "applied" && o.applied.stats)).toEqual([
      { opened: 1, uniqueOpened: 1 },
      { opened: 1 },
      { clicked: 1, uniqueClicked: 1 },
      { clicked: 1 },
      { opened: 1, uniqueOpened: 1 },
    ]);
    expect(w.editions.stats.get(EDITION)).toEqual({
      opened: 3,
      uniqueOpened: 2,
      clicked: 2,
      uniqueClicked: 1,
    });
    expect([...(marks.get(`${EDITION}|${ana.id}`) ?? [])].sort()).toEqual(["clicked", "opened"]);
  });

  it("gives no unique count without a ledger entry or a subscriber record; totals and soft bounces still count", async () => {
    const w = world();
    await w.subscribers.put(subscriber("cleo@example.com")); // subscribed, but not in this edition's ledger
    const deps = { ...w.deps, ledger: ledgerWith([]).ledger };
    await applySesRecords(deps, [
      ...parseSesNotifications(tagged("event-open.json", EDITION, "cleo@example.com")),
      ...parseSesNotifications(tagged("event-open.json", EDITION, "erased@example.com")),
    ]);
    expect(w.editions.stats.get(EDITION)).toEqual({ opened: 2 });
    // A soft bounce there is counted all the same (nothing to deduplicate it against).
    await applySesRecords(
      deps,
      parseSesNotifications(tagged("event-bounce-transient.json", EDITION, "cleo@example.com")),
    );
    await applySesRecords(
      deps,
      parseSesNotifications(tagged("event-bounce-transient.json", EDITION, "cleo@example.com")),
    );
    expect(w.subscribers.items.get("cleo@example.com")?.transientBounces).toBe(2);
    expect(w.editions.stats.get(EDITION)).toMatchObject({ softBounced: 2 });
  });

  it("counts a redelivered soft bounce once, for suppression and for the edition", async () => {
    const w = world(2);
    const ana = subscriber("ana@example.com");
    await w.subscribers.put(ana);
    const { ledger } = ledgerWith([
      { editionId: EDITION, subscriberId: ana.id },
      { editionId: "2031-03-15", subscriberId: ana.id },
    ]);
    const deps = { ...w.deps, ledger };
    const bounce = (edition: string) =>
      parseSesNotifications(tagged("event-bounce-transient.json", edition, "ana@example.com"));
    const [first] = await applySesRecords(deps, bounce(EDITION));
    const [again] = await applySesRecords(deps, bounce(EDITION));
    expect(first?.status === "applied" && first.applied.changes[0]?.action).toBe("soft-bounce");
    expect(again?.status === "applied" && again.applied.changes).toEqual([
      { email: "ana@example.com", action: "repeat", note: expect.stringContaining("already counted") },
    ]);
    expect(w.subscribers.items.get("ana@example.com")).toMatchObject({
      status: "active",
      transientBounces: 1,
    });
    expect(w.editions.stats.get(EDITION)).toEqual({ softBounced: 1 });
    // The next edition's soft bounce is a second one in a row: at the limit of 2, suppressed.
    const [next] = await applySesRecords(deps, bounce("2031-03-15"));
    expect(next?.status === "applied" && next.applied.changes[0]?.action).toBe("suppressed");
    expect(w.editions.stats.get("2031-03-15")).toEqual({ softBounced: 1 });
    expect(w.subscribers.items.get("ana@example.com")?.status).toBe("suppressed");
  });
});

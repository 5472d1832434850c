import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { simpleParser } from "mailparser";
import { afterEach, describe, expect, it } from "vitest";
import { DynamoFeedStore } from "../../functions/adapters/dynamo/feed-store.js";
import { approvalGate, deadlineOf } from "../../functions/core/edition/approval.js";
import { composeEdition } from "../../functions/core/edition/compose.js";
import { quotaAlert } from "../../functions/core/events/overview.js";
import { dayInZone } from "../../functions/core/kernel/dates.js";
import { openRuntime, type Runtime } from "../../functions/local/runtime.js";
import { seedDay } from "../helpers/edition-setup.js";
import { adminRequest, type Serve, startServe } from "../helpers/serve.js";
import { stackDocumentClient, startTestStack, type TestStack } from "../helpers/services.js";

/**
 * Approval of the daily edition (config `approval`, issue 17): "required" stores the composed edition
 * as awaiting-approval and sends nothing, mails the approvers a link to the console's edition page,
 * and `digest editions approve` / POST /admin/editions/{id}/approve starts the send; "deadline HH:MM"
 * sends at the deadline unless an editor held it.
 */

/** A day already past: its deadlines have passed (the gate's own test sets its clock). */
const DAY = "2025-04-02";
const READERS = ["ana@example.com", "ben@example.com"];
let stack: TestStack | null = null;
let serve: Serve | null = null;
let rt: Runtime | null = null;

afterEach(async () => {
  await serve?.stop();
  await rt?.close();
  await stack?.close();
  serve = null;
  rt = null;
  stack = null;
});

const mailedReaders = (s: TestStack) => {
  const dir = join(s.dir, "out", DAY);
  return existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith(".eml")) : [];
};

async function started(approval: string): Promise<TestStack> {
  stack = await startTestStack(
    {},
    {
      DIGEST_APPROVAL: approval,
      DIGEST_APPROVAL_NOTIFY: "desk@example.com, chief@example.com",
      DIGEST_CONSOLE_BASE_URL: "https://console.example.com",
    },
  );
  await seedDay(stack, DAY, READERS);
  return stack;
}

describe("approval: required", () => {
  it("digest send holds the edition and mails the approvers; digest editions approve sends it, once", async () => {
    const s = await started("required");
    const send = await s.digest(["send", "--date", DAY]);
    expect(send.code).toBe(0);
    expect(send.out).toContain(`edition ${DAY} awaits approval: digest editions approve ${DAY}`);
    expect(mailedReaders(s)).toEqual([]);
    const shown = await s.digest(["editions", "show", DAY, "--json"]);
    expect(JSON.parse(shown.out).status).toBe("awaiting-approval");

    const request = await simpleParser(readFileSync(join(s.dir, "out", "approval", "desk@example.com.eml")));
    expect(request.text).toContain(`https://console.example.com/console/#/editions/${DAY}`);
    expect(request.subject).toContain(`the ${DAY} edition awaits approval`);
    expect(existsSync(join(s.dir, "out", "approval", "chief@example.com.eml"))).toBe(true);

    // A rerun of the daily send neither sends nor mails the approvers again.
    expect((await s.digest(["send", "--date", DAY])).code).toBe(0);
    expect(mailedReaders(s)).toEqual([]);

    const approved = await s.digest(["editions", "approve", DAY]);
    expect(approved.err).toContain(`approved edition ${DAY}: sending`);
    expect(approved.code).toBe(0);
    expect(approved.out).toContain(`edition=${DAY} stories=1 recipients=2 sent=2`);
    expect(mailedReaders(s).sort()).toEqual(READERS.map((e) => `${e}.eml`));

    const again = await s.digest(["editions", "approve", DAY]);
    expect(again.code).toBe(1);
    expect(again.err).toContain("only an edition awaiting approval can be approved");
  });

  it("POST /admin/editions/{id}/approve starts the send; a second approve and a hold are refused with 409", async () => {
    const s = await started("required");
    expect((await s.digest(["compose", "--date", DAY])).out).toContain("status=awaiting-approval");
    serve = await startServe(s);
    const approved = await adminRequest(serve, "POST", `/admin/editions/${DAY}/approve`);
    expect(approved.status).toBe(200);
    expect(approved.json).toMatchObject({ id: DAY, status: "sent" });
    expect(mailedReaders(s)).toHaveLength(2);
    const twice = await adminRequest(serve, "POST", `/admin/editions/${DAY}/approve`);
    expect(twice.status).toBe(409);
    expect(twice.json.error).toContain(`edition ${DAY} is sent: only an edition awaiting approval`);
    expect((await adminRequest(serve, "POST", `/admin/editions/${DAY}/hold`)).status).toBe(409);
    expect((await adminRequest(serve, "POST", "/admin/editions/1999-01-01/approve")).status).toBe(404);
  });
});

describe("GET /admin/overview", () => {
  it("shows today's edition awaiting approval as an alert, then its figures from the counters once sent", async () => {
    stack = await startTestStack({}, { DIGEST_APPROVAL: "required" });
    const today = dayInZone(new Date(), "UTC");
    await seedDay(stack, today, READERS);
    await stack.digest(["compose", "--date", today]);
    serve = await startServe(stack);
    const waiting = await adminRequest(serve, "GET", "/admin/overview");
    expect(waiting.status).toBe(200);
    expect(waiting.json.today).toEqual({
      edition: { id: today, status: "awaiting-approval", stories: 1 },
      nextSendAt: null,
    });
    expect(waiting.json.alerts).toEqual([
      { kind: "awaiting-approval", message: `edition ${today} awaits approval` },
    ]);
    expect((await adminRequest(serve, "POST", `/admin/editions/${today}/approve`)).status).toBe(200);
    const sent = await adminRequest(serve, "GET", "/admin/overview");
    expect(sent.json.alerts).toEqual([]);
    expect(sent.json.history).toEqual([
      {
        id: today,
        day: today,
        status: "sent",
        sent: 2,
        delivered: 0,
        opened: 0,
        clicked: 0,
        bounced: 0,
        complained: 0,
      },
    ]);
  });
});

describe("GET /admin/overview alerts", () => {
  it("names a feed whose last three polls failed, with its error; not one that failed twice", async () => {
    stack = await startTestStack();
    const feeds = new DynamoFeedStore(stackDocumentClient(stack), "digest-feeds");
    const failing = "https://news.example.com/failing.xml";
    const flaky = "https://news.example.com/flaky.xml";
    for (const url of [failing, flaky]) await feeds.put(url, null, "2026-12-01T00:00:00.000Z");
    const fail = {
      polledAt: "2026-12-07T05:00:00.000Z",
      status: "error" as const,
      error: "HTTP 503 Service Unavailable",
    };
    for (let i = 0; i < 3; i++) await feeds.recordPoll(failing, fail);
    for (let i = 0; i < 2; i++) await feeds.recordPoll(flaky, fail);
    serve = await startServe(stack);
    const overview = await adminRequest(serve, "GET", "/admin/overview");
    expect(overview.json.alerts).toEqual([
      {
        kind: "feed-failing",
        message: `feed ${failing} failed its last 3 polls (at least 3): HTTP 503 Service Unavailable`,
      },
    ]);
  });

  it("says when the SES 24-hour quota is used up or nearly (90%), with the figures", () => {
    expect(quotaAlert({ max24HourSend: 50_000, sentLast24Hours: 44_999 })).toBeNull();
    expect(quotaAlert({ max24HourSend: 50_000, sentLast24Hours: 45_000 })).toEqual({
      kind: "quota",
      message: "the SES sending quota is nearly used up: 45,000 of 50,000 messages in the last 24 hours",
    });
    expect(quotaAlert({ max24HourSend: 200, sentLast24Hours: 200 })?.message).toBe(
      "the SES sending quota is used up: 200 of 200 messages in the last 24 hours",
    );
    // An unlimited or unknown quota says nothing.
    expect(quotaAlert({ max24HourSend: -1, sentLast24Hours: 10 })).toBeNull();
    expect(quotaAlert(null)).toBeNull();
  });
});

describe("approval: deadline HH:MM", () => {
  it("an edition whose deadline passed goes out with the daily send", async () => {
    const s = await started("deadline 06:30");
    const send = await s.digest(["send", "--date", DAY]);
    expect(send.code).toBe(0);
    expect(send.out).toContain(`edition=${DAY} stories=1 recipients=2 sent=2`);
  });

  it("a held edition waits past its deadline until approved", async () => {
    const s = await started("deadline 06:30");
    await s.digest(["compose", "--date", DAY]);
    const held = await s.digest(["editions", "hold", DAY]);
    expect(held.code).toBe(0);
    expect(held.out).toContain(`edition ${DAY} is held`);
    const send = await s.digest(["send", "--date", DAY]);
    expect(send.code).toBe(0);
    expect(send.out).toContain(`edition ${DAY} is held: digest editions approve ${DAY}`);
    expect(mailedReaders(s)).toEqual([]);
    expect((await s.digest(["editions", "approve", DAY])).out).toContain("sent=2");
  });

  it("the gate releases the edition at its deadline in the newsroom's zone, not before", async () => {
    const s = await started("deadline 07:15");
    rt = await openRuntime({ env: { ...s.env, DIGEST_TIME_ZONE: "Europe/Berlin" } });
    const deps = await rt.deps();
    const composed = await composeEdition(deps, DAY);
    if (composed.kind !== "edition") throw new Error("no edition");
    const deadline = deadlineOf(DAY, "07:15", "Europe/Berlin");
    expect(deadline.toISOString()).toBe(`${DAY}T05:15:00.000Z`); // CEST, UTC+2
    expect(composed.edition.approval).toEqual({ mode: "deadline", deadline: deadline.toISOString() });
    const before = await approvalGate(
      { ...deps, clock: () => new Date(deadline.getTime() - 1000) },
      composed.edition,
    );
    expect(before).toMatchObject({ go: false, until: deadline });
    const at = await approvalGate({ ...deps, clock: () => deadline }, composed.edition);
    expect(at.go).toBe(true);
    expect(at.edition).toMatchObject({ status: "sending", approval: { approvedBy: "deadline" } });
  });
});

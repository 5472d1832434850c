import { readFileSync } from "node:fs";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { DynamoEditionStore } from "../../functions/adapters/dynamo/edition-store.js";
import { DynamoSubscriberStore } from "../../functions/adapters/dynamo/subscriber-store.js";
import { DynamoSuppressionStore } from "../../functions/adapters/dynamo/suppression-store.js";
import type { SendAlert } from "../../functions/core/delivery/safety-pause.js";
import { deliverEdition } from "../../functions/core/delivery/send-edition.js";
import { applySesRecords } from "../../functions/core/events/apply-ses-events.js";
import { parseSesNotifications } from "../../functions/core/events/ses-events.js";
import { erasedKey } from "../../functions/core/subscribers/subscribers.js";
import type { SentMessage } from "../../functions/local/ses-endpoint.js";
import { composedEdition, seedDay } from "../helpers/edition-setup.js";
import {
  stackDocumentClient,
  stackErasureKey,
  startTestStack,
  story,
  type TestStack,
  writeStories,
} from "../helpers/services.js";

const DAY = "2031-03-14";
const NEXT_DAY = "2031-03-15";
const FIXTURES = join(import.meta.dirname, "..", "fixtures", "ses");
let stack: TestStack;

afterEach(async () => {
  await stack?.close();
});

/** A doc fixture re-addressed to `email`, tagged with `editionId` and (optionally) SES's MessageId. */
function fixtureFor(name: string, email: string, editionId: string, messageId?: string) {
  const text = readFileSync(join(FIXTURES, name), "utf8")
    .replaceAll("recipient@example.com", email)
    .replaceAll("2031-03-14", editionId);
  const value = JSON.parse(text);
  const record = value.detail ?? value;
  if (messageId && record.mail) record.mail.messageId = messageId;
  return value;
}

async function writeJson(name: string, value: unknown): Promise<string> {
  const path = join(stack.dir, name);
  await writeFile(path, JSON.stringify(value));
  return path;
}

function stores() {
  const db = stackDocumentClient(stack);
  return {
    subscribers: new DynamoSubscriberStore(db, "digest-subscribers"),
    suppressions: new DynamoSuppressionStore(db, "digest-suppressions", stackErasureKey(stack)),
    editions: new DynamoEditionStore(db, "digest-editions"),
    close: () => db.destroy(),
  };
}

const readers = (n: number) => Array.from({ length: n }, (_, i) => `reader${i}@example.com`);
const mailedTo = (from = 0) => stack.ses.messages.slice(from).flatMap((m) => m.destinations);
const json = async (args: string[]) => JSON.parse((await stack.digest(args)).out);

describe("suppression: SES events, the next send, import, and digest suppressions", () => {
  it("a bounced or complaining address is not mailed again, and an admin can lift it", async () => {
    stack = await startTestStack();
    await stack.digest([
      "stories",
      "import",
      await writeStories(stack, "s.ndjson", [story(DAY, 1), story(NEXT_DAY, 2)]),
    ]);
    for (const who of ["ana", "ben", "cy", "dee"])
      await stack.digest(["subscribers", "add", `${who}@example.com`]);
    expect((await stack.digest(["send", "--date", DAY])).out).toMatch(/recipients=4 sent=4 /);

    // SES reports: ben hard-bounced (event publishing, as EventBridge delivers it), cy complained
    // (SNS → Lambda shape). Both go through the same core as the Lambda, from files.
    const bounce = await writeJson(
      "bounce.json",
      fixtureFor("eventbridge-bounce.json", "ben@example.com", DAY),
    );
    const complaint = await writeJson(
      "complaint.json",
      fixtureFor("sns-lambda-event-complaint.json", "cy@example.com", DAY),
    );
    const fed = await stack.digest(["ses-events", bounce, complaint]);
    expect(fed.code).toBe(0);
    expect(fed.out).toContain(
      "suppressed ben@example.com: bounce: Permanent/General: smtp; 550 5.1.1 user unknown",
    );
    expect(fed.out).toContain("suppressed cy@example.com: complaint: abuse");
    expect(fed.out).toMatch(/^events=2 suppressed=2 ignored=0 malformed=0 failed=0$/m);

    const listed = await json(["suppressions", "list", "--json"]);
    expect(listed).toEqual([
      expect.objectContaining({ email: "ben@example.com", reason: "bounce", erased: false }),
      expect.objectContaining({
        email: "cy@example.com",
        reason: "complaint",
        detail: "abuse",
        erased: false,
      }),
    ]);
    const subscribers = await json(["subscribers", "list", "--json"]);
    const status = (email: string) => subscribers.find((s: { email: string }) => s.email === email)?.status;
    expect([status("ana@example.com"), status("ben@example.com"), status("cy@example.com")]).toEqual([
      "active",
      "suppressed",
      "suppressed",
    ]);

    // Re-adding through an import does not reactivate a suppressed address.
    const csv = join(stack.dir, "again.csv");
    await writeFile(csv, "email\nBen@Example.com\n");
    const imported = await stack.digest(["subscribers", "import", csv]);
    expect(imported.out).toMatch(/imported=0 /);
    expect(
      (await json(["subscribers", "list", "--json"])).find(
        (s: { email: string }) => s.email === "ben@example.com",
      ),
    ).toMatchObject({ status: "suppressed" });

    // dee: the suppression entry was written but the subscriber update never happened (a crash between
    // the two writes). The send still skips dee, by the suppression list: suppressed=1.
    const s = stores();
    try {
      await s.suppressions.put({
        email: "dee@example.com",
        reason: "bounce",
        detail: "crash test",
        at: "2031-03-14T09:00:00Z",
      });
      const before = stack.ses.messages.length;
      const next = await stack.digest(["send", "--date", NEXT_DAY]);
      expect(next.code).toBe(0);
      expect(next.out).toMatch(/recipients=2 sent=1 already_sent=0 skipped=0 suppressed=1 failed=0$/m);
      expect(mailedTo(before)).toEqual(["ana@example.com"]);
      // The redelivered bounce repairs dee's record.
      const redelivered = await writeJson(
        "dee.json",
        fixtureFor("event-bounce.json", "dee@example.com", NEXT_DAY),
      );
      expect((await stack.digest(["ses-events", redelivered])).out).toContain("suppressed dee@example.com");
      expect((await s.subscribers.get("dee@example.com"))?.suppression).toMatchObject({
        reason: "bounce",
        previousStatus: "active",
      });
      expect((await s.suppressions.get("dee@example.com"))?.detail).toBe("crash test");
      expect(await s.editions.getStats(DAY)).toMatchObject({ bounced: 1, complained: 1 });
      expect(await s.editions.getStats(NEXT_DAY)).toMatchObject({ bounced: 1 });

      // digest suppressions remove: ben back to the status he had; remove again: nothing to remove.
      const removed = await stack.digest(["suppressions", "remove", "BEN@example.com"]);
      expect(removed.code).toBe(0);
      expect(removed.out).toBe(
        "removed ben@example.com from the suppression list; subscriber is active again\n",
      );
      expect(await s.subscribers.get("ben@example.com")).toMatchObject({
        status: "active",
        transientBounces: 0,
      });
      expect((await s.subscribers.get("ben@example.com"))?.suppression).toBeUndefined();
      const again = await stack.digest(["suppressions", "remove", "ben@example.com"]);
      expect(again).toMatchObject({ code: 1, err: "digest: ben@example.com is not suppressed\n" });

      // digest suppressions add: manual, idempotent, validated.
      expect(
        (await stack.digest(["suppressions", "add", "ana@example.com", "--detail", "asked by phone"])).out,
      ).toBe("suppressed ana@example.com (manual); subscriber was active\n");
      expect((await stack.digest(["suppressions", "add", "ana@example.com"])).out).toMatch(
        /^ana@example.com was already suppressed \(manual since /,
      );
      expect(await s.suppressions.get("ana@example.com")).toMatchObject({
        reason: "manual",
        detail: "asked by phone",
      });
      expect((await stack.digest(["suppressions", "add", "x@example.com", "--reason", "spite"])).code).toBe(
        2,
      );
      expect((await stack.digest(["suppressions", "add", "not-an-address"])).code).toBe(1);

      // Erased addresses are listed by their keyed hash and cannot be lifted.
      const goneKey = erasedKey("gone@example.com", await stackErasureKey(stack)());
      await s.suppressions.put({
        email: goneKey,
        reason: "erased",
        detail: null,
        at: "2031-03-14T10:00:00Z",
      });
      const text = (await stack.digest(["suppressions", "list"])).out;
      expect(text).toMatch(/^hmac-sha256:[0-9a-f]{12}… \(erased\)\s+erased /m);
      expect(text).toMatch(/^4 suppressed addresses$/m);
      expect(
        (await json(["suppressions", "list", "--json"])).find((e: { erased: boolean }) => e.erased),
      ).toMatchObject({
        email: goneKey,
        reason: "erased",
      });
      const erased = await stack.digest(["suppressions", "remove", "gone@example.com"]);
      expect(erased).toMatchObject({ code: 1, err: expect.stringContaining("was erased") });
      expect((await stack.digest(["suppressions", "remove", goneKey])).code).toBe(1);
      // ... and a bounce for an erased address does not write the address back.
      const ghost = await writeJson("ghost.json", fixtureFor("event-bounce.json", "gone@example.com", DAY));
      expect((await stack.digest(["ses-events", ghost])).out).toContain("erased gone@example.com");
      expect(await s.suppressions.get("gone@example.com")).toBeNull();
    } finally {
      s.close();
    }
  });

  it("digest ses-events reports malformed files and records (exit 1) but applies the rest", async () => {
    stack = await startTestStack();
    await stack.digest(["subscribers", "add", "recipient@example.com"]);
    const sqs = join(FIXTURES, "sqs-sns-event-bounce.json");
    const broken = join(stack.dir, "broken.json");
    await writeFile(broken, "{ nope");
    const run = await stack.digest(["ses-events", sqs, broken, join(stack.dir, "missing.json")]);
    expect(run.code).toBe(1);
    expect(run.err).toContain("sqs-sns-event-bounce.json#2: malformed: the message is not JSON");
    expect(run.err).toContain("broken.json: ");
    expect(run.err).toContain("missing.json: no such file");
    expect(run.out).toMatch(/^events=1 suppressed=1 ignored=0 malformed=3 failed=0$/m);
  });
});

describe("the safety pause: bounce and complaint rates stop a send", () => {
  it("a rerun checks the rates at start, pauses with an alert, refuses to continue, and resumes on request", async () => {
    // The quota stops the first run after 3 messages; bounces for 2 of them arrive before the rerun.
    stack = await startTestStack(
      { max24HourSend: 3 },
      { DIGEST_SEND_CONCURRENCY: "1", DIGEST_RATE_MINIMUM_SENDS: "2", DIGEST_RATE_CHECK_EVERY: "1" },
    );
    await seedDay(stack, DAY, readers(10));
    const first = await stack.digest(["send", "--date", DAY]);
    expect(first.out).toMatch(/recipients=10 sent=3 .* remaining=7$/m);
    const [a, b] = stack.ses.messages as [SentMessage, SentMessage, SentMessage];
    const files = [
      await writeJson(
        "a.json",
        fixtureFor("event-bounce.json", a.destinations[0] as string, DAY, a.messageId),
      ),
      await writeJson(
        "b.json",
        fixtureFor("eventbridge-bounce.json", b.destinations[0] as string, DAY, b.messageId),
      ),
    ];
    expect((await stack.digest(["ses-events", ...files])).code).toBe(0);
    await stack.restartSes({});

    const paused = await stack.digest(["send", "--date", DAY]);
    expect(paused.code).toBe(1);
    expect(paused.err).toContain(
      `ALERT: edition ${DAY} paused itself: bounce rate 66.67% (2 of 3 sent) passed the 5% limit.`,
    );
    expect(paused.err).toContain("rerun with --resume-halted");
    expect(paused.out).toMatch(/recipients=8 sent=0 .* remaining=8$/m);
    expect(stack.ses.messages).toHaveLength(0);
    const s = stores();
    try {
      expect(await s.editions.get(DAY)).toMatchObject({
        status: "partial",
        haltedBecause: "bounce rate 66.67% (2 of 3 sent) passed the 5% limit",
      });

      const refused = await stack.digest(["send", "--date", DAY]);
      expect(refused.code).toBe(1);
      expect(refused.err).toContain(`edition ${DAY} is halted: bounce rate 66.67%`);
      expect(stack.ses.messages).toHaveLength(0);

      const resumed = await stack.digest(["send", "--date", DAY, "--resume-halted"]);
      expect(resumed.code).toBe(0);
      expect(resumed.out).toMatch(/recipients=8 sent=7 already_sent=1 skipped=0 suppressed=0 failed=0$/m);
      const edition = await s.editions.get(DAY);
      expect(edition?.status).toBe("sent");
      expect(edition?.haltedBecause).toBeUndefined();
      expect(new Set(mailedTo()).size).toBe(7);
    } finally {
      s.close();
    }
  });

  it("pauses mid-run when bounces for the first messages arrive while it sends", async () => {
    stack = await startTestStack(
      {},
      { DIGEST_SEND_CONCURRENCY: "1", DIGEST_RATE_MINIMUM_SENDS: "2", DIGEST_RATE_CHECK_EVERY: "1" },
    );
    const { rt, deps, edition } = await composedEdition(stack, DAY, readers(10));
    try {
      const sesDeps = { ...deps, transientBounceLimit: deps.config.transientBounceLimit };
      // SES as seen from here: the first two accepted messages hard-bounce, and their events reach the
      // ses-events core (the real parser and stores) before the next message is sent.
      let accepted = 0;
      const mailer = {
        maxSendRate: () => deps.mailer.maxSendRate(),
        async sendRaw(raw: Buffer, opts: { to: string; editionId: string }) {
          const messageId = await deps.mailer.sendRaw(raw, opts);
          if (++accepted <= 2) {
            const event = fixtureFor("eventbridge-bounce.json", opts.to, opts.editionId, messageId);
            await applySesRecords(sesDeps, parseSesNotifications(event));
          }
          return messageId;
        },
      };
      const alerts: SendAlert[] = [];
      const summary = await deliverEdition({ ...deps, mailer, onAlert: (a) => alerts.push(a) }, edition);
      expect(summary).toMatchObject({
        recipients: 10,
        sent: 2,
        remaining: 8,
        haltedBecause: "bounce rate 100% (2 of 2 sent) passed the 5% limit",
      });
      expect(alerts).toEqual([
        { editionId: DAY, reason: summary.haltedBecause, sent: 2, bounced: 2, complained: 0 },
      ]);
      expect(stack.ses.messages).toHaveLength(2);
      expect(await deps.editions.get(DAY)).toMatchObject({
        status: "partial",
        haltedBecause: summary.haltedBecause,
      });

      // Without the override nothing more goes out; with it, the rest (the bounced two are suppressed now).
      const refused = await deliverEdition(deps, edition);
      expect(refused).toMatchObject({ sent: 0, haltedBecause: summary.haltedBecause });
      const resumed = await deliverEdition(deps, edition, { resumeHalted: true });
      expect(resumed).toMatchObject({ recipients: 8, sent: 8, haltedBecause: null, stoppedBecause: null });
      expect(stack.ses.messages).toHaveLength(10);
      expect((await deps.editions.get(DAY))?.status).toBe("sent");
    } finally {
      await rt.close();
    }
  });

  it("suppressed addresses are never mailed: the send skips an address on the list even if its record is active", async () => {
    stack = await startTestStack();
    await seedDay(stack, DAY, ["kept@example.com", "listed@example.com"]);
    const s = stores();
    try {
      await s.suppressions.put({
        email: "listed@example.com",
        reason: "complaint",
        detail: null,
        at: "2031-03-14T00:00:00Z",
      });
    } finally {
      s.close();
    }
    const run = await stack.digest(["send", "--date", DAY]);
    expect(run.out).toMatch(/recipients=2 sent=1 already_sent=0 skipped=0 suppressed=1 failed=0$/m);
    expect(mailedTo()).toEqual(["kept@example.com"]);
  });
});

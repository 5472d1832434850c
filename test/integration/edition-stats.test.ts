import { readdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { adminRequest, type Serve, serveForSuite } from "../helpers/serve.js";
import { story, type TestStack, writeStories } from "../helpers/services.js";

/**
 * Per-edition delivery figures end to end: `digest send` through the embedded SES endpoint, SES
 * events (the AWS documentation's examples, addressed to our recipients and tagged with the edition)
 * applied with `digest ses-events`, then the figures read back from `digest editions show|list --json`
 * and GET /admin/editions[/{id}] on `digest serve`. DAY goes out with open and click tracking on (the
 * default), DAY2 with both off.
 */

const DAY = "2031-03-14";
const DAY2 = "2031-03-15";
const FIXTURES = join(import.meta.dirname, "..", "fixtures", "ses");
const PEOPLE = ["ana", "ben", "cy", "dee"].map((n) => `${n}@example.com`);
const UNTRACKED = { DIGEST_TRACK_OPENS: "false", DIGEST_TRACK_CLICKS: "no" };
const TRACKING_SENTENCE = "We count opens and clicks to learn what readers like.";

// biome-ignore lint/suspicious/noExplicitAny: fixtures are edited field by field
type Json = any;

async function fixture(name: string): Promise<Json> {
  return JSON.parse(await readFile(join(FIXTURES, name), "utf8"));
}

/** An SES event publishing record from a fixture, for `edition` and addressed to `to`. */
function addressed(event: Json, edition: string, to: string[]): Json {
  const copy = structuredClone(event);
  const record = copy.detail ?? copy; // EventBridge envelope or the bare record
  record.mail.destination = to;
  record.mail.tags.edition = [edition];
  if (record.delivery) record.delivery.recipients = to;
  if (record.bounce)
    record.bounce.bouncedRecipients = to.map((emailAddress) => ({ emailAddress, status: "5.1.1" }));
  if (record.complaint) record.complaint.complainedRecipients = to.map((emailAddress) => ({ emailAddress }));
  return copy;
}

/**
 * Sends DAY (tracked) and DAY2 (untracked) to PEOPLE on `stack`, then applies SES events for them with
 * `digest ses-events`; returns what that printed.
 */
async function sendBothDaysAndApplyEvents(stack: TestStack): Promise<string> {
  for (const email of PEOPLE) expect((await stack.digest(["subscribers", "add", email])).code).toBe(0);
  for (const day of [DAY, DAY2]) {
    const file = await writeStories(stack, `${day}.ndjson`, [story(day, 1), story(day, 2), story(day, 3)]);
    expect((await stack.digest(["stories", "import", file])).code).toBe(0);
    const sent = await stack.digest(["send", "--date", day], day === DAY2 ? UNTRACKED : {});
    expect(sent.out).toMatch(/recipients=4 sent=4 /);
  }

  const [delivery, bridged, bounce, soft, complaint, open, click] = await Promise.all(
    [
      "event-delivery.json",
      "eventbridge-delivery.json",
      "event-bounce.json",
      "event-bounce-transient.json",
      "event-complaint.json",
      "event-open.json",
      "event-click.json",
    ].map(fixture),
  );
  const [ana, ben, cy, dee] = PEOPLE as [string, string, string, string];
  const events = [
    addressed(delivery, DAY, [ana, ben]),
    addressed(bridged, DAY, [cy]), // as EventBridge hands it to the ses-events Lambda
    addressed(bounce, DAY, [dee]), // hard bounce: counted
    addressed(soft, DAY, [cy]), // soft bounce: SES retries it; not in the bounce rate
    addressed(soft, DAY, [cy]), // …redelivered: counted once
    addressed(complaint, DAY, [ben]),
    addressed(open, DAY, [ana]),
    addressed(open, DAY, [ana]), // the same reader again: every open counts, ana once as a reader
    addressed(open, DAY, [ben]),
    addressed(click, DAY, [ana]),
    addressed(click, DAY, [ana]), // the same event redelivered: the total counts it again, the reader not
    addressed(delivery, DAY2, PEOPLE),
  ];
  const path = join(stack.dir, "events.json");
  await writeFile(path, JSON.stringify(events));
  const applied = await stack.digest(["ses-events", path]);
  expect(applied.code, applied.err).toBe(0);
  return applied.out;
}

describe("edition delivery figures from SES events", () => {
  let stack: TestStack;
  let serve: Serve;
  let applyOutput = "";
  const api = (path: string) => adminRequest(serve, "GET", path);
  const digestJson = async (args: string[]) => {
    const run = await stack.digest([...args, "--json"]);
    expect(run.code, run.err).toBe(0);
    return JSON.parse(run.out);
  };

  serveForSuite(
    { DIGEST_SECTIONS: "World,Science,Culture" },
    (started) => {
      ({ stack, serve } = started);
    },
    async (started) => {
      applyOutput = await sendBothDaysAndApplyEvents(started);
    },
  );

  it("digest editions show --json and GET /admin/editions/{id} give the same figures, rates and verdict", async () => {
    const cli = await digestJson(["editions", "show", DAY]);
    expect(cli.delivery).toEqual({
      sent: 4,
      sentFrom: "ledger",
      sentCounted: 4,
      delivered: 3,
      bounced: 1,
      softBounced: 1,
      complained: 1,
      tracking: { opens: true, clicks: true },
      opened: 3,
      uniqueOpened: 2,
      clicked: 2,
      uniqueClicked: 1,
      openRate: 0.666667,
      clickRate: 0.333333,
      deliveryRate: 0.75,
      bounceRate: { rate: 0.25, threshold: 0.05, pauseAt: 0.1, verdict: "over" },
      complaintRate: { rate: 0.25, threshold: 0.001, pauseAt: 0.005, verdict: "over" },
      verdict: "over",
      notes: [
        expect.stringMatching(/^small sample \(4 sent\)/),
        expect.stringMatching(/Apple Mail Privacy Protection/),
      ],
    });
    // The raw counters stay as they were.
    expect(cli.stats).toEqual({
      sent: 4,
      delivered: 3,
      bounced: 1,
      softBounced: 1,
      complained: 1,
      opened: 3,
      uniqueOpened: 2,
      clicked: 2,
      uniqueClicked: 1,
    });
    const admin = await api(`/admin/editions/${DAY}`);
    expect(admin.status).toBe(200);
    expect(admin.json).toEqual(cli);

    // The admin API runs with the default config: DAY2's (absent) opens read as 0 there.
    const clean = await api(`/admin/editions/${DAY2}`);
    expect(clean.json.delivery).toMatchObject({
      sent: 4,
      uniqueOpened: 0,
      delivered: 4,
      deliveryRate: 1,
      bounceRate: { rate: 0, verdict: "ok" },
      complaintRate: { rate: 0, verdict: "ok" },
      verdict: "ok",
      notes: [],
    });
  });

  it("digest editions show says it in words", async () => {
    const run = await stack.digest(["editions", "show", DAY]);
    expect(run.code).toBe(0);
    expect(run.out).toContain(
      "delivery: sent=4 delivered=3 (75%) bounced=1 soft_bounced=1 complained=1\n" +
        "opens: 2 readers (66.67% of delivered), 3 events\n" +
        "clicks: 1 reader (33.33% of delivered), 2 events\n" +
        "bounce rate 25% (1 of 4 sent): over (SES reviews at 5%, may pause at 10%)\n" +
        "complaint rate 25% (1 of 4 sent): over (SES reviews at 0.1%, may pause at 0.5%)\n" +
        "verdict: over\n",
    );
    expect(run.out).toMatch(/^note: opens are inflated by Apple Mail Privacy Protection/m);
    // The soft bounce and its redelivery: one count towards cy's suppression, not two.
    expect(applyOutput.match(/^ {2}soft-bounce cy@example\.com: 1 of 3 soft bounces/gm)).toHaveLength(1);
    expect(applyOutput.match(/^ {2}repeat cy@example\.com: soft bounce already counted/gm)).toHaveLength(1);
    expect(applyOutput).toMatch(/opened by ana@example\.com \[2031-03-14: opened\+1 uniqueOpened\+1\]\n/);
  });

  it("says 'not tracked' when tracking is off, and the email's footer says what is counted", async () => {
    const off = await stack.digest(["editions", "show", DAY2], UNTRACKED);
    expect(off.code).toBe(0);
    expect(off.out).toContain("opens not tracked\nclicks not tracked\n");
    const json = JSON.parse((await stack.digest(["editions", "show", DAY2, "--json"], UNTRACKED)).out);
    expect(json.delivery).toMatchObject({ tracking: { opens: false, clicks: false }, opened: null });

    const footers = async (day: string) => {
      const dir = join(stack.dir, "out", day);
      const names = (await readdir(dir)).filter((n) => n.endsWith(".eml"));
      expect(names).toHaveLength(PEOPLE.length);
      return Promise.all(names.map((n) => readFile(join(dir, n), "utf8")));
    };
    for (const raw of await footers(DAY)) expect(raw).toContain(TRACKING_SENTENCE);
    for (const raw of await footers(DAY2)) expect(raw).not.toMatch(/We count/);
  });

  it("the lists carry the headline figures, newest first, sent from the counter (no ledger read)", async () => {
    const cli = await digestJson(["editions", "list", "--to", DAY2, "--days", "7"]);
    expect(
      cli.map((e: Json) => [
        e.id,
        e.delivery.sent,
        e.delivery.sentFrom,
        e.delivery.delivered,
        e.delivery.verdict,
      ]),
    ).toEqual([
      [DAY2, 4, "counter", 4, "ok"],
      [DAY, 4, "counter", 3, "over"],
    ]);
    const admin = await api(`/admin/editions?cursor=${DAY2}&days=7`);
    expect(admin.json.items).toEqual(cli);
    const text = await stack.digest(["editions", "list", "--to", DAY2, "--days", "7"]);
    expect(text.out).toMatch(
      new RegExp(`^${DAY} +sent +stories=3 sent=4 delivered=3 bounce=25% complaint=25% over `, "m"),
    );
    expect(text.out).toMatch(
      new RegExp(`^${DAY2} +sent +stories=3 sent=4 delivered=4 bounce=0% complaint=0% ok `, "m"),
    );
  });
});

import { afterEach, describe, expect, it } from "vitest";
import { startTestStack, story, type TestStack, writeStories } from "../helpers/services.js";

/**
 * The daily quota read up front (GetAccount's Max24HourSend − SentLast24Hours), against the embedded
 * SESv2 endpoint through the real SDK: a run sends what the quota has left and stops cleanly.
 */

const DAY = "2031-05-02";
let stack: TestStack;

afterEach(async () => {
  await stack?.close();
});

async function world(sesOptions: { max24HourSend: number }, subscribers: number) {
  stack = await startTestStack(sesOptions);
  await stack.digest(["stories", "import", await writeStories(stack, "s.ndjson", [story(DAY, 1)])]);
  const emails = Array.from(
    { length: subscribers },
    (_, i) => `reader${String(i).padStart(2, "0")}@example.com`,
  );
  for (const email of emails) await stack.digest(["subscribers", "add", email]);
  return emails;
}

/** Messages the endpoint accepted, per recipient. */
function deliveries(): Map<string, number> {
  const counts = new Map<string, number>();
  for (const m of stack.ses.messages) for (const d of m.destinations) counts.set(d, (counts.get(d) ?? 0) + 1);
  return counts;
}

describe("the daily SES quota", () => {
  it("sends what is left of the quota, stops cleanly naming the rest, and a rerun after a raise sends them once", async () => {
    const emails = await world({ max24HourSend: 5 }, 12);

    const run = await stack.digest(["send", "--date", DAY]);
    expect(run.code).toBe(1);
    expect(run.out).toMatch(
      /recipients=12 sent=5 already_sent=0 skipped=0 suppressed=0 failed=0 remaining=7$/m,
    );
    expect(run.err).toContain(
      "stopped: daily sending quota reached: SES quota 5 of 5 used in the last 24 hours; 7 left, not sent: " +
        "rerun after the quota resets (it resumes)",
    );
    // The quota was read up front: SES never had to refuse a message.
    expect(stack.ses.stats).toMatchObject({ accepted: 5, throttled: 0 });
    const shown = JSON.parse((await stack.digest(["editions", "show", DAY, "--json"])).out);
    expect(shown.status).toBe("partial");
    expect(shown.counts.sent).toBe(5);

    // Still used up: a rerun sends nobody and says so again.
    const blocked = await stack.digest(["send", "--date", DAY]);
    expect(blocked.code).toBe(1);
    expect(blocked.out).toMatch(/ sent=0 .* remaining=\d+$/m);
    expect(blocked.err).toContain("SES quota 5 of 5 used");
    expect(stack.ses.stats.accepted).toBe(5);

    stack.ses.setMax24HourSend(12);
    const rerun = await stack.digest(["send", "--date", DAY]);
    expect(rerun.code).toBe(0);
    expect(rerun.out).toMatch(/recipients=12 sent=7 already_sent=5 skipped=0 suppressed=0 failed=0$/m);
    expect(rerun.err).not.toContain("stopped");
    const received = deliveries();
    expect([...received.keys()].sort()).toEqual(emails);
    expect([...received.values()].every((n) => n === 1)).toBe(true);
    const after = JSON.parse((await stack.digest(["editions", "show", DAY, "--json"])).out);
    expect(after.status).toBe("sent");
  });

  it("a rerun of a fully sent edition with the quota used up reports everyone as already sent", async () => {
    await world({ max24HourSend: 3 }, 3);
    const run = await stack.digest(["send", "--date", DAY]);
    expect(run.code).toBe(0);
    expect(run.out).toMatch(/recipients=3 sent=3 already_sent=0 .* failed=0$/m);

    const rerun = await stack.digest(["send", "--date", DAY]);
    expect(rerun.code).toBe(0);
    expect(rerun.out).toMatch(/recipients=3 sent=0 already_sent=3 skipped=0 suppressed=0 failed=0$/m);
    expect(rerun.err).not.toContain("quota");
  });
});

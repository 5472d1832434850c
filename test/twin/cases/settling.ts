import { describe, expect, it } from "vitest";
import { nextDay } from "../../../functions/core/kernel/dates.js";
import { story } from "../../helpers/services.js";
import { ADMIN } from "../twin.js";
import { day, REJECTED, refusedBySes, twin } from "./context.js";

/** The day `n` days after the twin's day (each case composes an edition of its own). */
export const daysAfter = (n: number): string => (n <= 0 ? day : nextDay(daysAfter(n - 1)));

/** Stories for `date`, imported through the admin API. */
export async function storiesFor(date: string, numbers: number[]): Promise<void> {
  const ndjson = numbers.map((n) => JSON.stringify(story(date, n))).join("\n");
  await twin.admin("POST", "/admin/stories", ndjson, "application/x-ndjson");
}

/** An operator's asynchronous run of compose for `date` (how the Scheduler invokes it). */
export async function composeDay(date: string): Promise<string> {
  const run = await twin.invokeAsync("compose", { date });
  expect(run.error).toBeUndefined();
  expect(run.result).toMatchObject({ status: "queued" });
  return (run.result as { editionId: string }).editionId;
}

const sendQueue = () => twin.model.queues.find((q) => q.redrive) ?? expect.fail("no send queue");

/**
 * Deployed editions reach their final status (issue 13, item 4): the last queue message to settle
 * sets it, as locally. The day's own edition ends "partial" (SES refused a recipient for good: see
 * the day's cases); these are days of their own.
 */
export function editionsSettle(): void {
  describe("deployed editions settle (issue 13, item 4)", () => {
    it("a day SES refuses nobody ends sent, a throttled send retried on the way; cancel is then refused", async () => {
      const date = daysAfter(2);
      await storiesFor(date, [11, 12]);
      refusedBySes.delete(REJECTED);
      // SES throttles one send (429): the sender waits, retries, and counts it (the Throttled metric).
      const throttle = twin.injectFault({
        fn: "send",
        operation: "SendEmail",
        times: 1,
        error: { name: "TooManyRequestsException", message: "Maximum sending rate exceeded.", status: 429 },
      });
      try {
        const id = await composeDay(date);
        expect((await twin.edition(id)).status).toBe("sending");
        await twin.drainQueues();
        const report = await twin.edition(id);
        expect(report.status).toBe("sent");
        expect(report.counts).toMatchObject({ failed: 0, rejected: 0, sending: 0 });
        expect((report.counts as { sent: number }).sent).toBeGreaterThan(0);
        expect(
          twin.calls.filter((c) => c.fn === "send" && c.fault === "TooManyRequestsException"),
        ).toHaveLength(1);

        const cancel = await twin.api({
          method: "POST",
          path: `/iam/admin/editions/${id}/cancel`,
          signedBy: ADMIN,
        });
        expect(cancel.statusCode).toBe(409);
        expect((await twin.edition(id)).status).toBe("sent");
      } finally {
        throttle();
        refusedBySes.add(REJECTED);
      }
    });

    it("a message that fails its last receive settles as not reached (partial); redriven from the DLQ, the edition ends sent", async () => {
      const date = daysAfter(3);
      await storiesFor(date, [21, 22]);
      const queue = sendQueue();
      const deadLetterArn = queue.redrive?.deadLetterArn as string;
      // The operator looked at what the DLQ held from earlier and purged it.
      twin.sqs.queue(deadLetterArn).messages.splice(0);
      refusedBySes.delete(REJECTED);
      twin.ses.setMax24HourSend(0); // SES refuses every send: the quota is spent.
      try {
        const id = await composeDay(date);
        const stats = (await twin.drainQueues())[queue.arn];
        expect(stats).toMatchObject({ movedToDeadLetters: 1 });
        const stopped = await twin.edition(id);
        // Its last receive settled the message as not reached: the round is complete, and partial.
        expect(stopped.status).toBe("partial");
        expect((stopped.counts as { sent: number }).sent).toBe(0);

        twin.ses.setMax24HourSend(1_000_000);
        // aws sqs start-message-move-task --source-arn <the DLQ> (README, "Operating it").
        expect(twin.sqs.redrive(deadLetterArn)).toBe(1);
        expect((await twin.drainQueues())[queue.arn]).toMatchObject({ movedToDeadLetters: 0 });
        const redriven = await twin.edition(id);
        expect(redriven.status).toBe("sent");
        expect(redriven.counts).toMatchObject({ failed: 0, rejected: 0, sending: 0 });
        expect((redriven.counts as { sent: number }).sent).toBeGreaterThan(0);
      } finally {
        twin.ses.setMax24HourSend(1_000_000);
        refusedBySes.add(REJECTED);
      }
    });
  });
}

import { describe, expect, it } from "vitest";
import { MESSAGES_PER_ENQUEUE, RECIPIENTS_PER_MESSAGE } from "../../../functions/core/delivery/fan-out.js";
import { METRICS_NAMESPACE, SEND_METRICS, serviceName } from "../../../functions/handlers/metric-names.js";
import { digestMetricsIn } from "../../infra/metric-refs.js";
import type { InvocationRecord } from "../async-invoke.js";
import { metricSum } from "../emf.js";
import { ADMIN } from "../twin.js";
import type { CallRecord } from "../twin-api.js";
import { editionId, mailTo, twin } from "./context.js";
import { daysAfter, storiesFor } from "./settling.js";

/** The function's on-failure queue from the template (its EventInvokeConfig's OnFailure destination). */
function failureQueueOf(functionKey: string) {
  const arn = twin.model.functions[functionKey]?.asyncInvoke.onFailure ?? expect.fail(`${functionKey}: none`);
  return twin.sqs.queue(arn);
}

const records = (functionKey: string) =>
  failureQueueOf(functionKey).messages.map((m) => JSON.parse(m.body) as InvocationRecord);

/** What the compose invocations enqueued for `edition`, one address per entry. */
function enqueuedFor(edition: string): string[] {
  const sendQueue = twin.model.queues.find((q) => q.redrive) ?? expect.fail("no send queue");
  return twin.sqs
    .queue(sendQueue.arn)
    .messages.map((m) => JSON.parse(m.body) as { editionId: string; emails: string[] })
    .filter((b) => b.editionId === edition)
    .flatMap((b) => b.emails);
}

/**
 * What watches the daily job (issue 13, item 5): failed asynchronous invocations land in the
 * template's on-failure destinations, and the metrics its alarms and dashboard read are the ones the
 * bundles emit. The compose case, with a list of more than one page, runs last.
 */
export function watchingTheDailyJob(): void {
  describe("watching the daily job (issue 13, item 5)", () => {
    it("an SES event ses-events fails on every attempt lands in its failure queue; replayed, it is counted once", async () => {
      const retries = twin.model.functions.sesEvents?.asyncInvoke.maximumRetryAttempts as number;
      const queue = failureQueueOf("sesEvents");
      const before = queue.messages.length;
      const counted = async () => ((await twin.edition(editionId)).stats as { delivered?: number }).delivered;
      const deliveredBefore = await counted();
      // The editions table is gone (a stack rolled back, a table restored under another name).
      const tableGone = twin.injectFault({
        fn: "sesEvents",
        operation: "UpdateItem",
        resource: "EditionsTable",
        error: { name: "ResourceNotFoundException", message: "Requested resource not found" },
      });
      const mail = mailTo("fay@example.com", editionId)[0] ?? expect.fail("no mail to fay");
      const { delivered } = await twin.sesEvent(mail, "delivery");
      tableGone();
      expect(delivered).toMatchObject([
        { functionKey: "sesEvents", attempts: 1 + retries, deliveredTo: queue.model.arn },
      ]);
      expect(queue.messages).toHaveLength(before + 1);
      const record = records("sesEvents").at(-1) as InvocationRecord;
      expect(record.requestContext).toMatchObject({
        condition: "RetriesExhausted",
        approximateInvokeCount: 1 + retries,
      });
      expect(record.responsePayload.errorType).toBe("ResourceNotFoundException");
      expect(record.requestPayload).toMatchObject({ source: "aws.ses", "detail-type": "Email Delivered" });
      expect(await counted()).toBe(deliveredBefore);

      // README: replay each record's requestPayload, then delete it.
      await twin.invoke("sesEvents", record.requestPayload);
      queue.messages.splice(before);
      expect(await counted()).toBe((deliveredBefore ?? 0) + 1);
    });

    it("every digest metric an alarm or the dashboard reads was emitted by the bundles during the day", () => {
      const emitted = twin.emittedMetrics();
      const template = twin.template.template as unknown as Record<string, unknown>;
      const refs = digestMetricsIn(template, METRICS_NAMESPACE);
      expect(refs.length).toBeGreaterThan(10);
      // Metrics of metric filters (counted from alert log lines) are CloudWatch Logs', not EMF.
      const fromLogFilters = new Set(
        twin.template
          .ofType("AWS::Logs::MetricFilter")
          .flatMap(
            (id) =>
              twin.template.properties(id).MetricTransformations as {
                MetricName: string;
                MetricNamespace: string;
              }[],
          )
          .filter((m) => m.MetricNamespace === METRICS_NAMESPACE)
          .map((m) => m.MetricName),
      );
      const missing = refs
        .filter((ref) => !(Object.keys(ref.dimensions).length === 0 && fromLogFilters.has(ref.metricName)))
        .filter((ref) => metricSum(emitted, ref.namespace, ref.metricName, ref.dimensions) === null)
        .map((ref) => `${ref.where}: ${ref.metricName} ${JSON.stringify(ref.dimensions)}`);
      expect(missing).toEqual([]);
      // And they count what happened: every mail the send function had accepted, each SES throttle.
      const send = { service: serviceName("send") };
      const sentBySend = twin.mail.filter((m) => m.sentBy === "send").length;
      expect(metricSum(emitted, METRICS_NAMESPACE, SEND_METRICS.sent, send)).toBe(sentBySend);
      const throttles = twin.calls.filter((c) => c.fn === "send" && c.fault === "TooManyRequestsException");
      expect(metricSum(emitted, METRICS_NAMESPACE, SEND_METRICS.throttled, send)).toBe(throttles.length);
    });

    it("compose failing mid-fan-out: each retry resumes, the event lands in its failure queue, the rerun finishes; everyone enqueued once", async () => {
      const page = RECIPIENTS_PER_MESSAGE * MESSAGES_PER_ENQUEUE;
      // A list of more than one page: the fan-out enqueues page by page and records where it is.
      const csv = ["email", ...Array.from({ length: page }, (_, i) => `reader${i}@example.org`)].join("\n");
      await twin.admin("POST", "/admin/subscribers/import", csv, "text/csv");
      const date = daysAfter(4);
      await storiesFor(date, [31, 32]);
      const retries = twin.model.functions.compose?.asyncInvoke.maximumRetryAttempts as number;
      const queue = failureQueueOf("compose");

      // The send queue refuses every batch after the first (deleted by a bad deploy, say).
      const queueGone = twin.injectFault({
        fn: "compose",
        operation: "SendMessageBatch",
        after: 1,
        error: { name: "QueueDoesNotExist", message: "The specified queue does not exist." },
      });
      const run = await twin.invokeAsync("compose", { date }, "operator");
      queueGone();
      expect(run).toMatchObject({ attempts: 1 + retries, deliveredTo: queue.model.arn });
      const [record] = records("compose");
      expect(record?.requestPayload).toEqual({ date });
      expect(record?.responsePayload.errorType).toBe("QueueDoesNotExist");
      // Each retry resumed after the page enqueued first (its one batch, refused, held the next page's
      // addresses), none started over.
      const batches = twin.calls.filter((c) => c.fn === "compose" && c.operation === "SendMessageBatch");
      const [first, ...refused] = batches.slice(-(2 + retries));
      expect([first, ...refused].map((c) => c?.fault ?? "ok")).toEqual([
        "ok",
        ...Array(1 + retries).fill("QueueDoesNotExist"),
      ]);
      const firstPage = new Set(addressesIn(first));
      for (const batch of refused) {
        expect(addressesIn(batch)).not.toEqual([]);
        expect(addressesIn(batch).filter((a) => firstPage.has(a))).toEqual([]);
      }
      const id = editionIdOf(date);
      expect(enqueuedFor(id)).toHaveLength(page);

      // README: once the cause is fixed, rerun the day it missed, by date; then purge the queue.
      const rerun = (await twin.invoke("compose", record?.requestPayload)) as Record<string, unknown>;
      queue.messages.splice(0);
      expect(rerun).toMatchObject({ status: "queued", editionId: id, resumed: true });
      const enqueued = enqueuedFor(id);
      const active = await activeSubscribers();
      expect(enqueued.length).toBe(active.length);
      expect(new Set(enqueued)).toEqual(new Set(active));

      // Nobody needs these mails: the newsroom cancels the edition, and send consumes its messages.
      await twin.admin("POST", `/admin/editions/${id}/cancel`);
      await twin.drainQueues();
      expect(twin.mail.filter((m) => m.tags.edition?.[0] === id)).toEqual([]);
    }, 60_000);
  });
}

const editionIdOf = (date: string) => date;

/** The addresses a SendMessageBatch call carried. */
const addressesIn = (call: CallRecord | undefined): string[] =>
  ((call?.input?.Entries ?? []) as { MessageBody: string }[]).flatMap(
    (e) => (JSON.parse(e.MessageBody) as { emails: string[] }).emails,
  );

async function activeSubscribers(): Promise<string[]> {
  const emails: string[] = [];
  let cursor: string | null = null;
  do {
    const query: string = cursor ? `&cursor=${encodeURIComponent(cursor)}` : "";
    const page: { items: { email: string }[]; nextCursor: string | null } = await twin.admin(
      "GET",
      `/admin/subscribers?status=active&limit=500${query}`,
    );
    emails.push(...page.items.map((s) => s.email));
    cursor = page.nextCursor;
  } while (cursor);
  return emails;
}

export { ADMIN };

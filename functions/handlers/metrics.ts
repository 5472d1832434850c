import { Metrics, MetricUnit } from "@aws-lambda-powertools/metrics";
import { QUOTA_STOP } from "../core/delivery/send-quota.js";
import type { SendSummary } from "../core/delivery/send-summary.js";
import type { SesRecordOutcome } from "../core/events/apply-ses-events.js";
import { MailError, type Mailer } from "../core/kernel/ports.js";
import { COMPOSE_METRICS, SEND_METRICS, sesEventMetric } from "./metric-names.js";

/**
 * The functions' metrics, as CloudWatch EMF lines on stdout (Powertools): no PutMetricData calls, no
 * extra permission, nothing waiting on the network. Namespace and `service` dimension come from the
 * environment the stack sets (POWERTOOLS_METRICS_NAMESPACE, POWERTOOLS_SERVICE_NAME); the names from
 * ./metric-names.ts, which the alarms and the dashboard read too. Only handlers import this module:
 * the core reports through its own results and ports, and the local CLI never emits a metric.
 * Its own module (runtime.ts re-exports it) so that ses-events can use it without bundling the
 * template and the signing-key code.
 */
export const metrics = new Metrics();

/**
 * A handler that flushes the invocation's metrics when it returns or throws (what Powertools'
 * logMetrics decorator and middy middleware do, for plain function handlers).
 */
export function withMetrics<A extends unknown[], R>(handler: (...args: A) => Promise<R>) {
  return async (...args: A): Promise<R> => {
    try {
      return await handler(...args);
    } finally {
      // Only with something to say: an empty flush makes Powertools log a warning.
      if (metrics.hasStoredMetrics()) metrics.publishStoredMetrics();
    }
  };
}

const count = (name: string, value: number) => metrics.addMetric(name, MetricUnit.Count, value);

/** What a compose run that returned reports (an empty or cancelled day is a run that succeeded). */
export function recordCompose(
  result: { status: string; stories?: number; recipients?: number },
  durationMs: number,
): void {
  metrics.addMetric(COMPOSE_METRICS.duration, MetricUnit.Milliseconds, durationMs);
  count(COMPOSE_METRICS.storiesInEdition, result.stories ?? 0);
  count(COMPOSE_METRICS.recipientsEnqueued, result.recipients ?? 0);
  count(COMPOSE_METRICS.succeeded, 1);
}

/** One queue message's counts (zeros included: a rate over them needs its zero periods). */
export function recordSendBatch(summary: SendSummary): void {
  count(SEND_METRICS.sent, summary.sent);
  count(SEND_METRICS.alreadySent, summary.alreadySent);
  count(SEND_METRICS.failed, summary.failed);
  if (summary.stoppedBecause?.startsWith(QUOTA_STOP)) count(SEND_METRICS.quotaStopped, 1);
}

/**
 * The mailer, counting SES's throttling answers. The SES client never retries by itself (SesMailer:
 * maxAttempts 1), so each 429 the sender waits out and retries reaches this wrapper.
 */
export function countingThrottles(mailer: Mailer): Mailer {
  return {
    maxSendRate: () => mailer.maxSendRate(),
    dailyQuota: mailer.dailyQuota && (() => mailer.dailyQuota?.() ?? Promise.resolve(null)),
    async sendRaw(raw, opts) {
      try {
        return await mailer.sendRaw(raw, opts);
      } catch (err) {
        if (err instanceof MailError && err.kind === "throttled") count(SEND_METRICS.throttled, 1);
        throw err;
      }
    },
  };
}

/** Each applied SES event, once per recipient it concerns (as SES counts its own rates). */
export function recordSesOutcomes(outcomes: readonly SesRecordOutcome[]): void {
  const totals = new Map<string, number>();
  for (const outcome of outcomes) {
    if (outcome.status !== "applied") continue;
    const { type, bounceType, recipients } = outcome.record.event;
    const name = sesEventMetric(type, bounceType);
    if (name) totals.set(name, (totals.get(name) ?? 0) + Math.max(1, recipients.length));
  }
  for (const [name, value] of totals) count(name, value);
}

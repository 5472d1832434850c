import {
  type aws_apigatewayv2 as apigw,
  aws_cloudwatch as cloudwatch,
  aws_cloudwatch_actions as cwActions,
  Duration,
  type aws_lambda as lambda,
  aws_logs as logs,
  type Stack,
  aws_sns as sns,
  aws_sns_subscriptions as snsSubscriptions,
  type aws_sqs as sqs,
} from "aws-cdk-lib";
import type { DigestConfig } from "../functions/core/kernel/config.js";
import {
  COMPOSE_METRICS,
  LOG_ALERT_METRICS,
  METRICS_NAMESPACE,
  SEND_METRICS,
} from "../functions/handlers/metric-names.js";
import type { AsyncFailureQueues } from "./async-failures.js";
import type { StackSettings } from "./config.js";
import { dailyFlowDashboard, digestMetric } from "./dashboard.js";
import type { SendFleet } from "./send-fleet.js";

/**
 * What watches the daily job: an SNS topic (emailed to digest:alarmEmail), the alarms on it, and the
 * daily-flow dashboard. Created directly in the stack (not in a construct of its own) so that the
 * topic and the alarms that predate this module keep their logical ids: a replaced topic would drop
 * its confirmed email subscription. Every threshold is reasoned next to its alarm.
 */
export interface MonitoringProps {
  functions: Record<"compose" | "send" | "api" | "sesEvents" | "ingest", lambda.Function> & {
    /** POST /admin/stories (infra/http-api.ts). */
    storyImport?: lambda.Function;
    /** Import and export jobs (infra/jobs.ts). */
    jobs?: lambda.Function;
  };
  sendQueue: sqs.IQueue;
  sendDeadLetters: sqs.IQueue;
  /** Import and export jobs whose message failed twice (infra/jobs.ts). */
  jobDeadLetters?: sqs.IQueue;
  asyncFailures: AsyncFailureQueues;
  apiStage: apigw.HttpStage;
  fleet: SendFleet;
  sendQueueVisibility: Duration;
  settings: Pick<StackSettings, "alarmEmail" | "expectedRecipients">;
  safety: Pick<DigestConfig, "bounceRateLimit" | "complaintRateLimit">;
}

export interface Monitoring {
  topic: sns.Topic;
  alarms: Record<string, cloudwatch.Alarm>;
  dashboard: cloudwatch.Dashboard;
  sendQueueAgeThreshold: Duration;
}

/**
 * How old the send queue's oldest message may get on a healthy day. Compose enqueues the whole list
 * at once and the fleet drains it at the account's rate (maxConcurrency × ratePerFunction, see
 * send-fleet.ts), so on a normal morning the oldest message ages for about the whole drain:
 * expectedRecipients / fleet rate. A quarter more covers throttling back-offs and slow starts, and one
 * visibility timeout a message that failed once and waits to come back. Past that, the fleet is not
 * draining (event source disabled, concurrency starved, quota stop) or the list outgrew the setting.
 */
export function sendQueueAgeThreshold(
  fleet: SendFleet,
  expectedRecipients: number,
  visibilityTimeout: Duration,
): Duration {
  const drainSeconds = expectedRecipients / (fleet.maxConcurrency * fleet.ratePerFunction);
  const seconds = drainSeconds * 1.25 + visibilityTimeout.toSeconds();
  return Duration.minutes(Math.ceil(seconds / 60));
}

/**
 * Hours without a successful compose before the "missing" alarm: the daily gap (24 h), plus the
 * 25-hour day when clocks go back (the schedule follows the digest's zone), plus an hour for a run
 * that succeeded late in its retries after one that succeeded at once.
 */
export const COMPOSE_MISSING_HOURS = 26;

export function addMonitoring(stack: Stack, props: MonitoringProps): Monitoring {
  const { compose, send, api, sesEvents, ingest, storyImport, jobs } = props.functions;
  const topic = new sns.Topic(stack, "Alarms", { displayName: "Digest alarms", enforceSSL: true });
  if (props.settings.alarmEmail)
    topic.addSubscription(new snsSubscriptions.EmailSubscription(props.settings.alarmEmail));
  const alarms: Record<string, cloudwatch.Alarm> = {};

  /**
   * An alarm on the topic. Default: trips on one breaching period, metric ≥ threshold, and takes
   * missing data as no trouble (most of these metrics exist only while something happens).
   */
  const alarm = (
    id: string,
    alarmDescription: string,
    metric: cloudwatch.IMetric,
    opts: Partial<Omit<cloudwatch.AlarmProps, "metric" | "alarmDescription">> = {},
  ) => {
    const created = new cloudwatch.Alarm(stack, id, {
      alarmDescription,
      metric,
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      ...opts,
    });
    created.addAlarmAction(new cwActions.SnsAction(topic));
    alarms[id] = created;
    return created;
  };
  // Handlers log an alert as one JSON line {"alert": key}; this counts those lines.
  const alertCount = (id: string, logGroup: logs.ILogGroup, alert: { alert: string; metricName: string }) =>
    new logs.MetricFilter(stack, id, {
      logGroup,
      filterPattern: logs.FilterPattern.stringValue("$.alert", "=", alert.alert),
      metricNamespace: METRICS_NAMESPACE,
      metricName: alert.metricName,
      metricValue: "1",
    });
  /**
   * A function's failing share of invocations, in %. A lone failed invocation (a store hiccup the
   * queue or Lambda retries) is not worth a page; 5 % of invocations failing in two of three
   * 5-minute periods is systematic (a bad deploy, a missing grant, SES paused), whatever the volume.
   */
  const errorRate = (id: string, fn: lambda.Function, what: string) =>
    alarm(
      id,
      `${what}: over 5 % of invocations failed in two of the last three 5-minute periods`,
      new cloudwatch.MathExpression({
        expression: "IF(invocations > 0, 100 * errors / invocations, 0)",
        usingMetrics: {
          errors: fn.metricErrors({ period: Duration.minutes(5) }),
          invocations: fn.metricInvocations({ period: Duration.minutes(5) }),
        },
        label: `${what}: failed invocations (%)`,
        period: Duration.minutes(5),
      }),
      { threshold: 5, evaluationPeriods: 3, datapointsToAlarm: 2 },
    );
  /** Anything in a failure queue is an event that failed for good: one message is worth a look. */
  const queueHolds = (id: string, queue: sqs.IQueue, description: string) =>
    alarm(
      id,
      description,
      queue.metricApproximateNumberOfMessagesVisible({
        period: Duration.minutes(5),
        statistic: cloudwatch.Stats.MAXIMUM,
      }),
    );

  // --- The daily run -------------------------------------------------------------------------------
  // One period of an hour covers a whole failed run with Lambda's two retries (≤ 15 min each, 1 and
  // 2 minutes apart), so a failed morning is one notification, not one per attempt.
  alarm(
    "ComposeErrorsAlarm",
    "The daily compose failed (an attempt; Lambda retries it twice). Its logs say why.",
    compose.metricErrors({ period: Duration.hours(1) }),
  );
  // A daily job that never ran fails too (schedule disabled, invocation dropped, every attempt
  // failed): no ComposeSucceeded data point for COMPOSE_MISSING_HOURS hourly periods, missing data
  // counted as breaching. Periods of an hour allow evaluation ranges up to 7 days.
  alarm(
    "ComposeMissingAlarm",
    `No successful compose in ${COMPOSE_MISSING_HOURS} hours: no edition went out today`,
    digestMetric("compose", COMPOSE_METRICS.succeeded, { period: Duration.hours(1) }),
    {
      threshold: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD,
      evaluationPeriods: COMPOSE_MISSING_HOURS,
      datapointsToAlarm: COMPOSE_MISSING_HOURS,
      treatMissingData: cloudwatch.TreatMissingData.BREACHING,
    },
  );
  queueHolds(
    "ComposeFailuresAlarm",
    props.asyncFailures.compose,
    "A compose invocation failed for good (every retry, or the schedule could not invoke it): see the ComposeFailures queue",
  );

  // --- Sending ---------------------------------------------------------------------------------------
  alarm(
    "SendDeadLettersAlarm",
    "Recipients' send messages failed five times and reached the dead-letter queue",
    props.sendDeadLetters.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(5) }),
  );
  errorRate("SendErrorsAlarm", send, "The send function");
  if (props.jobDeadLetters) {
    alarm(
      "JobDeadLettersAlarm",
      "An import or export job failed twice and its message reached the job dead-letter queue (GET /admin/jobs/{id} says why)",
      props.jobDeadLetters.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(5) }),
    );
  }
  // Rejected or failed-to-the-end recipients do not fail the function (their messages are done): a
  // share of failures is what shows SES refusing the mail (unverified sender, paused account).
  // 5 %, as the error rate above, in two of three 5-minute periods.
  alarm(
    "SendFailureRateAlarm",
    "Over 5 % of recipients were not sent (rejected by SES or failing to the end) in two of three 5-minute periods",
    new cloudwatch.MathExpression({
      expression: "IF(sent + failed > 0, 100 * failed / (sent + failed), 0)",
      usingMetrics: {
        sent: digestMetric("send", SEND_METRICS.sent),
        failed: digestMetric("send", SEND_METRICS.failed),
      },
      label: "Recipients not sent (%)",
      period: Duration.minutes(5),
    }),
    { threshold: 5, evaluationPeriods: 3, datapointsToAlarm: 2 },
  );
  // The account's daily quota stopped a message: its recipients wait for the rolling window (the
  // queue retries them) and reach the dead-letter queue if it does not free up in time.
  alarm(
    "QuotaStoppedAlarm",
    "Sending stopped at the SES daily quota: recipients are waiting (check SentLast24Hours, ask for a higher quota)",
    digestMetric("send", SEND_METRICS.quotaStopped),
  );
  const ageThreshold = sendQueueAgeThreshold(
    props.fleet,
    props.settings.expectedRecipients,
    props.sendQueueVisibility,
  );
  alarm(
    "SendQueueAgeAlarm",
    `The send queue's oldest message is over ${ageThreshold.toMinutes()} minutes old: longer than the fleet needs ` +
      `for ${props.settings.expectedRecipients} recipients (deploy.expectedRecipients). The fleet is not draining.`,
    props.sendQueue.metricApproximateAgeOfOldestMessage({
      period: Duration.minutes(5),
      statistic: cloudwatch.Stats.MAXIMUM,
    }),
    { threshold: ageThreshold.toSeconds() },
  );
  // The send's safety pause (bounce rate > 5 % or complaints > 0.1 %) logs one line with this key.
  const halted = alertCount("EditionHaltedFilter", send.logGroup, LOG_ALERT_METRICS.editionHalted);
  alarm(
    "EditionHaltedAlarm",
    "An edition paused itself: its bounce or complaint rate passed the safety limit",
    halted.metric({ statistic: "Sum", period: Duration.minutes(5) }),
  );

  // --- SES events ------------------------------------------------------------------------------------
  errorRate("SesEventsErrorsAlarm", sesEvents, "The ses-events function");
  queueHolds(
    "SesEventsFailuresAlarm",
    props.asyncFailures.sesEvents,
    "An SES event failed for good (every retry, or EventBridge could not invoke ses-events): see the SesEventsFailures queue",
  );

  // --- HTTP API --------------------------------------------------------------------------------------
  // 5xx at the stage is what readers see (a failed unsubscribe is a compliance problem). One can be a
  // cold start timing out; five in five minutes is the API failing.
  alarm(
    "ApiServerErrorsAlarm",
    "The HTTP API answered 5 or more 5xx in 5 minutes",
    props.apiStage.metricServerError({ period: Duration.minutes(5) }),
    { threshold: 5 },
  );
  // The api handler turns a route's error into a 500 itself: a Lambda error is the function failing
  // before or around that (unreadable secret, timeout, out of memory), so three in five minutes.
  alarm(
    "ApiErrorsAlarm",
    "The api function failed 3 or more invocations in 5 minutes (crash, timeout or bad configuration)",
    api.metricErrors({ period: Duration.minutes(5) }),
    { threshold: 3 },
  );

  // The story import answers an editor's POST /admin/stories: its 500s reach the stage alarm above,
  // but a crash or timeout (a feed document too big for its memory) is the function failing: alike.
  if (storyImport) {
    alarm(
      "StoryImportErrorsAlarm",
      "The story-import function failed 3 or more invocations in 5 minutes (crash, timeout or bad configuration)",
      storyImport.metricErrors({ period: Duration.minutes(5) }),
      { threshold: 3 },
    );
  }
  // A job attempt that fails is retried by its queue (dead letters alarm apart); one failing is worth
  // knowing at once, since an import or export an admin waits for has stopped.
  if (jobs) {
    alarm(
      "JobsErrorsAlarm",
      "The jobs function failed an invocation (an import or export job attempt crashed or timed out)",
      jobs.metricErrors({ period: Duration.minutes(15) }),
    );
  }

  // --- Feeds -----------------------------------------------------------------------------------------
  // A feed that failed several polls in a row (see handlers/ingest.ts), and the ingest run itself failing.
  const feedFailing = alertCount("FeedFailingFilter", ingest.logGroup, LOG_ALERT_METRICS.feedFailing);
  alarm(
    "FeedFailingAlarm",
    "A subscribed feed failed several polls in a row (digest feeds list shows its error)",
    feedFailing.metric({ statistic: "Sum", period: Duration.hours(1) }),
  );
  alarm(
    "IngestErrorsAlarm",
    "The feed ingest function failed (feeds were not polled)",
    ingest.metricErrors({ period: Duration.hours(1) }),
    { threshold: 2 },
  );

  const dashboard = dailyFlowDashboard(stack, {
    ...props,
    alarms: Object.values(alarms),
    sendQueueAgeThreshold: ageThreshold,
    editionHalted: halted.metric({ statistic: "Sum", period: Duration.minutes(5) }),
  });
  return { topic, alarms, dashboard, sendQueueAgeThreshold: ageThreshold };
}

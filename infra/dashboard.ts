import { aws_cloudwatch as cloudwatch, Duration, type aws_lambda as lambda, type Stack } from "aws-cdk-lib";
import {
  COMPOSE_METRICS,
  METRICS_NAMESPACE,
  type MeteredFunction,
  SEND_METRICS,
  SERVICE_DIMENSION,
  SES_EVENT_METRICS,
  serviceName,
} from "../functions/handlers/metric-names.js";
import type { MonitoringProps } from "./monitoring.js";

/** A custom metric a function emits (EMF): namespace and `service` dimension as Powertools writes them. */
export function digestMetric(
  fn: MeteredFunction,
  metricName: string,
  props: cloudwatch.MetricOptions = {},
): cloudwatch.Metric {
  return new cloudwatch.Metric({
    namespace: METRICS_NAMESPACE,
    metricName,
    dimensionsMap: { [SERVICE_DIMENSION]: serviceName(fn) },
    statistic: cloudwatch.Stats.SUM,
    period: Duration.minutes(5),
    ...props,
  });
}

/** SES's review thresholds (the account is put under review past them; it may be paused further on). */
export const SES_REVIEW_RATES = { bouncePercent: 5, complaintPercent: 0.1 } as const;

interface DashboardProps extends MonitoringProps {
  alarms: cloudwatch.IAlarm[];
  sendQueueAgeThreshold: Duration;
  editionHalted: cloudwatch.IMetric;
}

const minute = Duration.minutes(1);
const fiveMinutes = Duration.minutes(5);
const hour = Duration.hours(1);
const WIDTH = 8;
const HEIGHT = 6;

const graph = (title: string, left: cloudwatch.IMetric[], props: Partial<cloudwatch.GraphWidgetProps> = {}) =>
  new cloudwatch.GraphWidget({ title, left, width: WIDTH, height: HEIGHT, ...props });

/**
 * An SES rate as SES computes it: events over messages sent (the Send events ses-events counts, which
 * take in the transactional mail SES counts too), in %, by the hour (bounces and complaints trail
 * their sends by minutes to days; a shorter period would be mostly noise).
 */
const sesRate = (label: string, metricName: string) =>
  new cloudwatch.MathExpression({
    expression: "IF(sends > 0, 100 * events / sends, 0)",
    usingMetrics: {
      events: digestMetric("ses-events", metricName, { period: hour }),
      sends: digestMetric("ses-events", SES_EVENT_METRICS.sends, { period: hour }),
    },
    label,
    period: hour,
  });

/** SES's own account-level reputation figure (a ratio; configuration set with reputation metrics), in %. */
const sesReputation = (label: string, metricName: string) =>
  new cloudwatch.MathExpression({
    expression: "100 * reputation",
    usingMetrics: {
      reputation: new cloudwatch.Metric({
        namespace: "AWS/SES",
        metricName,
        statistic: cloudwatch.Stats.MAXIMUM,
        period: hour,
      }),
    },
    label,
    period: hour,
  });

/** SES's review threshold as a red line, and the send's own safety pause when it is set elsewhere. */
const rateLines = (sesPercent: number, safetyPercent: number): cloudwatch.HorizontalAnnotation[] =>
  safetyPercent === sesPercent
    ? [
        {
          value: sesPercent,
          label: `SES review and safety pause (${sesPercent} %)`,
          color: cloudwatch.Color.RED,
        },
      ]
    : [
        { value: sesPercent, label: `SES review (${sesPercent} %)`, color: cloudwatch.Color.RED },
        { value: safetyPercent, label: `safety pause (${safetyPercent} %)`, color: cloudwatch.Color.ORANGE },
      ];

/**
 * The daily flow on one page, in the order it happens: compose → send queue → send → SES events,
 * with the API beside it and every alarm's state on top.
 */
export function dailyFlowDashboard(stack: Stack, props: DashboardProps): cloudwatch.Dashboard {
  const { compose, send, api, sesEvents, ingest } = props.functions;
  const fns: [string, lambda.Function][] = [
    ["compose", compose],
    ["send", send],
    ["api", api],
    ["ses-events", sesEvents],
    ["ingest", ingest],
  ];
  const dashboard = new cloudwatch.Dashboard(stack, "DailyFlowDashboard", {
    dashboardName: `${stack.stackName}-daily-flow`,
    // Today's run and yesterday's, to compare.
    defaultInterval: Duration.days(2),
  });
  dashboard.addWidgets(
    new cloudwatch.AlarmStatusWidget({ title: "Alarms", alarms: props.alarms, width: 24, height: 4 }),
  );
  dashboard.addWidgets(
    graph(
      "Compose: duration (ms)",
      [digestMetric("compose", COMPOSE_METRICS.duration, { statistic: "Maximum", period: hour })],
      {
        right: [
          digestMetric("compose", COMPOSE_METRICS.storiesInEdition, { period: hour, label: "stories" }),
        ],
      },
    ),
    graph("Compose: recipients enqueued", [
      digestMetric("compose", COMPOSE_METRICS.recipientsEnqueued, { period: hour, label: "recipients" }),
      digestMetric("compose", COMPOSE_METRICS.succeeded, { period: hour, label: "successful runs" }),
    ]),
    graph(
      "Send queue",
      [
        props.sendQueue.metricApproximateNumberOfMessagesVisible({ period: minute, label: "waiting" }),
        props.sendQueue.metricApproximateNumberOfMessagesNotVisible({ period: minute, label: "in flight" }),
      ],
      {
        right: [
          props.sendQueue.metricApproximateAgeOfOldestMessage({
            period: minute,
            statistic: "Maximum",
            label: "oldest message (s)",
          }),
        ],
        rightAnnotations: [
          {
            value: props.sendQueueAgeThreshold.toSeconds(),
            label: "age alarm",
            color: cloudwatch.Color.RED,
          },
        ],
      },
    ),
  );
  dashboard.addWidgets(
    graph("Sends per minute", [
      digestMetric("send", SEND_METRICS.sent, { period: minute, label: "sent" }),
      digestMetric("send", SEND_METRICS.alreadySent, { period: minute, label: "already sent (redelivery)" }),
    ]),
    graph("Send failures", [
      digestMetric("send", SEND_METRICS.failed, { label: "not sent (rejected, failed)" }),
      digestMetric("send", SEND_METRICS.throttled, { label: "SES throttled (retried)" }),
      digestMetric("send", SEND_METRICS.quotaStopped, { label: "stopped at the daily quota" }),
      props.editionHalted,
    ]),
    graph("Dead letters and failed invocations", [
      props.sendDeadLetters.metricApproximateNumberOfMessagesVisible({
        period: fiveMinutes,
        statistic: "Maximum",
        label: "send DLQ",
      }),
      props.asyncFailures.compose.metricApproximateNumberOfMessagesVisible({
        period: fiveMinutes,
        statistic: "Maximum",
        label: "compose failures",
      }),
      props.asyncFailures.sesEvents.metricApproximateNumberOfMessagesVisible({
        period: fiveMinutes,
        statistic: "Maximum",
        label: "ses-events failures",
      }),
    ]),
  );
  dashboard.addWidgets(
    graph(
      "Bounce rate (%)",
      [
        sesRate("hard bounces / sends", SES_EVENT_METRICS.hardBounces),
        sesReputation("SES reputation: bounce rate", "Reputation.BounceRate"),
      ],
      {
        leftAnnotations: rateLines(SES_REVIEW_RATES.bouncePercent, props.safety.bounceRateLimit * 100),
      },
    ),
    graph(
      "Complaint rate (%)",
      [
        sesRate("complaints / sends", SES_EVENT_METRICS.complaints),
        sesReputation("SES reputation: complaint rate", "Reputation.ComplaintRate"),
      ],
      {
        leftAnnotations: rateLines(SES_REVIEW_RATES.complaintPercent, props.safety.complaintRateLimit * 100),
      },
    ),
    graph("SES events", [
      digestMetric("ses-events", SES_EVENT_METRICS.sends, { label: "sends" }),
      digestMetric("ses-events", SES_EVENT_METRICS.deliveries, { label: "deliveries" }),
      digestMetric("ses-events", SES_EVENT_METRICS.hardBounces, { label: "hard bounces" }),
      digestMetric("ses-events", SES_EVENT_METRICS.softBounces, { label: "soft bounces" }),
      digestMetric("ses-events", SES_EVENT_METRICS.complaints, { label: "complaints" }),
      digestMetric("ses-events", SES_EVENT_METRICS.opens, { label: "opens" }),
      digestMetric("ses-events", SES_EVENT_METRICS.clicks, { label: "clicks" }),
    ]),
  );
  dashboard.addWidgets(
    graph(
      "Function errors",
      fns.map(([name, fn]) => fn.metricErrors({ period: fiveMinutes, label: name })),
    ),
    graph(
      "Function throttles",
      fns.map(([name, fn]) => fn.metricThrottles({ period: fiveMinutes, label: name })),
    ),
    graph(
      "HTTP API",
      [
        props.apiStage.metricClientError({ period: fiveMinutes, label: "4xx" }),
        props.apiStage.metricServerError({ period: fiveMinutes, label: "5xx" }),
      ],
      {
        right: [
          props.apiStage.metricLatency({ period: fiveMinutes, statistic: "p50", label: "latency p50 (ms)" }),
          props.apiStage.metricLatency({ period: fiveMinutes, statistic: "p99", label: "latency p99 (ms)" }),
        ],
      },
    ),
  );
  return dashboard;
}

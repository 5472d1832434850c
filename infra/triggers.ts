import {
  Duration,
  aws_events as events,
  aws_events_targets as eventTargets,
  type aws_lambda_nodejs as nodejs,
  aws_scheduler as scheduler,
  aws_scheduler_targets as schedulerTargets,
  type aws_ses as ses,
  TimeZone,
} from "aws-cdk-lib";
import type { Construct } from "constructs";
import type { AsyncFailureQueues } from "./async-failures.js";
import type { DeploymentConfig } from "./config.js";

/**
 * What starts the functions: the daily schedule (compose), feed polling (ingest: every few minutes and
 * once shortly before compose) and the rule that brings the configuration set's SES events to
 * ses-events. Returns the daily schedule.
 */
export function digestTriggers(
  scope: Construct,
  targets: {
    compose: nodejs.NodejsFunction;
    ingest: nodejs.NodejsFunction;
    sesEvents: nodejs.NodejsFunction;
    configurationSet: ses.ConfigurationSet;
    asyncFailures: AsyncFailureQueues;
    settings: Pick<DeploymentConfig["stack"], "sendHour" | "feedPollMinutes">;
    digest: Pick<DeploymentConfig["digest"], "timeZone" | "approval">;
  },
): scheduler.Schedule {
  const { compose, ingest, sesEvents, configurationSet, asyncFailures, settings, digest } = targets;
  const dailySchedule = new scheduler.Schedule(scope, "DailySchedule", {
    description: `The daily edition at ${settings.sendHour}:00 ${digest.timeZone}`,
    schedule: scheduler.ScheduleExpression.cron({
      minute: "0",
      hour: String(settings.sendHour),
      timeZone: TimeZone.of(digest.timeZone),
    }),
    target: new schedulerTargets.LambdaInvoke(compose, {
      retryAttempts: 2,
      maxEventAge: Duration.hours(2),
      // The Scheduler could not invoke compose at all: the event waits there for a redrive.
      deadLetterQueue: asyncFailures.compose,
    }),
  });

  // Approval (config approval): the api function only records an approval, and a deadline needs no
  // human; compose's approval round sends the day's edition once either happened. A rate schedule,
  // not a one-time schedule per edition, because it needs no scheduler rights in any function, no
  // clean-up, and catches an approval within a minute whatever the deadline; its idle rounds are one
  // GetItem each (~1,440 invocations a day).
  if (digest.approval.mode !== "none") {
    new scheduler.Schedule(scope, "ApprovalRounds", {
      description: `Sends the day's edition once approved${digest.approval.mode === "deadline" ? ` or at ${digest.approval.at} ${digest.timeZone} unless held` : ""}`,
      schedule: scheduler.ScheduleExpression.rate(Duration.minutes(1)),
      target: new schedulerTargets.LambdaInvoke(compose, {
        input: scheduler.ScheduleTargetInput.fromObject({ approvalRound: true }),
        retryAttempts: 0,
        maxEventAge: Duration.minutes(1),
      }),
    });
  }

  // Feeds: every few minutes, and once shortly before the edition is composed so it has the latest.
  new scheduler.Schedule(scope, "FeedPolling", {
    description: `Feeds polled every ${settings.feedPollMinutes} minutes`,
    schedule: scheduler.ScheduleExpression.rate(Duration.minutes(settings.feedPollMinutes)),
    target: new schedulerTargets.LambdaInvoke(ingest, {
      retryAttempts: 1,
      maxEventAge: Duration.minutes(Math.min(settings.feedPollMinutes, 60)),
    }),
  });
  new scheduler.Schedule(scope, "FeedPollingBeforeCompose", {
    description: `Feeds polled at 15 minutes before ${settings.sendHour}:00 ${digest.timeZone}`,
    schedule: scheduler.ScheduleExpression.cron({
      minute: "45",
      hour: String((settings.sendHour + 23) % 24),
      timeZone: TimeZone.of(digest.timeZone),
    }),
    target: new schedulerTargets.LambdaInvoke(ingest, {
      retryAttempts: 1,
      maxEventAge: Duration.minutes(10),
    }),
  });

  new events.Rule(scope, "SesEventsRule", {
    description: "SES configuration-set events of this stack",
    eventPattern: {
      source: ["aws.ses"],
      detail: { mail: { tags: { "ses:configuration-set": [configurationSet.configurationSetName] } } },
    },
    targets: [
      new eventTargets.LambdaFunction(sesEvents, {
        retryAttempts: 4,
        maxEventAge: Duration.hours(6),
        // EventBridge could not invoke ses-events: the SES event waits there for a redrive.
        deadLetterQueue: asyncFailures.sesEvents,
      }),
    ],
  });
  return dailySchedule;
}

import { Duration, type aws_lambda as lambda, aws_sqs as sqs } from "aws-cdk-lib";
import type { Construct } from "constructs";

/**
 * Where failed asynchronous invocations go instead of being dropped. compose (EventBridge Scheduler)
 * and ses-events (the EventBridge rule on SES events) are invoked asynchronously: Lambda retries a
 * failing invocation, then, with no destination, discards the event. Each function gets one queue
 * that takes both ways an invocation can fail:
 * - the function ran and failed every attempt: Lambda's on-failure destination (EventInvokeConfig)
 *   sends a record with the original event in `requestPayload` and the error in `responsePayload`;
 * - the trigger could not invoke it at all (throttled, function missing, permissions): the Scheduler
 *   target's or the EventBridge rule target's dead-letter queue gets the event itself.
 * An alarm watches each queue (infra/monitoring.ts); README "Operating it" says how to redrive.
 */
export interface AsyncFailureQueues {
  compose: sqs.Queue;
  sesEvents: sqs.Queue;
}

/** How long each function's failed events are worth retrying, and how often Lambda retries them. */
export const ASYNC_RETRY = {
  /**
   * A failed daily run is retried twice (Lambda's maximum, 1 and 2 minutes apart): the send ledger
   * makes a rerun harmless. An event older than 2 hours (the Scheduler's own limit for the same
   * invocation) goes to the queue rather than composing a morning edition in the afternoon unseen.
   */
  compose: { retryAttempts: 2, maxEventAge: Duration.hours(2) },
  /**
   * An SES event that failed to apply (a store error) is retried twice; suppressions and counters
   * are still worth applying hours later, so the event may wait the default 6 hours (throttling).
   */
  sesEvents: { retryAttempts: 2, maxEventAge: Duration.hours(6) },
} as const;

/**
 * An SQS on-failure destination whose grant is what Lambda uses: it delivers the failure record with
 * the function's execution role and needs sqs:SendMessage alone (Lambda Developer Guide, "Configuring
 * destinations for asynchronous invocation"). CDK's SqsDestination grants grantSendMessages, which
 * adds sqs:GetQueueAttributes and sqs:GetQueueUrl that nothing calls.
 */
class SendOnlyQueueDestination implements lambda.IDestination {
  constructor(private readonly queue: sqs.IQueue) {}

  bind(_scope: Construct, fn: lambda.IFunction): lambda.DestinationConfig {
    this.queue.grant(fn, "sqs:SendMessage");
    return { destination: this.queue.queueArn };
  }
}

/** An encrypted, TLS-only queue keeping failed events 14 days (SQS's maximum) for inspection and redrive. */
function failureQueue(scope: Construct, id: string): sqs.Queue {
  return new sqs.Queue(scope, id, {
    encryption: sqs.QueueEncryption.SQS_MANAGED,
    enforceSSL: true,
    retentionPeriod: Duration.days(14),
  });
}

/**
 * Creates the two queues and makes each its function's on-failure destination with explicit retries;
 * the triggers take the same queue as their dead-letter queue (triggers.ts).
 */
export function asyncFailureQueues(
  scope: Construct,
  fns: { compose: lambda.IFunction; sesEvents: lambda.IFunction },
): AsyncFailureQueues {
  const queues = {
    compose: failureQueue(scope, "ComposeFailures"),
    sesEvents: failureQueue(scope, "SesEventsFailures"),
  };
  for (const key of ["compose", "sesEvents"] as const) {
    fns[key].configureAsyncInvoke({
      onFailure: new SendOnlyQueueDestination(queues[key]),
      ...ASYNC_RETRY[key],
    });
  }
  return queues;
}

import { randomUUID } from "node:crypto";
import type { ShiftedClock } from "./clock.js";
import type { FunctionRunner } from "./functions.js";
import type { IamEvaluator } from "./iam.js";
import type { SqsEmulator } from "./sqs.js";
import type { AsyncInvocation, CallRecord } from "./twin-api.js";

/**
 * Lambda's asynchronous invocation (the Scheduler, EventBridge, `aws lambda invoke --invocation-type
 * Event`), as the template configures it for the function (its AWS::Lambda::EventInvokeConfig): the
 * first attempt, then MaximumRetryAttempts retries after a failure, one minute and then two minutes
 * apart (the clock moves instead of waiting); an invocation that failed every attempt sends its
 * invocation record to the OnFailure destination. Lambda delivers that record with the function's
 * execution role, so the role needs sqs:SendMessage on the queue (evaluated like any call of the
 * function, with the queue's own policy): when it is refused, the record is lost and the refusal is
 * reported like an AccessDenied of the function's code.
 */

export interface AsyncInvokerDeps {
  runner: FunctionRunner;
  iam: IamEvaluator;
  sqs: SqsEmulator;
  clock: ShiftedClock;
  calls: CallRecord[];
  /** Where invocations that failed every attempt are listed. */
  failed: AsyncInvocation[];
}

/** Lambda's waits before the second and the third attempt (Lambda Developer Guide). */
const RETRY_WAIT_SECONDS = [60, 120];

/** The invocation record Lambda sends to an on-failure destination (the Developer Guide's example). */
export interface InvocationRecord {
  version: "1.0";
  timestamp: string;
  requestContext: {
    requestId: string;
    functionArn: string;
    condition: "RetriesExhausted";
    approximateInvokeCount: number;
  };
  requestPayload: unknown;
  responseContext: { statusCode: number; executedVersion: string; functionError: "Unhandled" };
  responsePayload: { errorType: string; errorMessage: string; trace: string[] };
}

export function asyncInvoker(deps: AsyncInvokerDeps) {
  const deliverFailure = async (outcome: AsyncInvocation, event: unknown): Promise<void> => {
    const fn = deps.runner.get(outcome.functionKey).model;
    const destination = fn.asyncInvoke.onFailure;
    if (!destination) return;
    if (!destination.startsWith("arn:aws:sqs:"))
      throw new Error(`${fn.key}: the twin delivers failure records to SQS queues only (${destination})`);
    const decision = await deps.iam.authorize(fn.key, { action: "sqs:SendMessage", resource: destination });
    deps.calls.push({ fn: fn.key, service: "sqs", operation: "SendMessage", decisions: [decision] });
    if (!decision.allowed) {
      // Lambda counts a DestinationDeliveryFailures and drops the record.
      outcome.destinationError = `${fn.key}'s role may not send to ${destination}`;
      return;
    }
    const error = outcome.error as { name?: string; message?: string; stack?: string } | undefined;
    const record: InvocationRecord = {
      version: "1.0",
      timestamp: new Date().toISOString(),
      requestContext: {
        requestId: randomUUID(),
        functionArn: `${fn.arn}:$LATEST`,
        condition: "RetriesExhausted",
        approximateInvokeCount: outcome.attempts,
      },
      requestPayload: event,
      responseContext: { statusCode: 200, executedVersion: "$LATEST", functionError: "Unhandled" },
      responsePayload: {
        errorType: error?.name ?? "Error",
        errorMessage: error?.message ?? String(outcome.error),
        trace: (error?.stack ?? "").split("\n").slice(1),
      },
    };
    deps.sqs.send(deps.sqs.queue(destination).model.url, JSON.stringify(record));
    outcome.deliveredTo = destination;
  };

  return async (functionKey: string, event: unknown, source: string): Promise<AsyncInvocation> => {
    const { maximumRetryAttempts } = deps.runner.get(functionKey).model.asyncInvoke;
    const outcome: AsyncInvocation = { functionKey, source, attempts: 0 };
    for (let attempt = 0; attempt <= maximumRetryAttempts; attempt++) {
      if (attempt > 0) deps.clock.advance(RETRY_WAIT_SECONDS[attempt - 1] ?? 120);
      outcome.attempts++;
      try {
        outcome.result = await deps.runner.invoke(functionKey, event);
        delete outcome.error;
        return outcome;
      } catch (err) {
        outcome.error = err;
      }
    }
    deps.failed.push(outcome);
    await deliverFailure(outcome, event);
    return outcome;
  };
}

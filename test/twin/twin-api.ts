import type { SesEndpoint, SesEndpointOptions } from "../../functions/local/ses-endpoint.js";
import type { CognitoLocal } from "../helpers/cognito-local.js";
import type { ApiRequest, ApiResponse } from "./api-gateway.js";
import type { ShiftedClock } from "./clock.js";
import type { EmittedMetric } from "./emf.js";
import type { InjectedFault } from "./faults.js";
import type { FunctionRunner } from "./functions.js";
import type { Decision, Grant, IamEvaluator } from "./iam.js";
import type { S3Emulator } from "./s3.js";
import type { SentMail, SesEventKind } from "./ses-mail.js";
import type { PollerStats, SqsEmulator } from "./sqs.js";
import type { StackModel } from "./stack-model.js";
import type { ResolvedTemplate } from "./template.js";

/** What a test sees of the deployed-stack twin (started by startTwin in twin.ts). */

export const ACCOUNT = "111122223333";
export const REGION = "eu-west-2";
/** The admin caller of the API: a user whose own policy lets it call the API (SigV4-signed requests). */
export const ADMIN = `arn:aws:iam::${ACCOUNT}:user/newsroom-admin`;

export interface AsyncInvocation {
  functionKey: string;
  source: string;
  attempts: number;
  result?: unknown;
  error?: unknown;
  /** The on-failure destination that received the invocation record, once every attempt failed. */
  deliveredTo?: string;
  /** Why the record could not be delivered (the role may not send there). */
  destinationError?: string;
}

export interface CallRecord {
  fn: string;
  service: string;
  operation: string;
  decisions: Decision[];
  /** The call's input (absent for calls Lambda makes with the role: pollers, destinations). */
  input?: Record<string, unknown>;
  /** The error an injected fault answered it with. */
  fault?: string;
}

export interface Twin {
  /** How long synth with bundling and loading the bundles took (ms). */
  timings: { synthMs: number; loadMs: number };
  template: ResolvedTemplate;
  model: StackModel;
  functions: FunctionRunner;
  sqs: SqsEmulator;
  /** The job bucket's stand-in (a mock: no AWS account here); its objects by `bucket/key`. */
  s3: S3Emulator;
  /** The process's clock (Date): the twin moves it past visibility timeouts and retry waits. */
  clock: ShiftedClock;
  ses: SesEndpoint;
  /** The console's user pools (cognito-local), where the api function's team routes invite people. */
  cognito: CognitoLocal;
  iam: IamEvaluator;
  /** Every AWS call made inside a function, in order. */
  calls: CallRecord[];
  /** Mail SES accepted from the functions, in order. */
  mail: SentMail[];
  /** Async invocations (schedules, EventBridge) that failed every attempt. */
  failedAsync: AsyncInvocation[];
  /** A synchronous invocation (RequestResponse: an operator's `aws lambda invoke`). */
  invoke(functionKey: string, event: unknown): Promise<unknown>;
  /**
   * An asynchronous invocation as Lambda runs it for the template: the EventInvokeConfig's retries,
   * then the invocation record to its OnFailure destination (see async-invoke.ts).
   */
  invokeAsync(functionKey: string, event: unknown, source?: string): Promise<AsyncInvocation>;
  /** From now on, AWS answers the matching calls of a function with an error; returns the remover. */
  injectFault(fault: InjectedFault): () => void;
  /**
   * Calls `tap` with each AWS SDK call a function makes, as it is made (authorized, not yet answered):
   * a case acts at a given moment of an invocation (moves the clock in the middle of one). Returns
   * the remover.
   */
  onCall(tap: (call: CallRecord) => void): () => void;
  /** The metrics the bundles emitted so far (EMF lines in their output). */
  emittedMetrics(): EmittedMetric[];
  schedule(name: string): Promise<AsyncInvocation>;
  drainQueues(): Promise<Record<string, PollerStats>>;
  /** Publishes what SES would for this mail (if its configuration set has an event destination for it). */
  sesEvent(
    mail: SentMail,
    kind: SesEventKind,
    opts?: { recipient?: string },
  ): Promise<{ published: boolean; delivered: AsyncInvocation[] }>;
  /** Puts an event on the default bus: each matching rule's targets are invoked. */
  putEvent(event: Record<string, unknown>): Promise<AsyncInvocation[]>;
  api(req: ApiRequest): Promise<ApiResponse>;
  /** A reader's request through the CloudFront distribution (origin headers, viewer address, edge IP). */
  viaDistribution(req: ApiRequest & { viewerIp: string }): Promise<ApiResponse>;
  /** A signed admin request; resolves with the parsed JSON body (throws on a non-2xx answer). */
  admin<T = unknown>(method: string, path: string, body?: unknown, contentType?: string): Promise<T>;
  /** GET /admin/editions/{id} through the gateway. */
  edition(id: string): Promise<Record<string, unknown>>;
  /** The value the twin's Secrets Manager holds for a secret ARN. */
  secretValue(arn: string): string;
  /** The local `digest` CLI against the twin's tables (the operator's laptop). */
  digest(args: string[]): Promise<{ code: number; out: string; err: string }>;
  /** Unused grants per function: Allow pairs of its role no call used. */
  unusedGrants(): Record<string, Grant[]>;
  /** Throws listing every call refused since the last check (function, action, resource). */
  assertNoAccessDenied(): void;
  close(): Promise<void>;
}

export interface TwinOptions {
  /** CDK context over cdk.json's (e.g. `digest:trackOpens`). */
  context?: Record<string, unknown>;
  /** The local SES endpoint's behaviour (rate, quota, rejections). */
  ses?: SesEndpointOptions;
  /**
   * Environment over a function's template environment, by function key (e.g. `api`): settings a
   * deployment may name that the twin's local stand-ins need (a JWT issuer on 127.0.0.1).
   */
  functionEnv?: Record<string, Record<string, string>>;
}

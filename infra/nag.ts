import { Validations } from "aws-cdk-lib";
import type { IConstruct } from "constructs";
import type { DigestStack } from "./stack.js";

/**
 * cdk-nag findings acknowledged on purpose, each on the narrowest construct and with the reason it is
 * right for this stack. Anything not listed here fails synth.
 */
export function acknowledgeNagFindings(stack: DigestStack): void {
  const ack = (scope: IConstruct, id: string, reason: string) =>
    Validations.of(scope).acknowledge({ id, reason });
  const { compose, send, api, storyImport, sesEvents, ingest, dispatch } = stack.functions;
  const all = [
    compose,
    send,
    api,
    storyImport,
    sesEvents,
    ingest,
    stack.jobs.fn,
    ...(dispatch ? [dispatch] : []),
  ];

  ack(
    stack.httpApi,
    "AwsSolutions-APIG4",
    "Subscribe, confirm, unsubscribe (RFC 8058 one-click), preferences, archive and hosted stories are public by design: " +
      "mail clients POST one-click unsubscribes without credentials. Those routes authorise by signed, subscriber-bound " +
      "HMAC tokens in the handler. /admin routes are checked by the function itself (one auth check: the console's " +
      "Cognito ID token verified with aws-jwt-verify, or a hashed, revocable personal API token; no credentials → 401), " +
      "since API Gateway gives a route a single authorizer; the same routes under /iam/admin use the IAM authorizer " +
      "for SigV4 scripts.",
  );

  for (const fn of all) {
    ack(
      fn,
      "AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]",
      "The AWS-maintained basic execution policy only lets the function write its own CloudWatch Logs.",
    );
    ack(
      fn,
      "AwsSolutions-IAM5[Resource::*]",
      "X-Ray tracing (xray:PutTraceSegments, PutTelemetryRecords) and ses:GetAccount have no resource-level permissions; " +
        "AWS only accepts them on '*'.",
    );
  }
  // The daily functions are granted each index by name (infra/grants.ts); only the local-delivery dispatch
  // keeps CDK's read grant, which covers the table's indexes with a wildcard.
  if (dispatch) {
    const logicalId = stack.getLogicalId(stack.tables.subscribers.node.defaultChild as never);
    ack(
      dispatch,
      `AwsSolutions-IAM5[Resource::<${logicalId}.Arn>/index/*]`,
      "Read rights on the subscribers table's own global secondary indexes (bySlot: who is due this hour); no other table.",
    );
  }
  // The schedulers' role is created by aws-scheduler-targets at stack level, outside the schedules.
  for (const fn of dispatch ? [compose, ingest, dispatch] : [compose, ingest]) {
    ack(
      stack,
      `AwsSolutions-IAM5[Resource::<${stack.getLogicalId(fn.node.defaultChild as never)}.Arn>:*]`,
      "The scheduler's role may invoke the scheduled function and its versions; nothing else.",
    );
  }
  for (const queue of [stack.asyncFailures.compose, stack.asyncFailures.sesEvents]) {
    ack(
      queue,
      "AwsSolutions-SQS3",
      "This queue is itself the end of a failure path: the Lambda on-failure destination and the Scheduler / " +
        "EventBridge target dead-letter queue of its function. Nothing consumes it automatically, so there is no " +
        "receive loop a DLQ could catch; messages stay 14 days, an alarm fires on the first one, and an operator " +
        "redrives them (README, Operating it).",
    );
  }
  const { distribution, logs } = stack.frontDoor;
  ack(
    logs,
    "AwsSolutions-S1",
    "This bucket holds the CloudFront distribution's own access logs; logging access to the log bucket into " +
      "another bucket would only repeat the question one level down.",
  );
  ack(
    distribution,
    "AwsSolutions-CFR1",
    "A newsletter's public pages (sign-up, unsubscribe, archive) are for readers wherever they are; an unsubscribe " +
      "link must work from every country (CAN-SPAM, GDPR), so no geo restriction.",
  );
  ack(
    distribution,
    "AwsSolutions-CFR2",
    "A WAF web ACL for CloudFront must live in us-east-1, outside this single-region stack; the pages take no " +
      "free-form input beyond the validated sign-up form, sign-ups are rate-limited per address and per client in " +
      "the API, and the stage is throttled. docs/operations.md (Custom domain) says how to attach a web ACL.",
  );
  if (!stack.frontDoor.customDomain) {
    ack(
      distribution,
      "AwsSolutions-CFR4",
      "Without deploy.publicDomain the distribution uses CloudFront's default *.cloudfront.net certificate, whose " +
        "security policy CloudFront fixes at TLSv1; with a domain and its certificate the stack sets TLSv1.2_2021.",
    );
  }
  ack(
    stack.frontDoor.originSecret,
    "AwsSolutions-SMG4",
    "CloudFormation resolves this secret into the distribution's origin header and the api function's environment " +
      "at deploy time; a rotation outside a deployment would reach neither. It only vouches for the reader's " +
      "address (sign-up limits); replace it by deploying with a new one.",
  );
  // Import and export jobs (infra/jobs.ts).
  const bucketId = stack.getLogicalId(stack.jobs.bucket.node.defaultChild as never);
  for (const fn of [api, stack.jobs.fn]) {
    ack(
      fn,
      `AwsSolutions-IAM5[Resource::<${bucketId}.Arn>/jobs/*]`,
      "Job files are keyed by job id (jobs/<id>/…), which is random per job: the grant names the job folder and " +
        "nothing else in the job bucket.",
    );
    for (const file of ["input.csv", "report.csv", "report-parts/*", "subscribers.*"]) {
      ack(
        fn,
        `AwsSolutions-IAM5[Resource::<${bucketId}.Arn>/jobs/*/${file}]`,
        "One kind of job file (the upload, the report or its parts, the export) of any job: job ids are random.",
      );
    }
  }
  ack(
    stack.jobs.bucket,
    "AwsSolutions-S1",
    "The job bucket holds short-lived files (an upload, its report, an export) that expire with their job; who " +
      "created or read them is recorded by the admin API's own logs and the job record, and CloudTrail data events " +
      "can be enabled on it when an audit needs object-level logs.",
  );
  // The admin console (infra/console-auth.ts, console-site.ts).
  ack(
    stack.console.userPool,
    "AwsSolutions-COG8",
    "Cognito's Plus tier (threat protection) is priced per monthly active user; the pool serves a newsroom's few " +
      "invited members: no self sign-up, MFA required unless deploy.consoleMfa says otherwise, 12-character " +
      "passwords. An operator can switch the pool to Plus without changing the stack's design.",
  );
  if (stack.console.mfa !== "required") {
    ack(
      stack.console.userPool,
      "AwsSolutions-COG2",
      "MFA is a deployment setting (deploy.consoleMfa); this deployment chose optional or off on purpose " +
        "(docs/operations.md, The admin console: MFA).",
    );
  }
  // BucketDeployment's own function (one per stack, CDK-maintained): it copies the console's files from
  // the CDK asset bucket into the console bucket and invalidates /console* at deploy time.
  const copier = stack.node.children.find((c) => c.node.id.startsWith("Custom::CDKBucketDeployment"));
  if (copier) {
    ack(
      copier,
      "AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]",
      "CDK's BucketDeployment function: the AWS-maintained basic execution policy only writes its own logs.",
    );
    ack(
      copier,
      "AwsSolutions-L1",
      "CDK's BucketDeployment function: CDK pins the Python runtime its AWS CLI layer is built for; it runs only " +
        "during deployments.",
    );
    const consoleBucket = stack.getLogicalId(stack.console.site.bucket.node.defaultChild as never);
    for (const finding of [
      "Action::s3:GetBucket*",
      "Action::s3:GetObject*",
      "Action::s3:List*",
      "Action::s3:Abort*",
      "Action::s3:DeleteObject*",
      "Resource::arn:<AWS::Partition>:s3:::cdk-hnb659fds-assets-<AWS::AccountId>-<AWS::Region>/*",
      `Resource::<${consoleBucket}.Arn>/*`,
      "Resource::*",
    ]) {
      ack(
        copier,
        `AwsSolutions-IAM5[${finding}]`,
        "CDK's BucketDeployment grants: read the console's asset from the CDK asset bucket, replace the objects of " +
          "the console bucket (read, write, delete, list) and create a CloudFront invalidation, which has no " +
          "resource-level permission.",
      );
    }
  }
  ack(
    stack.tokenSecret,
    "AwsSolutions-SMG4",
    "The secret is the HMAC key of unsubscribe and preferences links already in subscribers' inboxes; rotating it " +
      "automatically would break them. Keys rotate by adding a key id (DIGEST_TOKEN_KEYS keeps old ids verifying).",
  );
  ack(
    stack.erasureSecret,
    "AwsSolutions-SMG4",
    "The secret keys the hashes that keep erased (GDPR) addresses on the suppression list; a rotated key would no " +
      "longer match them, and the erased addresses could sign up and be mailed again.",
  );
}

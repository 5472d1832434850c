import {
  CfnOutput,
  Duration,
  type aws_lambda as lambda,
  Names,
  type aws_lambda_nodejs as nodejs,
  RemovalPolicy,
  Size,
  Stack,
  aws_s3 as s3,
  aws_sqs as sqs,
} from "aws-cdk-lib";
import type { Construct } from "constructs";
import { TABLE_ENV, type TableName } from "../functions/adapters/schema.js";
import { JOB_RETENTION_DAYS } from "../functions/core/jobs/jobs.js";
import { JOB_BUCKET_ENV, JOB_QUEUE_ENV } from "../functions/handlers/env.js";
import { digestFunction } from "./lambda-function.js";

/**
 * Large subscriber imports and exports as jobs (functions/core/jobs/): the private bucket their files
 * live in, the queue the api starts them through, and the jobs function that runs them. Grants are
 * in grants.ts (grantJobAccess).
 */
export interface DigestJobs {
  bucket: s3.Bucket;
  queue: sqs.Queue;
  deadLetters: sqs.Queue;
  fn: nodejs.NodejsFunction;
}

/**
 * The jobs function's timeout: one run of a job. An import that needs longer stops at a checkpoint
 * before it and re-queues itself (functions/core/jobs/run-job.ts).
 */
const JOB_TIMEOUT = Duration.minutes(15);

/** The tables the jobs function reads or writes (grants.ts, grantJobAccess): the only ones it is told. */
export const JOB_FUNCTION_TABLES: readonly TableName[] = ["jobs", "subscribers", "suppressions"];

/** The shared environment without the names of the tables the jobs function never touches. */
function jobsEnvironment(sharedEnv: Record<string, string>): Record<string, string> {
  const otherTables = new Set(
    (Object.keys(TABLE_ENV) as TableName[])
      .filter((table) => !JOB_FUNCTION_TABLES.includes(table))
      .map((table) => TABLE_ENV[table]),
  );
  return Object.fromEntries(Object.entries(sharedEnv).filter(([name]) => !otherTables.has(name)));
}

export function digestJobs(
  scope: Construct,
  sharedEnv: Record<string, string>,
  api: nodejs.NodejsFunction,
): DigestJobs {
  // Private, encrypted, TLS only; files expire with their job. Browsers upload and download through
  // presigned URLs (the admin console), hence CORS for PUT and GET; the URL's signature is the grant.
  const bucket = new s3.Bucket(scope, "JobFiles", {
    encryption: s3.BucketEncryption.S3_MANAGED,
    blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
    enforceSSL: true,
    objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
    removalPolicy: RemovalPolicy.DESTROY,
    autoDeleteObjects: false,
    lifecycleRules: [
      {
        expiration: Duration.days(JOB_RETENTION_DAYS),
        abortIncompleteMultipartUploadAfter: Duration.days(1),
      },
    ],
    cors: [
      {
        allowedMethods: [s3.HttpMethods.PUT, s3.HttpMethods.GET],
        allowedOrigins: ["*"],
        allowedHeaders: ["content-type"],
        maxAge: 3600,
      },
    ],
  });
  const deadLetters = new sqs.Queue(scope, "JobDeadLetters", {
    encryption: sqs.QueueEncryption.SQS_MANAGED,
    enforceSSL: true,
    retentionPeriod: Duration.days(14),
  });
  const queue = new sqs.Queue(scope, "JobQueue", {
    encryption: sqs.QueueEncryption.SQS_MANAGED,
    enforceSSL: true,
    // AWS guidance: at least six times the consumer's timeout.
    visibilityTimeout: Duration.seconds(JOB_TIMEOUT.toSeconds() * 6),
    deadLetterQueue: { queue: deadLetters, maxReceiveCount: 2 },
  });
  const fn = digestFunction(scope, "jobs", "Runs subscriber import and export jobs", {
    timeout: JOB_TIMEOUT,
    memorySize: 1769, // one full vCPU: CSV parsing and validation are CPU-bound
    environment: {
      ...jobsEnvironment(sharedEnv),
      [JOB_BUCKET_ENV]: bucket.bucketName,
      [JOB_QUEUE_ENV]: queue.queueUrl,
    },
  });
  // An export is spooled to /tmp before its upload (PutObject needs the length).
  (fn.node.defaultChild as lambda.CfnFunction).ephemeralStorage = { size: Size.gibibytes(2).toMebibytes() };
  // One job per invocation; the exact poller grants are in grants.ts (as the send queue's).
  fn.addEventSourceMapping(`SqsEventSource:${Names.nodeUniqueId(queue.node)}`, {
    eventSourceArn: queue.queueArn,
    batchSize: 1,
    maxConcurrency: 2,
  });
  api.addEnvironment(JOB_BUCKET_ENV, bucket.bucketName);
  api.addEnvironment(JOB_QUEUE_ENV, queue.queueUrl);
  return { bucket, queue, deadLetters, fn };
}

/** Outputs naming the job bucket and queue (an operator reads a job's files or redrives it there). */
export function jobOutputs(scope: Construct, jobs: DigestJobs): void {
  const stackName = Stack.of(scope).stackName;
  new CfnOutput(scope, "JobBucketName", {
    value: jobs.bucket.bucketName,
    description: `The private bucket of import and export job files (env ${JOB_BUCKET_ENV})`,
    exportName: `${stackName}-JobBucketName`,
  });
  new CfnOutput(scope, "JobQueueUrl", {
    value: jobs.queue.queueUrl,
    description: `Started import and export jobs (env ${JOB_QUEUE_ENV})`,
    exportName: `${stackName}-JobQueueUrl`,
  });
}

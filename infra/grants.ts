import {
  type aws_cognito as cognito,
  type aws_dynamodb as dynamodb,
  aws_iam as iam,
  type aws_lambda_nodejs as nodejs,
  type Stack,
  type aws_s3 as s3,
  type aws_secretsmanager as secretsmanager,
  type aws_ses as ses,
  type aws_sqs as sqs,
} from "aws-cdk-lib";
import { MEMBER_DIRECTORY_ACTIONS } from "../functions/adapters/cognito-member-directory.js";
import type { TableName } from "../functions/adapters/schema.js";
import type { DeploymentConfig } from "./config.js";

/** What the grants are made on: the functions, and the resources their code calls. */
export interface GrantTargets {
  functions: Record<
    "compose" | "send" | "api" | "storyImport" | "sesEvents" | "ingest",
    nodejs.NodejsFunction
  >;
  tables: Record<TableName, dynamodb.TableV2>;
  sendQueue: sqs.Queue;
  tokenSecret: secretsmanager.Secret;
  erasureSecret: secretsmanager.Secret;
  configurationSet: ses.ConfigurationSet;
  settings: Pick<DeploymentConfig["stack"], "sendingDomain">;
  digest: Pick<DeploymentConfig["digest"], "senderAddress" | "approval">;
}

/**
 * Least privilege: each function may make exactly the calls its code makes, per table and index,
 * queue, secret and SES identity (the dispatch function's grants are made where it is created).
 */
export function grantLeastPrivilege(stack: Stack, targets: GrantTargets): iam.PolicyStatement {
  const { functions, sendQueue, tokenSecret, erasureSecret, configurationSet, settings, digest } = targets;
  const { compose, send, api, storyImport, sesEvents, ingest } = functions;
  // Exactly the calls each function's code makes, per table and index. The deployed-stack twin
  // (test/twin) refuses any call these do not allow, and lists the grants no call of its day used.
  const GET = "dynamodb:GetItem";
  const BATCH_GET = "dynamodb:BatchGetItem";
  const QUERY = "dynamodb:Query";
  const SCAN = "dynamodb:Scan";
  const PUT = "dynamodb:PutItem";
  const BATCH_WRITE = "dynamodb:BatchWriteItem";
  const UPDATE = "dynamodb:UpdateItem";
  const DELETE = "dynamodb:DeleteItem";
  type TableAccess = { table?: string[]; index?: Record<string, string[]> };
  const dataAccess: [nodejs.NodejsFunction, Partial<Record<TableName, TableAccess>>][] = [
    [
      compose,
      {
        stories: { index: { byDay: [QUERY] }, table: [UPDATE] }, // the day's stories; marks those it took
        // The edition and its day's index item (Get, Put); its delivery round: start it, open and
        // register a group per page, move the resume cursor on (conditional Updates, PutItem of each
        // group's item), and the final status when every message settled before the last page was
        // registered. Never the counters (BatchGetItem): compose reads the edition alone.
        editions: { table: [GET, PUT, UPDATE] },
        subscribers: { index: { byStatus: [QUERY] } }, // pages through the active shards
        // The approval request goes to the team's editors and owners: the members' partition (Query).
        ...(digest.approval.mode !== "none" ? { team: { table: [QUERY] } } : {}),
      },
    ],
    [
      send,
      {
        // Variants rendered and cached on first use (Get, Put); the edition's status; the `sent`
        // counter, its message's settlement in the round and the final status (Update); the safety
        // pause sums the SES event counters at start and every rateCheckEvery recipients: one
        // BatchGetItem of the edition's counter shards (issue 13, item 7).
        editions: { table: [GET, BATCH_GET, PUT, UPDATE] },
        subscribers: { table: [BATCH_GET] }, // the message's recipients, in one read
        suppressions: { table: [BATCH_GET] },
        // The ledger: claim, then mark sent or failed (conditional writes), and once per message the
        // changes added to the edition's ledger counters (an ADD).
        sends: { table: [GET, UPDATE] },
      },
    ],
    [
      api,
      {
        // The subscriber import reads and writes its chunks in batches (BatchGetItem, BatchWriteItem);
        // the admin's search Queries the byAddress and byName indexes (never a Scan).
        subscribers: {
          table: [GET, BATCH_GET, PUT, BATCH_WRITE, DELETE, SCAN],
          index: { byId: [QUERY], byStatus: [QUERY], byAddress: [QUERY], byName: [QUERY] },
        },
        // erasure swaps the entry for a keyed hash; GET /admin/suppressions pages through the list (Scan)
        suppressions: { table: [GET, BATCH_GET, PUT, DELETE, SCAN] },
        // Remove (a tombstone: Put), pages (Get), list a day; importing and changing one is storyImport's.
        stories: { table: [GET, PUT], index: { byDay: [QUERY] } },
        // List (the day index: Query), report and cancel (Get; the counters summed over their
        // shards: BatchGetItem), cancel's status (Update); resend-failed joins or starts a delivery
        // round like compose (Update, and PutItem of the group it enqueues).
        editions: { table: [GET, BATCH_GET, QUERY, PUT, UPDATE] },
        // Ledger counts (the edition's counter shards: BatchGetItem) and lists; resend-failed reopens
        // rejected entries; erasure reads each of the person's entries and keeps only its state under a
        // random key (put, then delete); both add what they changed to the counters (Update).
        sends: { table: [GET, BATCH_GET, QUERY, PUT, UPDATE, DELETE] },
        limits: { table: [GET, UPDATE] }, // sign-up rate limits (conditional counters)
        // The one auth check finds a personal token by its hash (the index, then a consistent Get of the
        // token and its member) and records its use (Update); the team routes list (Query), add and
        // change (Put), remove and revoke (Delete) members and tokens; sign-in codes are taken (Delete).
        team: { table: [GET, QUERY, PUT, UPDATE, DELETE], index: { byTokenHash: [QUERY] } },
        // Every admin write recorded (Put); GET /admin/audit (Query); an erasure takes the address out
        // of the entries about the person (Query, Update).
        audit: { table: [PUT, QUERY, UPDATE] },
        feeds: { table: [SCAN] }, // the overview's feed alerts: each feed's last poll
      },
    ],
    [
      storyImport,
      {
        // POST /admin/stories: each story a conditional upsert (Update); PATCH /admin/stories/{id}:
        // read the story (Get), hold, pick or correct it (Update); a feed's poll: as ingest.
        stories: { table: [GET, UPDATE] },
        // A correction of a story of an edition awaiting approval: the edition read (Get), the
        // correction written into its stories and the edition marked stale, conditionally (Update).
        // Never its variants (Put): compose's approval round renders them again.
        editions: { table: [GET, UPDATE] },
        // The feed routes: list and find by id (Scan), add (Update, then a consistent Get of what was
        // stored), remove (Delete), record a poll (Update).
        feeds: { table: [SCAN, GET, UPDATE, DELETE] },
        audit: { table: [PUT] }, // each write recorded in the audit log
        // The one auth check: a personal token found by its hash (the index, then a consistent Get of
        // the token and its member), its use recorded (Update).
        team: { table: [GET, UPDATE], index: { byTokenHash: [QUERY] } },
      },
    ],
    [
      sesEvents,
      {
        subscribers: { table: [GET, PUT] }, // status and soft-bounce count
        suppressions: { table: [GET, BATCH_GET, PUT] },
        editions: { table: [UPDATE] }, // the event counters: an ADD to one of the edition's shards
        // First open, click and soft bounce per recipient: a conditional write, and a read of the entry
        // when the write fails without returning it (mail with no ledger entry: confirmation, welcome).
        sends: { table: [GET, UPDATE] },
      },
    ],
    [
      ingest,
      {
        feeds: { table: [SCAN, UPDATE] }, // lists the feeds, records each poll
        stories: { table: [GET, UPDATE] }, // reads the stored copy, upserts
      },
    ],
  ];
  for (const [fn, tables] of dataAccess) {
    for (const [name, access] of Object.entries(tables) as [TableName, TableAccess][]) {
      const { tableArn } = targets.tables[name];
      if (access.table)
        fn.addToRolePolicy(new iam.PolicyStatement({ actions: access.table, resources: [tableArn] }));
      for (const [index, actions] of Object.entries(access.index ?? {}))
        fn.addToRolePolicy(new iam.PolicyStatement({ actions, resources: [`${tableArn}/index/${index}`] }));
    }
  }
  // compose fans out and api's resend-failed enqueues; the send queue's poller (Lambda, with send's
  // role) receives and deletes.
  for (const fn of [compose, api]) {
    fn.addToRolePolicy(
      new iam.PolicyStatement({ actions: ["sqs:SendMessage"], resources: [sendQueue.queueArn] }),
    );
  }
  send.addToRolePolicy(
    new iam.PolicyStatement({
      actions: ["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes"],
      resources: [sendQueue.queueArn],
    }),
  );
  const readSigningKey = new iam.PolicyStatement({
    actions: ["secretsmanager:GetSecretValue"],
    resources: [tokenSecret.secretArn],
  });
  for (const fn of [compose, send, api]) fn.addToRolePolicy(readSigningKey);
  // Whoever looks an address up on the suppression list (send, sign-up and admin, SES feedback).
  const readErasureKey = new iam.PolicyStatement({
    actions: ["secretsmanager:GetSecretValue"],
    resources: [erasureSecret.secretArn],
  });
  for (const fn of [send, api, sesEvents]) fn.addToRolePolicy(readErasureKey);
  // SES authorizes a send on the identity it uses: the sender address when that address is verified
  // on its own, else its domain. Grant both, so verifying the address later does not stop sending.
  // SESv2 SendEmail (raw content included) is authorized as ses:SendEmail alone.
  const sendEmail = new iam.PolicyStatement({
    actions: ["ses:SendEmail"],
    resources: [
      stack.formatArn({ service: "ses", resource: "identity", resourceName: settings.sendingDomain }),
      stack.formatArn({ service: "ses", resource: "identity", resourceName: digest.senderAddress }),
      stack.formatArn({
        service: "ses",
        resource: "configuration-set",
        resourceName: configurationSet.configurationSetName,
      }),
    ],
  });
  for (const fn of [send, api]) fn.addToRolePolicy(sendEmail);
  // compose mails the approval request when an edition waits for approval (config approval).
  if (digest.approval.mode !== "none") compose.addToRolePolicy(sendEmail);
  // GetAccount has no resource-level permissions: it can only be granted on "*".
  // Rate and daily quota: the send function paces and stops at them, compose warns before fan-out.
  // The api's overview says when the daily quota is used up or nearly.
  for (const fn of [send, compose, api]) {
    fn.addToRolePolicy(new iam.PolicyStatement({ actions: ["ses:GetAccount"], resources: ["*"] }));
  }
  // The same SendEmail grant serves the jobs function (pending imports' confirmations).
  return sendEmail;
}

/**
 * The team routes of the api function keep the console's user pool in step with the team
 * (functions/adapters/cognito-member-directory.ts): exactly the admin calls it makes, on this pool.
 */
export function grantMemberDirectory(api: nodejs.NodejsFunction, userPool: cognito.IUserPool): void {
  api.addToRolePolicy(
    new iam.PolicyStatement({ actions: [...MEMBER_DIRECTORY_ACTIONS], resources: [userPool.userPoolArn] }),
  );
}

/** What the job grants are made on (infra/jobs.ts). */
export interface JobGrantTargets {
  api: nodejs.NodejsFunction;
  jobs: nodejs.NodejsFunction;
  tables: Record<TableName, dynamodb.TableV2>;
  bucket: s3.Bucket;
  queue: sqs.Queue;
  tokenSecret: secretsmanager.Secret;
  erasureSecret: secretsmanager.Secret;
  sendEmail: iam.PolicyStatement;
}

/**
 * Import and export jobs. The api creates and reads job records, signs the upload (PUT of a job's
 * input.csv) and download links (GET of its files: a presigned URL carries the signer's rights), and
 * starts jobs on the queue. The jobs function reads the upload, writes the report and the export,
 * records progress, and imports as the admin import does (subscribers, suppressions, confirmation
 * mail for pending imports) or pages through the subscribers for an export.
 */
export function grantJobAccess(t: JobGrantTargets): void {
  const { api, jobs, tables, bucket, queue } = t;
  const allow = (fn: nodejs.NodejsFunction, actions: string[], resources: string[]) =>
    fn.addToRolePolicy(new iam.PolicyStatement({ actions, resources }));
  allow(api, ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem"], [tables.jobs.tableArn]);
  allow(api, ["s3:PutObject"], [bucket.arnForObjects("jobs/*/input.csv")]);
  allow(api, ["s3:GetObject"], [bucket.arnForObjects("jobs/*")]);
  allow(api, ["sqs:SendMessage"], [queue.queueArn]);

  allow(jobs, ["dynamodb:GetItem", "dynamodb:UpdateItem"], [tables.jobs.tableArn]);
  // An import's report is written part by part, chunk by chunk, so a run that stops (out of time, or
  // a crash) loses none of it; the last run reads the parts back into report.csv.
  allow(
    jobs,
    ["s3:GetObject"],
    [bucket.arnForObjects("jobs/*/input.csv"), bucket.arnForObjects("jobs/*/report-parts/*")],
  );
  allow(
    jobs,
    ["s3:PutObject"],
    [
      bucket.arnForObjects("jobs/*/report.csv"),
      bucket.arnForObjects("jobs/*/report-parts/*"),
      bucket.arnForObjects("jobs/*/subscribers.*"),
    ],
  );
  // The import reads and writes its chunks in batches; a pending row whose confirmation cannot be sent
  // is deleted again (as the api's import does).
  allow(
    jobs,
    [
      "dynamodb:GetItem",
      "dynamodb:BatchGetItem",
      "dynamodb:PutItem",
      "dynamodb:BatchWriteItem",
      "dynamodb:DeleteItem",
      "dynamodb:Scan",
      // The reindex job writes only a record's index keys, conditionally (core/jobs/reindex-job.ts).
      "dynamodb:UpdateItem",
    ],
    [tables.subscribers.tableArn],
  );
  allow(jobs, ["dynamodb:Query"], [`${tables.subscribers.tableArn}/index/byStatus`]);
  allow(
    jobs,
    ["dynamodb:GetItem", "dynamodb:BatchGetItem", "dynamodb:PutItem"],
    [tables.suppressions.tableArn],
  );
  allow(jobs, ["secretsmanager:GetSecretValue"], [t.tokenSecret.secretArn, t.erasureSecret.secretArn]);
  jobs.addToRolePolicy(t.sendEmail);
  allow(jobs, ["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes"], [queue.queueArn]);
  // An import about to run out of time puts its own next message on the queue (run-job.ts).
  allow(jobs, ["sqs:SendMessage"], [queue.queueArn]);
}

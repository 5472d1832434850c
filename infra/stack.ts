import {
  type aws_apigatewayv2 as apigw,
  type aws_cognito as cognito,
  Duration,
  type aws_dynamodb as dynamodb,
  Names,
  type aws_lambda_nodejs as nodejs,
  Stack,
  type StackProps,
  aws_scheduler as scheduler,
  aws_scheduler_targets as schedulerTargets,
  type aws_secretsmanager as secretsmanager,
  aws_sqs as sqs,
} from "aws-cdk-lib";
import type { Construct } from "constructs";
import { TABLE_ENV, TABLES, type TableName } from "../functions/adapters/schema.js";
import { CONFIG_ENV } from "../functions/core/kernel/config.js";
import {
  ERASURE_SECRET_ENV,
  ORIGIN_VERIFY_ENV,
  QUEUE_ENV,
  SEND_FLEET_SIZE_ENV,
  SEND_HOUR_ENV,
  SEND_MAX_RECEIVES_ENV,
  SEND_RATE_ENV,
  TOKEN_SECRET_ENV,
  USER_POOL_CLIENT_ID_ENV,
  USER_POOL_ID_ENV,
} from "../functions/handlers/env.js";
import { METRICS_NAMESPACE } from "../functions/handlers/metric-names.js";
import { type AsyncFailureQueues, asyncFailureQueues } from "./async-failures.js";
import { type PublicFrontDoor, publicFrontDoor } from "./cdn.js";
import type { DeploymentConfig } from "./config.js";
import { type ConsoleAuth, consoleAuth, consoleClient } from "./console-auth.js";
import { CONSOLE_PATH, type ConsoleSite, consoleSite } from "./console-site.js";
import { grantJobAccess, grantLeastPrivilege, grantMemberDirectory } from "./grants.js";
import { digestHttpApi } from "./http-api.js";
import { type DigestJobs, digestJobs, jobOutputs } from "./jobs.js";
import { digestFunction } from "./lambda-function.js";
import { addMonitoring, type Monitoring } from "./monitoring.js";
import { digestOutputs } from "./outputs.js";
import { digestSecrets } from "./secrets.js";
import { sendFleet } from "./send-fleet.js";
import { sendingIdentity } from "./ses.js";
import { digestTables } from "./tables.js";
import { digestTriggers } from "./triggers.js";

export interface DigestStackProps extends StackProps {
  config: DeploymentConfig;
}

/**
 * The whole digest on AWS: tables from the shared schema, the daily schedule, compose → SQS → send,
 * the HTTP API, SES identity and configuration set with events, the signing secret, alarms.
 */
export class DigestStack extends Stack {
  readonly tables: Record<TableName, dynamodb.TableV2>;
  readonly functions: Record<
    "compose" | "send" | "api" | "storyImport" | "sesEvents" | "ingest",
    nodejs.NodejsFunction
  > & {
    /** Only with local morning delivery (digest:deliveryMode=local). */
    dispatch?: nodejs.NodejsFunction;
  };
  readonly httpApi: apigw.HttpApi;
  /** The CloudFront distribution readers' links go to (infra/cdn.ts). */
  readonly frontDoor: PublicFrontDoor;
  readonly tokenSecret: secretsmanager.Secret;
  readonly erasureSecret: secretsmanager.Secret;
  readonly dailySchedule: scheduler.Schedule;
  /** Where failed async invocations of compose and ses-events go (see async-failures.ts). */
  readonly asyncFailures: AsyncFailureQueues;
  readonly monitoring: Monitoring;
  /** Large subscriber imports and exports: their bucket, queue and function (infra/jobs.ts). */
  readonly jobs: DigestJobs;
  /** The admin console: who signs in (infra/console-auth.ts) and where it is served (console-site.ts). */
  readonly console: ConsoleAuth & {
    client: cognito.UserPoolClient;
    site: ConsoleSite;
    url: string;
    mfa: "off" | "optional" | "required";
  };

  constructor(scope: Construct, id: string, props: DigestStackProps) {
    super(scope, id, props);
    const { config } = props;
    const { stack: settings, digest } = config;

    // --- Storage -------------------------------------------------------------------------------
    this.tables = digestTables(this, settings.deletionProtection);
    const { tokenSecret, erasureSecret } = digestSecrets(this, settings);
    this.tokenSecret = tokenSecret;
    this.erasureSecret = erasureSecret;

    const deadLetters = new sqs.Queue(this, "SendDeadLetters", {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    const fleet = sendFleet(settings.maxSendRate);
    const sendTimeout = Duration.seconds(fleet.functionTimeoutSeconds);
    // AWS guidance: at least six times the consumer's timeout.
    const sendVisibility = Duration.seconds(fleet.functionTimeoutSeconds * 6);
    const sendQueue = new sqs.Queue(this, "SendQueue", {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      visibilityTimeout: sendVisibility,
      deadLetterQueue: { queue: deadLetters, maxReceiveCount: fleet.maxReceiveCount },
    });

    // --- SES (infra/ses.ts) ----------------------------------------------------------------------
    const { configurationSet, identity } = sendingIdentity(this, settings, digest);

    // --- Functions -----------------------------------------------------------------------------
    const tableEnv = Object.fromEntries(
      (Object.keys(TABLES) as TableName[]).map((name) => [TABLE_ENV[name], this.tables[name].tableName]),
    );
    const sharedEnv: Record<string, string> = {
      ...config.environment,
      ...tableEnv,
      [CONFIG_ENV.configurationSet]: configurationSet.configurationSetName,
      [TOKEN_SECRET_ENV]: tokenSecret.secretArn,
      [ERASURE_SECRET_ENV]: erasureSecret.secretArn,
      NODE_OPTIONS: "--enable-source-maps",
      POWERTOOLS_LOG_LEVEL: "INFO",
      POWERTOOLS_METRICS_NAMESPACE: METRICS_NAMESPACE,
    };

    const compose = digestFunction(
      this,
      "compose",
      "Composes the day's edition and fans recipients out to the send queue",
      {
        timeout: Duration.minutes(15),
        memorySize: 1024,
        environment: { ...sharedEnv, [QUEUE_ENV]: sendQueue.queueUrl },
      },
    );
    const send = digestFunction(this, "send", "Sends queued recipients through SES, paced and exactly once", {
      timeout: sendTimeout,
      memorySize: 512,
      environment: {
        ...sharedEnv,
        [SEND_RATE_ENV]: String(fleet.ratePerFunction),
        [SEND_FLEET_SIZE_ENV]: String(fleet.maxConcurrency),
        [SEND_MAX_RECEIVES_ENV]: String(fleet.maxReceiveCount),
      },
    });
    // The mapping without SqsEventSource, whose grant adds actions the poller never calls (the exact
    // ones are in the grants below); same construct id, so the deployed mapping is kept.
    send.addEventSourceMapping(`SqsEventSource:${Names.nodeUniqueId(sendQueue.node)}`, {
      eventSourceArn: sendQueue.queueArn,
      batchSize: fleet.batchSize,
      maxConcurrency: fleet.maxConcurrency,
      reportBatchItemFailures: true,
    });
    const api = digestFunction(this, "api", "Public pages and the admin API", {
      timeout: Duration.seconds(29),
      memorySize: 512,
      // The queue: POST /admin/editions/{id}/resend-failed enqueues the failed recipients.
      environment: { ...sharedEnv, [QUEUE_ENV]: sendQueue.queueUrl },
    });
    // POST /admin/stories alone: it loads the story parsers, which the api function (readers' clicks)
    // then never carries. A body is up to 5 MB of stories, parsed inside API Gateway's 30 s: 1024 MB
    // buys the CPU for that.
    const storyImport = digestFunction(this, "story-import", "Imports the stories posted to the admin API", {
      timeout: Duration.seconds(29),
      memorySize: 1024,
      environment: sharedEnv,
    });
    const sesEvents = digestFunction(
      this,
      "ses-events",
      "Suppresses bounces and complaints, counts SES events per edition",
      {
        timeout: Duration.seconds(30),
        memorySize: 256,
        environment: sharedEnv,
      },
    );
    const ingest = digestFunction(
      this,
      "ingest",
      "Polls the subscribed feeds and imports new and changed stories",
      {
        timeout: Duration.minutes(5),
        memorySize: 512,
        environment: sharedEnv,
      },
    );
    this.functions = { compose, send, api, storyImport, sesEvents, ingest };
    if (digest.deliveryMode === "local") {
      // Local morning delivery: compose only builds the edition; every hour, dispatch enqueues the
      // subscribers whose own delivery hour has come in their own zone.
      const dispatch = digestFunction(
        this,
        "dispatch",
        "Enqueues the subscribers whose local delivery hour has come",
        {
          timeout: Duration.minutes(5),
          memorySize: 512,
          environment: { ...sharedEnv, [QUEUE_ENV]: sendQueue.queueUrl },
        },
      );
      this.tables.subscribers.grantReadData(dispatch);
      this.tables.editions.grantReadWriteData(dispatch); // reads the edition, records its delivery round
      sendQueue.grantSendMessages(dispatch);
      tokenSecret.grantRead(dispatch);
      new scheduler.Schedule(this, "HourlyDispatch", {
        description: "Local morning delivery: every hour, the subscribers whose hour has come",
        schedule: scheduler.ScheduleExpression.cron({ minute: "0" }),
        target: new schedulerTargets.LambdaInvoke(dispatch, {
          retryAttempts: 2,
          maxEventAge: Duration.minutes(50),
        }),
      });
      this.functions.dispatch = dispatch;
    }

    // --- Least-privilege grants (infra/grants.ts) ------------------------------------------------
    const sendEmail = grantLeastPrivilege(this, {
      functions: { compose, send, api, storyImport, sesEvents, ingest },
      tables: this.tables,
      sendQueue,
      tokenSecret,
      erasureSecret,
      configurationSet,
      settings,
      digest,
    });

    // --- Import and export jobs (infra/jobs.ts; grants: grantJobAccess) --------------------------
    this.jobs = digestJobs(this, sharedEnv, api);
    grantJobAccess({
      api,
      jobs: this.jobs.fn,
      tables: this.tables,
      bucket: this.jobs.bucket,
      queue: this.jobs.queue,
      tokenSecret,
      erasureSecret,
      sendEmail,
    });

    // --- Failed async invocations ------------------------------------------------------------------
    // compose and ses-events run asynchronously: what fails for good lands in a queue, not nowhere.
    const asyncFailures = asyncFailureQueues(this, { compose, sesEvents });
    this.asyncFailures = asyncFailures;

    // --- Triggers (infra/triggers.ts) ------------------------------------------------------------
    this.dailySchedule = digestTriggers(this, {
      compose,
      ingest,
      sesEvents,
      configurationSet,
      asyncFailures,
      settings,
      digest,
    });

    // --- HTTP API (infra/http-api.ts) ------------------------------------------------------------
    const { httpApi, stage, apiUrl } = digestHttpApi(this, api, storyImport, settings.maxSendRate);
    this.httpApi = httpApi;

    // --- CloudFront in front of the public routes (infra/cdn.ts) -----------------------------------
    this.frontDoor = publicFrontDoor(this, httpApi, settings);
    const { publicUrl } = this.frontDoor;
    api.addEnvironment(ORIGIN_VERIFY_ENV, this.frontDoor.originSecretValue);
    // The overview's next send: the daily schedule's hour (triggers.ts runs compose then).
    api.addEnvironment(SEND_HOUR_ENV, String(settings.sendHour));
    if (!config.publicBaseUrlGiven) {
      // The jobs function too: a pending import's confirmation links.
      for (const fn of [compose, send, api, this.jobs.fn])
        fn.addEnvironment(CONFIG_ENV.publicBaseUrl, publicUrl);
    }

    // --- The admin console: Cognito sign-in, the app under /console/ (infra/console-*.ts) -----------
    const signIn = consoleAuth(this, settings);
    const consoleUrl = `${publicUrl}${CONSOLE_PATH}`;
    const consoleApp = consoleClient(signIn, consoleUrl);
    const site = consoleSite(this, {
      frontDoor: this.frontDoor,
      consoleUrl,
      signInHost: signIn.signInHost,
      clientId: consoleApp.userPoolClientId,
      deletionProtection: settings.deletionProtection,
    });
    this.console = { ...signIn, client: consoleApp, site, url: consoleUrl, mfa: settings.consoleMfa };
    // The functions behind /admin verify the console's ID tokens (functions/adapters/jwt-identity.ts).
    for (const fn of [api, storyImport]) {
      fn.addEnvironment(USER_POOL_ID_ENV, signIn.userPool.userPoolId);
      fn.addEnvironment(USER_POOL_CLIENT_ID_ENV, consoleApp.userPoolClientId);
    }
    // The api function's team routes invite, regroup and remove people in the pool.
    grantMemberDirectory(api, signIn.userPool);

    // --- Alarms and dashboard (infra/monitoring.ts) ----------------------------------------------
    this.monitoring = addMonitoring(this, {
      functions: { compose, send, api, sesEvents, ingest, storyImport, jobs: this.jobs.fn },
      sendQueue,
      sendDeadLetters: deadLetters,
      jobDeadLetters: this.jobs.deadLetters,
      asyncFailures,
      apiStage: stage,
      fleet,
      sendQueueVisibility: sendVisibility,
      settings,
      safety: digest,
    });

    jobOutputs(this, this.jobs);

    // --- Outputs (infra/outputs.ts) --------------------------------------------------------------
    digestOutputs(this, {
      config,
      apiUrl,
      publicUrl,
      frontDoor: this.frontDoor,
      tables: this.tables,
      sendQueue,
      deadLetters,
      tokenSecret,
      erasureSecret,
      configurationSet,
      identity,
      compose,
      sesEvents,
      asyncFailures,
      monitoring: this.monitoring,
      console: this.console,
    });
  }
}

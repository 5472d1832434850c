import { join } from "node:path";
import { fileURLToPath } from "node:url";
import {
  aws_apigateway as apigatewayV1,
  aws_apigatewayv2 as apigw,
  aws_apigatewayv2_authorizers as apigwAuth,
  aws_apigatewayv2_integrations as apigwInt,
  CfnOutput,
  Duration,
  aws_dynamodb as dynamodb,
  aws_events as events,
  aws_events_targets as eventTargets,
  aws_iam as iam,
  aws_lambda as lambda,
  aws_logs as logs,
  Names,
  aws_lambda_nodejs as nodejs,
  RemovalPolicy,
  Stack,
  type StackProps,
  aws_scheduler as scheduler,
  aws_scheduler_targets as schedulerTargets,
  aws_secretsmanager as secretsmanager,
  aws_ses as ses,
  aws_sqs as sqs,
  TimeZone,
} from "aws-cdk-lib";
import type { Construct } from "constructs";
import { TABLE_ENV, TABLES, type TableDef, type TableName } from "../functions/adapters/schema.js";
import { CURRENT_KEY_FIELD, GENERATED_KEY_ID } from "../functions/adapters/secret-keys.js";
import { CONFIG_ENV } from "../functions/core/kernel/config.js";
import {
  ERASURE_SECRET_ENV,
  QUEUE_ENV,
  SEND_FLEET_SIZE_ENV,
  SEND_MAX_RECEIVES_ENV,
  SEND_RATE_ENV,
  TOKEN_SECRET_ENV,
} from "../functions/handlers/env.js";
import { METRICS_NAMESPACE, serviceName } from "../functions/handlers/metric-names.js";
import { type AsyncFailureQueues, asyncFailureQueues } from "./async-failures.js";
import { type DeploymentConfig, deployedRuntimeEnvironment } from "./config.js";
import { addMonitoring, type Monitoring } from "./monitoring.js";
import { sendFleet } from "./send-fleet.js";

const root = fileURLToPath(new URL("..", import.meta.url));

/** The public routes of the HTTP API; everything under /admin goes through IAM. */
export const PUBLIC_ROUTES: [apigw.HttpMethod[], string][] = [
  [[apigw.HttpMethod.GET, apigw.HttpMethod.POST], "/subscribe"],
  [[apigw.HttpMethod.GET], "/confirm"],
  [[apigw.HttpMethod.GET, apigw.HttpMethod.POST], "/unsubscribe"],
  [[apigw.HttpMethod.GET, apigw.HttpMethod.POST], "/preferences"],
  [[apigw.HttpMethod.GET], "/archive"],
  [[apigw.HttpMethod.GET], "/archive/feed.xml"],
  [[apigw.HttpMethod.GET], "/archive/{date}"],
  [[apigw.HttpMethod.GET], "/stories/{id}"],
];

/** Every SES event type the ses-events function takes. */
const SES_EVENTS = [
  ses.EmailSendingEvent.SEND,
  ses.EmailSendingEvent.DELIVERY,
  ses.EmailSendingEvent.BOUNCE,
  ses.EmailSendingEvent.COMPLAINT,
  ses.EmailSendingEvent.REJECT,
  ses.EmailSendingEvent.OPEN,
  ses.EmailSendingEvent.CLICK,
  ses.EmailSendingEvent.RENDERING_FAILURE,
  ses.EmailSendingEvent.DELIVERY_DELAY,
];

/**
 * SES event types published to EventBridge for the ses-events function. Open and click are left out
 * when not tracked: SES adds its pixel and rewrites links only for a configuration set with an event
 * destination that publishes them (the stack enables no VDM engagement metrics).
 */
export function sesEventTypes(
  tracking: Pick<DeploymentConfig["digest"], "trackOpens" | "trackClicks">,
): ses.EmailSendingEvent[] {
  return SES_EVENTS.filter(
    (e) =>
      (e !== ses.EmailSendingEvent.OPEN || tracking.trackOpens) &&
      (e !== ses.EmailSendingEvent.CLICK || tracking.trackClicks),
  );
}

export interface DigestStackProps extends StackProps {
  config: DeploymentConfig;
}

/**
 * The whole digest on AWS: tables from the shared schema, the daily schedule, compose → SQS → send,
 * the HTTP API, SES identity and configuration set with events, the signing secret, alarms.
 */
export class DigestStack extends Stack {
  readonly tables: Record<TableName, dynamodb.TableV2>;
  readonly functions: Record<"compose" | "send" | "api" | "sesEvents" | "ingest", nodejs.NodejsFunction> & {
    /** Only with local morning delivery (digest:deliveryMode=local). */
    dispatch?: nodejs.NodejsFunction;
  };
  readonly httpApi: apigw.HttpApi;
  readonly tokenSecret: secretsmanager.Secret;
  readonly erasureSecret: secretsmanager.Secret;
  readonly dailySchedule: scheduler.Schedule;
  /** Where failed async invocations of compose and ses-events go (see async-failures.ts). */
  readonly asyncFailures: AsyncFailureQueues;
  readonly monitoring: Monitoring;

  constructor(scope: Construct, id: string, props: DigestStackProps) {
    super(scope, id, props);
    const { config } = props;
    const { stack: settings, digest } = config;

    // --- Storage -------------------------------------------------------------------------------
    this.tables = Object.fromEntries(
      (Object.values(TABLES) as TableDef[]).map((def) => [
        def.logicalName,
        this.table(def, settings.deletionProtection),
      ]),
    ) as Record<TableName, dynamodb.TableV2>;

    // The format functions/adapters/secret-keys.ts reads: {"current":"k1","k1":<64 letters and digits,
    // valid base64 of 48 bytes>}. Rotation adds keys to it by hand (README: Rotating the signing key).
    const tokenSecret = new secretsmanager.Secret(this, "TokenSigningSecret", {
      description: `Link-signing keys: {"${CURRENT_KEY_FIELD}": keyId, keyId: base64 secret, ...}; rotate by adding a key (README)`,
      generateSecretString: {
        secretStringTemplate: JSON.stringify({ [CURRENT_KEY_FIELD]: GENERATED_KEY_ID }),
        generateStringKey: GENERATED_KEY_ID,
        passwordLength: 64,
        excludePunctuation: true,
        includeSpace: false,
      },
      removalPolicy: settings.deletionProtection ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
    });
    this.tokenSecret = tokenSecret;
    // The key of erased addresses' suppression entries (HMAC-SHA256): kept as long as the table is,
    // since an entry only matches a later sign-up of the address under the same key.
    const erasureSecret = new secretsmanager.Secret(this, "ErasureKeySecret", {
      description: "HMAC key of erased (GDPR) addresses' suppression entries; never rotate",
      generateSecretString: { passwordLength: 64, excludePunctuation: true, includeSpace: false },
      removalPolicy: settings.deletionProtection ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
    });
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

    // --- SES -----------------------------------------------------------------------------------
    const configurationSet = new ses.ConfigurationSet(this, "ConfigurationSet", {
      reputationMetrics: true,
      suppressionReasons: ses.SuppressionReasons.BOUNCES_AND_COMPLAINTS,
      sendingEnabled: true,
    });
    configurationSet.addEventDestination("ToEventBridge", {
      destination: ses.EventDestination.eventBus(
        events.EventBus.fromEventBusName(this, "DefaultBus", "default"),
      ),
      events: sesEventTypes(digest),
    });
    const identity = new ses.EmailIdentity(this, "SendingDomain", {
      identity: ses.Identity.domain(settings.sendingDomain),
      configurationSet,
      mailFromDomain: `mail.${settings.sendingDomain}`,
    });

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

    const compose = this.fn(
      "compose",
      "Composes the day's edition and fans recipients out to the send queue",
      {
        timeout: Duration.minutes(15),
        memorySize: 1024,
        environment: { ...sharedEnv, [QUEUE_ENV]: sendQueue.queueUrl },
      },
    );
    const send = this.fn("send", "Sends queued recipients through SES, paced and exactly once", {
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
    const api = this.fn("api", "Public pages and the admin API", {
      timeout: Duration.seconds(29),
      memorySize: 512,
      // The queue: POST /admin/editions/{id}/resend-failed enqueues the failed recipients.
      environment: { ...sharedEnv, [QUEUE_ENV]: sendQueue.queueUrl },
    });
    const sesEvents = this.fn(
      "ses-events",
      "Suppresses bounces and complaints, counts SES events per edition",
      {
        timeout: Duration.seconds(30),
        memorySize: 256,
        environment: sharedEnv,
      },
    );
    const ingest = this.fn("ingest", "Polls the subscribed feeds and imports new and changed stories", {
      timeout: Duration.minutes(5),
      memorySize: 512,
      environment: sharedEnv,
    });
    this.functions = { compose, send, api, sesEvents, ingest };
    if (digest.deliveryMode === "local") {
      // Local morning delivery: compose only builds the edition; every hour, dispatch enqueues the
      // subscribers whose own delivery hour has come in their own zone.
      const dispatch = this.fn("dispatch", "Enqueues the subscribers whose local delivery hour has come", {
        timeout: Duration.minutes(5),
        memorySize: 512,
        environment: { ...sharedEnv, [QUEUE_ENV]: sendQueue.queueUrl },
      });
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

    // --- Least-privilege grants ------------------------------------------------------------------
    // Exactly the calls each function's code makes, per table and index. The deployed-stack twin
    // (test/twin) refuses any call these do not allow, and lists the grants no call of its day used.
    const GET = "dynamodb:GetItem";
    const BATCH_GET = "dynamodb:BatchGetItem";
    const QUERY = "dynamodb:Query";
    const SCAN = "dynamodb:Scan";
    const PUT = "dynamodb:PutItem";
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
          sends: { table: [GET, UPDATE] }, // the ledger: claim, then mark sent or failed (conditional writes)
        },
      ],
      [
        api,
        {
          subscribers: { table: [GET, PUT, DELETE, SCAN], index: { byId: [QUERY], byStatus: [QUERY] } },
          suppressions: { table: [GET, BATCH_GET, PUT, DELETE] }, // erasure swaps the entry for a keyed hash
          stories: { table: [GET, PUT, UPDATE], index: { byDay: [QUERY] } }, // import, hold, remove, pages
          // List (the day index: Query), report and cancel (Get; the counters summed over their
          // shards: BatchGetItem), cancel's status (Update); resend-failed joins or starts a delivery
          // round like compose (Update, and PutItem of the group it enqueues).
          editions: { table: [GET, BATCH_GET, QUERY, PUT, UPDATE] },
          // Ledger counts and lists; resend-failed reopens rejected entries; erasure reads each of the
          // person's entries and keeps only its state under a random key (put, then delete).
          sends: { table: [GET, QUERY, PUT, UPDATE, DELETE] },
          limits: { table: [GET, UPDATE] }, // sign-up rate limits (conditional counters)
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
        const { tableArn } = this.tables[name];
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
        this.formatArn({ service: "ses", resource: "identity", resourceName: settings.sendingDomain }),
        this.formatArn({ service: "ses", resource: "identity", resourceName: digest.senderAddress }),
        this.formatArn({
          service: "ses",
          resource: "configuration-set",
          resourceName: configurationSet.configurationSetName,
        }),
      ],
    });
    for (const fn of [send, api]) fn.addToRolePolicy(sendEmail);
    // GetAccount has no resource-level permissions: it can only be granted on "*".
    // Rate and daily quota: the send function paces and stops at them, compose warns before fan-out.
    for (const fn of [send, compose]) {
      fn.addToRolePolicy(new iam.PolicyStatement({ actions: ["ses:GetAccount"], resources: ["*"] }));
    }

    // --- Failed async invocations ------------------------------------------------------------------
    // compose and ses-events run asynchronously: what fails for good lands in a queue, not nowhere.
    const asyncFailures = asyncFailureQueues(this, { compose, sesEvents });
    this.asyncFailures = asyncFailures;

    // --- Triggers --------------------------------------------------------------------------------
    this.dailySchedule = new scheduler.Schedule(this, "DailySchedule", {
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

    // Feeds: every few minutes, and once shortly before the edition is composed so it has the latest.
    new scheduler.Schedule(this, "FeedPolling", {
      description: `Feeds polled every ${settings.feedPollMinutes} minutes`,
      schedule: scheduler.ScheduleExpression.rate(Duration.minutes(settings.feedPollMinutes)),
      target: new schedulerTargets.LambdaInvoke(ingest, {
        retryAttempts: 1,
        maxEventAge: Duration.minutes(Math.min(settings.feedPollMinutes, 60)),
      }),
    });
    new scheduler.Schedule(this, "FeedPollingBeforeCompose", {
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

    new events.Rule(this, "SesEventsRule", {
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

    // --- HTTP API --------------------------------------------------------------------------------
    const httpApi = new apigw.HttpApi(this, "HttpApi", {
      description: "Digest: subscribe, confirm, unsubscribe (RFC 8058), preferences, admin",
      createDefaultStage: false,
    });
    this.httpApi = httpApi;
    const accessLogs = new logs.LogGroup(this, "ApiAccessLogs", {
      retention: logs.RetentionDays.THREE_MONTHS,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    const stage = new apigw.HttpStage(this, "DefaultStage", {
      httpApi,
      stageName: "$default",
      autoDeploy: true,
      throttle: { rateLimit: 50, burstLimit: 100 },
      accessLogSettings: {
        destination: new apigw.LogGroupLogDestination(accessLogs),
        // Only variables HTTP APIs support; the request id is required.
        format: apigatewayV1.AccessLogFormat.custom(
          JSON.stringify({
            requestId: "$context.requestId",
            ip: "$context.identity.sourceIp",
            requestTime: "$context.requestTime",
            method: "$context.httpMethod",
            routeKey: "$context.routeKey",
            status: "$context.status",
            protocol: "$context.protocol",
            responseLength: "$context.responseLength",
            latencyMs: "$context.responseLatency",
            integrationError: "$context.integrationErrorMessage",
          }),
        ),
      },
    });
    const apiIntegration = new apigwInt.HttpLambdaIntegration("ApiIntegration", api);
    for (const [methods, path] of PUBLIC_ROUTES)
      httpApi.addRoutes({ path, methods, integration: apiIntegration });
    httpApi.addRoutes({
      path: "/admin/{proxy+}",
      methods: [apigw.HttpMethod.ANY],
      integration: apiIntegration,
      authorizer: new apigwAuth.HttpIamAuthorizer(),
    });
    const apiUrl = stage.url.replace(/\/$/, "");
    if (!config.publicBaseUrlGiven) {
      for (const fn of [compose, send, api]) fn.addEnvironment(CONFIG_ENV.publicBaseUrl, apiUrl);
    }

    // --- Alarms and dashboard (infra/monitoring.ts) ----------------------------------------------
    this.monitoring = addMonitoring(this, {
      functions: { compose, send, api, sesEvents, ingest },
      sendQueue,
      sendDeadLetters: deadLetters,
      asyncFailures,
      apiStage: stage,
      fleet,
      sendQueueVisibility: sendVisibility,
      settings,
      safety: digest,
    });

    // --- Outputs -----------------------------------------------------------------------------------
    const out = (id: string, value: string, description: string) =>
      new CfnOutput(this, id, { value, description, exportName: `${this.stackName}-${id}` });
    out("ApiUrl", apiUrl, "Base URL of the HTTP API (public pages; /admin needs IAM)");
    for (const name of Object.keys(TABLES) as TableName[]) {
      out(
        `${name[0]?.toUpperCase()}${name.slice(1)}TableName`,
        this.tables[name].tableName,
        `env ${TABLE_ENV[name]}`,
      );
    }
    out("SendQueueUrl", sendQueue.queueUrl, `env ${QUEUE_ENV}`);
    out("TokenSecretArn", tokenSecret.secretArn, `env ${TOKEN_SECRET_ENV}`);
    out("ErasureSecretArn", erasureSecret.secretArn, `env ${ERASURE_SECRET_ENV}`);
    out("ConfigurationSetName", configurationSet.configurationSetName, `env ${CONFIG_ENV.configurationSet}`);
    out(
      "DashboardUrl",
      `https://${this.region}.console.aws.amazon.com/cloudwatch/home?region=${this.region}` +
        `#dashboards:name=${this.monitoring.dashboard.dashboardName}`,
      "CloudWatch dashboard of the daily flow",
    );
    out("AlarmTopicArn", this.monitoring.topic.topicArn, "SNS topic every alarm notifies");
    out("ComposeFunctionName", compose.functionName, "The compose function (rerun a day: README)");
    out("SesEventsFunctionName", sesEvents.functionName, "The ses-events function (redrive: README)");
    out(
      "ComposeFailuresQueueUrl",
      asyncFailures.compose.queueUrl,
      "Failed compose invocations (redrive: README)",
    );
    out(
      "SesEventsFailuresQueueUrl",
      asyncFailures.sesEvents.queueUrl,
      "Failed ses-events invocations (redrive: README)",
    );
    out(
      "SendDeadLettersQueueUrl",
      deadLetters.queueUrl,
      "Send messages that failed five times (redrive: README)",
    );
    // What `digest --aws` runs with: the functions' own settings (not exported: it is no cross-stack value).
    new CfnOutput(this, "RuntimeConfig", {
      description: "The digest settings the functions run with (DIGEST_* variables), read by digest --aws",
      value: this.toJsonString(
        deployedRuntimeEnvironment(config, {
          configurationSet: configurationSet.configurationSetName,
          apiUrl,
        }),
      ),
    });
    // The DNS records the sending domain needs (printed by `npm run deploy`).
    for (const [i, record] of identity.dkimRecords.entries()) {
      out(`DkimRecord${i + 1}`, `${record.name} CNAME ${record.value}`, "DNS: Easy DKIM");
    }
    const mailFrom = `mail.${settings.sendingDomain}`;
    out(
      "MailFromMx",
      `${mailFrom} MX 10 feedback-smtp.${this.region}.amazonses.com`,
      "DNS: custom MAIL FROM",
    );
    out("MailFromSpf", `${mailFrom} TXT "v=spf1 include:amazonses.com ~all"`, "DNS: custom MAIL FROM");
    out(
      "Dmarc",
      `_dmarc.${settings.sendingDomain} TXT "v=DMARC1; p=none; rua=mailto:dmarc-reports@${settings.sendingDomain}"`,
      "DNS: DMARC (start with p=none, tighten to quarantine once reports are clean)",
    );
  }

  private table(def: TableDef, deletionProtection: boolean): dynamodb.TableV2 {
    const attr = (k: { name: string; type: "S" | "N" }) => ({
      name: k.name,
      type: k.type === "S" ? dynamodb.AttributeType.STRING : dynamodb.AttributeType.NUMBER,
    });
    return new dynamodb.TableV2(
      this,
      `${def.logicalName[0]?.toUpperCase()}${def.logicalName.slice(1)}Table`,
      {
        partitionKey: attr(def.partitionKey),
        sortKey: def.sortKey ? attr(def.sortKey) : undefined,
        billing: dynamodb.Billing.onDemand(),
        pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
        deletionProtection,
        removalPolicy: deletionProtection ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
        timeToLiveAttribute: def.ttlAttribute,
        globalSecondaryIndexes: def.indexes.map((index) => ({
          indexName: index.name,
          partitionKey: attr(index.partitionKey),
          sortKey: index.sortKey ? attr(index.sortKey) : undefined,
          projectionType:
            index.projection === "ALL" ? dynamodb.ProjectionType.ALL : dynamodb.ProjectionType.KEYS_ONLY,
        })),
      },
    );
  }

  private fn(
    name: string,
    description: string,
    props: { timeout: Duration; memorySize: number; environment: Record<string, string> },
  ): nodejs.NodejsFunction {
    const logGroup = new logs.LogGroup(this, `${name}Logs`, {
      retention: logs.RetentionDays.ONE_MONTH,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    return new nodejs.NodejsFunction(
      this,
      `${name.replace(/-(\w)/g, (_, c: string) => c.toUpperCase())}Function`,
      {
        description,
        entry: join(root, "functions", "handlers", `${name}.ts`),
        handler: "handler",
        projectRoot: root,
        depsLockFilePath: join(root, "package-lock.json"),
        runtime: lambda.Runtime.NODEJS_24_X,
        architecture: lambda.Architecture.ARM_64,
        timeout: props.timeout,
        memorySize: props.memorySize,
        logGroup,
        tracing: lambda.Tracing.ACTIVE,
        // Also the `service` dimension of the function's metrics (metric-names.ts).
        environment: { ...props.environment, POWERTOOLS_SERVICE_NAME: serviceName(name) },
        bundling: {
          format: nodejs.OutputFormat.ESM,
          target: "node24",
          minify: true,
          sourceMap: true,
          sourcesContent: false,
          mainFields: ["module", "main"],
          // The Node.js runtime ships the AWS SDK v3; everything else is bundled.
          externalModules: ["@aws-sdk/*"],
          banner: "import { createRequire } from 'module'; const require = createRequire(import.meta.url);",
        },
      },
    );
  }
}

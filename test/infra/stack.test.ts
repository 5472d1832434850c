import { Duration } from "aws-cdk-lib";
import { Annotations, Match, Template } from "aws-cdk-lib/assertions";
import { beforeAll, describe, expect, it } from "vitest";
import { TABLE_ENV, TABLES } from "../../functions/adapters/schema.js";
import {
  ERASURE_SECRET_ENV,
  ORIGIN_VERIFY_ENV,
  ORIGIN_VERIFY_HEADER,
  QUEUE_ENV,
  SEND_FLEET_SIZE_ENV,
  SEND_MAX_RECEIVES_ENV,
  SEND_RATE_ENV,
  TOKEN_SECRET_ENV,
  USER_POOL_CLIENT_ID_ENV,
  USER_POOL_ID_ENV,
} from "../../functions/handlers/env.js";
import {
  COMPOSE_METRICS,
  EMITTED_METRICS,
  METRICS_NAMESPACE,
  SEND_METRICS,
  SERVICE_DIMENSION,
  SES_EVENT_METRICS,
  serviceName,
} from "../../functions/handlers/metric-names.js";
import { buildTemplates } from "../../functions/local/build-templates.js";
import { readConfigFile } from "../../functions/local/config-file.js";
import { ASYNC_RETRY } from "../../infra/async-failures.js";
import { readDeploymentConfig, usesExampleValues } from "../../infra/config.js";
import { stageThrottle } from "../../infra/http-api.js";
import { COMPOSE_MISSING_HOURS, sendQueueAgeThreshold } from "../../infra/monitoring.js";
import { sendFleet } from "../../infra/send-fleet.js";
import { sesEventTypes } from "../../infra/ses.js";
import { dashboardBody, digestMetricsIn } from "./metric-refs.js";
import { cdkJsonContext, deploymentConfigProblems, EXAMPLE_CONFIG, synthStack } from "./synth.js";

let template: Template;

beforeAll(async () => {
  await buildTemplates();
  const { app, stack } = synthStack();
  // cdk-nag runs as a validation plugin during synth: unacknowledged findings throw here.
  app.synth();
  template = Template.fromStack(stack);
  expect(Annotations.fromStack(stack).findError("*", Match.anyValue())).toEqual([]);
}, 180_000);

type Resource = { Properties: Record<string, unknown> };
const resources = (type: string) => Object.values(template.findResources(type)) as Resource[];
/** The digest's own functions (not CDK's BucketDeployment copier of the console's files). */
const digestFunctions = () =>
  resources("AWS::Lambda::Function").filter(
    (fn) => fn.Properties.Runtime !== undefined && !String(fn.Properties.Runtime).startsWith("python"),
  );

/** Every IAM statement granted to the function whose logical id starts with `prefix`. */
function statementsOf(prefix: string): { Action: string | string[]; Resource: unknown }[] {
  const policies = template.findResources("AWS::IAM::Policy");
  return Object.entries(policies)
    .filter(([id]) => id.startsWith(`${prefix}FunctionServiceRoleDefaultPolicy`))
    .flatMap(
      ([, p]) =>
        (p as { Properties: { PolicyDocument: { Statement: [] } } }).Properties.PolicyDocument.Statement,
    );
}

const tableRef = (logical: string) =>
  JSON.stringify(template.findResources("AWS::DynamoDB::GlobalTable")).includes(logical);

describe("the CDK stack", () => {
  it("has one table per schema entry: on demand, PITR, deletion protection, TTL where records expire", () => {
    const tables = resources("AWS::DynamoDB::GlobalTable");
    expect(tables).toHaveLength(Object.keys(TABLES).length);
    for (const t of tables) {
      expect(t.Properties.BillingMode).toBe("PAY_PER_REQUEST");
      const replica = (t.Properties.Replicas as Record<string, unknown>[])[0] as Record<string, unknown>;
      expect(replica.PointInTimeRecoverySpecification).toEqual({ PointInTimeRecoveryEnabled: true });
      expect(replica.DeletionProtectionEnabled).toBe(true);
    }
    const ttl = tables
      .filter((t) => t.Properties.TimeToLiveSpecification)
      .map((t) => t.Properties.TimeToLiveSpecification);
    // Pending sign-ups, the send ledger, the sign-up rate-limit counters, the jobs; the team's sign-in
    // codes and session tokens.
    expect(ttl).toEqual([
      { AttributeName: "expiresAt", Enabled: true },
      { AttributeName: "expiresAt", Enabled: true },
      { AttributeName: "expiresAt", Enabled: true },
      { AttributeName: "expiresAt", Enabled: true },
      { AttributeName: "expiresAtEpoch", Enabled: true },
    ]);
    template.hasResourceProperties("AWS::DynamoDB::GlobalTable", {
      KeySchema: [{ AttributeName: "id", KeyType: "HASH" }],
      GlobalSecondaryIndexes: [
        Match.objectLike({
          IndexName: "byDay",
          KeySchema: [
            { AttributeName: "day", KeyType: "HASH" },
            { AttributeName: "publishedAt", KeyType: "RANGE" },
          ],
        }),
      ],
    });
    expect(tableRef("SubscribersTable")).toBe(true);
  });

  it("runs seven functions (five daily, story import, import and export jobs) on nodejs24.x arm64 with source maps and Powertools settings", () => {
    const fns = digestFunctions();
    expect(fns).toHaveLength(7);
    for (const fn of fns) {
      expect(fn.Properties.Runtime).toBe("nodejs24.x");
      expect(fn.Properties.Architectures).toEqual(["arm64"]);
      const env = (fn.Properties.Environment as { Variables: Record<string, unknown> }).Variables;
      expect(env.NODE_OPTIONS).toBe("--enable-source-maps");
      expect(env.POWERTOOLS_SERVICE_NAME).toMatch(/^digest-/);
      expect(env.POWERTOOLS_LOG_LEVEL).toBe("INFO");
      expect(env.DIGEST_TOKEN_SECRET_ARN).toBeDefined();
      expect(env.DIGEST_TABLE_SUBSCRIBERS).toBeDefined();
      expect(env.DIGEST_SENDER_ADDRESS).toBe("digest@news.example.com");
      expect(env.DIGEST_TIME_ZONE).toBe("Europe/London");
    }
  });

  it("schedules compose daily at the send hour in the configured time zone", () => {
    template.hasResourceProperties("AWS::Scheduler::Schedule", {
      ScheduleExpression: "cron(0 6 * * ? *)",
      ScheduleExpressionTimezone: "Europe/London",
      State: "ENABLED",
    });
  });

  it("feeds send from an encrypted SQS queue with a DLQ, paced by maxConcurrency and batch size from the SES rate", () => {
    const fleet = sendFleet(14);
    template.hasResourceProperties("AWS::SQS::Queue", {
      RedrivePolicy: { deadLetterTargetArn: Match.anyValue(), maxReceiveCount: 5 },
      SqsManagedSseEnabled: true,
      VisibilityTimeout: fleet.functionTimeoutSeconds * 6,
    });
    for (const q of resources("AWS::SQS::Queue")) expect(q.Properties.SqsManagedSseEnabled).toBe(true);
    template.hasResourceProperties("AWS::Lambda::EventSourceMapping", {
      BatchSize: fleet.batchSize,
      ScalingConfig: { MaximumConcurrency: fleet.maxConcurrency },
      FunctionResponseTypes: ["ReportBatchItemFailures"],
    });
    template.hasResourceProperties("AWS::CloudWatch::Alarm", {
      MetricName: "ApproximateNumberOfMessagesVisible",
      Threshold: 1,
      ComparisonOperator: "GreaterThanOrEqualToThreshold",
    });
    expect(fleet.maxConcurrency * fleet.ratePerFunction).toBeLessThanOrEqual(14);
    // The safety pause's log line becomes a metric with its own alarm.
    template.hasResourceProperties("AWS::Logs::MetricFilter", {
      FilterPattern: '{ $.alert = "edition-halted" }',
      MetricTransformations: [Match.objectLike({ MetricName: "EditionHalted", MetricNamespace: "Digest" })],
    });
  });

  it("polls feeds on a rate from the deployment config and again 15 minutes before the send hour", () => {
    template.hasResourceProperties("AWS::Scheduler::Schedule", {
      ScheduleExpression: "rate(30 minutes)",
      State: "ENABLED",
    });
    template.hasResourceProperties("AWS::Scheduler::Schedule", {
      ScheduleExpression: "cron(45 5 * * ? *)",
      ScheduleExpressionTimezone: "Europe/London",
    });
    template.hasResourceProperties("AWS::Logs::MetricFilter", {
      FilterPattern: '{ $.alert = "feed-failing" }',
      MetricTransformations: [Match.objectLike({ MetricName: "FeedFailing" })],
    });
    const { app, stack } = synthStack({ context: { "digest:feedPollMinutes": 15, "digest:sendHour": 0 } });
    app.synth();
    const other = Template.fromStack(stack);
    other.hasResourceProperties("AWS::Scheduler::Schedule", { ScheduleExpression: "rate(15 minutes)" });
    other.hasResourceProperties("AWS::Scheduler::Schedule", { ScheduleExpression: "cron(45 23 * * ? *)" });
    expect(() => synthStack({ context: { "digest:feedPollMinutes": 2 } })).toThrow(/digest:feedPollMinutes/);
  }, 60_000);

  it("sends approved editions with an approval round every minute only when approval is configured", () => {
    const rounds = (t: Template) =>
      Object.values(t.findResources("AWS::Scheduler::Schedule")).filter(
        (r) => r.Properties?.ScheduleExpression === "rate(1 minute)",
      );
    expect(rounds(template)).toEqual([]);
    const { app, stack } = synthStack({ context: { "digest:approval": "deadline 07:30" } });
    app.synth();
    const other = Template.fromStack(stack);
    const [round] = rounds(other);
    expect(JSON.parse(round?.Properties?.Target?.Input ?? "{}")).toEqual({ approvalRound: true });
    // compose mails the approval request (without approval it never sends through SES: see below).
    const composePolicy = Object.entries(other.findResources("AWS::IAM::Policy")).filter(([id]) =>
      id.startsWith("composeFunctionServiceRoleDefaultPolicy"),
    );
    expect(JSON.stringify(composePolicy)).toContain("ses:SendEmail");
  }, 60_000);

  it("sizes the fleet so it never exceeds the account's rate", () => {
    for (const rate of [1, 14, 50, 200, 1000, 5000]) {
      const f = sendFleet(rate);
      expect(f.maxConcurrency).toBeGreaterThanOrEqual(2);
      expect(f.maxConcurrency * f.ratePerFunction).toBeLessThanOrEqual(rate + 1e-9);
      expect(f.functionTimeoutSeconds).toBeLessThanOrEqual(900);
      expect(f.batchSize).toBeGreaterThanOrEqual(1);
    }
  });

  it("grants each function only the actions and tables it needs, never a '*' action", () => {
    const all = ["compose", "send", "api", "storyImport", "sesEvents", "ingest"].flatMap((f) =>
      statementsOf(f),
    );
    expect(all.length).toBeGreaterThan(0);
    for (const s of all) for (const action of [s.Action].flat()) expect(action).not.toMatch(/\*$/);
    const json = (prefix: string) => JSON.stringify(statementsOf(prefix));
    // send: ledger, editions, subscribers (read), suppressions (read), SES send; never the stories table.
    expect(json("send")).not.toMatch(/StoriesTable/);
    expect(json("send")).toMatch(/ses:SendEmail/);
    expect(json("send")).toMatch(/ses:GetAccount/);
    expect(json("send")).not.toMatch(/sqs:SendMessage/);
    // compose: the queue and the quota (GetAccount), never sending through SES.
    expect(json("compose")).toMatch(/sqs:SendMessage/);
    expect(json("compose")).toMatch(/ses:GetAccount/);
    expect(json("compose")).not.toMatch(/ses:Send/);
    // api: resend-failed reopens ledger entries and enqueues them: write on the sends table, send
    // (never receive or delete) on the send queue, whose URL it is given.
    const apiQueue = statementsOf("api").filter((s) => JSON.stringify(s.Action).includes("sqs:"));
    expect(apiQueue).toHaveLength(1);
    expect(JSON.stringify(apiQueue[0]?.Resource)).toMatch(/"SendQueue[0-9A-F]+"/);
    expect(json("api")).toMatch(/sqs:SendMessage/);
    expect(json("api")).not.toMatch(/sqs:ReceiveMessage|sqs:DeleteMessage/);
    const apiSends = statementsOf("api").filter((s) => JSON.stringify(s.Resource).includes("SendsTable"));
    expect(JSON.stringify(apiSends)).toMatch(/dynamodb:UpdateItem/);
    const apiFn = Object.entries(template.findResources("AWS::Lambda::Function")).find(([id]) =>
      id.startsWith("apiFunction"),
    )?.[1] as Resource;
    const apiEnv = (apiFn.Properties.Environment as { Variables: Record<string, unknown> }).Variables;
    expect(JSON.stringify(apiEnv[QUEUE_ENV])).toMatch(/SendQueue/);
    // ses-events: no SES sending; of the secrets only the erasure key (an erased address's bounce
    // must find its keyed-hash entry), never the link-signing key.
    expect(json("sesEvents")).not.toMatch(/ses:Send/);
    const sesSecrets = statementsOf("sesEvents").filter((s) =>
      JSON.stringify(s.Action).includes("secretsmanager"),
    );
    expect(JSON.stringify(sesSecrets)).toMatch(/ErasureKeySecret/);
    expect(JSON.stringify(sesSecrets)).not.toMatch(/TokenSigningSecret/);
    // ingest: feeds and stories only; no mail, queue, secret or subscriber data. Only it and
    // storyImport (the feed routes) write feeds; the api reads them (the overview's feed alerts).
    expect(json("ingest")).toMatch(/FeedsTable/);
    expect(json("ingest")).toMatch(/StoriesTable/);
    expect(json("ingest")).not.toMatch(
      /SubscribersTable|SuppressionsTable|SendsTable|EditionsTable|ses:|sqs:|secretsmanager/,
    );
    // storyImport (POST /admin/stories, PATCH /admin/stories/{id}, the feed routes): a story read and
    // an upsert or change of it, the feeds listed, added, removed and polled, its audit entries, and
    // the one auth check's personal-token lookup (the index, a Get, its use recorded); a correction of
    // a story of an edition awaiting approval reads the edition and writes it (Get, a conditional
    // Update), never a variant (Put), a query or the counters (issue 17).
    expect(statementsOf("storyImport").filter((s) => ![s.Action].flat()[0]?.startsWith("xray:"))).toEqual([
      {
        // The same two actions on the three tables: CDK merges them into one statement.
        Effect: "Allow",
        Action: ["dynamodb:GetItem", "dynamodb:UpdateItem"],
        Resource: [
          { "Fn::GetAtt": [expect.stringMatching(/^EditionsTable/), "Arn"] },
          { "Fn::GetAtt": [expect.stringMatching(/^StoriesTable/), "Arn"] },
          { "Fn::GetAtt": [expect.stringMatching(/^TeamTable/), "Arn"] },
        ],
      },
      {
        Effect: "Allow",
        Action: ["dynamodb:DeleteItem", "dynamodb:GetItem", "dynamodb:Scan", "dynamodb:UpdateItem"],
        Resource: { "Fn::GetAtt": [expect.stringMatching(/^FeedsTable/), "Arn"] },
      },
      {
        Effect: "Allow",
        Action: "dynamodb:PutItem",
        Resource: { "Fn::GetAtt": [expect.stringMatching(/^AuditTable/), "Arn"] },
      },
      {
        Effect: "Allow",
        Action: "dynamodb:Query",
        Resource: {
          "Fn::Join": [
            "",
            [{ "Fn::GetAtt": [expect.stringMatching(/^TeamTable/), "Arn"] }, "/index/byTokenHash"],
          ],
        },
      },
    ]);
    // The team and the audit log: the api function alone reads them (the story import only records,
    // and looks up a personal token).
    for (const fn of ["compose", "send", "sesEvents", "ingest"])
      expect(json(fn)).not.toMatch(/TeamTable|AuditTable/);
    expect(json("api")).toMatch(/TeamTable/);
    expect(json("api")).toMatch(/\/index\/byTokenHash/);
    for (const fn of ["compose", "send", "sesEvents"]) expect(json(fn)).not.toMatch(/FeedsTable/);
    const apiFeeds = statementsOf("api").filter((s) => JSON.stringify(s.Resource).includes("FeedsTable"));
    expect(apiFeeds.flatMap((s) => [s.Action].flat())).toEqual(["dynamodb:Scan"]);
    // The sign-up limits: only the api, only its conditional counters (update, and a read when full).
    const apiLimits = statementsOf("api").filter((s) => JSON.stringify(s.Resource).includes("LimitsTable"));
    expect(apiLimits.flatMap((s) => [s.Action].flat()).sort()).toEqual([
      "dynamodb:GetItem",
      "dynamodb:UpdateItem",
    ]);
    for (const fn of ["compose", "send", "sesEvents", "ingest"]) expect(json(fn)).not.toMatch(/LimitsTable/);
    const sendEmail = statementsOf("send").find((s) => [s.Action].flat().includes("ses:SendEmail"));
    expect(JSON.stringify(sendEmail?.Resource)).toMatch(/identity\/news\.example\.com"/);
    // SES checks the sender address's own identity when it is verified on its own (issue 13, item 8).
    expect(JSON.stringify(sendEmail?.Resource)).toMatch(/identity\/digest@news\.example\.com"/);
  });

  it("grants ses-events and the others exactly the table actions their code calls (issue 13, item 10)", () => {
    /** The actions a function holds on a table (the table's own ARN, not its indexes). */
    const actionsOn = (fn: string, table: string) =>
      statementsOf(fn)
        .filter((s) =>
          [s.Resource].flat().some((r) => {
            const ref = (r as { "Fn::GetAtt"?: [string, string] })["Fn::GetAtt"];
            return ref?.[1] === "Arn" && ref[0].startsWith(table);
          }),
        )
        .flatMap((s) => [s.Action].flat())
        .sort();
    // ses-events: counters on editions, first marks on the ledger; nothing it never calls.
    expect(actionsOn("sesEvents", "EditionsTable")).toEqual(["dynamodb:UpdateItem"]);
    expect(actionsOn("sesEvents", "SendsTable")).toEqual(["dynamodb:GetItem", "dynamodb:UpdateItem"]);
    expect(actionsOn("send", "SubscribersTable")).toEqual(["dynamodb:BatchGetItem"]);
    // The admin API's subscriber import reads and writes its chunks in batches (issue 15, item 1).
    expect(actionsOn("api", "SubscribersTable")).toEqual([
      "dynamodb:BatchGetItem",
      "dynamodb:BatchWriteItem",
      "dynamodb:DeleteItem",
      "dynamodb:GetItem",
      "dynamodb:PutItem",
      "dynamodb:Scan",
    ]);
    // Editions: the counters are sharded items summed with one BatchGetItem (issue 13, item 7), read by
    // the safety pause (send) and the reports (api), never by compose, which reads the edition alone;
    // delivery rounds are conditional updates plus a PutItem per enqueued group (compose, resend-failed).
    expect(actionsOn("compose", "EditionsTable")).toEqual([
      "dynamodb:GetItem",
      "dynamodb:PutItem",
      "dynamodb:UpdateItem",
    ]);
    expect(actionsOn("send", "EditionsTable")).toEqual([
      "dynamodb:BatchGetItem",
      "dynamodb:GetItem",
      "dynamodb:PutItem",
      "dynamodb:UpdateItem",
    ]);
    expect(actionsOn("api", "EditionsTable")).toEqual([
      "dynamodb:BatchGetItem",
      "dynamodb:GetItem",
      "dynamodb:PutItem",
      "dynamodb:Query",
      "dynamodb:UpdateItem",
    ]);
    expect(actionsOn("ingest", "FeedsTable")).toEqual(["dynamodb:Scan", "dynamodb:UpdateItem"]);
    // Indexes by name, never every index of a table; no queue actions beyond what each side calls.
    const all = JSON.stringify(
      ["compose", "send", "api", "storyImport", "sesEvents", "ingest"].flatMap((f) => statementsOf(f)),
    );
    expect(all).not.toMatch(/\/index\/\*/);
    expect(all).not.toMatch(/sqs:GetQueueUrl|sqs:ChangeMessageVisibility|secretsmanager:DescribeSecret/);
    expect(JSON.stringify(statementsOf("send"))).toMatch(/sqs:ReceiveMessage/);
  });

  it("gives the jobs function only the tables it uses, and lets an import re-queue itself (issue 15, item 1)", () => {
    const jobsFn = Object.entries(template.findResources("AWS::Lambda::Function")).find(([id]) =>
      id.startsWith("jobsFunction"),
    )?.[1] as Resource;
    const env = (jobsFn.Properties.Environment as { Variables: Record<string, unknown> }).Variables;
    const tableNames = Object.keys(env).filter((k) => Object.values(TABLE_ENV).includes(k));
    expect(tableNames.sort()).toEqual([TABLE_ENV.jobs, TABLE_ENV.subscribers, TABLE_ENV.suppressions].sort());
    // Both secrets: the confirmation links of a pending import, the erasure check of every import.
    expect(env[TOKEN_SECRET_ENV]).toBeDefined();
    expect(env[ERASURE_SECRET_ENV]).toBeDefined();
    expect(JSON.stringify(env)).not.toContain(ORIGIN_VERIFY_ENV);
    const queueActions = statementsOf("jobs")
      .filter((s) => JSON.stringify(s.Resource).includes("JobQueue"))
      .flatMap((s) => [s.Action].flat())
      .sort();
    expect(queueActions).toEqual([
      "sqs:DeleteMessage",
      "sqs:GetQueueAttributes",
      "sqs:ReceiveMessage",
      "sqs:SendMessage",
    ]);
    // The report goes part by part (a run that stops loses none of it), read back at the end.
    const parts = statementsOf("jobs").filter((s) => JSON.stringify(s.Resource).includes("report-parts/*"));
    expect(parts.flatMap((s) => [s.Action].flat()).sort()).toEqual(["s3:GetObject", "s3:PutObject"]);
  });

  it("publishes SES events from a configuration set to EventBridge for the ses-events function", () => {
    template.hasResourceProperties("AWS::SES::ConfigurationSetEventDestination", {
      EventDestination: Match.objectLike({
        Enabled: true,
        MatchingEventTypes: Match.arrayWith(["delivery", "bounce", "complaint", "open", "click"]),
        EventBridgeDestination: Match.anyValue(),
      }),
    });
    template.hasResourceProperties("AWS::SES::EmailIdentity", {
      EmailIdentity: "news.example.com",
      MailFromAttributes: { MailFromDomain: "mail.news.example.com" },
    });
    template.hasResourceProperties("AWS::Events::Rule", {
      EventPattern: Match.objectLike({ source: ["aws.ses"] }),
    });
  });

  it("serves public routes without auth, admin routes checked by the function and again under /iam behind IAM, with access logs", () => {
    const routes = resources("AWS::ApiGatewayV2::Route").map((r) => [
      r.Properties.RouteKey,
      r.Properties.AuthorizationType,
    ]);
    expect(routes).toContainEqual(["POST /unsubscribe", "NONE"]);
    expect(routes).toContainEqual(["GET /archive/feed.xml", "NONE"]);
    // The console's bearer tokens (JWT, personal token) are checked by the function; scripts sign for /iam.
    expect(routes).toContainEqual(["ANY /admin/{proxy+}", "NONE"]);
    expect(routes).toContainEqual(["ANY /iam/admin/{proxy+}", "AWS_IAM"]);
    // The story import is a function of its own (it loads the story parsers; the api never does).
    expect(routes).toContainEqual(["POST /admin/stories", "NONE"]);
    expect(routes).toContainEqual(["POST /iam/admin/stories", "AWS_IAM"]);
    const integrations = template.findResources("AWS::ApiGatewayV2::Integration");
    /** The function (logical id without its suffix) a route's integration invokes. */
    const functionOf = (key: string) => {
      const route = resources("AWS::ApiGatewayV2::Route").find((r) => r.Properties.RouteKey === key);
      const integration = /"integrations\/",\{"Ref":"([^"]+)"\}/.exec(JSON.stringify(route))?.[1] ?? "";
      return /"Fn::GetAtt":\["(\w+)Function[0-9A-F]{8}","Arn"\]/.exec(
        JSON.stringify(integrations[integration]),
      )?.[1];
    };
    for (const prefix of ["", "/iam"]) {
      for (const key of [
        "POST /admin/stories",
        "PATCH /admin/stories/{id}",
        "GET /admin/feeds",
        "POST /admin/feeds",
        "DELETE /admin/feeds/{id}",
        "POST /admin/feeds/{id}/poll",
      ]) {
        const [method, path] = key.split(" ");
        expect({ key, fn: functionOf(`${method} ${prefix}${path}`) }).toEqual({ key, fn: "storyImport" });
      }
    }
    expect(functionOf("ANY /admin/{proxy+}")).toBe("api");
    expect(functionOf("ANY /iam/admin/{proxy+}")).toBe("api");
    for (const [key, auth] of routes)
      if (String(key).includes("/iam/")) expect(auth).toBe("AWS_IAM");
      else if (String(key).includes("/admin")) expect(auth).toBe("NONE");
    // Both functions behind /admin know which user pool and client sign the console's tokens.
    for (const fn of ["apiFunction", "storyImportFunction"]) {
      const [, resource] = Object.entries(template.findResources("AWS::Lambda::Function")).find(([id]) =>
        id.startsWith(fn),
      ) as [string, Resource];
      const env = (resource.Properties.Environment as { Variables: Record<string, unknown> }).Variables;
      expect(JSON.stringify(env[USER_POOL_ID_ENV])).toContain("ConsoleUserPool");
      expect(JSON.stringify(env[USER_POOL_CLIENT_ID_ENV])).toContain("ConsoleUserPoolConsoleClient");
    }
    template.hasResourceProperties("AWS::ApiGatewayV2::Stage", {
      StageName: "$default",
      AccessLogSettings: { DestinationArn: Match.anyValue(), Format: Match.stringLikeRegexp("requestId") },
    });
  });

  it("keeps the signing key in a generated secret, never in the template in clear", () => {
    template.hasResourceProperties("AWS::SecretsManager::Secret", {
      GenerateSecretString: Match.objectLike({ PasswordLength: 64 }),
    });
    expect(JSON.stringify(template.toJSON())).not.toMatch(/DIGEST_TOKEN_KEYS/);
  });

  it("outputs what `digest --aws` and DNS need", () => {
    const outputs = Object.keys(template.toJSON().Outputs);
    for (const name of [
      "ApiUrl",
      "StoriesTableName",
      "SubscribersTableName",
      "SendQueueUrl",
      "TokenSecretArn",
      "ErasureSecretArn",
      "DkimRecord1",
      "MailFromMx",
      "Dmarc",
    ]) {
      expect(outputs).toContain(name);
    }
  });
});

describe("the send fleet's wiring", () => {
  it("tells each send function its rate, how many share the account's rate, and the queue's receives before the DLQ", () => {
    const fleet = sendFleet(14);
    template.hasResourceProperties("AWS::Lambda::Function", {
      Environment: {
        Variables: Match.objectLike({
          [SEND_RATE_ENV]: String(fleet.ratePerFunction),
          [SEND_FLEET_SIZE_ENV]: String(fleet.maxConcurrency),
          [SEND_MAX_RECEIVES_ENV]: String(fleet.maxReceiveCount),
        }),
      },
    });
    template.hasResourceProperties("AWS::SQS::Queue", {
      RedrivePolicy: { deadLetterTargetArn: Match.anyValue(), maxReceiveCount: fleet.maxReceiveCount },
    });
  });
});

describe("the public domain: CloudFront in front of the public routes (issue 15, item 2)", () => {
  const distributionId = () => Object.keys(template.findResources("AWS::CloudFront::Distribution"))[0];
  const distributionConfig = (t: Template = template) =>
    (Object.values(t.findResources("AWS::CloudFront::Distribution"))[0] as Resource | undefined)?.Properties
      .DistributionConfig as Record<string, unknown> | undefined;

  it("gives links in emails the distribution's URL, not the execute-api domain", () => {
    const id = distributionId();
    expect(id, "the stack has a CloudFront distribution").toBeDefined();
    const publicUrl = { "Fn::Join": ["", ["https://", { "Fn::GetAtt": [id, "DomainName"] }]] };
    const fns = resources("AWS::Lambda::Function").filter(
      (fn) =>
        (fn.Properties.Environment as { Variables: Record<string, unknown> }).Variables
          .DIGEST_PUBLIC_BASE_URL,
    );
    // compose and send write the links, api's pages link to each other, jobs mails confirmations.
    expect(fns).toHaveLength(4);
    for (const fn of fns) {
      const env = (fn.Properties.Environment as { Variables: Record<string, unknown> }).Variables;
      expect(env.DIGEST_PUBLIC_BASE_URL).toEqual(publicUrl);
      expect(JSON.stringify(env.DIGEST_PUBLIC_BASE_URL)).not.toContain("execute-api");
    }
    const outputs = template.toJSON().Outputs;
    expect(outputs.PublicUrl.Value).toEqual(publicUrl);
    expect(JSON.stringify(outputs.RuntimeConfig.Value)).toContain(id);
    expect(JSON.stringify(outputs.RuntimeConfig.Value)).not.toContain("execute-api");
    // Old links keep working: the API's own URL stays an output (and reachable).
    expect(Object.keys(outputs)).toContain("ApiUrl");
  });

  it("passes public routes through uncached, caches the archive and stories as the pages say, forwards /admin with its bearer", () => {
    const config = distributionConfig() ?? expect.fail("no distribution");
    const [origin] = config.Origins as { DomainName: unknown; CustomOriginConfig: Record<string, unknown> }[];
    const apiId = Object.keys(template.findResources("AWS::ApiGatewayV2::Api"))[0];
    expect(JSON.stringify(origin?.DomainName)).toContain(`"Ref":"${apiId}"`);
    expect(JSON.stringify(origin?.DomainName)).toContain(".execute-api.");
    expect(origin?.CustomOriginConfig).toMatchObject({
      OriginProtocolPolicy: "https-only",
      OriginSSLProtocols: ["TLSv1.2"],
    });
    const defaults = config.DefaultCacheBehavior as Record<string, unknown>;
    // POST for sign-up, preferences and RFC 8058 one-click unsubscribe.
    expect(defaults.AllowedMethods).toEqual(["GET", "HEAD", "OPTIONS", "PUT", "PATCH", "POST", "DELETE"]);
    expect(defaults.ViewerProtocolPolicy).toBe("redirect-to-https");
    expect(defaults.CachePolicyId).toBe("4135ea2d-6df8-44a3-9df3-4b5a84be39ad"); // Managed-CachingDisabled
    const forwarded = Object.values(
      template.findResources("AWS::CloudFront::OriginRequestPolicy"),
    )[0] as Resource;
    const headers = (
      forwarded.Properties.OriginRequestPolicyConfig as Record<string, Record<string, unknown>>
    ).HeadersConfig;
    // Never Host (API Gateway answers only to its own); the viewer's address for the sign-up limits.
    expect(headers?.HeaderBehavior).toBe("whitelist");
    expect(headers?.Headers).toEqual(
      expect.arrayContaining(["content-type", "accept", "CloudFront-Viewer-Address"]),
    );
    expect(headers?.Headers).not.toContain("host");

    const behaviors = config.CacheBehaviors as Record<string, unknown>[];
    const byPath = Object.fromEntries(behaviors.map((b) => [b.PathPattern, b]));
    expect(Object.keys(byPath).sort()).toEqual(["/admin*", "/archive*", "/console*", "/stories/*"]);
    const cachePolicies = template.findResources("AWS::CloudFront::CachePolicy");
    const pageCacheId = Object.keys(cachePolicies).find((id) => id.startsWith("PublicPageCache"));
    const cached = cachePolicies[pageCacheId as string] as Resource;
    const policy = cached?.Properties.CachePolicyConfig as Record<string, unknown>;
    // Honours the origin's Cache-Control (no-store pages and 404s stay uncached; public, max-age=… kept).
    expect(policy).toMatchObject({ DefaultTTL: 0, MinTTL: 0 });
    expect(JSON.stringify(policy.ParametersInCacheKeyAndForwardedToOrigin)).toContain('"before"');
    for (const path of ["/archive*", "/stories/*"]) {
      expect(byPath[path]).toMatchObject({ AllowedMethods: ["GET", "HEAD"], Compress: true });
      expect(JSON.stringify(byPath[path]?.CachePolicyId)).toContain(pageCacheId);
    }
    // /admin is forwarded to the API (the console's calls, same origin) with the Authorization header:
    // CloudFront forwards it only as part of the cache key, kept at most a second and by default not at all.
    const admin = byPath["/admin*"] as Record<string, unknown>;
    expect(admin).toMatchObject({ ViewerProtocolPolicy: "https-only" });
    expect(admin.AllowedMethods).toEqual(["GET", "HEAD", "OPTIONS", "PUT", "PATCH", "POST", "DELETE"]);
    expect(admin.FunctionAssociations).toBeUndefined();
    const adminCacheId = Object.keys(cachePolicies).find((id) => id.startsWith("AdminPassThrough"));
    expect(JSON.stringify(admin.CachePolicyId)).toContain(adminCacheId);
    const adminCache = (cachePolicies[adminCacheId as string] as Resource).Properties
      .CachePolicyConfig as Record<string, Record<string, Record<string, unknown>>>;
    expect(adminCache).toMatchObject({ DefaultTTL: 0, MinTTL: 0, MaxTTL: 1 });
    expect(adminCache.ParametersInCacheKeyAndForwardedToOrigin?.HeadersConfig).toEqual({
      HeaderBehavior: "whitelist",
      Headers: ["authorization"],
    });
  });

  it("vouches for the reader's address to the API with a generated secret, never in the template in clear", () => {
    const config = distributionConfig() ?? expect.fail("no distribution");
    const [origin] = config.Origins as { CustomOriginConfig: unknown; OriginCustomHeaders: unknown[] }[];
    const [header] = (origin?.OriginCustomHeaders ?? []) as { HeaderName: string; HeaderValue: unknown }[];
    expect(header?.HeaderName).toBe(ORIGIN_VERIFY_HEADER);
    const secretId = Object.keys(template.findResources("AWS::SecretsManager::Secret")).find((id) =>
      id.startsWith("OriginVerifySecret"),
    );
    expect(secretId).toBeDefined();
    // A dynamic reference CloudFormation resolves at deploy time: the same value at both ends.
    const reference = {
      "Fn::Join": ["", ["{{resolve:secretsmanager:", { Ref: secretId }, ":SecretString:::}}"]],
    };
    expect(header?.HeaderValue).toEqual(reference);
    const withSecret = resources("AWS::Lambda::Function").filter(
      (fn) =>
        (fn.Properties.Environment as { Variables: Record<string, unknown> }).Variables[ORIGIN_VERIFY_ENV],
    );
    expect(withSecret).toHaveLength(1); // the api function only
    expect(
      (withSecret[0]?.Properties.Environment as { Variables: Record<string, unknown> } | undefined)
        ?.Variables,
    ).toMatchObject({
      [ORIGIN_VERIFY_ENV]: reference,
      POWERTOOLS_SERVICE_NAME: "digest-api",
    });
  });

  it("serves a custom domain with its us-east-1 certificate and Route 53 aliases; links use it; nag-clean", () => {
    const { app, stack } = synthStack({
      context: {
        "digest:publicDomain": "read.example.org",
        "digest:certificateArn":
          "arn:aws:acm:us-east-1:111122223333:certificate/0f2c9a1e-1111-4222-8333-944455556666",
        "digest:hostedZoneId": "Z0123456789ABCDEFGHIJ",
      },
    });
    app.synth();
    expect(Annotations.fromStack(stack).findError("*", Match.anyValue())).toEqual([]);
    const custom = Template.fromStack(stack);
    const config = distributionConfig(custom) ?? expect.fail("no distribution");
    expect(config.Aliases).toEqual(["read.example.org"]);
    expect(config.ViewerCertificate).toMatchObject({
      AcmCertificateArn:
        "arn:aws:acm:us-east-1:111122223333:certificate/0f2c9a1e-1111-4222-8333-944455556666",
      MinimumProtocolVersion: "TLSv1.2_2021",
      SslSupportMethod: "sni-only",
    });
    for (const type of ["A", "AAAA"]) {
      custom.hasResourceProperties("AWS::Route53::RecordSet", {
        HostedZoneId: "Z0123456789ABCDEFGHIJ",
        Name: "read.example.org.",
        Type: type,
        AliasTarget: Match.objectLike({ HostedZoneId: "Z2FDTNDATAQYW2" }),
      });
    }
    custom.hasResourceProperties("AWS::Lambda::Function", {
      Environment: { Variables: Match.objectLike({ DIGEST_PUBLIC_BASE_URL: "https://read.example.org" }) },
    });
    expect(custom.toJSON().Outputs.PublicUrl.Value).toBe("https://read.example.org");
  }, 60_000);

  it("refuses a certificate outside us-east-1, a domain without one, a bad domain, naming the key", () => {
    const problems = deploymentConfigProblems;
    const euCert = "arn:aws:acm:eu-west-2:111122223333:certificate/0f2c9a1e-1111-4222-8333-944455556666";
    expect(
      problems({ "digest:publicDomain": "read.example.org", "digest:certificateArn": euCert }),
    ).toContain("digest:certificateArn: CloudFront only uses certificates from us-east-1");
    expect(problems({ "digest:publicDomain": "read.example.org" })).toContain(
      "deploy.certificateArn: required with publicDomain",
    );
    expect(problems({ "digest:publicDomain": "https://read.example.org/" })).toContain(
      "digest:publicDomain: not a domain name",
    );
    expect(problems({ "digest:hostedZoneId": "Z0123456789ABCDEFGHIJ" })).toContain(
      "digest:hostedZoneId: only used with publicDomain",
    );
  });

  it("throttles the stage for link-scanner bursts in proportion to the send rate", () => {
    template.hasResourceProperties("AWS::ApiGatewayV2::Stage", {
      DefaultRouteSettings: {
        ThrottlingRateLimit: stageThrottle(14).rateLimit,
        ThrottlingBurstLimit: stageThrottle(14).burstLimit,
      },
    });
    expect(stageThrottle(14)).toEqual({ rateLimit: 100, burstLimit: 200 });
    expect(stageThrottle(500).rateLimit).toBe(2000);
  });
});

describe("local morning delivery", () => {
  it("adds an hourly dispatch function and schedule only when digest:deliveryMode is local, nag-clean", () => {
    const { app, stack } = synthStack({
      context: { "digest:deliveryMode": "local", "digest:deliveryHour": 7 },
    });
    app.synth();
    const local = Template.fromStack(stack);
    // Eight of the digest's and CDK's copier of the console's files.
    local.resourceCountIs("AWS::Lambda::Function", 9);
    local.hasResourceProperties("AWS::Scheduler::Schedule", { ScheduleExpression: "cron(0 * * * ? *)" });
    local.hasResourceProperties("AWS::Lambda::Function", {
      Environment: {
        Variables: Match.objectLike({ DIGEST_DELIVERY_MODE: "local", DIGEST_DELIVERY_HOUR: "7" }),
      },
    });
    // The dispatch records each hour's groups in the edition's delivery round: it writes editions.
    const dispatchPolicy = Object.entries(local.findResources("AWS::IAM::Policy")).find(([id]) =>
      id.startsWith("dispatchFunctionServiceRoleDefaultPolicy"),
    );
    expect(JSON.stringify(dispatchPolicy?.[1])).toMatch(/dynamodb:UpdateItem/);
    // Without it: the daily compose and the two feed-polling schedules.
    template.resourceCountIs("AWS::Scheduler::Schedule", 3);
  }, 60_000);
});

describe("open and click tracking (digest:trackOpens, digest:trackClicks)", () => {
  const eventTypes = (t: Template) =>
    (
      Object.values(t.findResources("AWS::SES::ConfigurationSetEventDestination"))[0] as {
        Properties: { EventDestination: { MatchingEventTypes: string[] } };
      }
    ).Properties.EventDestination.MatchingEventTypes;

  it("publishes open and click events by default; the ses-events function may mark the send ledger", () => {
    expect(eventTypes(template)).toEqual(expect.arrayContaining(["open", "click", "send", "delivery"]));
    // First opens, clicks and soft bounces are conditional writes on the recipient's ledger entry, and a
    // read of the entry when the write fails without returning it: confirmation and welcome mail have
    // none, and their events were AccessDenied without it (issue 13, item 1).
    const sends = statementsOf("sesEvents").filter((s) => JSON.stringify(s.Resource).includes("SendsTable"));
    expect(JSON.stringify(sends)).toMatch(/dynamodb:UpdateItem/);
    expect(JSON.stringify(sends)).toMatch(/dynamodb:GetItem/);
    expect(JSON.stringify(sends)).not.toMatch(/dynamodb:Query|dynamodb:Scan/);
  });

  it("leaves out what is not tracked, so SES adds no pixel or rewrites no links; nag-clean", () => {
    const { app, stack } = synthStack({ context: { "digest:trackOpens": false } });
    app.synth();
    expect(Annotations.fromStack(stack).findError("*", Match.anyValue())).toEqual([]);
    const noOpens = Template.fromStack(stack);
    expect(eventTypes(noOpens)).toContain("click");
    expect(eventTypes(noOpens)).not.toContain("open");
    expect(eventTypes(noOpens)).toEqual(expect.arrayContaining(["send", "delivery", "bounce", "complaint"]));
    // The functions read the same setting (the footer sentence, "not tracked" in stats).
    noOpens.hasResourceProperties("AWS::Lambda::Function", {
      Environment: { Variables: Match.objectLike({ DIGEST_TRACK_OPENS: "false" }) },
    });
    // Neither tracked: everything else is still published.
    const all = sesEventTypes({ trackOpens: true, trackClicks: true });
    expect(sesEventTypes({ trackOpens: false, trackClicks: false })).toEqual(
      all.filter((e) => e !== "open" && e !== "click"),
    );
  }, 60_000);
});

describe("deployment configuration", () => {
  it("fails early with a readable message naming every bad key", () => {
    const message = deploymentConfigProblems({
      "digest:timeZone": "Mars/Olympus",
      "digest:sendHour": 25,
      "digest:sendingDomain": "not a domain",
      "digest:maxStories": 0,
    });
    expect(message).toContain("digest:timeZone: not an IANA time zone");
    expect(message).toContain("digest:sendHour: ");
    expect(message).toContain("digest:sendingDomain: not a domain name");
    expect(message).toContain("digest:maxStories: expected a whole number from 1 to 200");
    expect(() => synthStack({ context: { "digest:sendHour": 25 } })).toThrow(/digest:sendHour/);
  });

  it("passes feedsAllowPrivate through to the functions like every digest setting", () => {
    const context = cdkJsonContext({ "digest:feedsAllowPrivate": true });
    expect(readDeploymentConfig((key) => context[key]).environment).toMatchObject({
      DIGEST_FEEDS_ALLOW_PRIVATE: "true",
    });
    expect(readDeploymentConfig((key) => cdkJsonContext()[key]).digest.feedsAllowPrivate).toBe(false);
  });

  it("knows when the configuration still carries the example values (deploy preflight refuses them)", () => {
    const example = readConfigFile(EXAMPLE_CONFIG);
    const shipped = readDeploymentConfig((key) => cdkJsonContext()[key], example);
    expect(usesExampleValues(shipped)).toEqual(["deploy.sendingDomain", "senderAddress", "postalAddress"]);
    const real = cdkJsonContext({
      "digest:sendingDomain": "news.lakeside-herald.org",
      "digest:senderAddress": "digest@news.lakeside-herald.org",
      "digest:postalAddress": "Lakeside Herald, 4 Quay Street, Wexmoor WX1 2AB",
    });
    expect(usesExampleValues(readDeploymentConfig((key) => real[key], example))).toEqual([]);
  });
});

describe("watching the daily job", () => {
  const alarmsById = () =>
    Object.entries(template.findResources("AWS::CloudWatch::Alarm")).map(
      ([id, r]) => [id.replace(/[0-9A-F]{8}$/, ""), (r as Resource).Properties] as const,
    );
  const alarm = (name: string) => {
    const found = alarmsById().find(([id]) => id === name);
    if (!found) throw new Error(`no alarm ${name}`);
    return found[1];
  };
  const logicalId = (prefix: string, type: string) => {
    const id = Object.keys(template.findResources(type)).find((k) => k.startsWith(prefix));
    if (!id) throw new Error(`no ${type} ${prefix}`);
    return id;
  };
  const topic = () => ({ Ref: logicalId("Alarms", "AWS::SNS::Topic") });

  it("alarms on every way the daily job fails, all to the alarm topic", () => {
    expect(
      alarmsById()
        .map(([id]) => id)
        .sort(),
    ).toEqual(
      [
        "ApiErrorsAlarm",
        "ApiServerErrorsAlarm",
        "ComposeErrorsAlarm",
        "ComposeFailuresAlarm",
        "ComposeMissingAlarm",
        "EditionHaltedAlarm",
        "FeedFailingAlarm",
        "IngestErrorsAlarm",
        "JobDeadLettersAlarm",
        "JobsErrorsAlarm",
        "QuotaStoppedAlarm",
        "SendDeadLettersAlarm",
        "SendErrorsAlarm",
        "SendFailureRateAlarm",
        "SendQueueAgeAlarm",
        "SesEventsErrorsAlarm",
        "SesEventsFailuresAlarm",
        "StoryImportErrorsAlarm",
      ].sort(),
    );
    for (const [, props] of alarmsById()) {
      expect(props.AlarmActions).toEqual([topic()]);
      expect(props.AlarmDescription).toEqual(expect.any(String));
    }
  });

  it("compose: any failed attempt in the hour of the run, and no successful run in a day and a bit", () => {
    expect(alarm("ComposeErrorsAlarm")).toMatchObject({
      Namespace: "AWS/Lambda",
      MetricName: "Errors",
      Dimensions: [
        { Name: "FunctionName", Value: { Ref: logicalId("composeFunction", "AWS::Lambda::Function") } },
      ],
      Period: 3600,
      Threshold: 1,
      ComparisonOperator: "GreaterThanOrEqualToThreshold",
    });
    // A day that never ran is a failure too: missing data breaches.
    expect(alarm("ComposeMissingAlarm")).toMatchObject({
      Namespace: METRICS_NAMESPACE,
      MetricName: COMPOSE_METRICS.succeeded,
      Dimensions: [{ Name: SERVICE_DIMENSION, Value: serviceName("compose") }],
      Statistic: "Sum",
      Period: 3600,
      EvaluationPeriods: COMPOSE_MISSING_HOURS,
      DatapointsToAlarm: COMPOSE_MISSING_HOURS,
      ComparisonOperator: "LessThanThreshold",
      Threshold: 1,
      TreatMissingData: "breaching",
    });
    // Longer than a 25-hour day (clocks going back), within CloudWatch's 7-day range for hourly periods.
    expect(COMPOSE_MISSING_HOURS).toBeGreaterThan(25);
    expect(COMPOSE_MISSING_HOURS * 3600).toBeLessThanOrEqual(7 * 24 * 3600);
  });

  it("send and ses-events: a failing share of invocations; api: its errors and the stage's 5xx", () => {
    for (const [name, fn] of [
      ["SendErrorsAlarm", "sendFunction"],
      ["SesEventsErrorsAlarm", "sesEventsFunction"],
    ] as const) {
      const props = alarm(name);
      expect(props).toMatchObject({ Threshold: 5, EvaluationPeriods: 3, DatapointsToAlarm: 2 });
      const metrics = props.Metrics as { Id: string; Expression?: string; MetricStat?: unknown }[];
      expect(metrics.find((m) => m.Expression)?.Expression).toBe(
        "IF(invocations > 0, 100 * errors / invocations, 0)",
      );
      const fnRef = { Ref: logicalId(fn, "AWS::Lambda::Function") };
      for (const metricName of ["Errors", "Invocations"]) {
        expect(metrics).toContainEqual(
          expect.objectContaining({
            MetricStat: expect.objectContaining({
              Metric: {
                Namespace: "AWS/Lambda",
                MetricName: metricName,
                Dimensions: [{ Name: "FunctionName", Value: fnRef }],
              },
              Period: 300,
            }),
          }),
        );
      }
    }
    expect(alarm("ApiServerErrorsAlarm")).toMatchObject({
      Namespace: "AWS/ApiGateway",
      MetricName: "5xx",
      Statistic: "Sum",
      Period: 300,
      Threshold: 5,
    });
    expect(JSON.stringify(alarm("ApiServerErrorsAlarm").Dimensions)).toMatch(/"Stage".*"\$default"/);
    expect(alarm("ApiErrorsAlarm")).toMatchObject({
      MetricName: "Errors",
      Dimensions: [
        { Name: "FunctionName", Value: { Ref: logicalId("apiFunction", "AWS::Lambda::Function") } },
      ],
      Threshold: 3,
    });
  });

  it("the send queue's oldest message: older than the fleet needs for the expected list", () => {
    const fleet = sendFleet(14);
    const visibility = fleet.functionTimeoutSeconds * 6;
    const threshold = sendQueueAgeThreshold(fleet, 10_000, Duration.seconds(visibility)).toSeconds();
    expect(alarm("SendQueueAgeAlarm")).toMatchObject({
      Namespace: "AWS/SQS",
      MetricName: "ApproximateAgeOfOldestMessage",
      Dimensions: [
        {
          Name: "QueueName",
          Value: { "Fn::GetAtt": [logicalId("SendQueue", "AWS::SQS::Queue"), "QueueName"] },
        },
      ],
      Statistic: "Maximum",
      Threshold: threshold,
    });
    // 10,000 recipients at 14/s drain in ~12 minutes; with the slack and one visibility timeout, 30.
    expect(threshold).toBe(30 * 60);
    expect(threshold).toBeGreaterThan(10_000 / 14 + visibility);
    // Ten times the list: about ten times the drain.
    expect(sendQueueAgeThreshold(fleet, 100_000, Duration.seconds(visibility)).toMinutes()).toBe(164);
    expect(alarm("QuotaStoppedAlarm")).toMatchObject({
      Namespace: METRICS_NAMESPACE,
      MetricName: SEND_METRICS.quotaStopped,
      Dimensions: [{ Name: SERVICE_DIMENSION, Value: serviceName("send") }],
    });
    const failureRate = JSON.stringify(alarm("SendFailureRateAlarm").Metrics);
    expect(failureRate).toContain(SEND_METRICS.sent);
    expect(failureRate).toContain(SEND_METRICS.failed);
  });

  it("gives compose and ses-events an on-failure queue, explicit retries, and their triggers a DLQ", () => {
    const queues = {
      compose: logicalId("ComposeFailures", "AWS::SQS::Queue"),
      sesEvents: logicalId("SesEventsFailures", "AWS::SQS::Queue"),
    };
    for (const [fn, queue] of Object.entries(queues) as [keyof typeof queues, string][]) {
      template.hasResourceProperties("AWS::Lambda::EventInvokeConfig", {
        FunctionName: { Ref: logicalId(`${fn}Function`, "AWS::Lambda::Function") },
        Qualifier: "$LATEST",
        MaximumRetryAttempts: ASYNC_RETRY[fn].retryAttempts,
        MaximumEventAgeInSeconds: ASYNC_RETRY[fn].maxEventAge.toSeconds(),
        DestinationConfig: { OnFailure: { Destination: { "Fn::GetAtt": [queue, "Arn"] } } },
      });
      const props = template.findResources("AWS::SQS::Queue")[queue]?.Properties;
      expect(props).toMatchObject({ SqsManagedSseEnabled: true, MessageRetentionPeriod: 14 * 24 * 3600 });
      template.hasResourceProperties("AWS::SQS::QueuePolicy", {
        Queues: [{ Ref: queue }],
        PolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({ Effect: "Deny", Condition: { Bool: { "aws:SecureTransport": "false" } } }),
          ]),
        },
      });
      // The function may write its failure records there: Lambda needs sqs:SendMessage alone.
      const onQueue = statementsOf(fn).filter((s) => JSON.stringify(s.Resource).includes(queue));
      expect(onQueue.flatMap((s) => [s.Action].flat())).toEqual(["sqs:SendMessage"]);
    }
    template.hasResourceProperties("AWS::Scheduler::Schedule", {
      ScheduleExpression: "cron(0 6 * * ? *)",
      Target: Match.objectLike({
        DeadLetterConfig: { Arn: { "Fn::GetAtt": [queues.compose, "Arn"] } },
        RetryPolicy: { MaximumEventAgeInSeconds: 7200, MaximumRetryAttempts: 2 },
      }),
    });
    template.hasResourceProperties("AWS::Events::Rule", {
      Targets: [Match.objectLike({ DeadLetterConfig: { Arn: { "Fn::GetAtt": [queues.sesEvents, "Arn"] } } })],
    });
    // EventBridge may put into the ses-events queue, for that rule only.
    template.hasResourceProperties("AWS::SQS::QueuePolicy", {
      Queues: [{ Ref: queues.sesEvents }],
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Action: "sqs:SendMessage",
            Principal: { Service: "events.amazonaws.com" },
            Condition: { ArnEquals: { "aws:SourceArn": Match.anyValue() } },
          }),
        ]),
      },
    });
    for (const [name, queue] of [
      ["ComposeFailuresAlarm", queues.compose],
      ["SesEventsFailuresAlarm", queues.sesEvents],
    ] as const) {
      expect(alarm(name)).toMatchObject({
        MetricName: "ApproximateNumberOfMessagesVisible",
        Dimensions: [{ Name: "QueueName", Value: { "Fn::GetAtt": [queue, "QueueName"] } }],
        Threshold: 1,
      });
    }
  });

  it("draws the daily flow on a dashboard, with SES's bounce and complaint thresholds, and outputs its URL", () => {
    const [id, dashboard] = Object.entries(template.findResources("AWS::CloudWatch::Dashboard"))[0] as [
      string,
      Resource,
    ];
    expect(dashboard.Properties.DashboardName).toBe("NewsletterDigest-daily-flow");
    const body = dashboardBody(dashboard.Properties);
    const titles = body.widgets.map((w) => w.properties.title);
    expect(titles).toEqual(
      expect.arrayContaining([
        "Alarms",
        "Sends per minute",
        "Send failures",
        "Bounce rate (%)",
        "Complaint rate (%)",
        "Send queue",
        "Dead letters and failed invocations",
        "Compose: duration (ms)",
        "Function errors",
        "Function throttles",
        "HTTP API",
      ]),
    );
    const widget = (title: string) =>
      body.widgets.find((w) => w.properties.title === title)?.properties ?? {};
    // Rates as SES computes them: events over sends, in %, with its review thresholds drawn.
    for (const [title, metricName, percent] of [
      ["Bounce rate (%)", SES_EVENT_METRICS.hardBounces, 5],
      ["Complaint rate (%)", SES_EVENT_METRICS.complaints, 0.1],
    ] as const) {
      const w = widget(title);
      expect(JSON.stringify(w.metrics)).toContain("IF(sends > 0, 100 * events / sends, 0)");
      expect(w.metrics).toContainEqual([
        METRICS_NAMESPACE,
        metricName,
        SERVICE_DIMENSION,
        serviceName("ses-events"),
        expect.objectContaining({ id: "events", visible: false }),
      ]);
      expect(w.metrics).toContainEqual([
        METRICS_NAMESPACE,
        SES_EVENT_METRICS.sends,
        SERVICE_DIMENSION,
        serviceName("ses-events"),
        expect.objectContaining({ id: "sends", visible: false }),
      ]);
      expect((w.annotations as { horizontal: { value: number }[] }).horizontal.map((a) => a.value)).toContain(
        percent,
      );
    }
    expect(JSON.stringify(widget("Sends per minute").metrics)).toContain(
      `["${METRICS_NAMESPACE}","${SEND_METRICS.sent}","${SERVICE_DIMENSION}","${serviceName("send")}",{"label":"sent","period":60`,
    );
    expect(JSON.stringify(widget("Send queue").metrics)).toMatch(/ApproximateAgeOfOldestMessage/);
    expect(JSON.stringify(widget("HTTP API").metrics)).toMatch(/"4xx".*"5xx".*"Latency"/);
    expect((widget("Alarms").alarms as unknown[]).length).toBe(alarmsById().length);
    const url = template.toJSON().Outputs.DashboardUrl.Value["Fn::Join"][1] as unknown[];
    expect(url).toContain("#dashboards:name=");
    expect(url.at(-1)).toEqual({ Ref: id });
  });

  it("reads only digest metrics the handlers emit, under the service and namespace the stack gives them", () => {
    const refs = digestMetricsIn(template.toJSON(), METRICS_NAMESPACE);
    expect(refs.length).toBeGreaterThan(10);
    // Metric filters (the handlers' alert log lines) emit theirs without dimensions.
    const filtered = new Set(
      resources("AWS::Logs::MetricFilter").flatMap((f) =>
        (f.Properties.MetricTransformations as { MetricName: string; MetricNamespace: string }[])
          .filter((m) => m.MetricNamespace === METRICS_NAMESPACE)
          .map((m) => m.MetricName),
      ),
    );
    for (const ref of refs) {
      const service = ref.dimensions[SERVICE_DIMENSION];
      const emitted =
        typeof service === "string"
          ? (EMITTED_METRICS[service] ?? []).includes(ref.metricName) &&
            Object.keys(ref.dimensions).length === 1
          : Object.keys(ref.dimensions).length === 0 && filtered.has(ref.metricName);
      expect(emitted, `${ref.where} reads ${ref.metricName} ${JSON.stringify(ref.dimensions)}`).toBe(true);
    }
    // The service dimension and namespace are the ones the functions run with.
    for (const fn of ["compose", "send", "ses-events"]) {
      template.hasResourceProperties("AWS::Lambda::Function", {
        Environment: {
          Variables: Match.objectLike({
            POWERTOOLS_SERVICE_NAME: serviceName(fn),
            POWERTOOLS_METRICS_NAMESPACE: METRICS_NAMESPACE,
          }),
        },
      });
    }
  });

  it("outputs the failure queues for inspection and redrive; digest:expectedRecipients is validated", () => {
    const outputs = Object.keys(template.toJSON().Outputs);
    for (const name of [
      "DashboardUrl",
      "AlarmTopicArn",
      "ComposeFailuresQueueUrl",
      "SesEventsFailuresQueueUrl",
      "SendDeadLettersQueueUrl",
      "ComposeFunctionName",
      "SesEventsFunctionName",
    ])
      expect(outputs).toContain(name);
    expect(() =>
      readDeploymentConfig((key) => cdkJsonContext({ "digest:expectedRecipients": 0 })[key]),
    ).toThrow(/digest:expectedRecipients: /);
    expect(readDeploymentConfig((key) => cdkJsonContext()[key]).stack.expectedRecipients).toBe(10_000);
  });
});

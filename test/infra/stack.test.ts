import { Annotations, Match, Template } from "aws-cdk-lib/assertions";
import { beforeAll, describe, expect, it } from "vitest";
import { TABLES } from "../../functions/adapters/schema.js";
import { QUEUE_ENV } from "../../functions/handlers/env.js";
import { buildTemplates } from "../../functions/local/build-templates.js";
import { DeploymentConfigError, readDeploymentConfig, usesExampleValues } from "../../infra/config.js";
import { sendFleet } from "../../infra/send-fleet.js";
import { sesEventTypes } from "../../infra/stack.js";
import { cdkJsonContext, synthStack } from "./synth.js";

let template: Template;

beforeAll(async () => {
  await buildTemplates();
  const { app, stack } = synthStack();
  // cdk-nag runs as a validation plugin during synth: unacknowledged findings throw here.
  app.synth();
  template = Template.fromStack(stack);
  expect(Annotations.fromStack(stack).findError("*", Match.anyValue())).toEqual([]);
}, 60_000);

type Resource = { Properties: Record<string, unknown> };
const resources = (type: string) => Object.values(template.findResources(type)) as Resource[];

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
    expect(ttl).toEqual([
      { AttributeName: "expiresAt", Enabled: true },
      { AttributeName: "expiresAt", Enabled: true },
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

  it("runs five functions on nodejs24.x arm64 with source maps and Powertools settings", () => {
    const fns = resources("AWS::Lambda::Function");
    expect(fns).toHaveLength(5);
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
    // DLQ, edition halted, a feed failing poll after poll, the ingest function failing.
    expect(resources("AWS::CloudWatch::Alarm")).toHaveLength(4);
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
    const all = ["compose", "send", "api", "sesEvents", "ingest"].flatMap((f) => statementsOf(f));
    expect(all.length).toBeGreaterThan(0);
    for (const s of all) for (const action of [s.Action].flat()) expect(action).not.toMatch(/\*$/);
    const json = (prefix: string) => JSON.stringify(statementsOf(prefix));
    // send: ledger, editions, subscribers (read), suppressions (read), SES send; never the stories table.
    expect(json("send")).not.toMatch(/StoriesTable/);
    expect(json("send")).toMatch(/ses:SendRawEmail/);
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
    // ingest: feeds and stories only; no mail, queue, secret or subscriber data. Nobody else has feeds.
    expect(json("ingest")).toMatch(/FeedsTable/);
    expect(json("ingest")).toMatch(/StoriesTable/);
    expect(json("ingest")).not.toMatch(
      /SubscribersTable|SuppressionsTable|SendsTable|EditionsTable|ses:|sqs:|secretsmanager/,
    );
    for (const fn of ["compose", "send", "api", "sesEvents"]) expect(json(fn)).not.toMatch(/FeedsTable/);
    const sendEmail = statementsOf("send").find((s) => [s.Action].flat().includes("ses:SendRawEmail"));
    expect(JSON.stringify(sendEmail?.Resource)).toMatch(/identity\/news\.example\.com/);
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

  it("serves public routes without auth and every admin route behind IAM, with access logs", () => {
    const routes = resources("AWS::ApiGatewayV2::Route").map((r) => [
      r.Properties.RouteKey,
      r.Properties.AuthorizationType,
    ]);
    expect(routes).toContainEqual(["POST /unsubscribe", "NONE"]);
    expect(routes).toContainEqual(["GET /archive/feed.xml", "NONE"]);
    expect(routes).toContainEqual(["ANY /admin/{proxy+}", "AWS_IAM"]);
    for (const [key, auth] of routes) if (String(key).includes("/admin")) expect(auth).toBe("AWS_IAM");
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

describe("local morning delivery", () => {
  it("adds an hourly dispatch function and schedule only when digest:deliveryMode is local, nag-clean", () => {
    const { app, stack } = synthStack({
      context: { "digest:deliveryMode": "local", "digest:deliveryHour": 7 },
    });
    app.synth();
    const local = Template.fromStack(stack);
    local.resourceCountIs("AWS::Lambda::Function", 6);
    local.hasResourceProperties("AWS::Scheduler::Schedule", { ScheduleExpression: "cron(0 * * * ? *)" });
    local.hasResourceProperties("AWS::Lambda::Function", {
      Environment: {
        Variables: Match.objectLike({ DIGEST_DELIVERY_MODE: "local", DIGEST_DELIVERY_HOUR: "7" }),
      },
    });
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
    // First opens, clicks and soft bounces are conditional writes on the recipient's ledger entry.
    const sends = statementsOf("sesEvents").filter((s) => JSON.stringify(s.Resource).includes("SendsTable"));
    expect(JSON.stringify(sends)).toMatch(/dynamodb:UpdateItem/);
    expect(JSON.stringify(sends)).not.toMatch(/dynamodb:Query|dynamodb:Scan|dynamodb:GetItem/);
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
    const context = cdkJsonContext({
      "digest:timeZone": "Mars/Olympus",
      "digest:sendHour": 25,
      "digest:sendingDomain": "not a domain",
      "digest:maxStories": 0,
    });
    let error: unknown;
    try {
      readDeploymentConfig((key) => context[key]);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(DeploymentConfigError);
    const message = (error as Error).message;
    expect(message).toContain("digest:timeZone: not an IANA time zone");
    expect(message).toContain("digest:sendHour: ");
    expect(message).toContain("digest:sendingDomain: not a domain name");
    expect(message).toContain("digest:maxStories: expected a whole number from 1 to 200");
    expect(() => synthStack({ context: { "digest:sendHour": 25 } })).toThrow(/digest:sendHour/);
  });

  it("knows when cdk.json still carries the example values (deploy preflight refuses them)", () => {
    const shipped = readDeploymentConfig((key) => cdkJsonContext()[key]);
    expect(usesExampleValues(shipped)).toEqual([
      "digest:sendingDomain",
      "digest:senderAddress",
      "digest:postalAddress",
    ]);
    const real = cdkJsonContext({
      "digest:sendingDomain": "news.lakeside-herald.org",
      "digest:senderAddress": "digest@news.lakeside-herald.org",
      "digest:postalAddress": "Lakeside Herald, 4 Quay Street, Wexmoor WX1 2AB",
    });
    expect(usesExampleValues(readDeploymentConfig((key) => real[key]))).toEqual([]);
  });
});

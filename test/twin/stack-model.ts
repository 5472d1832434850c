import type { CreateTableCommandInput } from "@aws-sdk/client-dynamodb";
import type { ResolvedTemplate } from "./template.js";

/**
 * The parts of the template the twin runs, each read from its resources (never restated by hand):
 * functions with their environment and role policies, tables, queues with their event source mapping,
 * the SES event destination and EventBridge rule, the schedules, the HTTP API's routes, and the
 * Lambda permissions that let the services invoke the functions.
 */

export interface PolicyDocument {
  Version?: string;
  Statement: Record<string, unknown>[];
}

export interface NamedPolicy {
  name: string;
  document: PolicyDocument;
}

export interface FunctionModel {
  /** compose, send, api, sesEvents, ingest… (the logical id without `Function<hash>`). */
  key: string;
  logicalId: string;
  name: string;
  arn: string;
  /** Asset folder below cdk.out (needs the `aws:cdk:enable-asset-metadata` context). */
  assetPath: string;
  handler: string;
  environment: Record<string, string>;
  timeoutSeconds: number;
  roleArn: string;
  /** Inline and attached customer policies of the role; AWS-managed ones are listed by ARN. */
  policies: NamedPolicy[];
  managedPolicyArns: string[];
  /** The function's resource policy, from its AWS::Lambda::Permission resources. */
  resourcePolicy: PolicyDocument;
  /** Asynchronous invocation: its AWS::Lambda::EventInvokeConfig, or Lambda's defaults without one. */
  asyncInvoke: AsyncInvokeModel;
}

export interface AsyncInvokeModel {
  /** Retries after a failed attempt (Lambda's default: 2). */
  maximumRetryAttempts: number;
  /** Where the record of an invocation that failed every attempt goes (a queue, topic, bus or function ARN). */
  onFailure?: string;
}

export interface TableModel {
  logicalId: string;
  name: string;
  arn: string;
  create: CreateTableCommandInput;
}

export interface QueueModel {
  logicalId: string;
  name: string;
  url: string;
  arn: string;
  visibilityTimeoutSeconds: number;
  redrive?: { deadLetterArn: string; maxReceiveCount: number };
  resourcePolicy?: PolicyDocument;
}

export interface EventSourceMappingModel {
  queueArn: string;
  functionKey: string;
  batchSize: number;
  maxConcurrency?: number;
  reportBatchItemFailures: boolean;
}

export interface RuleModel {
  logicalId: string;
  arn: string;
  eventBusName: string;
  pattern: Record<string, unknown>;
  targets: string[];
}

export interface ScheduleModel {
  logicalId: string;
  arn: string;
  functionKey: string;
  /** The target's Input, parsed; `{}` when the template gives none. */
  input: unknown;
  /** ScheduleExpression, e.g. "cron(0 6 * * ? *)", and its zone (ScheduleExpressionTimezone, default UTC). */
  expression: string;
  timeZone: string;
  roleArn: string;
  rolePolicies: NamedPolicy[];
}

export interface RouteModel {
  routeKey: string;
  authorizationType: string;
  functionKey: string;
}

export interface SesDestinationModel {
  configurationSet: string;
  enabled: boolean;
  /** SES event types in the destination's spelling: send, delivery, bounce, open… */
  eventTypes: string[];
  eventBusArn?: string;
}

export interface BucketModel {
  logicalId: string;
  name: string;
  arn: string;
  policy?: PolicyDocument;
}

export interface StackModel {
  /** S3 buckets (the job bucket) with their bucket policy. */
  buckets: BucketModel[];
  functions: Record<string, FunctionModel>;
  tables: TableModel[];
  queues: QueueModel[];
  eventSources: EventSourceMappingModel[];
  rules: RuleModel[];
  schedules: Record<string, ScheduleModel>;
  api: { id: string; arn: string; stage: string; routes: RouteModel[] } | null;
  /** The CloudFront distribution in front of the API (infra/cdn.ts): its host and its origins' hosts. */
  distribution: {
    domainName: string;
    originDomains: string[];
    /** The headers CloudFront adds to every forwarded request (values may be dynamic references). */
    originHeaders: Record<string, string>;
  } | null;
  sesDestinations: SesDestinationModel[];
  /** Verified SES identities (domains and addresses). */
  sesIdentities: string[];
}

type Props = Record<string, unknown>;
const asArray = <T>(v: T | T[] | undefined): T[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);

function rolePolicies(t: ResolvedTemplate, roleLogicalId: string): NamedPolicy[] {
  const role = t.properties(roleLogicalId);
  const inline = asArray(role.Policies as { PolicyName: string; PolicyDocument: PolicyDocument }[]).map(
    (p) => ({ name: p.PolicyName, document: p.PolicyDocument }),
  );
  const roleName = t.ref(roleLogicalId);
  const attached = t
    .ofType("AWS::IAM::Policy")
    .map((id) => t.properties(id))
    .filter((p) => asArray(p.Roles as string[]).includes(roleName))
    .map((p) => ({ name: String(p.PolicyName), document: p.PolicyDocument as PolicyDocument }));
  return [...inline, ...attached];
}

function roleLogicalIdOfArn(t: ResolvedTemplate, arn: string): string {
  const id = t.logicalIdOf(arn, "AWS::IAM::Role");
  if (!id) throw new Error(`no role in the template has the ARN ${arn}`);
  return id;
}

function functionKeyOf(t: ResolvedTemplate, functions: Record<string, FunctionModel>, ref: string): string {
  const fn = Object.values(functions).find((f) => f.arn === ref || f.name === ref);
  if (!fn) throw new Error(`${ref} is not a function of the template (${t.deployment.stackName})`);
  return fn.key;
}

function lambdaResourcePolicy(t: ResolvedTemplate, fnArn: string, fnName: string): PolicyDocument {
  const statements = t
    .ofType("AWS::Lambda::Permission")
    .map((id) => [id, t.properties(id)] as const)
    .filter(([, p]) => p.FunctionName === fnArn || p.FunctionName === fnName)
    .map(([id, p]) => ({
      Sid: id,
      Effect: "Allow",
      Principal: String(p.Principal).includes(".amazonaws.com")
        ? { Service: p.Principal }
        : { AWS: p.Principal },
      Action: p.Action,
      Resource: fnArn,
      ...(p.SourceArn ? { Condition: { ArnLike: { "AWS:SourceArn": p.SourceArn } } } : {}),
    }));
  return { Version: "2012-10-17", Statement: statements };
}

/** The EventInvokeConfig of the function's unqualified invocations ($LATEST), or Lambda's defaults. */
function asyncInvokeOf(t: ResolvedTemplate, fnName: string): AsyncInvokeModel {
  const config = t
    .ofType("AWS::Lambda::EventInvokeConfig")
    .map((id) => t.properties(id))
    .find((c) => c.FunctionName === fnName && c.Qualifier === "$LATEST");
  const onFailure = (config?.DestinationConfig as Props | undefined)?.OnFailure as Props | undefined;
  return {
    maximumRetryAttempts: Number(config?.MaximumRetryAttempts ?? 2),
    ...(onFailure?.Destination ? { onFailure: String(onFailure.Destination) } : {}),
  };
}

export function readStackModel(t: ResolvedTemplate): StackModel {
  const functions: Record<string, FunctionModel> = {};
  for (const id of t.ofType("AWS::Lambda::Function")) {
    // CDK's BucketDeployment function (Python: copies the console's files at deploy time) is part of
    // deploying, which the twin does not do; every function of the day runs on Node.js.
    if (!String(t.resource(id).Properties?.Runtime ?? "").startsWith("nodejs")) continue;
    const p = t.properties(id);
    const raw = t.resource(id);
    const assetPath = raw.Metadata?.["aws:asset:path"];
    if (typeof assetPath !== "string")
      throw new Error(`${id} has no aws:asset:path metadata: synth with aws:cdk:enable-asset-metadata`);
    const roleArn = String(p.Role);
    const roleId = roleLogicalIdOfArn(t, roleArn);
    const arn = t.getAtt(id, "Arn");
    const name = t.ref(id);
    const key = id.replace(/Function[0-9A-F]{8}$/, "");
    functions[key] = {
      key,
      logicalId: id,
      name,
      arn,
      assetPath,
      handler: String(p.Handler),
      environment: Object.fromEntries(
        Object.entries(((p.Environment as Props | undefined)?.Variables as Props | undefined) ?? {}).map(
          ([k, v]) => [k, String(v)],
        ),
      ),
      timeoutSeconds: Number(p.Timeout ?? 3),
      roleArn,
      policies: rolePolicies(t, roleId),
      managedPolicyArns: asArray(t.properties(roleId).ManagedPolicyArns as string[]),
      resourcePolicy: lambdaResourcePolicy(t, arn, name),
      asyncInvoke: asyncInvokeOf(t, name),
    };
  }

  const tables = [...t.ofType("AWS::DynamoDB::GlobalTable"), ...t.ofType("AWS::DynamoDB::Table")].map(
    (id) => {
      const p = t.properties(id);
      const name = t.ref(id);
      const gsis = asArray(p.GlobalSecondaryIndexes as Props[]);
      const create: CreateTableCommandInput = {
        TableName: name,
        BillingMode: "PAY_PER_REQUEST",
        AttributeDefinitions: p.AttributeDefinitions as CreateTableCommandInput["AttributeDefinitions"],
        KeySchema: p.KeySchema as CreateTableCommandInput["KeySchema"],
        ...(gsis.length
          ? {
              GlobalSecondaryIndexes: gsis.map((g) => ({
                IndexName: g.IndexName as string,
                KeySchema: g.KeySchema as NonNullable<CreateTableCommandInput["KeySchema"]>,
                Projection: g.Projection as { ProjectionType: "ALL" | "KEYS_ONLY" },
              })),
            }
          : {}),
      };
      return { logicalId: id, name, arn: t.getAtt(id, "Arn"), create };
    },
  );

  const queuePolicies = t.ofType("AWS::SQS::QueuePolicy").map((id) => t.properties(id));
  const queues = t.ofType("AWS::SQS::Queue").map((id): QueueModel => {
    const p = t.properties(id);
    const url = t.ref(id);
    const redrive = p.RedrivePolicy as { deadLetterTargetArn: string; maxReceiveCount: number } | undefined;
    return {
      logicalId: id,
      name: t.physicalName(id),
      url,
      arn: t.getAtt(id, "Arn"),
      visibilityTimeoutSeconds: Number(p.VisibilityTimeout ?? 30),
      ...(redrive
        ? {
            redrive: {
              deadLetterArn: redrive.deadLetterTargetArn,
              maxReceiveCount: Number(redrive.maxReceiveCount),
            },
          }
        : {}),
      resourcePolicy: queuePolicies.find((qp) => asArray(qp.Queues as string[]).includes(url))
        ?.PolicyDocument as PolicyDocument | undefined,
    };
  });

  const eventSources = t.ofType("AWS::Lambda::EventSourceMapping").map((id) => {
    const p = t.properties(id);
    return {
      queueArn: String(p.EventSourceArn),
      functionKey: functionKeyOf(t, functions, String(p.FunctionName)),
      batchSize: Number(p.BatchSize ?? 10),
      maxConcurrency: (p.ScalingConfig as Props | undefined)?.MaximumConcurrency as number | undefined,
      reportBatchItemFailures: asArray(p.FunctionResponseTypes as string[]).includes(
        "ReportBatchItemFailures",
      ),
    };
  });

  const rules = t.ofType("AWS::Events::Rule").map((id) => {
    const p = t.properties(id);
    return {
      logicalId: id,
      arn: t.getAtt(id, "Arn"),
      eventBusName: String(p.EventBusName ?? "default"),
      pattern: p.EventPattern as Props,
      targets: asArray(p.Targets as Props[])
        .filter((target) => String(target.Arn).includes(":lambda:"))
        .map((target) => functionKeyOf(t, functions, String(target.Arn))),
    };
  });

  const schedules: Record<string, ScheduleModel> = {};
  for (const id of t.ofType("AWS::Scheduler::Schedule")) {
    const target = t.properties(id).Target as Props;
    const roleArn = String(target.RoleArn);
    schedules[id.replace(/[0-9A-F]{8}$/, "")] = {
      logicalId: id,
      arn: t.getAtt(id, "Arn"),
      functionKey: functionKeyOf(t, functions, String(target.Arn)),
      input: target.Input === undefined ? {} : JSON.parse(String(target.Input)),
      expression: String(t.properties(id).ScheduleExpression),
      timeZone: String(t.properties(id).ScheduleExpressionTimezone ?? "UTC"),
      roleArn,
      rolePolicies: rolePolicies(t, roleLogicalIdOfArn(t, roleArn)),
    };
  }

  const [apiId] = t.ofType("AWS::ApiGatewayV2::Api");
  let api: StackModel["api"] = null;
  if (apiId) {
    const id = t.ref(apiId);
    const integrations = new Map(
      t.ofType("AWS::ApiGatewayV2::Integration").map((i) => [t.ref(i), t.properties(i)]),
    );
    const stage = t.ofType("AWS::ApiGatewayV2::Stage").map((s) => t.physicalName(s))[0] ?? "$default";
    api = {
      id,
      arn: `arn:aws:execute-api:${t.deployment.region}:${t.deployment.account}:${id}`,
      stage,
      routes: t.ofType("AWS::ApiGatewayV2::Route").map((r) => {
        const p = t.properties(r);
        const integration = integrations.get(String(p.Target).replace(/^integrations\//, ""));
        if (!integration) throw new Error(`route ${p.RouteKey} has no integration in the template`);
        return {
          routeKey: String(p.RouteKey),
          authorizationType: String(p.AuthorizationType ?? "NONE"),
          functionKey: functionKeyOf(t, functions, String(integration.IntegrationUri)),
        };
      }),
    };
  }

  const [distributionId] = t.ofType("AWS::CloudFront::Distribution");
  // Only the origins: the behaviours name edge functions the twin does not run.
  const origins = distributionId
    ? asArray(
        t.resolve(
          (t.resource(distributionId).Properties?.DistributionConfig as Props | undefined)?.Origins,
        ) as Props[],
      )
    : [];
  const distribution: StackModel["distribution"] = distributionId
    ? {
        domainName: t.getAtt(distributionId, "DomainName"),
        originDomains: origins.map((o) => String(o.DomainName)),
        originHeaders: Object.fromEntries(
          origins.flatMap((o) =>
            asArray(o.OriginCustomHeaders as Props[]).map((h) => [
              String(h.HeaderName),
              String(h.HeaderValue),
            ]),
          ),
        ),
      }
    : null;

  const sesDestinations = t.ofType("AWS::SES::ConfigurationSetEventDestination").map((id) => {
    const p = t.properties(id);
    const d = p.EventDestination as Props;
    return {
      configurationSet: String(p.ConfigurationSetName),
      enabled: d.Enabled !== false,
      eventTypes: asArray(d.MatchingEventTypes as string[]),
      eventBusArn: (d.EventBridgeDestination as Props | undefined)?.EventBusArn as string | undefined,
    };
  });

  const bucketPolicies = t.ofType("AWS::S3::BucketPolicy").map((id) => t.properties(id));
  const buckets = t.ofType("AWS::S3::Bucket").map((id) => {
    const name = t.ref(id);
    const policy = bucketPolicies.find((p) => p.Bucket === name)?.PolicyDocument as
      | PolicyDocument
      | undefined;
    return { logicalId: id, name, arn: t.getAtt(id, "Arn"), ...(policy ? { policy } : {}) };
  });

  return {
    buckets,
    functions,
    tables,
    queues,
    eventSources,
    rules,
    schedules,
    api,
    distribution,
    sesDestinations,
    sesIdentities: t.ofType("AWS::SES::EmailIdentity").map((id) => t.physicalName(id)),
  };
}

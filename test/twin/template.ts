import { createHash } from "node:crypto";

/**
 * The synthesized CloudFormation template, read as the twin needs it: every `Ref` / `Fn::GetAtt` /
 * `Fn::Join` / `Fn::Sub` resolved to the fake physical names and ARNs of one imaginary deployment
 * (account 111122223333, eu-west-2), the same everywhere: in a function's environment, in its role's
 * policies, in the EventBridge rule's pattern. A reference the twin cannot resolve throws, naming it.
 */

export interface CfnResource {
  Type: string;
  Properties?: Record<string, unknown>;
  Metadata?: Record<string, unknown>;
}

export interface CfnTemplate {
  Resources: Record<string, CfnResource>;
  Outputs?: Record<string, { Value: unknown }>;
}

export interface Deployment {
  stackName: string;
  account: string;
  region: string;
  /** Base URL of the local SQS endpoint: queue URLs point there (the SQS client sends to the queue URL's host). */
  sqsEndpoint: string;
}

const NO_VALUE = Symbol("AWS::NoValue");

/** Short stable ids where AWS generates them (API ids, secret suffixes). */
const shortId = (seed: string, length: number) =>
  createHash("sha256").update(seed).digest("hex").replace(/\d/g, "").padEnd(length, "x").slice(0, length);

/** The property that names a resource explicitly, per type (else CloudFormation generates a name). */
const NAME_PROPERTY: Record<string, string> = {
  "AWS::DynamoDB::GlobalTable": "TableName",
  "AWS::DynamoDB::Table": "TableName",
  "AWS::SQS::Queue": "QueueName",
  "AWS::Lambda::Function": "FunctionName",
  "AWS::IAM::Role": "RoleName",
  "AWS::SecretsManager::Secret": "Name",
  "AWS::SES::ConfigurationSet": "Name",
  "AWS::Events::Rule": "Name",
  "AWS::SNS::Topic": "TopicName",
  "AWS::Logs::LogGroup": "LogGroupName",
  "AWS::Scheduler::Schedule": "Name",
  "AWS::CloudWatch::Alarm": "AlarmName",
  "AWS::S3::Bucket": "BucketName",
};

export class ResolvedTemplate {
  readonly resources: Record<string, CfnResource>;

  constructor(
    readonly template: CfnTemplate,
    readonly deployment: Deployment,
  ) {
    this.resources = template.Resources;
  }

  resource(logicalId: string): CfnResource {
    const r = this.resources[logicalId];
    if (!r) throw new Error(`the template has no resource ${logicalId}`);
    return r;
  }

  /** Logical ids of every resource of a type, in template order. */
  ofType(type: string): string[] {
    return Object.entries(this.resources)
      .filter(([, r]) => r.Type === type)
      .map(([id]) => id);
  }

  /** The physical name CloudFormation would give the resource (its explicit name, else stack-logicalId). */
  physicalName(logicalId: string): string {
    const r = this.resource(logicalId);
    const prop = NAME_PROPERTY[r.Type];
    const given = prop ? r.Properties?.[prop] : undefined;
    if (given !== undefined) return String(this.resolve(given));
    if (r.Type === "AWS::SES::EmailIdentity") return String(this.resolve(r.Properties?.EmailIdentity));
    if (r.Type === "AWS::ApiGatewayV2::Stage") return String(this.resolve(r.Properties?.StageName));
    if (r.Type.startsWith("AWS::ApiGatewayV2::")) return shortId(logicalId, 10);
    // Bucket names are lower case and global.
    if (r.Type === "AWS::S3::Bucket") return `${this.deployment.stackName}-${logicalId}`.toLowerCase();
    return `${this.deployment.stackName}-${logicalId}`;
  }

  private arn(service: string, resource: string, region = this.deployment.region): string {
    return `arn:aws:${service}:${region}:${this.deployment.account}:${resource}`;
  }

  /** What `Ref` returns for the resource. */
  ref(logicalId: string): string {
    const { account, region } = this.deployment;
    switch (logicalId) {
      case "AWS::AccountId":
        return account;
      case "AWS::Region":
        return region;
      case "AWS::Partition":
        return "aws";
      case "AWS::URLSuffix":
        return "amazonaws.com";
      case "AWS::StackName":
        return this.deployment.stackName;
      case "AWS::StackId":
        return this.arn("cloudformation", `stack/${this.deployment.stackName}/${shortId("stack", 8)}`);
    }
    const r = this.resource(logicalId);
    const name = this.physicalName(logicalId);
    switch (r.Type) {
      case "AWS::SQS::Queue":
        return `${this.deployment.sqsEndpoint}/${account}/${name}`;
      case "AWS::SecretsManager::Secret":
        return this.arn("secretsmanager", `secret:${name}-${shortId(logicalId, 6)}`);
      case "AWS::SNS::Topic":
        return this.arn("sns", name);
      // Cognito's own shapes, which aws-jwt-verify checks: `<region>_<9 chars>` and a 26-char client id.
      case "AWS::Cognito::UserPool":
        return `${this.deployment.region}_${shortId(logicalId, 9)}`;
      case "AWS::Cognito::UserPoolClient":
        return shortId(logicalId, 26).toLowerCase();
      default:
        return name;
    }
  }

  /** What `Fn::GetAtt` returns; throws for an attribute the twin does not model. */
  getAtt(logicalId: string, attribute: string): string {
    const r = this.resource(logicalId);
    const name = this.physicalName(logicalId);
    const key = `${r.Type}.${attribute}`;
    switch (key) {
      case "AWS::DynamoDB::GlobalTable.Arn":
      case "AWS::DynamoDB::Table.Arn":
        return this.arn("dynamodb", `table/${name}`);
      case "AWS::SQS::Queue.Arn":
        return this.arn("sqs", name);
      case "AWS::SQS::Queue.QueueName":
        return name;
      case "AWS::SQS::Queue.QueueUrl":
        return this.ref(logicalId);
      case "AWS::Lambda::Function.Arn":
        return this.arn("lambda", `function:${name}`);
      case "AWS::IAM::Role.Arn":
        return `arn:aws:iam::${this.deployment.account}:role/${name}`;
      case "AWS::Events::Rule.Arn":
        return this.arn("events", `rule/${name}`);
      case "AWS::Scheduler::Schedule.Arn":
        return this.arn("scheduler", `schedule/default/${name}`);
      case "AWS::SNS::Topic.TopicArn":
        return this.ref(logicalId);
      case "AWS::SNS::Topic.TopicName":
        return name;
      case "AWS::Logs::LogGroup.Arn":
        return this.arn("logs", `log-group:${name}:*`);
      case "AWS::CloudFront::Distribution.DomainName":
        return `d${shortId(logicalId, 13)}.cloudfront.net`;
      case "AWS::ApiGatewayV2::Api.ApiEndpoint":
        return `https://${name}.execute-api.${this.deployment.region}.amazonaws.com`;
      case "AWS::SecretsManager::Secret.Id":
        return this.ref(logicalId);
      case "AWS::S3::Bucket.Arn":
        return `arn:aws:s3:::${name}`;
      case "AWS::S3::Bucket.RegionalDomainName":
        return `${name}.s3.${this.deployment.region}.amazonaws.com`;
      // The console's origin access control and sign-in (infra/console-*.ts): read, never run, by the twin.
      case "AWS::CloudFront::OriginAccessControl.Id":
        return `E${shortId(logicalId, 13).toUpperCase()}`;
      case "AWS::CloudFront::Distribution.Id":
        return `E${shortId(logicalId, 13).toUpperCase()}`;
      case "AWS::Cognito::UserPool.Arn":
        return this.arn("cognito-idp", `userpool/${this.ref(logicalId)}`);
      case "AWS::CloudWatch::Alarm.Arn":
        return this.arn("cloudwatch", `alarm:${name}`);
    }
    throw new Error(`the twin does not model Fn::GetAtt ${logicalId}.${attribute} (${r.Type})`);
  }

  /** Resolves every intrinsic function in `value`. */
  resolve(value: unknown): unknown {
    const out = this.resolveInner(value);
    return out === NO_VALUE ? undefined : out;
  }

  private resolveInner(value: unknown): unknown {
    if (Array.isArray(value)) {
      return value.map((v) => this.resolveInner(v)).filter((v) => v !== NO_VALUE);
    }
    if (value === null || typeof value !== "object") return value;
    const obj = value as Record<string, unknown>;
    const keys = Object.keys(obj);
    if (keys.length === 1) {
      const [fn] = keys as [string];
      const arg = obj[fn];
      switch (fn) {
        case "Ref":
          return arg === "AWS::NoValue" ? NO_VALUE : this.ref(String(arg));
        case "Fn::GetAtt": {
          const [id, attr] = Array.isArray(arg) ? arg : String(arg).split(/\.(.*)/);
          return this.getAtt(String(id), String(attr));
        }
        case "Fn::Join": {
          const [sep, parts] = arg as [string, unknown[]];
          return (this.resolveInner(parts) as unknown[]).join(sep);
        }
        case "Fn::Select": {
          const [index, list] = arg as [number, unknown];
          return (this.resolveInner(list) as unknown[])[Number(this.resolveInner(index))];
        }
        case "Fn::Split": {
          const [sep, text] = arg as [string, unknown];
          return String(this.resolveInner(text)).split(sep);
        }
        case "Fn::Sub":
          return this.sub(arg);
        case "Fn::If":
        case "Fn::ImportValue":
        case "Fn::FindInMap":
          throw new Error(`the twin does not resolve ${fn}: ${JSON.stringify(arg)}`);
      }
    }
    const resolved: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(obj)) {
      const r = this.resolveInner(v);
      if (r !== NO_VALUE) resolved[k] = r;
    }
    return resolved;
  }

  private sub(arg: unknown): string {
    const [text, vars] = Array.isArray(arg) ? (arg as [string, Record<string, unknown>]) : [String(arg), {}];
    return text.replace(/\$\{([^}!][^}]*)\}/g, (_, name: string) => {
      if (name in vars) return String(this.resolve(vars[name]));
      const [id, attr] = name.split(/\.(.*)/);
      return attr ? this.getAtt(id as string, attr) : this.ref(id as string);
    });
  }

  /** A resource's properties with every intrinsic resolved. */
  properties(logicalId: string): Record<string, unknown> {
    return (this.resolve(this.resource(logicalId).Properties ?? {}) as Record<string, unknown>) ?? {};
  }

  /** The logical id whose `Ref` or `GetAtt Arn` is `value` (e.g. a function named by ARN), if any. */
  logicalIdOf(value: string, type?: string): string | undefined {
    for (const [id, r] of Object.entries(this.resources)) {
      if (type && r.Type !== type) continue;
      if (this.ref(id) === value) return id;
      try {
        if (this.getAtt(id, "Arn") === value) return id;
      } catch {
        // no Arn attribute modelled for this type
      }
    }
    return undefined;
  }
}

import { createRequire } from "node:module";
import { parseAddressList, parseHeaders } from "../../functions/local/mime-headers.js";

/**
 * Every AWS SDK call made in this process, seen by one middleware on each client's stack (added the
 * first time the client sends), and what IAM authorizes for it: the action and each resource ARN, as
 * the service checks them. The Lambda bundles keep the SDK external (`@aws-sdk/*`), so their clients
 * come from this project's node_modules and go through the same `Client.prototype.send`.
 */

export interface SdkCall {
  clientName: string;
  commandName: string;
  input: Record<string, unknown>;
}

export interface IamRequest {
  action: string;
  resource: string;
}

export interface MappedCall {
  service: string;
  operation: string;
  requests: IamRequest[];
}

export interface SdkHook {
  /** Before the request is signed and sent; throwing fails the call with that error (like AWS would). */
  before(call: SdkCall): Promise<void>;
  /** After the service answered. */
  after(call: SdkCall, output: unknown): void;
}

type Middleware = (
  next: (args: { input: Record<string, unknown> }) => Promise<{ output: unknown }>,
  context: { clientName?: string; commandName?: string },
) => (args: { input: Record<string, unknown> }) => Promise<{ output: unknown }>;
interface Stack {
  add(mw: Middleware, opts: { step: string; name: string; priority: string }): void;
}
interface ClientClass {
  prototype: { send: (this: { middlewareStack: Stack }, ...args: unknown[]) => unknown };
}

let hook: SdkHook | null = null;
const hooked = new WeakSet<object>();
const restores: (() => void)[] = [];

const middleware: Middleware = (next, context) => async (args) => {
  const current = hook;
  if (!current) return next(args);
  const call = {
    clientName: context.clientName ?? "",
    commandName: context.commandName ?? "",
    input: args.input,
  };
  await current.before(call);
  const result = await next(args);
  current.after(call, result.output);
  return result;
};

/**
 * Installs `onCall` for every SDK client in the process (both module formats of @smithy/core/client,
 * since Node and the test runner may load different ones); returns the uninstaller.
 */
export async function installSdkHook(onCall: SdkHook): Promise<() => void> {
  hook = onCall;
  const require = createRequire(import.meta.url);
  const copies = [
    (require("@smithy/core/client") as { Client: ClientClass }).Client,
    ((await import("@smithy/core/client")) as unknown as { Client: ClientClass }).Client,
  ];
  for (const Client of new Set(copies)) {
    const original = Client.prototype.send;
    Client.prototype.send = function send(this: { middlewareStack: Stack }, ...args: unknown[]) {
      if (!hooked.has(this.middlewareStack)) {
        hooked.add(this.middlewareStack);
        this.middlewareStack.add(middleware, {
          step: "initialize",
          name: "deployedStackTwin",
          priority: "high",
        });
      }
      return original.apply(this, args);
    };
    restores.push(() => {
      Client.prototype.send = original;
    });
  }
  return () => {
    hook = null;
    for (const restore of restores.splice(0)) restore();
  };
}

export interface ArnContext {
  region: string;
  account: string;
  /** The queue ARN for a queue URL. */
  queueArn(url: string): string;
}

const SERVICES: Record<string, string> = {
  DynamoDBClient: "dynamodb",
  SQSClient: "sqs",
  SESv2Client: "ses",
  SecretsManagerClient: "secretsmanager",
  CognitoIdentityProviderClient: "cognito-idp",
};

/** SQS authorizes each batch call as its single-message action. */
const SQS_ACTION: Record<string, string> = {
  SendMessageBatch: "SendMessage",
  DeleteMessageBatch: "DeleteMessage",
  ChangeMessageVisibilityBatch: "ChangeMessageVisibility",
};

/** DynamoDB transactions are authorized item by item, as the item's own write or read. */
const TRANSACT_ACTION: Record<string, string> = {
  Put: "PutItem",
  Update: "UpdateItem",
  Delete: "DeleteItem",
  ConditionCheck: "ConditionCheckItem",
  Get: "GetItem",
};

function dynamodbRequests(operation: string, input: Record<string, unknown>, ctx: ArnContext): IamRequest[] {
  const table = (name: string) =>
    name.startsWith("arn:") ? name : `arn:aws:dynamodb:${ctx.region}:${ctx.account}:table/${name}`;
  switch (operation) {
    case "BatchGetItem":
    case "BatchWriteItem":
      return Object.keys((input.RequestItems as object) ?? {}).map((name) => ({
        action: `dynamodb:${operation}`,
        resource: table(name),
      }));
    case "TransactWriteItems":
    case "TransactGetItems":
      return ((input.TransactItems as Record<string, { TableName: string }>[]) ?? []).flatMap((item) =>
        Object.entries(item).map(([kind, op]) => ({
          action: `dynamodb:${TRANSACT_ACTION[kind] ?? kind}`,
          resource: table(op.TableName),
        })),
      );
  }
  if (typeof input.TableName !== "string")
    throw new Error(`the twin cannot map dynamodb:${operation} (no TableName): extend aws-calls.ts`);
  const index = typeof input.IndexName === "string" ? `/index/${input.IndexName}` : "";
  return [{ action: `dynamodb:${operation}`, resource: `${table(input.TableName)}${index}` }];
}

/** The From address of a SendEmail: FromEmailAddress, else the raw message's From header. */
function fromAddress(input: Record<string, unknown>): string {
  const given = input.FromEmailAddress;
  if (typeof given === "string") return parseAddressList(given)[0] ?? given;
  const raw = ((input.Content as Record<string, unknown>)?.Raw as { Data?: Uint8Array })?.Data;
  if (!raw) throw new Error("SendEmail without FromEmailAddress or raw content: extend aws-calls.ts");
  const from = parseHeaders(Buffer.from(raw)).get("from");
  const address = from ? parseAddressList(from)[0] : undefined;
  if (!address) throw new Error("SendEmail whose raw message has no From address");
  return address;
}

/**
 * SES authorizes a send on the sending identity and the configuration set. Which identity depends on
 * what is verified (the address when it is verified on its own, else its domain), so the twin asks for
 * both: a role that may send only as one of them fails on an account where the other is the one used.
 */
function sesRequests(operation: string, input: Record<string, unknown>, ctx: ArnContext): IamRequest[] {
  const arn = (resource: string) => `arn:aws:ses:${ctx.region}:${ctx.account}:${resource}`;
  switch (operation) {
    case "GetAccount":
      return [{ action: "ses:GetAccount", resource: "*" }];
    case "SendEmail": {
      const from = fromAddress(input).toLowerCase();
      const domain = from.slice(from.lastIndexOf("@") + 1);
      const identities =
        typeof input.FromEmailAddressIdentityArn === "string"
          ? [input.FromEmailAddressIdentityArn]
          : [arn(`identity/${domain}`), arn(`identity/${from}`)];
      const set =
        typeof input.ConfigurationSetName === "string"
          ? [arn(`configuration-set/${input.ConfigurationSetName}`)]
          : [];
      return [...identities, ...set].map((resource) => ({ action: "ses:SendEmail", resource }));
    }
  }
  throw new Error(`the twin does not map ses:${operation} to its resources yet: extend aws-calls.ts`);
}

/** The IAM requests one SDK call makes; throws for a call the twin cannot map (so none goes unchecked). */
export function mapSdkCall(call: SdkCall, ctx: ArnContext): MappedCall {
  const service = SERVICES[call.clientName];
  const operation = call.commandName.replace(/Command$/, "");
  if (!service)
    throw new Error(`the twin does not know the ${call.clientName} (${operation}): extend aws-calls.ts`);
  const { input } = call;
  let requests: IamRequest[];
  switch (service) {
    case "dynamodb":
      requests = dynamodbRequests(operation, input, ctx);
      break;
    case "sqs":
      requests = [
        {
          action: `sqs:${SQS_ACTION[operation] ?? operation}`,
          resource: ctx.queueArn(String(input.QueueUrl)),
        },
      ];
      break;
    case "ses":
      requests = sesRequests(operation, input, ctx);
      break;
    case "cognito-idp": {
      // The Admin* calls are authorized on the user pool they name.
      if (typeof input.UserPoolId !== "string")
        throw new Error(`the twin cannot map cognito-idp:${operation} (no UserPoolId): extend aws-calls.ts`);
      const resource = `arn:aws:cognito-idp:${ctx.region}:${ctx.account}:userpool/${input.UserPoolId}`;
      requests = [{ action: `cognito-idp:${operation}`, resource }];
      break;
    }
    default: {
      const secret = String(input.SecretId);
      requests = [
        {
          action: `secretsmanager:${operation}`,
          resource: secret.startsWith("arn:")
            ? secret
            : `arn:aws:secretsmanager:${ctx.region}:${ctx.account}:secret:${secret}-*`,
        },
      ];
    }
  }
  return { service, operation, requests };
}

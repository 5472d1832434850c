import { mkdtemp, rm, writeFile } from "node:fs/promises";
import type { Server } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { CreateTableCommand, DynamoDBClient } from "@aws-sdk/client-dynamodb";
import dynalite from "dynalite";
import { inject } from "vitest";
import { IAM_ROUTE_PREFIX } from "../../functions/handlers/env.js";
import { buildTemplates } from "../../functions/local/build-templates.js";
import { main as digestCli } from "../../functions/local/cli.js";
import type { Io } from "../../functions/local/cli-support.js";
import { startSesEndpoint } from "../../functions/local/ses-endpoint.js";
import { type AwsStubs, startAwsStubs } from "../helpers/aws-stubs.js";
import { startCognitoLocal } from "../helpers/cognito-local.js";
import { type GenerateSecretString, generateLikeSecretsManager } from "../helpers/deployed-template.js";
import { type ApiRequest, HttpApiGateway } from "./api-gateway.js";
import { asyncInvoker } from "./async-invoke.js";
import { installSdkHook, mapSdkCall } from "./aws-calls.js";
import { sharedBundledAssembly } from "./bundled-assembly.js";
import { ShiftedClock } from "./clock.js";
import { emittedMetrics } from "./emf.js";
import { matchesEventPattern } from "./event-pattern.js";
import { FaultInjector } from "./faults.js";
import { currentInvocation, FunctionRunner } from "./functions.js";
import { type Decision, IamEvaluator } from "./iam.js";
import { S3Emulator } from "./s3.js";
import { SES_EVENT_KINDS, type SentMail, sentMailFrom, sesEventFor } from "./ses-mail.js";
import { type BatchOutcome, drainEventSource, type PollerStats, SqsEmulator } from "./sqs.js";
import { readStackModel } from "./stack-model.js";
import { synthQuietly } from "./synth-quietly.js";
import { ResolvedTemplate } from "./template.js";
import {
  ACCOUNT,
  ADMIN,
  type AsyncInvocation,
  type CallRecord,
  REGION,
  type Twin,
  type TwinOptions,
} from "./twin-api.js";

export { ACCOUNT, ADMIN, REGION, type Twin, type TwinOptions } from "./twin-api.js";

/**
 * The deployed-stack twin: `cdk synth` with real bundling, then the bundles run as the template wires
 * them — dynalite tables from the template's table definitions, the embedded SESv2 endpoint, an SQS
 * emulator with the template's queue contract, EventBridge delivery by the template's rule patterns,
 * the HTTP API's routes and authorizers, Lambda's asynchronous invocation with the function's
 * EventInvokeConfig (retries, then the record to its on-failure destination: async-invoke.ts), and
 * IAM: every AWS call a function makes is evaluated against that function's role policies, and
 * refused with AccessDenied when they do not allow it. A case may make AWS answer a function's calls
 * with an error (faults.ts), and read the metrics the bundles emitted (emf.ts).
 *
 *   const twin = await startTwin();
 *   await twin.schedule("DailySchedule");
 *   await twin.drainQueues();
 *   await twin.edition(id);
 *
 * The console's Cognito user pools are cognito-local's (a real Cognito-speaking endpoint, each pool
 * under the id the template resolves it to, with the console's groups: test/helpers/cognito-local.ts).
 *
 * Mocked, since they cannot run here: SQS and Secrets Manager (small local endpoints speaking their
 * JSON protocols), EventBridge and Scheduler delivery, API Gateway, and SES's side of the mail (the
 * events the twin publishes are built from the SES Developer Guide's examples).
 */

function listen(server: Server): Promise<string> {
  return new Promise((resolve) =>
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      resolve(`http://127.0.0.1:${typeof address === "object" && address ? address.port : 0}`);
    }),
  );
}

/** `{{resolve:secretsmanager:<arn>:SecretString:::}}`: a secret's value, resolved at deploy time. */
const DYNAMIC_SECRET = /^\{\{resolve:secretsmanager:(arn:[^}]+?):SecretString:::\}\}$/;
/** The address API Gateway sees for requests CloudFront forwards (one of its edges). */
export const CLOUDFRONT_EDGE_IP = "130.176.88.17";

const accessDenied = (roleName: string, fnName: string, d: Decision) =>
  Object.assign(
    new Error(
      `User: arn:aws:sts::${ACCOUNT}:assumed-role/${roleName}/${fnName} is not authorized to perform: ` +
        `${d.action} on resource: ${d.resource} because no identity-based policy allows the ${d.action} action`,
    ),
    { name: "AccessDeniedException", $fault: "client", $metadata: { httpStatusCode: 400 } },
  );

export async function startTwin(opts: TwinOptions = {}): Promise<Twin> {
  await buildTemplates();
  const timings = { synthMs: 0, loadMs: 0 };
  const dir = await mkdtemp(join(tmpdir(), "digest-twin-"));
  // The run's shared assembly (test/setup/global-setup.ts); without that set-up, one of its own.
  const runDir: string | undefined = inject("bundledAssemblies");
  const ownOutdir = runDir
    ? null
    : fileURLToPath(new URL(`../../cdk.out/twin-${process.pid}-${Date.now()}`, import.meta.url));
  let sqs: SqsEmulator | null = null;
  const stubsSecrets: Record<string, string> = {};
  const resolveDynamicSecret = (value: string) => {
    const arn = DYNAMIC_SECRET.exec(value)?.[1];
    if (!arn) return value;
    const secret = stubsSecrets[arn];
    if (secret === undefined) throw new Error(`a dynamic reference to a secret the template has not: ${arn}`);
    return secret;
  };
  const stubs: AwsStubs = await startAwsStubs(stubsSecrets, {
    send: (url, body) => {
      if (!sqs) throw new Error("a message arrived before the twin was up");
      return sqs.send(url, body);
    },
  });
  let started = performance.now();
  const { outdir, template: synthesized } = runDir
    ? await sharedBundledAssembly(runDir, opts.context ?? {})
    : { outdir: ownOutdir as string, template: synthQuietly(ownOutdir as string, opts.context ?? {}) };
  timings.synthMs = performance.now() - started;
  const template = new ResolvedTemplate(synthesized, {
    stackName: "NewsletterDigest",
    account: ACCOUNT,
    region: REGION,
    sqsEndpoint: stubs.url,
  });
  const model = readStackModel(template);
  const cognito = await startCognitoLocal(
    template.ofType("AWS::Cognito::UserPool").map((id) => template.ref(id)),
  );
  // The twin's day starts at noon UTC of today: its clock skips hours ahead (visibility timeouts), and
  // from real time late in the evening that crossed midnight mid-file, so a case composed the next day.
  const realNow = Date.now();
  const today = new Date(realNow);
  const noon = Date.UTC(today.getUTCFullYear(), today.getUTCMonth(), today.getUTCDate(), 12);
  const clock = new ShiftedClock(noon - realNow);
  sqs = new SqsEmulator(model.queues, clock);
  const queues = sqs;

  // Each generated secret as Secrets Manager would generate it from the template's GenerateSecretString.
  for (const id of template.ofType("AWS::SecretsManager::Secret")) {
    const spec = template.properties(id).GenerateSecretString as GenerateSecretString | undefined;
    if (spec) stubsSecrets[template.ref(id)] = generateLikeSecretsManager(spec);
  }

  const db = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  const dynamodbUrl = await listen(db);
  const client = new DynamoDBClient({
    endpoint: dynamodbUrl,
    region: REGION,
    credentials: { accessKeyId: "twin", secretAccessKey: "twin" },
  });
  for (const table of model.tables) await client.send(new CreateTableCommand(table.create));
  client.destroy();
  const ses = await startSesEndpoint(opts.ses);

  const principals = Object.fromEntries([
    ...Object.values(model.functions).map((f) => [f.key, { arn: f.roleArn, policies: f.policies }] as const),
    ...Object.entries(model.schedules).map(
      ([name, s]) => [`schedule:${name}`, { arn: s.roleArn, policies: s.rolePolicies }] as const,
    ),
  ]);
  const resourcePolicies = new Map<string, unknown>([
    ...model.queues.filter((q) => q.resourcePolicy).map((q) => [q.arn, q.resourcePolicy] as const),
    ...Object.values(model.functions).map((f) => [f.arn, f.resourcePolicy] as const),
  ]);
  // An object's ARN is governed by its bucket's policy (the job bucket's: TLS only).
  const bucketPolicyOf = (arn: string) =>
    model.buckets.find((b) => arn === b.arn || arn.startsWith(`${b.arn}/`))?.policy;
  const iam = new IamEvaluator(
    principals,
    ACCOUNT,
    (arn) => (resourcePolicies.get(arn) ?? bucketPolicyOf(arn)) as never,
  );
  const calls: CallRecord[] = [];
  const mail: SentMail[] = [];
  const failedAsync: AsyncInvocation[] = [];
  const faults = new FaultInjector();
  const taps = new Set<(call: CallRecord) => void>();
  let checkedUpTo = 0;
  const roleName = (arn: string) => arn.slice(arn.lastIndexOf("/") + 1);

  // Each function signs with its own access key, so S3 (which sees only signatures, and presigned
  // URLs made by one function and used by anyone) knows whose rights a request carries.
  const accessKeyOf = (fnKey: string) => `ASIATWIN${fnKey.toUpperCase()}`;
  const s3 = new S3Emulator(REGION, new Set(model.buckets.map((b) => b.name)), {
    credentials: (accessKey) => {
      const fn = Object.values(model.functions).find((f) => accessKeyOf(f.key) === accessKey);
      return fn ? { principal: fn.key, secret: "twin", sessionToken: "twin" } : undefined;
    },
    async authorize(principal, action, resource) {
      const decision = await iam.authorize(principal, { action, resource });
      calls.push({ fn: principal, service: "s3", operation: action.slice(3), decisions: [decision] });
      return decision.allowed;
    },
    now: () => new Date(),
  });
  const s3Url = await s3.start();

  const uninstall = await installSdkHook({
    async before(call) {
      const inv = currentInvocation();
      if (!inv) return; // the test's own calls (seeding, reading back)
      const mapped = mapSdkCall(call, {
        region: REGION,
        account: ACCOUNT,
        queueArn: (u) => queues.queueArnOfUrl(u),
      });
      const decisions: Decision[] = [];
      for (const request of mapped.requests) decisions.push(await iam.authorize(inv.fn.key, request));
      const record: CallRecord = {
        fn: inv.fn.key,
        service: mapped.service,
        operation: mapped.operation,
        decisions,
        input: call.input,
      };
      calls.push(record);
      for (const tap of taps) tap(record);
      const denied = decisions.find((d) => !d.allowed);
      if (denied) throw accessDenied(roleName(inv.fn.roleArn), inv.fn.name, denied);
      const fault = faults.errorFor(
        inv.fn.key,
        mapped.operation,
        mapped.requests.map((r) => r.resource),
      );
      if (fault) {
        record.fault = fault.name;
        throw fault;
      }
    },
    after(call, output) {
      const inv = currentInvocation();
      if (inv && call.clientName === "SESv2Client" && call.commandName === "SendEmailCommand") {
        const sent = sentMailFrom(inv.fn.key, call.input, output as { MessageId?: string });
        if (sent) mail.push(sent);
      }
    },
  });

  const runner = new FunctionRunner(model.functions, outdir, (fn) => ({
    // Secrets Manager dynamic references, as CloudFormation resolves them at deploy time.
    ...Object.fromEntries(
      Object.entries(fn.environment)
        .filter(([, v]) => DYNAMIC_SECRET.test(v))
        .map(([k, v]) => [k, resolveDynamicSecret(v)]),
    ),
    AWS_REGION: REGION,
    AWS_DEFAULT_REGION: REGION,
    AWS_ACCESS_KEY_ID: accessKeyOf(fn.key),
    AWS_SECRET_ACCESS_KEY: "twin",
    AWS_SESSION_TOKEN: "twin",
    AWS_LAMBDA_FUNCTION_NAME: fn.name,
    AWS_LAMBDA_FUNCTION_VERSION: "$LATEST",
    AWS_EXECUTION_ENV: "AWS_Lambda_nodejs24.x",
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true",
    PATH: process.env.PATH ?? "",
    // The local stand-ins for the AWS endpoints (the one thing Lambda does not set).
    AWS_ENDPOINT_URL_DYNAMODB: dynamodbUrl,
    AWS_ENDPOINT_URL_SESV2: ses.url,
    AWS_ENDPOINT_URL_SQS: stubs.url,
    AWS_ENDPOINT_URL_SECRETS_MANAGER: stubs.url,
    AWS_ENDPOINT_URL_S3: s3Url,
    AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER: cognito.url,
    ...opts.functionEnv?.[fn.key],
  }));
  // Before the bundles load: their modules keep references to Date.now.
  const restoreDate = clock.install();
  started = performance.now();
  await runner.load();
  timings.loadMs = performance.now() - started;

  /** Lambda refuses an invocation its resource policy does not allow for that service and source. */
  const checkInvokePermission = async (functionKey: string, service: string, sourceArn: string) => {
    const fn = runner.get(functionKey).model;
    const allowed = await iam.evaluate(
      service,
      [],
      { action: "lambda:InvokeFunction", resource: fn.arn },
      {
        "aws:SourceArn": sourceArn,
        "aws:SourceAccount": ACCOUNT,
      },
    );
    if (!allowed)
      throw new Error(`${service} (${sourceArn}) may not invoke ${functionKey}: no Lambda permission`);
  };

  const invokeAsync = asyncInvoker({ runner, iam, sqs: queues, clock, calls, failed: failedAsync });

  const putEvent = async (event: Record<string, unknown>) => {
    const delivered: AsyncInvocation[] = [];
    for (const rule of model.rules.filter((r) => r.eventBusName === "default")) {
      if (!matchesEventPattern(rule.pattern, event)) continue;
      for (const target of rule.targets) {
        await checkInvokePermission(target, "events.amazonaws.com", rule.arn);
        delivered.push(await invokeAsync(target, event, rule.logicalId));
      }
    }
    return delivered;
  };

  const gateway = model.api
    ? new HttpApiGateway({
        apiId: model.api.id,
        apiArn: model.api.arn,
        stage: model.api.stage,
        account: ACCOUNT,
        region: REGION,
        routes: model.api.routes,
        callerMayInvoke: (principal, arn) =>
          iam.evaluate(
            principal,
            principal === ADMIN
              ? [
                  {
                    name: "invoke-digest-api",
                    document: {
                      Version: "2012-10-17",
                      Statement: [
                        { Effect: "Allow", Action: "execute-api:Invoke", Resource: `${model.api?.arn}/*` },
                      ],
                    },
                  },
                ]
              : [],
            { action: "execute-api:Invoke", resource: arn },
          ),
        invoke: async (key, event, sourceArn) => {
          await checkInvokePermission(key, "apigateway.amazonaws.com", sourceArn);
          return runner.invoke(key, event);
        },
      })
    : null;

  const api = (req: ApiRequest) => {
    if (!gateway) throw new Error("the template has no HTTP API");
    return gateway.request(req);
  };
  /**
   * A reader's request through the CloudFront distribution: what CloudFront adds (its origin headers,
   * the viewer's address), from an edge's address; /admin is forwarded like the rest, the caller's
   * Authorization header with it (the console's calls, infra/cdn.ts).
   */
  const viaDistribution = async (req: ApiRequest & { viewerIp: string }) => {
    const distribution = model.distribution;
    if (!distribution) throw new Error("the template has no CloudFront distribution");
    const { viewerIp, ...rest } = req;
    const added = Object.fromEntries(
      Object.entries(distribution.originHeaders).map(([k, v]) => [k, resolveDynamicSecret(v)]),
    );
    return api({
      ...rest,
      sourceIp: CLOUDFRONT_EDGE_IP,
      headers: { ...req.headers, ...added, "cloudfront-viewer-address": `${viewerIp}:443` },
    });
  };
  // Scripts with AWS credentials sign for the IAM door of the admin routes (infra/http-api.ts).
  const admin = async <T>(method: string, path: string, body?: unknown, contentType = "application/json") => {
    const res = await api({
      method,
      path: `${IAM_ROUTE_PREFIX}${path}`,
      signedBy: ADMIN,
      ...(body === undefined
        ? {}
        : {
            body: typeof body === "string" ? body : JSON.stringify(body),
            headers: { "content-type": contentType },
          }),
    });
    if (res.statusCode >= 300) throw new Error(`${method} ${path} → ${res.statusCode} ${res.body}`);
    return JSON.parse(res.body) as T;
  };

  const cliEnv = async () => {
    const env: NodeJS.ProcessEnv = {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true",
      DIGEST_HOME: join(dir, "home"),
      DIGEST_OUTBOX: join(dir, "out"),
      DIGEST_CONFIG: join(dir, "config.json"),
      AWS_ENDPOINT_URL_DYNAMODB: dynamodbUrl,
      AWS_ENDPOINT_URL_SESV2: ses.url,
      AWS_REGION: REGION,
      AWS_ACCESS_KEY_ID: "operator",
      AWS_SECRET_ACCESS_KEY: "operator",
    };
    // The operator's CLI on the deployed tables: the table names the template gives the functions.
    for (const [k, v] of Object.entries(runner.get("api").model.environment))
      if (k.startsWith("DIGEST_TABLE_")) env[k] = v;
    await writeFile(env.DIGEST_CONFIG as string, "{}");
    return env;
  };

  return {
    timings,
    template,
    model,
    functions: runner,
    sqs: queues,
    s3,
    clock,
    ses,
    cognito,
    iam,
    calls,
    mail,
    failedAsync,
    invoke: (key, event) => runner.invoke(key, event),
    invokeAsync: (key, event, source = "operator") => invokeAsync(key, event, source),
    injectFault: (fault) => faults.add(fault),
    onCall(tap) {
      taps.add(tap);
      return () => taps.delete(tap);
    },
    emittedMetrics: () =>
      emittedMetrics(
        Object.fromEntries(Object.keys(runner.functions).map((key) => [key, runner.logLines(key)])),
      ),
    async schedule(name) {
      const schedule = model.schedules[name];
      if (!schedule)
        throw new Error(`no schedule ${name} (the template has ${Object.keys(model.schedules).join(", ")})`);
      const fn = runner.get(schedule.functionKey).model;
      // The scheduler assumes the schedule's role and needs lambda:InvokeFunction from it.
      const decision = await iam.authorize(`schedule:${name}`, {
        action: "lambda:InvokeFunction",
        resource: fn.arn,
      });
      if (!decision.allowed) throw new Error(`schedule ${name}'s role may not invoke ${fn.key}`);
      return invokeAsync(schedule.functionKey, schedule.input, name);
    },
    async drainQueues() {
      const stats: Record<string, PollerStats> = {};
      for (const mapping of model.eventSources) {
        const fn = runner.get(mapping.functionKey).model;
        stats[mapping.queueArn] = await drainEventSource(
          queues,
          mapping,
          REGION,
          async (event): Promise<BatchOutcome> => {
            try {
              return { ok: true, value: await runner.invoke(mapping.functionKey, event) };
            } catch (error) {
              return { ok: false, error };
            }
          },
          async (action) => {
            // Lambda polls with the function's execution role.
            const d = await iam.authorize(fn.key, { action: `sqs:${action}`, resource: mapping.queueArn });
            if (!d.allowed) throw accessDenied(roleName(fn.roleArn), `${fn.name} (event source mapping)`, d);
          },
        );
      }
      return stats;
    },
    async sesEvent(sent, kind, eventOpts = {}) {
      const type = SES_EVENT_KINDS[kind].destinationType;
      const destination = model.sesDestinations.find(
        (d) => d.configurationSet === sent.configurationSet && d.enabled && d.eventTypes.includes(type),
      );
      // No configuration set, or no destination taking this type: SES publishes nothing.
      if (!destination?.eventBusArn?.endsWith(":event-bus/default"))
        return { published: false, delivered: [] };
      const sender = runner.get(sent.sentBy).model;
      const event = sesEventFor(sent, kind, {
        account: ACCOUNT,
        region: REGION,
        callerIdentity: roleName(sender.roleArn),
        ...eventOpts,
      });
      return { published: true, delivered: await putEvent(event) };
    },
    putEvent,
    api,
    viaDistribution,
    admin,
    secretValue(arn) {
      const value = stubsSecrets[arn];
      if (value === undefined) throw new Error(`no secret ${arn}`);
      return value;
    },
    edition: (id) => admin<Record<string, unknown>>("GET", `/admin/editions/${encodeURIComponent(id)}`),
    async digest(args) {
      let out = "";
      let err = "";
      const io: Io = {
        out: (line) => {
          out += `${line}\n`;
        },
        err: (line) => {
          err += `${line}\n`;
        },
        interactive: false,
      };
      const code = await digestCli(args, io, await cliEnv());
      return { code, out, err };
    },
    unusedGrants: () =>
      Object.fromEntries(Object.keys(model.functions).map((key) => [key, iam.unusedGrants(key)])),
    assertNoAccessDenied() {
      // Each refusal is reported once, by the first check after it.
      const denied = iam.denials(checkedUpTo);
      checkedUpTo = iam.decisions.length;
      if (denied.length) {
        throw new Error(
          `AWS calls refused by the template's IAM:\n${denied
            .map((d) => `  ${d.principal}: ${d.action} on ${d.resource}`)
            .join("\n")}`,
        );
      }
    },
    async close() {
      uninstall();
      restoreDate();
      runner.close();
      await ses.close();
      await stubs.close();
      await s3.close();
      await cognito.close();
      await new Promise<void>((r) => db.close(() => r()));
      await rm(dir, { recursive: true, force: true });
      if (ownOutdir) await rm(ownOutdir, { recursive: true, force: true });
    },
  };
}

import { randomBytes } from "node:crypto";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { resolve } from "node:path";
import { SecretsProvider } from "@aws-lambda-powertools/parameters/secrets";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import type { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { CognitoMemberDirectory } from "../adapters/cognito-member-directory.js";
import { DynamoAuditLog } from "../adapters/dynamo/audit-log.js";
import { documentClientOver } from "../adapters/dynamo/client.js";
import { createTables } from "../adapters/dynamo/create-tables.js";
import { DynamoRateLimitStore } from "../adapters/dynamo/rate-limit-store.js";
import { dynamoStores } from "../adapters/dynamo/stores.js";
import { DynamoTeamStore } from "../adapters/dynamo/team-store.js";
import { LocalQueue } from "../adapters/local-queue.js";
import { FolderOutbox } from "../adapters/outbox.js";
import { type TableName, type TableNames, tableNamesFromEnv } from "../adapters/schema.js";
import {
  erasureKeyFromSecret,
  erasureKeyFromVariable,
  parseTokenKeys,
  signingKeysFromSecret,
} from "../adapters/secret-keys.js";
import { SesMailer } from "../adapters/ses-mailer.js";
import { withApprovedSending } from "../core/delivery/approved-send.js";
import type { QueueRunDeps } from "../core/delivery/queue-run.js";
import { withEditionResending } from "../core/delivery/resend-failed.js";
import { tokenBucketPacer } from "../core/delivery/token-bucket.js";
import { rerenderIfStale } from "../core/edition/edition-rerender.js";
import { createRenderer } from "../core/edition/render.js";
import { type ApiContext, apiContextFrom } from "../core/http/context.js";
import { CONFIG_ENV, type DigestConfig, parseConfig } from "../core/kernel/config.js";
import type { SigningKey } from "../core/subscribers/tokens.js";
import { createTransactionalMail } from "../core/subscribers/transactional.js";
import { type MemberDirectory, NO_MEMBER_DIRECTORY } from "../core/team/member-directory.js";
import type { AuditLog, TeamStore } from "../core/team/ports.js";
import { CommandError } from "./cli-support.js";
import { readConfigFile as readConfigFileAt } from "./config-file.js";
import { ignoredUnderAws, readDeployedStack } from "./deployed-stack.js";
import { configuredEndpoint } from "./endpoints.js";
import { type LocalJobs, localJobs } from "./local-jobs.js";
import { openEmbeddedServices } from "./services.js";
import { loadTemplateSpec } from "./template-loader.js";

/**
 * Wires the core to real adapters for a `digest` process: embedded services unless an endpoint is
 * configured (AWS_ENDPOINT_URL_DYNAMODB / AWS_ENDPOINT_URL_SESV2) or `aws` is set (the deployed stack
 * on real AWS, see deployed-stack.ts).
 */

export interface RuntimeOptions {
  env?: NodeJS.ProcessEnv;
  /** Real AWS: the SDK's own endpoint, region and credential resolution; no embedded services. */
  aws?: boolean;
  /**
   * The process ends when this runtime closes (a `digest` command, bin/digest.js): on another
   * process's embedded services it counts as their user until it has exited (services.ts, untilExit).
   */
  untilExit?: boolean;
}

export interface Runtime {
  home: string;
  outboxRoot: string | null;
  config: DigestConfig;
  tables: TableNames;
  dynamo: DynamoDBClient;
  db: DynamoDBDocumentClient;
  mailer: SesMailer;
  /** Tables this process created on the embedded database (a fresh data directory). */
  createdTables: TableName[];
  /** True when DIGEST_PUBLIC_BASE_URL or the config file names the public base URL (or under --aws). */
  publicBaseUrlConfigured: boolean;
  /** True under --aws: the deployed stack's tables, settings and key. */
  aws: boolean;
  /** What the user should know about how this runtime was set up (printed on stderr). */
  notices: string[];
  deps(): Promise<QueueRunDeps>;
  apiContext(): Promise<ApiContext>;
  /** The admin team: members, personal API tokens, sign-in codes. */
  team(): TeamStore;
  /** The audit log every admin write is recorded in. */
  auditLog(): AuditLog;
  /**
   * Where members sign in: under --aws the deployed console's Cognito user pool (the UserPoolId
   * output); locally nothing (the local owner's sign-in link, personal tokens).
   */
  memberDirectory(): MemberDirectory;
  keys(): Promise<SigningKey[]>;
  /** The key erased addresses are hashed with on the suppression list (loaded once). */
  erasureKey(): Promise<Uint8Array>;
  close(): Promise<void>;
}

export const digestHome = (env: NodeJS.ProcessEnv = process.env) => resolve(env.DIGEST_HOME || ".digest");
export const outboxRoot = (env: NodeJS.ProcessEnv = process.env) => resolve(env.DIGEST_OUTBOX || "out");

/** The digest's settings in the config file: $DIGEST_CONFIG, else ./digest.config.json when present. */
export async function readConfigFile(env: NodeJS.ProcessEnv): Promise<Record<string, unknown>> {
  return readConfigFileAt(env.DIGEST_CONFIG).settings;
}

/** Local configuration: defaults, then the config file, then DIGEST_* variables. */
export async function loadConfig(env: NodeJS.ProcessEnv = process.env): Promise<DigestConfig> {
  return parseConfig(await readConfigFile(env), env);
}

/**
 * Signing keys: DIGEST_TOKEN_KEYS when set (deployed: from Secrets Manager); locally a key generated
 * once and kept in the data directory, so links in sent mail stay valid across runs.
 */
export async function loadSigningKeys(
  home: string,
  env: NodeJS.ProcessEnv = process.env,
): Promise<SigningKey[]> {
  if (env.DIGEST_TOKEN_KEYS) return parseTokenKeys(env.DIGEST_TOKEN_KEYS);
  const file = resolve(home, "token-keys");
  try {
    return parseTokenKeys(await readFile(file, "utf8"));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw err;
  }
  await mkdir(home, { recursive: true });
  const text = `k1:${randomBytes(32).toString("base64")}`;
  try {
    await writeFile(file, `${text}\n`, { flag: "wx", mode: 0o600 });
  } catch (err) {
    // Another process created it first: use theirs.
    if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
    return parseTokenKeys(await readFile(file, "utf8"));
  }
  return parseTokenKeys(text);
}

/**
 * The key erased addresses are hashed with (HMAC-SHA256): DIGEST_ERASURE_KEY (base64) when set, else
 * 32 random bytes generated once into the data directory (`erasure-key`, owner-only), like the token
 * keys. Losing it means erased addresses are no longer recognised: keep it with the data.
 */
export async function loadErasureKey(home: string, env: NodeJS.ProcessEnv = process.env): Promise<Buffer> {
  const fromVariable = erasureKeyFromVariable(env);
  if (fromVariable) return fromVariable;
  const file = resolve(home, "erasure-key");
  const read = async () => {
    const key = Buffer.from((await readFile(file, "utf8")).trim(), "base64");
    if (key.length < 32) throw new Error(`${file} does not hold a key (32 bytes, base64)`);
    return key;
  };
  try {
    return await read();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw err;
  }
  await mkdir(home, { recursive: true });
  const key = randomBytes(32);
  try {
    await writeFile(file, `${key.toString("base64")}\n`, { flag: "wx", mode: 0o600 });
  } catch (err) {
    // Another process created it first: use theirs.
    if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
    return read();
  }
  return key;
}

const LOCAL_CREDENTIALS = { accessKeyId: "local", secretAccessKey: "local" };

export async function openRuntime(opts: RuntimeOptions = {}): Promise<Runtime> {
  const env = opts.env ?? process.env;
  const home = digestHome(env);
  const notices: string[] = [];
  // --aws: the deployed stack's settings, tables and key, as its functions have them; locally the
  // config file and DIGEST_* variables.
  const deployed = opts.aws ? await readDeployedStack(env) : null;
  let config: DigestConfig;
  let tables: TableNames;
  let publicBaseUrlConfigured: boolean;
  if (deployed) {
    config = parseConfig({}, deployed.runtimeEnv);
    tables = deployed.tables;
    publicBaseUrlConfigured = true;
    const ignored = ignoredUnderAws(env);
    if (ignored.length > 0) {
      notices.push(`--aws uses the deployed stack's settings; ignoring ${ignored.join(", ")}`);
    }
  } else {
    const settings = await readConfigFile(env);
    config = parseConfig(settings, env);
    tables = tableNamesFromEnv(env);
    publicBaseUrlConfigured = Boolean(env[CONFIG_ENV.publicBaseUrl]) || settings.publicBaseUrl !== undefined;
  }
  // A configured endpoint wins for its own service; only the others are embedded.
  const dynamoEndpoint = configuredEndpoint(env, "dynamodb");
  const sesEndpoint = configuredEndpoint(env, "sesv2");
  const services = await openEmbeddedServices(
    home,
    { dynamodb: !opts.aws && !dynamoEndpoint, sesv2: !opts.aws && !sesEndpoint },
    { untilExit: opts.untilExit },
  );
  const region =
    env.AWS_REGION || env.AWS_DEFAULT_REGION || (deployed ? (deployed.region ?? undefined) : "us-east-1");
  // Credentials from `env` when it names them (it may not be process.env); else the SDK's own chain,
  // or placeholders for local endpoints that accept any signature.
  const configured =
    env.AWS_ACCESS_KEY_ID && env.AWS_SECRET_ACCESS_KEY
      ? {
          accessKeyId: env.AWS_ACCESS_KEY_ID,
          secretAccessKey: env.AWS_SECRET_ACCESS_KEY,
          sessionToken: env.AWS_SESSION_TOKEN,
        }
      : !opts.aws && !env.AWS_PROFILE
        ? LOCAL_CREDENTIALS
        : undefined;
  /** An embedded service answers only its data directory's own credential; any other, the configured one. */
  const client = (configuredUrl: string | null, embeddedUrl: string | null) =>
    configuredUrl === null && embeddedUrl !== null
      ? { region, endpoint: embeddedUrl, credentials: services.credentials ?? undefined }
      : { region, endpoint: configuredUrl ?? undefined, credentials: configured };
  const dynamo = new DynamoDBClient({
    ...client(dynamoEndpoint, services.endpoints.dynamodb),
    maxAttempts: 5,
  });
  const db = documentClientOver(dynamo);
  // The embedded database is ours: create what is missing, so every command works on a fresh data dir.
  const createdTables =
    dynamoEndpoint === null && services.endpoints.dynamodb ? await createTables(dynamo, tables) : [];
  const mailer = new SesMailer(client(sesEndpoint, services.endpoints.sesv2), {
    configurationSet: config.configurationSet,
  });
  const outbox = opts.aws ? null : outboxRoot(env);
  let keys: SigningKey[] | null = null;
  let jobs: LocalJobs | null = null;
  let erasureKey: Promise<Uint8Array> | null = null;
  let directory: CognitoMemberDirectory | null = null;
  // Deployed secrets are read through the endpoint and credentials of this environment.
  const secretsProvider = () =>
    new SecretsProvider({ clientConfig: client(configuredEndpoint(env, "secretsmanager"), null) });
  const runtime: Runtime = {
    home,
    outboxRoot: outbox,
    config,
    createdTables,
    publicBaseUrlConfigured,
    notices,
    aws: deployed !== null,
    tables,
    dynamo,
    db,
    mailer,
    async keys() {
      // Deployed: the stack's secret, so links the CLI sends verify in the deployed API.
      keys ??= deployed
        ? await signingKeysFromSecret(deployed.tokenSecretArn, secretsProvider())
        : await loadSigningKeys(home, env);
      return keys;
    },
    erasureKey() {
      // Deployed: the stack's key, so erasures made here and there match each other.
      erasureKey ??= (
        deployed
          ? erasureKeyFromSecret(deployed.erasureSecretArn, secretsProvider())
          : loadErasureKey(home, env)
      ).catch((err: unknown) => {
        erasureKey = null;
        throw err;
      });
      return erasureKey;
    },
    async deps() {
      const renderer = createRenderer(await loadTemplateSpec());
      return {
        config,
        ...dynamoStores(db, tables, () => runtime.erasureKey()),
        mailer,
        outbox: outbox ? new FolderOutbox(outbox) : null,
        renderer,
        keys: await runtime.keys(),
        createPacer: (rate) => tokenBucketPacer(rate),
        inProcessQueue: (opts) => new LocalQueue(opts),
      };
    },
    team: () => new DynamoTeamStore(db, tables.team),
    auditLog: () => new DynamoAuditLog(db, tables.audit),
    memberDirectory() {
      if (!deployed) return NO_MEMBER_DIRECTORY;
      if (!deployed.userPoolId)
        throw new CommandError(
          'the stack outputs name no UserPoolId (a stack from before the admin console): run "npm run deploy" again',
        );
      directory ??= new CognitoMemberDirectory(deployed.userPoolId, {
        ...client(configuredEndpoint(env, "cognito-identity-provider"), null),
        maxAttempts: 5,
      });
      return directory;
    },
    async apiContext() {
      const deps = await runtime.deps();
      const ctx = apiContextFrom(
        { ...deps, limits: new DynamoRateLimitStore(db, tables.limits) },
        createTransactionalMail({ config, mailer, outbox: deps.outbox, keys: deps.keys }),
      );
      ctx.team = runtime.team();
      ctx.audit = runtime.auditLog();
      // This process has the renderer: a corrected edition's copy is rendered again at once.
      ctx.rerenderEdition = (editionId) => rerenderIfStale(deps, editionId);
      if (deployed?.userPoolId) ctx.directory = runtime.memberDirectory();
      // Import and export jobs run in this process, their files under the outbox (not under --aws).
      if (outbox) {
        jobs = localJobs(
          db,
          tables,
          outbox,
          async () => ctx,
          (id, err) => notices.push(`job ${id} failed: ${(err as Error).message ?? err}`),
        );
        ctx.jobs = jobs;
      }
      // POST /admin/editions/{id}/resend-failed sends from this process, like the CLI.
      // An approved edition (POST /admin/editions/{id}/approve) is sent from this process too.
      return withApprovedSending(withEditionResending(ctx, deps), deps);
    },
    async close() {
      await jobs?.idle();
      db.destroy();
      mailer.client.destroy();
      directory?.client.destroy();
      await services.close();
    },
  };
  return runtime;
}

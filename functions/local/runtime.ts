import { randomBytes } from "node:crypto";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { resolve } from "node:path";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import type { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { documentClientOver } from "../adapters/dynamo/client.js";
import { createTables } from "../adapters/dynamo/create-tables.js";
import { dynamoStores } from "../adapters/dynamo/stores.js";
import { FolderOutbox } from "../adapters/outbox.js";
import { TABLE_ENV, type TableName, type TableNames, tableNamesFromEnv } from "../adapters/schema.js";
import { erasureKeyFromEnv, erasureKeyFromVariable, signingKeysFromEnv } from "../adapters/secret-keys.js";
import { SesMailer } from "../adapters/ses-mailer.js";
import { type ApiContext, apiContextFrom } from "../core/api/context.js";
import { CONFIG_ENV, type DigestConfig, parseConfig } from "../core/config.js";
import { createRenderer } from "../core/render.js";
import { withEditionResending } from "../core/resend-failed.js";
import type { EditionDeps } from "../core/send-edition.js";
import { tokenBucketPacer } from "../core/token-bucket.js";
import { parseSigningKeys, type SigningKey } from "../core/tokens.js";
import { createTransactionalMail } from "../core/transactional.js";
import { ERASURE_SECRET_ENV, TOKEN_SECRET_ENV } from "../handlers/env.js";
import { openEmbeddedServices } from "./services.js";
import { loadTemplateSpec } from "./template-loader.js";

/**
 * Wires the core to real adapters for a `digest` process: embedded services unless an endpoint is
 * configured (AWS_ENDPOINT_URL_DYNAMODB / AWS_ENDPOINT_URL_SESV2) or `aws` is set (real AWS).
 */

export interface RuntimeOptions {
  env?: NodeJS.ProcessEnv;
  /** Real AWS: the SDK's own endpoint, region and credential resolution; no embedded services. */
  aws?: boolean;
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
  /** True when DIGEST_PUBLIC_BASE_URL or the config file names the public base URL. */
  publicBaseUrlConfigured: boolean;
  deps(): Promise<EditionDeps>;
  apiContext(): Promise<ApiContext>;
  keys(): Promise<SigningKey[]>;
  /** The key erased addresses are hashed with on the suppression list (loaded once). */
  erasureKey(): Promise<Uint8Array>;
  close(): Promise<void>;
}

export const digestHome = (env: NodeJS.ProcessEnv = process.env) => resolve(env.DIGEST_HOME || ".digest");
export const outboxRoot = (env: NodeJS.ProcessEnv = process.env) => resolve(env.DIGEST_OUTBOX || "out");

/** Reads the optional JSON config file: $DIGEST_CONFIG, else ./digest.config.json when present. */
export async function readConfigFile(env: NodeJS.ProcessEnv): Promise<Record<string, unknown>> {
  const path = env.DIGEST_CONFIG ? resolve(env.DIGEST_CONFIG) : resolve("digest.config.json");
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT" && !env.DIGEST_CONFIG) return {};
    throw new Error(`cannot read config file ${path}: ${(err as Error).message}`);
  }
  try {
    return JSON.parse(text) as Record<string, unknown>;
  } catch (err) {
    throw new Error(`config file ${path} is not valid JSON: ${(err as Error).message}`);
  }
}

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
  if (env.DIGEST_TOKEN_KEYS) return parseSigningKeys(env.DIGEST_TOKEN_KEYS);
  const file = resolve(home, "token-keys");
  try {
    return parseSigningKeys((await readFile(file, "utf8")).trim());
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
    return parseSigningKeys((await readFile(file, "utf8")).trim());
  }
  return parseSigningKeys(text);
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

/**
 * `--aws`: the deployed stack's outputs (written by `npm run deploy` to cdk-outputs.json) fill in the
 * table names, secret, configuration set and public URL, unless the environment already sets them.
 */
export async function deployedStackEnv(env: NodeJS.ProcessEnv): Promise<NodeJS.ProcessEnv> {
  const file = resolve(env.DIGEST_STACK_OUTPUTS || "cdk-outputs.json");
  let outputs: Record<string, string>;
  try {
    const all = JSON.parse(await readFile(file, "utf8")) as Record<string, Record<string, string>>;
    outputs = Object.values(all)[0] ?? {};
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return env;
    throw new Error(`cannot read the stack outputs in ${file}: ${(err as Error).message}`);
  }
  const fromOutputs: Record<string, string | undefined> = {
    [TOKEN_SECRET_ENV]: outputs.TokenSecretArn,
    [ERASURE_SECRET_ENV]: outputs.ErasureSecretArn,
    [CONFIG_ENV.configurationSet]: outputs.ConfigurationSetName,
    [CONFIG_ENV.publicBaseUrl]: outputs.ApiUrl,
  };
  for (const name of Object.keys(TABLE_ENV) as TableName[]) {
    fromOutputs[TABLE_ENV[name]] = outputs[`${name[0]?.toUpperCase()}${name.slice(1)}TableName`];
  }
  const merged: NodeJS.ProcessEnv = { ...env };
  for (const [key, value] of Object.entries(fromOutputs)) if (value && !merged[key]) merged[key] = value;
  return merged;
}

export async function openRuntime(opts: RuntimeOptions = {}): Promise<Runtime> {
  const env = opts.aws ? await deployedStackEnv(opts.env ?? process.env) : (opts.env ?? process.env);
  const home = digestHome(env);
  const configFile = await readConfigFile(env);
  const config = parseConfig(configFile, env);
  const dynamoEndpoint = env.AWS_ENDPOINT_URL_DYNAMODB || env.AWS_ENDPOINT_URL || null;
  const sesEndpoint = env.AWS_ENDPOINT_URL_SESV2 || env.AWS_ENDPOINT_URL || null;
  const services = await openEmbeddedServices(home, {
    dynamodb: !opts.aws && !dynamoEndpoint,
    sesv2: !opts.aws && !sesEndpoint,
  });
  const region = env.AWS_REGION || env.AWS_DEFAULT_REGION || (opts.aws ? undefined : "us-east-1");
  // Local endpoints accept any signature; use placeholder credentials unless real ones are configured.
  // Credentials from `env` when it names them (it may not be process.env); else the SDK's own chain.
  const credentials =
    env.AWS_ACCESS_KEY_ID && env.AWS_SECRET_ACCESS_KEY
      ? {
          accessKeyId: env.AWS_ACCESS_KEY_ID,
          secretAccessKey: env.AWS_SECRET_ACCESS_KEY,
          sessionToken: env.AWS_SESSION_TOKEN,
        }
      : !opts.aws && !env.AWS_PROFILE
        ? LOCAL_CREDENTIALS
        : undefined;
  const dynamo = new DynamoDBClient({
    region,
    credentials,
    maxAttempts: 5,
    endpoint: services.endpoints.dynamodb ?? dynamoEndpoint ?? undefined,
  });
  const db = documentClientOver(dynamo);
  const tables = tableNamesFromEnv(env);
  // The embedded database is ours: create what is missing, so every command works on a fresh data dir.
  const createdTables = services.endpoints.dynamodb ? await createTables(dynamo, tables) : [];
  const mailer = new SesMailer(
    { region, credentials, endpoint: services.endpoints.sesv2 ?? sesEndpoint ?? undefined },
    { configurationSet: config.configurationSet },
  );
  const outbox = opts.aws ? null : outboxRoot(env);
  let keys: SigningKey[] | null = null;
  let erasureKey: Promise<Uint8Array> | null = null;
  const runtime: Runtime = {
    home,
    outboxRoot: outbox,
    config,
    createdTables,
    publicBaseUrlConfigured: Boolean(env.DIGEST_PUBLIC_BASE_URL) || configFile.publicBaseUrl !== undefined,
    tables,
    dynamo,
    db,
    mailer,
    async keys() {
      // Deployed: the stack's key, so links the CLI sends verify in the deployed API.
      keys ??= (opts.aws ? await signingKeysFromEnv(env) : null) ?? (await loadSigningKeys(home, env));
      return keys;
    },
    erasureKey() {
      // Deployed: the stack's key, so erasures made here and there match each other.
      erasureKey ??= (opts.aws ? erasureKeyFromEnv(env) : loadErasureKey(home, env)).catch((err: unknown) => {
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
      };
    },
    async apiContext() {
      const deps = await runtime.deps();
      const ctx = apiContextFrom(
        deps,
        createTransactionalMail({ config, mailer, outbox: deps.outbox, keys: deps.keys }),
      );
      // POST /admin/editions/{id}/resend-failed sends from this process, like the CLI.
      return withEditionResending(ctx, deps);
    },
    async close() {
      db.destroy();
      mailer.client.destroy();
      await services.close();
    },
  };
  return runtime;
}

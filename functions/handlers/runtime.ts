import { Logger } from "@aws-lambda-powertools/logger";
import { getSecret } from "@aws-lambda-powertools/parameters/secrets";
// Bundled by esbuild: the template was compiled from MJML at build time; mjml never loads in Lambda.
import { spec } from "../../templates/build/digest.js";
import { createDocumentClient } from "../adapters/dynamo/client.js";
import { DynamoEditionStore } from "../adapters/dynamo/edition-store.js";
import { DynamoSendLedger } from "../adapters/dynamo/send-ledger.js";
import { DynamoStoryStore } from "../adapters/dynamo/story-store.js";
import { DynamoSubscriberStore } from "../adapters/dynamo/subscriber-store.js";
import { DynamoSuppressionStore } from "../adapters/dynamo/suppression-store.js";
import { tableNamesFromEnv } from "../adapters/schema.js";
import { SesMailer } from "../adapters/ses-mailer.js";
import type { ApiContext } from "../core/api/context.js";
import { parseConfig } from "../core/config.js";
import { createRenderer } from "../core/render.js";
import type { EditionDeps } from "../core/send-edition.js";
import { tokenBucketPacer } from "../core/token-bucket.js";
import { type SigningKey, parseSigningKeys } from "../core/tokens.js";
import { createTransactionalMail } from "../core/transactional.js";
import { SEND_RATE_ENV, TOKEN_SECRET_ENV } from "./env.js";

/**
 * The Lambda side of the wiring: configuration and table names from the environment the stack sets,
 * AWS SDK clients with their standard resolution (region, credentials, AWS_ENDPOINT_URL_*).
 * Built once per container and reused across invocations.
 */

export const logger = new Logger({ serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? "digest" });

/**
 * The signing keys: DIGEST_TOKEN_KEYS when set ("keyId:base64[,…]"), else the Secrets Manager secret
 * the stack generated (cached by Powertools). A generated secret is a random string used as the key.
 */
export async function loadSigningKeys(env: NodeJS.ProcessEnv = process.env): Promise<SigningKey[]> {
  if (env.DIGEST_TOKEN_KEYS) return parseSigningKeys(env.DIGEST_TOKEN_KEYS);
  const arn = env[TOKEN_SECRET_ENV];
  if (!arn) throw new Error(`neither DIGEST_TOKEN_KEYS nor ${TOKEN_SECRET_ENV} is set: links cannot be signed`);
  const value = await getSecret<string>(arn, { maxAge: 300 });
  if (!value) throw new Error(`secret ${arn} is empty`);
  return /^[\w-]+:[A-Za-z0-9+/=]+(,|$)/.test(value)
    ? parseSigningKeys(value)
    : [{ id: "s1", secret: Buffer.from(value, "utf8") }];
}

let cached: Promise<EditionDeps> | null = null;
let cachedApi: Promise<ApiContext> | null = null;

async function buildDeps(env: NodeJS.ProcessEnv): Promise<EditionDeps> {
  const config = parseConfig({}, env);
  const db = createDocumentClient();
  const tables = tableNamesFromEnv(env);
  const ratePerFunction = Number(env[SEND_RATE_ENV]);
  return {
    config,
    stories: new DynamoStoryStore(db, tables.stories),
    subscribers: new DynamoSubscriberStore(db, tables.subscribers),
    suppressions: new DynamoSuppressionStore(db, tables.suppressions),
    editions: new DynamoEditionStore(db, tables.editions),
    ledger: new DynamoSendLedger(db, tables.sends),
    mailer: new SesMailer({}, { configurationSet: config.configurationSet }),
    outbox: null,
    renderer: createRenderer(spec),
    keys: await loadSigningKeys(env),
    // The fleet's share of the account rate (set by the stack), never more than GetAccount says.
    createPacer: (rate) => tokenBucketPacer(ratePerFunction > 0 ? Math.min(rate, ratePerFunction) : rate),
  };
}

export function lambdaDeps(env: NodeJS.ProcessEnv = process.env): Promise<EditionDeps> {
  cached ??= buildDeps(env).catch((err) => {
    cached = null;
    throw err;
  });
  return cached;
}

/** The API's context over the same adapters (transactional mail through SES, no outbox). */
export function lambdaApiContext(env: NodeJS.ProcessEnv = process.env): Promise<ApiContext> {
  cachedApi ??= lambdaDeps(env).then((deps) => ({
    config: deps.config,
    subscribers: deps.subscribers,
    suppressions: deps.suppressions,
    editions: deps.editions,
    ledger: deps.ledger,
    stories: deps.stories,
    keys: deps.keys,
    mail: createTransactionalMail({ config: deps.config, mailer: deps.mailer, outbox: null, keys: deps.keys }),
    clock: () => new Date(),
  }));
  return cachedApi;
}

import { Logger } from "@aws-lambda-powertools/logger";
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
import { parseSigningKeys } from "../core/tokens.js";
import { createTransactionalMail } from "../core/transactional.js";

/**
 * The Lambda side of the wiring: configuration and table names from the environment the stack sets,
 * AWS SDK clients with their standard resolution (region, credentials, AWS_ENDPOINT_URL_*).
 * Built once per container and reused across invocations.
 */

export const logger = new Logger({ serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? "digest" });

let cached: EditionDeps | null = null;
let cachedApi: ApiContext | null = null;

export function lambdaDeps(env: NodeJS.ProcessEnv = process.env): EditionDeps {
  if (cached) return cached;
  const config = parseConfig({}, env);
  if (!env.DIGEST_TOKEN_KEYS) throw new Error("DIGEST_TOKEN_KEYS is not set: links cannot be signed");
  const db = createDocumentClient();
  const tables = tableNamesFromEnv(env);
  cached = {
    config,
    stories: new DynamoStoryStore(db, tables.stories),
    subscribers: new DynamoSubscriberStore(db, tables.subscribers),
    suppressions: new DynamoSuppressionStore(db, tables.suppressions),
    editions: new DynamoEditionStore(db, tables.editions),
    ledger: new DynamoSendLedger(db, tables.sends),
    mailer: new SesMailer({}, { configurationSet: config.configurationSet }),
    outbox: null,
    renderer: createRenderer(spec),
    keys: parseSigningKeys(env.DIGEST_TOKEN_KEYS),
    createPacer: (rate) => tokenBucketPacer(rate),
  };
  return cached;
}

/** The API's context over the same adapters (transactional mail through SES, no outbox). */
export function lambdaApiContext(env: NodeJS.ProcessEnv = process.env): ApiContext {
  if (cachedApi) return cachedApi;
  const deps = lambdaDeps(env);
  cachedApi = {
    config: deps.config,
    subscribers: deps.subscribers,
    suppressions: deps.suppressions,
    editions: deps.editions,
    ledger: deps.ledger,
    stories: deps.stories,
    keys: deps.keys,
    mail: createTransactionalMail({ config: deps.config, mailer: deps.mailer, outbox: null, keys: deps.keys }),
    clock: () => new Date(),
  };
  return cachedApi;
}

// Bundled by esbuild: the template was compiled from MJML at build time; mjml never loads in Lambda.

import type { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { spec } from "../../templates/build/digest.js";
import { DynamoAuditLog } from "../adapters/dynamo/audit-log.js";
import { createDocumentClient } from "../adapters/dynamo/client.js";
import { DynamoFeedStore } from "../adapters/dynamo/feed-store.js";
import { DynamoJobStore } from "../adapters/dynamo/job-store.js";
import { DynamoRateLimitStore } from "../adapters/dynamo/rate-limit-store.js";
import { dynamoStores } from "../adapters/dynamo/stores.js";
import { DynamoTeamStore } from "../adapters/dynamo/team-store.js";
import { S3FileStore } from "../adapters/s3-file-store.js";
import { tableNamesFromEnv } from "../adapters/schema.js";
import { erasureKeyFromEnv, signingKeysFromEnv } from "../adapters/secret-keys.js";
import { SesMailer } from "../adapters/ses-mailer.js";
import { SqsJobStarter } from "../adapters/sqs-job-starter.js";
import type { EditionDeps } from "../core/delivery/edition-sender.js";
import { fleetShareRate } from "../core/delivery/send-quota.js";
import { tokenBucketPacer } from "../core/delivery/token-bucket.js";
import { createRenderer } from "../core/edition/render.js";
import { type ApiContext, apiContextFrom } from "../core/http/context.js";
import type { JobDeps } from "../core/jobs/jobs.js";
import { parseConfig } from "../core/kernel/config.js";
import type { SigningKey } from "../core/subscribers/tokens.js";
import { createTransactionalMail } from "../core/subscribers/transactional.js";
import {
  JOB_BUCKET_ENV,
  JOB_QUEUE_ENV,
  SEND_FLEET_SIZE_ENV,
  SEND_HOUR_ENV,
  SEND_RATE_ENV,
  TOKEN_SECRET_ENV,
} from "./env.js";
import { createLogger } from "./logging.js";
import { LOG_ALERT_METRICS } from "./metric-names.js";
import { countingThrottles } from "./metrics.js";

/**
 * The Lambda side of the wiring: configuration and table names from the environment the stack sets,
 * AWS SDK clients with their standard resolution (region, credentials, AWS_ENDPOINT_URL_*).
 * Built once per container and reused across invocations.
 */

export const logger = createLogger();
/** The functions' EMF metrics (one instance per container; see ./metrics.ts). */
export { metrics } from "./metrics.js";

/**
 * The signing keys: DIGEST_TOKEN_KEYS when set, else the Secrets Manager secret the stack generated
 * (see {@link signingKeysFromEnv}); throws when neither is set.
 */
export async function loadSigningKeys(env: NodeJS.ProcessEnv = process.env): Promise<SigningKey[]> {
  const keys = await signingKeysFromEnv(env);
  if (!keys)
    throw new Error(`neither DIGEST_TOKEN_KEYS nor ${TOKEN_SECRET_ENV} is set: links cannot be signed`);
  return keys;
}

let sharedDb: DynamoDBDocumentClient | null = null;

/** The container's one DynamoDB client: every store of every context shares it (one connection pool, one credentials chain). */
export function containerDocumentClient(): DynamoDBDocumentClient {
  sharedDb ??= createDocumentClient();
  return sharedDb;
}

let cached: Promise<EditionDeps> | null = null;
let cachedSend: Promise<EditionDeps> | null = null;
let cachedApi: Promise<ApiContext> | null = null;

async function buildDeps(env: NodeJS.ProcessEnv): Promise<EditionDeps> {
  const config = parseConfig({}, env);
  const db = containerDocumentClient();
  const tables = tableNamesFromEnv(env);
  const ratePerFunction = Number(env[SEND_RATE_ENV]);
  const fleetSize = Math.max(1, Number(env[SEND_FLEET_SIZE_ENV]) || 1);
  // Not a send function (no rate given): nothing is shared, the function paces alone.
  const fleet = ratePerFunction > 0 ? { size: fleetSize, ratePerFunction } : null;
  return {
    config,
    ...dynamoStores(db, tables, () => erasureKeyFromEnv(env)),
    mailer: new SesMailer({}, { configurationSet: config.configurationSet }),
    outbox: null,
    renderer: createRenderer(spec),
    keys: await loadSigningKeys(env),
    // This function's share of the lower of GetAccount's MaxSendRate and the rate the fleet was sized for.
    createPacer: (rate) => tokenBucketPacer(fleetShareRate(rate, fleet)),
    // The safety pause tripped: an error line with a fixed message and `alert` key for a metric filter alarm.
    onAlert: (alert) =>
      logger.error("edition sending paused: bounce or complaint rate over the limit", {
        alert: LOG_ALERT_METRICS.editionHalted.alert,
        ...alert,
      }),
  };
}

export function lambdaDeps(env: NodeJS.ProcessEnv = process.env): Promise<EditionDeps> {
  cached ??= buildDeps(env).catch((err) => {
    cached = null;
    throw err;
  });
  return cached;
}

/** The send function's deps: the same, with SES's throttling answers counted (metric Throttled). */
export function lambdaSendDeps(env: NodeJS.ProcessEnv = process.env): Promise<EditionDeps> {
  cachedSend ??= lambdaDeps(env).then(
    (deps) => ({ ...deps, mailer: countingThrottles(deps.mailer) }),
    (err: unknown) => {
      cachedSend = null;
      throw err;
    },
  );
  return cachedSend;
}

/**
 * The jobs of this deployment (the api starts them, the jobs function runs them): records in the jobs
 * table, files in the job bucket, started through the job queue; null when the stack set neither.
 */
export function lambdaJobs(env: NodeJS.ProcessEnv = process.env): JobDeps | null {
  const bucket = env[JOB_BUCKET_ENV];
  const queueUrl = env[JOB_QUEUE_ENV];
  if (!bucket || !queueUrl) return null;
  return {
    jobs: new DynamoJobStore(containerDocumentClient(), tableNamesFromEnv(env).jobs),
    files: new S3FileStore({ bucket }),
    starter: new SqsJobStarter(queueUrl),
  };
}

function sendHourFromEnv(env: NodeJS.ProcessEnv): number | null {
  const raw = env[SEND_HOUR_ENV];
  const hour = raw === undefined || raw === "" ? Number.NaN : Number(raw);
  return Number.isInteger(hour) && hour >= 0 && hour <= 23 ? hour : null;
}

/** The API's context over the same adapters (transactional mail through SES, no outbox). */
export function lambdaApiContext(env: NodeJS.ProcessEnv = process.env): Promise<ApiContext> {
  cachedApi ??= lambdaDeps(env).then((deps) => {
    const db = containerDocumentClient();
    const tables = tableNamesFromEnv(env);
    return {
      ...apiContextFrom(
        { ...deps, limits: new DynamoRateLimitStore(db, tables.limits) },
        createTransactionalMail({ config: deps.config, mailer: deps.mailer, outbox: null, keys: deps.keys }),
      ),
      jobs: lambdaJobs(env),
      team: new DynamoTeamStore(db, tables.team),
      audit: new DynamoAuditLog(db, tables.audit),
      sendHour: sendHourFromEnv(env),
      // The overview's feed alerts: the feeds' last polls (the feed routes are the story-import function's).
      feedStore: new DynamoFeedStore(db, tables.feeds),
    };
  });
  return cachedApi;
}

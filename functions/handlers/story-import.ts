import type { APIGatewayProxyStructuredResultV2 } from "aws-lambda";
import { DynamoAuditLog } from "../adapters/dynamo/audit-log.js";
import { createDocumentClient } from "../adapters/dynamo/client.js";
import { DynamoEditionStore } from "../adapters/dynamo/edition-store.js";
import { DynamoFeedStore } from "../adapters/dynamo/feed-store.js";
import { DynamoStoryStore } from "../adapters/dynamo/story-store.js";
import { DynamoTeamStore } from "../adapters/dynamo/team-store.js";
import { feedAddressCheck, httpFeedFetcher } from "../adapters/feed-fetcher.js";
import { verifyJwtFromEnvironment } from "../adapters/jwt-identity.js";
import { tableNamesFromEnv } from "../adapters/schema.js";
import { callerAuth } from "../core/http/admin-auth.js";
import { type StoryImportContext, storyImportRoutes } from "../core/http/admin-story-import-routes.js";
import { createRouter, type HttpHandler } from "../core/http/router.js";
import { parseConfig } from "../core/kernel/config.js";
import { type ApiEvent, toHttpRequest, toResult } from "./http-event.js";
import { createLogger } from "./logging.js";

const logger = createLogger();

let api: HttpHandler | null = null;

/**
 * The routes over their stores, built once per container: the stories they write, the editions a
 * correction is written into, the feeds, the team its auth check reads and the audit log it records
 * to, all through one DynamoDB client.
 */
function storyImportApi(env: NodeJS.ProcessEnv): HttpHandler {
  const db = createDocumentClient();
  const tables = tableNamesFromEnv(env);
  const audit = new DynamoAuditLog(db, tables.audit);
  const config = parseConfig({}, env);
  // The ingest function's address policy: where a Lambda runtime API listens on loopback (with its
  // extensions), loopback is never a feed.
  const policy = {
    allowPrivate: config.feedsAllowPrivate,
    allowLoopback: config.feedsAllowPrivate && !env.AWS_LAMBDA_RUNTIME_API,
  };
  const context: StoryImportContext = {
    config,
    stories: new DynamoStoryStore(db, tables.stories),
    // A correction of a story of an edition awaiting approval is written into that edition (Get, a
    // conditional Update); its copy is rendered again by compose's approval round, not here (no renderer).
    editions: new DynamoEditionStore(db, tables.editions),
    clock: () => new Date(),
    feeds: {
      store: new DynamoFeedStore(db, tables.feeds),
      // A poll now answers within API Gateway's 30 s: the fetcher's 10 s, then the import.
      fetcher: httpFeedFetcher(policy),
      checkAddress: feedAddressCheck(policy),
    },
  };
  return createRouter(storyImportRoutes, {
    context,
    // The api function's one auth check: IAM principals (under /iam/admin), personal tokens, JWTs.
    adminAuth: callerAuth({
      team: new DynamoTeamStore(db, tables.team),
      clock: context.clock,
      verifyJwt: verifyJwtFromEnvironment(env),
    }),
    audit: (entry) => audit.record(entry),
    onError: (err, req) =>
      logger.error("request failed", { method: req.method, path: req.path, error: err as Error }),
  });
}

/**
 * `POST /admin/stories`, `PATCH /admin/stories/{id}` and the feed routes (the same auth check as the
 * api function's): the admin routes that parse stories, a function of their own so the api function,
 * which answers readers, never loads the story parsers. The same routes and answers `digest serve` gives.
 */
export async function handler(event: ApiEvent): Promise<APIGatewayProxyStructuredResultV2> {
  api ??= storyImportApi(process.env);
  return toResult(await api(toHttpRequest(event)));
}

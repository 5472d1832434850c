import type { APIGatewayProxyStructuredResultV2 } from "aws-lambda";
import { DynamoAuditLog } from "../adapters/dynamo/audit-log.js";
import { createDocumentClient } from "../adapters/dynamo/client.js";
import { DynamoStoryStore } from "../adapters/dynamo/story-store.js";
import { DynamoTeamStore } from "../adapters/dynamo/team-store.js";
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
 * The route over its stores, built once per container: the stories it writes, the team its auth check
 * reads and the audit log it records to, all through one DynamoDB client.
 */
function storyImportApi(env: NodeJS.ProcessEnv): HttpHandler {
  const db = createDocumentClient();
  const tables = tableNamesFromEnv(env);
  const audit = new DynamoAuditLog(db, tables.audit);
  const context: StoryImportContext = {
    config: parseConfig({}, env),
    stories: new DynamoStoryStore(db, tables.stories),
    clock: () => new Date(),
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
 * `POST /admin/stories` (the same auth check as the api function's): the one admin route that parses
 * stories, a function of its own so the api function, which answers readers, never loads the story
 * parsers. The same route and answers `digest serve` gives.
 */
export async function handler(event: ApiEvent): Promise<APIGatewayProxyStructuredResultV2> {
  api ??= storyImportApi(process.env);
  return toResult(await api(toHttpRequest(event)));
}

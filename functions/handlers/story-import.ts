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
import type { AuditLog } from "../core/team/ports.js";
import { type ApiEvent, toHttpRequest, toResult } from "./http-event.js";
import { createLogger } from "./logging.js";

const logger = createLogger();

let api: HttpHandler | null = null;
let audit: AuditLog | null = null;

/** What the story import reads: the configuration and the stories table, nothing else. */
function storyImportContext(env: NodeJS.ProcessEnv): StoryImportContext {
  return {
    config: parseConfig({}, env),
    stories: new DynamoStoryStore(createDocumentClient(), tableNamesFromEnv(env).stories),
    clock: () => new Date(),
  };
}

/**
 * `POST /admin/stories` (the same auth check as the api function's): the one admin route that parses
 * stories, a function of its own so the api function, which answers readers, never loads the story
 * parsers. The same route and answers `digest serve` gives.
 */
export async function handler(event: ApiEvent): Promise<APIGatewayProxyStructuredResultV2> {
  audit ??= new DynamoAuditLog(createDocumentClient(), tableNamesFromEnv(process.env).audit);
  const log = audit;
  api ??= createRouter(storyImportRoutes, {
    context: storyImportContext(process.env),
    // The api function's one auth check: IAM principals (under /iam/admin), personal tokens, JWTs.
    adminAuth: callerAuth({
      team: new DynamoTeamStore(createDocumentClient(), tableNamesFromEnv(process.env).team),
      clock: () => new Date(),
      verifyJwt: verifyJwtFromEnvironment(),
    }),
    audit: (entry) => log.record(entry),
    onError: (err, req) =>
      logger.error("request failed", { method: req.method, path: req.path, error: err as Error }),
  });
  return toResult(await api(toHttpRequest(event)));
}

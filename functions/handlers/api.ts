import type { APIGatewayProxyStructuredResultV2 } from "aws-lambda";
import { CognitoMemberDirectory } from "../adapters/cognito-member-directory.js";
import { verifyJwtFromEnvironment } from "../adapters/jwt-identity.js";
import { SqsRecipientQueue } from "../adapters/sqs-queue.js";
import { withQueuedResending } from "../core/delivery/resend-failed.js";
import { callerAuth } from "../core/http/admin-auth.js";
import type { ApiContext } from "../core/http/context.js";
import { apiFunctionRoutes, createApi } from "../core/http/routes.js";
import type { HttpRequest, HttpResponse } from "../core/http/types.js";
import { ORIGIN_VERIFY_ENV, QUEUE_ENV, USER_POOL_ID_ENV } from "./env.js";
import { type ApiEvent, toHttpRequest, toResult } from "./http-event.js";
import { lambdaApiContext, logger } from "./runtime.js";

let api: ((req: HttpRequest) => Promise<HttpResponse>) | null = null;

/**
 * The API context of this container; with the send queue (DIGEST_SEND_QUEUE_URL, set by the stack)
 * POST /admin/editions/{id}/resend-failed enqueues the failed recipients for the send functions; with
 * the console's user pool (DIGEST_USER_POOL_ID) the team routes invite, regroup and remove people there.
 */
async function apiContext(env: NodeJS.ProcessEnv = process.env): Promise<ApiContext> {
  const userPoolId = env[USER_POOL_ID_ENV];
  const ctx = {
    ...(await lambdaApiContext(env)),
    directory: userPoolId ? new CognitoMemberDirectory(userPoolId) : null,
  };
  const queueUrl = env[QUEUE_ENV];
  return queueUrl ? withQueuedResending({ ...ctx }, ctx, new SqsRecipientQueue(queueUrl)) : ctx;
}

/**
 * The HTTP API: public pages and the admin routes but the story import, which API Gateway sends to the
 * story-import function (admin routes: the function's own auth check; under /iam/admin, IAM first).
 */
export async function handler(event: ApiEvent): Promise<APIGatewayProxyStructuredResultV2> {
  if (!api) {
    const ctx = await apiContext();
    // IAM principals are owners; personal tokens and JWTs (the console's Cognito ID tokens) the team's.
    const auth = callerAuth({ team: ctx.team, clock: ctx.clock, verifyJwt: verifyJwtFromEnvironment() });
    api = createApi(apiFunctionRoutes, ctx, auth, (err, req) =>
      logger.error("request failed", { method: req.method, path: req.path, error: err as Error }),
    );
  }
  return toResult(await api(toHttpRequest(event, process.env[ORIGIN_VERIFY_ENV])));
}

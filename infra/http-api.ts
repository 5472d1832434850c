import {
  aws_apigateway as apigatewayV1,
  aws_apigatewayv2 as apigw,
  aws_apigatewayv2_authorizers as apigwAuth,
  aws_apigatewayv2_integrations as apigwInt,
  aws_logs as logs,
  type aws_lambda_nodejs as nodejs,
  RemovalPolicy,
} from "aws-cdk-lib";
import type { Construct } from "constructs";
import { IAM_ROUTE_PREFIX } from "../functions/handlers/env.js";

/**
 * The public routes of the HTTP API. The admin routes (/admin/…) check the caller in the function
 * (the console's JWT or a personal API token); the same routes under IAM_ROUTE_PREFIX (/iam/admin/…)
 * go through the IAM authorizer for scripts with AWS credentials (SigV4).
 */
export const PUBLIC_ROUTES: [apigw.HttpMethod[], string][] = [
  [[apigw.HttpMethod.GET, apigw.HttpMethod.POST], "/subscribe"],
  [[apigw.HttpMethod.GET], "/confirm"],
  [[apigw.HttpMethod.GET, apigw.HttpMethod.POST], "/unsubscribe"],
  [[apigw.HttpMethod.GET, apigw.HttpMethod.POST], "/preferences"],
  [[apigw.HttpMethod.GET], "/archive"],
  [[apigw.HttpMethod.GET], "/archive/feed.xml"],
  [[apigw.HttpMethod.GET], "/archive/{date}"],
  [[apigw.HttpMethod.GET], "/stories/{id}"],
];

/**
 * The admin routes the story-import function answers (functions/core/http/admin-story-import-routes.ts):
 * those that load the story parsers. The story import; a story's change (a corrected headline is read
 * as an imported one is); the feeds (adding one checks its address as the poller does, a poll imports).
 */
export const STORY_IMPORT_ROUTES: [apigw.HttpMethod[], string][] = [
  [[apigw.HttpMethod.POST], "/admin/stories"],
  [[apigw.HttpMethod.PATCH], "/admin/stories/{id}"],
  [[apigw.HttpMethod.GET, apigw.HttpMethod.POST], "/admin/feeds"],
  [[apigw.HttpMethod.DELETE], "/admin/feeds/{id}"],
  [[apigw.HttpMethod.POST], "/admin/feeds/{id}/poll"],
];

/**
 * The stage's throttle. Link scanners (mail security gateways) open every link of a message within
 * seconds of delivery; through CloudFront the archive and story pages come from the edge cache, but
 * each message's two personal links (unsubscribe, preferences: uncacheable) reach the API. So the
 * stage allows four requests per message the account may send each second (twice those two links),
 * at least 100 a second, with twice that as burst, within the account's default regional limits
 * (10,000 a second, burst 5,000). Above it the gateway answers 429, which scanners retry.
 */
export function stageThrottle(maxSendRate: number): { rateLimit: number; burstLimit: number } {
  const rateLimit = Math.min(5000, Math.max(100, Math.ceil(4 * maxSendRate)));
  return { rateLimit, burstLimit: Math.min(5000, 2 * rateLimit) };
}

/**
 * The HTTP API in front of the api function: the public routes open, the admin routes checked by the
 * function itself and again under /iam behind IAM (STORY_IMPORT_ROUTES to the story-import function),
 * throttled, with access logs. Returns the
 * API, its stage and the stage's URL (no trailing slash).
 */
export function digestHttpApi(
  scope: Construct,
  api: nodejs.NodejsFunction,
  storyImport: nodejs.NodejsFunction,
  maxSendRate = 14,
): { httpApi: apigw.HttpApi; stage: apigw.HttpStage; apiUrl: string } {
  const httpApi = new apigw.HttpApi(scope, "HttpApi", {
    description: "Digest: subscribe, confirm, unsubscribe (RFC 8058), preferences, admin",
    createDefaultStage: false,
  });
  const accessLogs = new logs.LogGroup(scope, "ApiAccessLogs", {
    retention: logs.RetentionDays.THREE_MONTHS,
    removalPolicy: RemovalPolicy.DESTROY,
  });
  const stage = new apigw.HttpStage(scope, "DefaultStage", {
    httpApi,
    stageName: "$default",
    autoDeploy: true,
    throttle: stageThrottle(maxSendRate),
    accessLogSettings: {
      destination: new apigw.LogGroupLogDestination(accessLogs),
      // Only variables HTTP APIs support; the request id is required.
      format: apigatewayV1.AccessLogFormat.custom(
        JSON.stringify({
          requestId: "$context.requestId",
          ip: "$context.identity.sourceIp",
          requestTime: "$context.requestTime",
          method: "$context.httpMethod",
          routeKey: "$context.routeKey",
          status: "$context.status",
          protocol: "$context.protocol",
          responseLength: "$context.responseLength",
          latencyMs: "$context.responseLatency",
          integrationError: "$context.integrationErrorMessage",
        }),
      ),
    },
  });
  const apiIntegration = new apigwInt.HttpLambdaIntegration("ApiIntegration", api);
  for (const [methods, path] of PUBLIC_ROUTES)
    httpApi.addRoutes({ path, methods, integration: apiIntegration });
  // Two doors to the same admin routes. API Gateway gives a route one authorizer, and the console's
  // callers carry a bearer token (JWT or personal token) that only the function can check, so /admin/…
  // is open at the gateway and the function refuses whoever its one auth check does not know; the
  // IAM-signed door for scripts is the same routes under /iam, where the gateway checks the signature.
  const storyImportIntegration = new apigwInt.HttpLambdaIntegration("StoryImportIntegration", storyImport);
  for (const [prefix, authorizer] of [
    ["", new apigw.HttpNoneAuthorizer()],
    [IAM_ROUTE_PREFIX, new apigwAuth.HttpIamAuthorizer()],
  ] as const) {
    httpApi.addRoutes({
      path: `${prefix}/admin/{proxy+}`,
      methods: [apigw.HttpMethod.ANY],
      integration: apiIntegration,
      authorizer,
    });
    // The more specific routes win over /admin/{proxy+}: the story parsers load only in storyImport.
    for (const [methods, path] of STORY_IMPORT_ROUTES) {
      httpApi.addRoutes({
        path: `${prefix}${path}`,
        methods,
        integration: storyImportIntegration,
        authorizer,
      });
    }
  }
  const apiUrl = stage.url.replace(/\/$/, "");
  return { httpApi, stage, apiUrl };
}

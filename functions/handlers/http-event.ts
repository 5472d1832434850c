import { timingSafeEqual } from "node:crypto";
import type { APIGatewayProxyEventV2WithRequestContext, APIGatewayProxyStructuredResultV2 } from "aws-lambda";
import ipaddr from "ipaddr.js";
import type { HttpRequest, HttpResponse } from "../core/http/types.js";
import { IAM_ROUTE_PREFIX, ORIGIN_VERIFY_HEADER } from "./env.js";

/** The HTTP API's payload 2.0 events as the core's requests, and the core's responses as results. */

/** What API Gateway (HTTP API, payload 2.0) puts in requestContext.authorizer for IAM or JWT routes. */
interface AuthorizerContext {
  authorizer?: { iam?: { userArn?: string; userId?: string }; jwt?: { claims?: Record<string, unknown> } };
  http: { method: string; path: string; sourceIp: string };
}

export type ApiEvent = APIGatewayProxyEventV2WithRequestContext<AuthorizerContext>;

const sameSecret = (given: string | undefined, expected: string) =>
  given !== undefined &&
  given.length === expected.length &&
  timingSafeEqual(Buffer.from(given), Buffer.from(expected));

/**
 * The reader's address. Through CloudFront the connection comes from the edge, and the reader's
 * address is in CloudFront-Viewer-Address ("ip:port", IPv6 unbracketed); that header is believed only
 * beside the origin secret CloudFront adds (`originSecret`), since the execute-api URL stays public.
 */
function viewerAddress(headers: Record<string, string>, connection: string | null, originSecret?: string) {
  if (!originSecret || !sameSecret(headers[ORIGIN_VERIFY_HEADER], originSecret)) return connection;
  const viewer = headers["cloudfront-viewer-address"] ?? "";
  const ip = viewer.slice(0, Math.max(0, viewer.lastIndexOf(":")));
  return ipaddr.isValid(ip) ? ip : connection;
}

/**
 * Maps an HTTP API event to the core's request; `originSecret` (DIGEST_ORIGIN_VERIFY) lets requests
 * forwarded by the stack's CloudFront distribution carry the reader's address.
 */
export function toHttpRequest(event: ApiEvent, originSecret?: string): HttpRequest {
  const headers: Record<string, string> = {};
  for (const [key, value] of Object.entries(event.headers ?? {}))
    if (value !== undefined) headers[key.toLowerCase()] = value;
  const sourceIp = viewerAddress(headers, event.requestContext.http.sourceIp ?? null, originSecret);
  delete headers[ORIGIN_VERIFY_HEADER];
  if (event.cookies?.length) headers.cookie = event.cookies.join("; ");
  const query: Record<string, string> = {};
  for (const [key, value] of Object.entries(event.queryStringParameters ?? {}))
    if (value !== undefined) query[key] = value;
  const authorizer = event.requestContext.authorizer;
  const iam = authorizer?.iam?.userArn ?? authorizer?.iam?.userId;
  const jwtSubject = authorizer?.jwt?.claims?.sub;
  // The IAM routes are the admin routes under a prefix (infra/http-api.ts): the router knows them without.
  const viaIamRoute = event.routeKey?.split(" ")[1]?.startsWith(`${IAM_ROUTE_PREFIX}/`) === true;
  return {
    method: event.requestContext.http.method,
    path: viaIamRoute ? event.rawPath.slice(IAM_ROUTE_PREFIX.length) : event.rawPath,
    query,
    headers,
    body: event.body
      ? event.isBase64Encoded
        ? Buffer.from(event.body, "base64").toString("utf8")
        : event.body
      : "",
    sourceIp,
    principal: iam
      ? { kind: "iam", id: iam }
      : typeof jwtSubject === "string"
        ? { kind: "jwt", id: jwtSubject }
        : null,
  };
}

export function toResult(response: HttpResponse): APIGatewayProxyStructuredResultV2 {
  return { statusCode: response.status, headers: response.headers, body: response.body };
}

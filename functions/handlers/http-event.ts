import type { APIGatewayProxyEventV2WithRequestContext, APIGatewayProxyStructuredResultV2 } from "aws-lambda";
import type { HttpRequest, HttpResponse } from "../core/http/types.js";

/** The HTTP API's payload 2.0 events as the core's requests, and the core's responses as results. */

/** What API Gateway (HTTP API, payload 2.0) puts in requestContext.authorizer for IAM or JWT routes. */
interface AuthorizerContext {
  authorizer?: { iam?: { userArn?: string; userId?: string }; jwt?: { claims?: Record<string, unknown> } };
  http: { method: string; path: string; sourceIp: string };
}

export type ApiEvent = APIGatewayProxyEventV2WithRequestContext<AuthorizerContext>;

/** Maps an HTTP API event to the core's request. */
export function toHttpRequest(event: ApiEvent): HttpRequest {
  const headers: Record<string, string> = {};
  for (const [key, value] of Object.entries(event.headers ?? {}))
    if (value !== undefined) headers[key.toLowerCase()] = value;
  if (event.cookies?.length) headers.cookie = event.cookies.join("; ");
  const query: Record<string, string> = {};
  for (const [key, value] of Object.entries(event.queryStringParameters ?? {}))
    if (value !== undefined) query[key] = value;
  const authorizer = event.requestContext.authorizer;
  const iam = authorizer?.iam?.userArn ?? authorizer?.iam?.userId;
  const jwtSubject = authorizer?.jwt?.claims?.sub;
  return {
    method: event.requestContext.http.method,
    path: event.rawPath,
    query,
    headers,
    body: event.body
      ? event.isBase64Encoded
        ? Buffer.from(event.body, "base64").toString("utf8")
        : event.body
      : "",
    sourceIp: event.requestContext.http.sourceIp ?? null,
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

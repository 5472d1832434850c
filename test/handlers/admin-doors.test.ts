import { describe, expect, it } from "vitest";
import { type ApiEvent, toHttpRequest } from "../../functions/handlers/http-event.js";

/**
 * The admin routes have two doors at the gateway (infra/http-api.ts): /admin/… checked by the function
 * (bearer tokens) and /iam/admin/… behind the IAM authorizer. The router knows the routes once, as
 * /admin/…: the handler's adapter takes the prefix off what came through the IAM door, and only that.
 */

function event(routeKey: string, rawPath: string, iamUser?: string): ApiEvent {
  return {
    version: "2.0",
    routeKey,
    rawPath,
    rawQueryString: "",
    headers: {},
    isBase64Encoded: false,
    requestContext: {
      http: { method: "GET", path: rawPath, protocol: "HTTP/1.1", sourceIp: "192.0.2.1", userAgent: "test" },
      routeKey,
      stage: "$default",
      ...(iamUser ? { authorizer: { iam: { userArn: iamUser } } } : {}),
    },
  } as unknown as ApiEvent;
}

describe("the admin routes' two doors", () => {
  it("a SigV4 call through /iam/admin/… reaches the router as /admin/…, with its IAM principal", () => {
    const req = toHttpRequest(
      event("ANY /iam/admin/{proxy+}", "/iam/admin/subscribers", "arn:aws:iam::111122223333:user/ops"),
    );
    expect(req.path).toBe("/admin/subscribers");
    expect(req.principal).toEqual({ kind: "iam", id: "arn:aws:iam::111122223333:user/ops" });
    expect(toHttpRequest(event("POST /iam/admin/stories", "/iam/admin/stories", "arn:x")).path).toBe(
      "/admin/stories",
    );
  });

  it("a bearer call through /admin/… keeps its path and has no principal (the function checks its token)", () => {
    const req = toHttpRequest(event("ANY /admin/{proxy+}", "/admin/subscribers"));
    expect(req.path).toBe("/admin/subscribers");
    expect(req.principal).toBeNull();
  });

  it("a path that merely starts with /iam on another route is left alone", () => {
    expect(toHttpRequest(event("GET /stories/{id}", "/iam/admin/x")).path).toBe("/iam/admin/x");
  });
});

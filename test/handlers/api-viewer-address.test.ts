import { describe, expect, it } from "vitest";
import { clientOf } from "../../functions/core/subscribers/rate-limits.js";
import { ORIGIN_VERIFY_HEADER } from "../../functions/handlers/env.js";
import { type ApiEvent, toHttpRequest } from "../../functions/handlers/http-event.js";

/**
 * Behind CloudFront (infra/cdn.ts) the HTTP API sees the edge's address, not the reader's: every
 * reader sharing an edge location would share one sign-up limit (20 an hour, signup.ts), and consent
 * records would name CloudFront. The distribution adds the reader's address (CloudFront-Viewer-Address)
 * and a shared secret header; the handler believes the address only with the secret, since the
 * execute-api URL stays public and anyone can send any header there.
 */

const EDGE = "130.176.88.17"; // a CloudFront edge's address, as API Gateway sees it
const SECRET = "s3cretOriginValue0123456789";

function event(headers: Record<string, string>, sourceIp = EDGE): ApiEvent {
  return {
    version: "2.0",
    routeKey: "POST /subscribe",
    rawPath: "/subscribe",
    rawQueryString: "",
    headers,
    isBase64Encoded: false,
    body: "email=ana%40example.com",
    requestContext: {
      accountId: "111122223333",
      apiId: "abc123",
      domainName: "abc123.execute-api.eu-west-2.amazonaws.com",
      domainPrefix: "abc123",
      http: { method: "POST", path: "/subscribe", protocol: "HTTP/1.1", sourceIp, userAgent: "test" },
      requestId: "r1",
      routeKey: "POST /subscribe",
      stage: "$default",
      time: "06/Dec/2026:20:00:00 +0000",
      timeEpoch: 0,
    },
  } as unknown as ApiEvent;
}

describe("the reader's address behind CloudFront", () => {
  it("is the viewer address CloudFront vouches for with the origin secret (IPv4 and IPv6)", () => {
    const v4 = toHttpRequest(
      event({ "cloudfront-viewer-address": "198.51.100.23:51234", [ORIGIN_VERIFY_HEADER]: SECRET }),
      SECRET,
    );
    expect(v4.sourceIp).toBe("198.51.100.23");
    const v6 = toHttpRequest(
      event({
        "cloudfront-viewer-address": "2001:db8:85a3::8a2e:370:7334:443",
        [ORIGIN_VERIFY_HEADER]: SECRET,
      }),
      SECRET,
    );
    expect(v6.sourceIp).toBe("2001:db8:85a3::8a2e:370:7334");
    expect(clientOf(v6.sourceIp)).toBe("2001:db8:85a3::/64");
    // The secret never travels further than the handler.
    expect(v4.headers[ORIGIN_VERIFY_HEADER]).toBeUndefined();
  });

  it("is the connection's address when the secret is missing or wrong (a direct call to execute-api)", () => {
    const spoofed = { "cloudfront-viewer-address": "203.0.113.99:1000" };
    expect(toHttpRequest(event(spoofed, "192.0.2.5"), SECRET).sourceIp).toBe("192.0.2.5");
    expect(
      toHttpRequest(event({ ...spoofed, [ORIGIN_VERIFY_HEADER]: "guess" }, "192.0.2.5"), SECRET).sourceIp,
    ).toBe("192.0.2.5");
    // No secret configured (local runs, a stack without the distribution): never believed.
    expect(toHttpRequest(event({ ...spoofed, [ORIGIN_VERIFY_HEADER]: "" }, "192.0.2.5")).sourceIp).toBe(
      "192.0.2.5",
    );
    // A vouched but unreadable address falls back too.
    expect(
      toHttpRequest(
        event({ "cloudfront-viewer-address": "nonsense", [ORIGIN_VERIFY_HEADER]: SECRET }),
        SECRET,
      ).sourceIp,
    ).toBe(EDGE);
  });
});

import { createHash, timingSafeEqual } from "node:crypto";
import type { AdminAuth } from "./router.js";

const digest = (s: string) => createHash("sha256").update(s).digest();

/** Locally: `Authorization: Bearer <DIGEST_ADMIN_TOKEN>`, compared in constant time. */
export function bearerTokenAuth(token: string): AdminAuth {
  if (token.length < 16) throw new Error("the admin token must be at least 16 characters");
  const expected = digest(token);
  return (req) => {
    const header = req.headers.authorization;
    if (!header) return "missing";
    const match = /^Bearer\s+(.+)$/i.exec(header.trim());
    if (!match) return "denied";
    return timingSafeEqual(digest(match[1] as string), expected) ? "ok" : "denied";
  };
}

/**
 * Deployed: API Gateway has already authenticated the caller (IAM SigV4 or a JWT authorizer) and the
 * adapter puts the principal on the request; a request that reached an admin route without one was
 * not authenticated.
 */
export function gatewayPrincipalAuth(): AdminAuth {
  return (req) => (req.principal ? "ok" : req.headers.authorization ? "denied" : "missing");
}

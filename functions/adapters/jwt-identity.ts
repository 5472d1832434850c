import { CognitoJwtVerifier, JwtVerifier } from "aws-jwt-verify";
import { FetchError, JwtBaseError } from "aws-jwt-verify/error";
import type { JwksCache } from "aws-jwt-verify/jwk";
import type { JwtPayload } from "aws-jwt-verify/jwt-model";
import {
  JWT_AUDIENCE_ENV,
  JWT_GROUPS_CLAIM_ENV,
  JWT_ISSUER_ENV,
  JWT_JWKS_URI_ENV,
  USER_POOL_CLIENT_ID_ENV,
  USER_POOL_ID_ENV,
} from "../handlers/env.js";

/**
 * The console's sign-in tokens (JWTs) verified with aws-jwt-verify: signature against the issuer's
 * published keys (JWKS, fetched over HTTPS and cached), issuer, audience, expiry. Deployed, the issuer
 * is the stack's Cognito user pool (ID tokens of the console's app client); a newsroom may point it at
 * its own OIDC issuer instead. Both go through the same verify-then-map path below.
 */

import { IssuerUnavailableError, type JwtIdentity, type VerifyJwt } from "../core/team/ports.js";

export type { JwtIdentity, VerifyJwt };

export type JwtIssuerSettings =
  | {
      kind: "cognito";
      userPoolId: string;
      /** The console's app client: the ID token's audience. */
      clientId: string;
    }
  | {
      kind: "oidc";
      issuer: string;
      /** The client id the ID tokens are issued to (their `aud`). */
      audience: string;
      /** Default: <issuer>/.well-known/jwks.json. */
      jwksUri?: string;
      /** The claim listing the person's groups; default "groups". */
      groupsClaim?: string;
    };

/** Cognito puts a user's user-pool groups in this claim of its ID and access tokens. */
const COGNITO_GROUPS_CLAIM = "cognito:groups";

interface Verifier {
  verify(token: string): Promise<JwtPayload>;
}

/**
 * A VerifyJwt for `settings`. `jwksCache` replaces the library's own (HTTPS fetch, then cached): tests
 * give one whose fetcher trusts their local issuer's self-signed certificate.
 */
export function createVerifyJwt(
  settings: JwtIssuerSettings,
  options: { jwksCache?: JwksCache } = {},
): VerifyJwt {
  const extra = options.jwksCache ? { jwksCache: options.jwksCache } : undefined;
  let verifier: Verifier;
  let groupsClaim: string;
  if (settings.kind === "cognito") {
    verifier = CognitoJwtVerifier.create(
      { userPoolId: settings.userPoolId, clientId: settings.clientId, tokenUse: "id" },
      extra,
    );
    groupsClaim = COGNITO_GROUPS_CLAIM;
  } else {
    verifier = JwtVerifier.create(
      {
        issuer: settings.issuer,
        audience: settings.audience,
        jwksUri: settings.jwksUri ?? `${settings.issuer.replace(/\/$/, "")}/.well-known/jwks.json`,
      },
      extra,
    );
    groupsClaim = settings.groupsClaim ?? "groups";
  }
  return async (token) => {
    let payload: JwtPayload;
    try {
      payload = await verifier.verify(token);
    } catch (err) {
      // An unreachable issuer is an outage to report, not a bad token to refuse as if it were forged.
      if (err instanceof FetchError) throw new IssuerUnavailableError(err.message, { cause: err });
      if (err instanceof JwtBaseError) return null;
      throw err;
    }
    return identityOf(payload, groupsClaim);
  };
}

function identityOf(payload: JwtPayload, groupsClaim: string): JwtIdentity | null {
  if (typeof payload.sub !== "string" || payload.sub === "") return null;
  const email =
    typeof payload.email === "string" &&
    payload.email_verified !== false &&
    payload.email_verified !== "false"
      ? payload.email.trim().toLowerCase()
      : null;
  const claimed = payload[groupsClaim];
  const groups = Array.isArray(claimed)
    ? claimed.filter((g): g is string => typeof g === "string")
    : typeof claimed === "string" && claimed !== ""
      ? claimed.split(/[\s,]+/).filter(Boolean)
      : [];
  return { subject: payload.sub, email, groups };
}

/**
 * The issuer the function's environment names (names in functions/handlers/env.ts): the stack's user
 * pool, else a generic OIDC issuer, else none (JWTs are then refused like any unknown token).
 */
export function jwtIssuerFromEnvironment(env: NodeJS.ProcessEnv): JwtIssuerSettings | null {
  const userPoolId = env[USER_POOL_ID_ENV];
  const clientId = env[USER_POOL_CLIENT_ID_ENV];
  if (userPoolId && clientId) return { kind: "cognito", userPoolId, clientId };
  const issuer = env[JWT_ISSUER_ENV];
  const audience = env[JWT_AUDIENCE_ENV];
  if (issuer && audience) {
    const jwksUri = env[JWT_JWKS_URI_ENV];
    const groupsClaim = env[JWT_GROUPS_CLAIM_ENV];
    return {
      kind: "oidc",
      issuer,
      audience,
      ...(jwksUri ? { jwksUri } : {}),
      ...(groupsClaim ? { groupsClaim } : {}),
    };
  }
  return null;
}

/** The VerifyJwt of the function's environment, or null when it names no issuer. */
export function verifyJwtFromEnvironment(env: NodeJS.ProcessEnv = process.env): VerifyJwt | null {
  const settings = jwtIssuerFromEnvironment(env);
  return settings ? createVerifyJwt(settings) : null;
}

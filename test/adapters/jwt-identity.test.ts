import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  createVerifyJwt,
  jwtIssuerFromEnvironment,
  type VerifyJwt,
} from "../../functions/adapters/jwt-identity.js";
import { type LocalOidcIssuer, startLocalOidcIssuer } from "../helpers/local-oidc-issuer.js";

/**
 * The console's JWT check (functions/adapters/jwt-identity.ts) against real ID tokens from a real
 * OIDC issuer on 127.0.0.1 (oidc-provider over HTTPS; the verifier fetches its JWKS like any issuer's).
 */

const CONSOLE = "digest-console";
const OTHER_APP = "another-app";

let issuer: LocalOidcIssuer;
let stranger: LocalOidcIssuer;
let verify: VerifyJwt;

beforeAll(async () => {
  [issuer, stranger] = await Promise.all([
    startLocalOidcIssuer({ clients: [CONSOLE, OTHER_APP] }),
    startLocalOidcIssuer({ clients: [CONSOLE] }),
  ]);
  verify = createVerifyJwt(
    { kind: "oidc", issuer: issuer.issuer, audience: CONSOLE, jwksUri: issuer.jwksUri },
    { jwksCache: issuer.jwksCache() },
  );
});

afterAll(async () => {
  await Promise.all([issuer?.close(), stranger?.close()]);
});

const person = { sub: "user-1", email: "Ed@Example.com", email_verified: true, groups: ["editor"] };

describe("a generic OIDC issuer", () => {
  it("a valid ID token → the identity: subject, email (lower case), groups", async () => {
    const token = await issuer.idToken(CONSOLE, person);
    expect(await verify(token)).toEqual({ subject: "user-1", email: "ed@example.com", groups: ["editor"] });
  });

  it("a token for another audience → null", async () => {
    expect(await verify(await issuer.idToken(OTHER_APP, person))).toBeNull();
  });

  it("an expired token → null", async () => {
    const token = await issuer.idToken(CONSOLE, person, { expiresAt: Math.floor(Date.now() / 1000) - 120 });
    expect(await verify(token)).toBeNull();
  });

  it("a token from another issuer (its own keys) → null", async () => {
    expect(await verify(await stranger.idToken(CONSOLE, person))).toBeNull();
  });

  it("a tampered token (payload changed, signature kept) → null", async () => {
    const [header, payload, signature] = (await issuer.idToken(CONSOLE, person)).split(".");
    const claims = JSON.parse(Buffer.from(payload as string, "base64url").toString("utf8"));
    const forged = Buffer.from(JSON.stringify({ ...claims, groups: ["owner"] })).toString("base64url");
    expect(await verify(`${header}.${forged}.${signature}`)).toBeNull();
    // …and a signature of the right length from the other token of the same issuer is no better.
    const other = (await issuer.idToken(CONSOLE, { ...person, sub: "user-2" })).split(".")[2];
    expect(await verify(`${header}.${payload}.${other}`)).toBeNull();
  });

  it("not a JWT at all → null", async () => {
    expect(await verify("dgt_not-a-jwt")).toBeNull();
    expect(await verify("a.b.c")).toBeNull();
  });

  it("an email the issuer says is unverified is not believed; groups from the configured claim", async () => {
    const rolesVerify = createVerifyJwt(
      {
        kind: "oidc",
        issuer: issuer.issuer,
        audience: CONSOLE,
        jwksUri: issuer.jwksUri,
        groupsClaim: "roles",
      },
      { jwksCache: issuer.jwksCache() },
    );
    const token = await issuer.idToken(CONSOLE, {
      sub: "user-3",
      email: "someone@example.com",
      email_verified: false,
      roles: ["viewer", "owner"],
      groups: ["ignored"],
    });
    expect(await rolesVerify(token)).toEqual({ subject: "user-3", email: null, groups: ["viewer", "owner"] });
  });
});

describe("a Cognito user pool (the same verify path, CognitoJwtVerifier)", () => {
  const userPoolId = "eu-west-1_Digest123";
  let pool: LocalOidcIssuer;
  let verifyPool: VerifyJwt;

  beforeAll(async () => {
    // The local issuer signs as the user pool would: its iss is the pool's issuer URL. Only the keys
    // come from 127.0.0.1: the verifier's cache is given them from this issuer's JWKS endpoint.
    pool = await startLocalOidcIssuer({
      clients: [CONSOLE, OTHER_APP],
      issuer: `https://cognito-idp.eu-west-1.amazonaws.com/${userPoolId}`,
    });
    const cache = pool.jwksCache();
    cache.addJwks(`${pool.issuer}/.well-known/jwks.json`, await pool.jwksCache().getJwks(pool.jwksUri));
    verifyPool = createVerifyJwt({ kind: "cognito", userPoolId, clientId: CONSOLE }, { jwksCache: cache });
  });

  afterAll(async () => {
    await pool?.close();
  });

  const member = {
    sub: "cognito-user",
    email: "owner@example.com",
    email_verified: true,
    "cognito:groups": ["owner"],
    token_use: "id",
  };

  it("an ID token of the console's client → the identity, groups from cognito:groups", async () => {
    expect(await verifyPool(await pool.idToken(CONSOLE, member))).toEqual({
      subject: "cognito-user",
      email: "owner@example.com",
      groups: ["owner"],
    });
  });

  it("an access token (token_use access), another client's token, an expired one → null", async () => {
    expect(await verifyPool(await pool.idToken(CONSOLE, { ...member, token_use: "access" }))).toBeNull();
    expect(await verifyPool(await pool.idToken(OTHER_APP, member))).toBeNull();
    const expired = await pool.idToken(CONSOLE, member, { expiresAt: Math.floor(Date.now() / 1000) - 120 });
    expect(await verifyPool(expired)).toBeNull();
  });

  it("a token of the generic issuer is no token of the pool → null", async () => {
    expect(await verifyPool(await issuer.idToken(CONSOLE, member))).toBeNull();
  });
});

describe("the function's environment names the issuer", () => {
  it("the user pool wins; else a generic issuer; else none", () => {
    expect(
      jwtIssuerFromEnvironment({
        DIGEST_USER_POOL_ID: "eu-west-1_X",
        DIGEST_USER_POOL_CLIENT_ID: "c",
        DIGEST_JWT_ISSUER: "https://idp.example",
        DIGEST_JWT_AUDIENCE: "a",
      }),
    ).toEqual({ kind: "cognito", userPoolId: "eu-west-1_X", clientId: "c" });
    expect(
      jwtIssuerFromEnvironment({
        DIGEST_JWT_ISSUER: "https://idp.example",
        DIGEST_JWT_AUDIENCE: "a",
        DIGEST_JWT_GROUPS_CLAIM: "roles",
      }),
    ).toEqual({ kind: "oidc", issuer: "https://idp.example", audience: "a", groupsClaim: "roles" });
    expect(jwtIssuerFromEnvironment({})).toBeNull();
  });
});

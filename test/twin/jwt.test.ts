import { globalAgent } from "node:https";
import { rootCertificates } from "node:tls";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import {
  JWT_AUDIENCE_ENV,
  JWT_ISSUER_ENV,
  JWT_JWKS_URI_ENV,
  USER_POOL_CLIENT_ID_ENV,
  USER_POOL_ID_ENV,
} from "../../functions/handlers/env.js";
import { type LocalOidcIssuer, startLocalOidcIssuer } from "../helpers/local-oidc-issuer.js";
import { story } from "../helpers/services.js";
import { TWIN_CONTEXT } from "./bundled-assembly.js";
import { startTwin, type Twin } from "./twin.js";

/**
 * The console's JWT path in the deployed api and story-import functions (their bundles, on the twin,
 * IAM enforced): the functions' environment names a generic OIDC issuer (a local oidc-provider over HTTPS) instead of the
 * stack's Cognito pool, which cannot run here; the bundle's own verifier fetches the issuer's keys
 * over HTTPS like any issuer's. The twin's process trusts the issuer's self-signed certificate.
 */

const CONSOLE = "digest-console";
let issuer: LocalOidcIssuer;
let twin: Twin;
let caBefore: unknown;

beforeAll(async () => {
  issuer = await startLocalOidcIssuer({ clients: [CONSOLE] });
  // What NODE_EXTRA_CA_CERTS would do for a Lambda runtime, for this process's HTTPS agent.
  caBefore = globalAgent.options.ca;
  globalAgent.options.ca = [...rootCertificates, issuer.certificate];
  const jwtEnv = {
    // The pool's variables emptied: the user pool would win (jwtIssuerFromEnvironment).
    [USER_POOL_ID_ENV]: "",
    [USER_POOL_CLIENT_ID_ENV]: "",
    [JWT_ISSUER_ENV]: issuer.issuer,
    [JWT_AUDIENCE_ENV]: CONSOLE,
    [JWT_JWKS_URI_ENV]: issuer.jwksUri,
  };
  twin = await startTwin({ context: TWIN_CONTEXT, functionEnv: { api: jwtEnv, storyImport: jwtEnv } });
}, 240_000);

afterEach(() => twin.assertNoAccessDenied());

afterAll(async () => {
  globalAgent.options.ca = caBefore as typeof globalAgent.options.ca;
  await twin?.close();
  await issuer?.close();
});

async function me(token: string) {
  const res = await twin.api({
    method: "GET",
    path: "/admin/me",
    headers: { authorization: `Bearer ${token}` },
  });
  return { status: res.statusCode, body: res.body ? JSON.parse(res.body) : null };
}

describe("the api function verifies an OIDC issuer's ID tokens, deployed", () => {
  it("a member by email, a viewer by groups; a forged one and a removed member's are refused", async () => {
    await twin.admin("POST", "/admin/team", { email: "ed@example.com", role: "editor" });
    const ed = await issuer.idToken(CONSOLE, { sub: "u-ed", email: "ed@example.com", email_verified: true });
    expect(await me(ed)).toEqual({
      status: 200,
      body: { email: "ed@example.com", role: "editor", via: "jwt" },
    });

    const reader = await issuer.idToken(CONSOLE, { sub: "u-r", email: "r@example.com", groups: ["viewer"] });
    expect((await me(reader)).body).toEqual({ email: "r@example.com", role: "viewer", via: "jwt" });
    const write = await twin.api({
      method: "POST",
      path: "/admin/subscribers",
      headers: { authorization: `Bearer ${reader}`, "content-type": "application/json" },
      body: JSON.stringify({ email: "x@example.com" }),
    });
    expect(write.statusCode).toBe(403);

    const [header, payload, signature] = reader.split(".");
    const claims = JSON.parse(Buffer.from(payload as string, "base64url").toString("utf8"));
    const raised = Buffer.from(JSON.stringify({ ...claims, groups: ["owner"] })).toString("base64url");
    expect((await me(`${header}.${raised}.${signature}`)).status).toBe(403);

    const withGroups = await issuer.idToken(CONSOLE, {
      sub: "u-ed",
      email: "ed@example.com",
      email_verified: true,
      groups: ["editor"],
    });
    // The story-import function: the same check, its own bundle and role.
    const importAs = (token: string) =>
      twin.api({
        method: "POST",
        path: "/admin/stories",
        headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
        body: JSON.stringify([story("2031-05-06", 1)]),
      });
    expect((await importAs(withGroups)).statusCode).toBe(200);
    expect((await importAs(reader)).statusCode).toBe(403);

    await twin.admin("DELETE", "/admin/team/ed%40example.com");
    expect((await me(withGroups)).status).toBe(403);
    expect((await importAs(withGroups)).statusCode).toBe(403);
  });
});

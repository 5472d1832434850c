import type { AddressInfo } from "node:net";
import { createServer } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createVerifyJwt } from "../../functions/adapters/jwt-identity.js";
import { callerAuth } from "../../functions/core/http/admin-auth.js";
import { storyImportRoutes } from "../../functions/core/http/admin-story-import-routes.js";
import type { HttpHandler } from "../../functions/core/http/router.js";
import { apiFunctionRoutes, createApi } from "../../functions/core/http/routes.js";
import { openRuntime, type Runtime } from "../../functions/local/runtime.js";
import { type LocalOidcIssuer, startLocalOidcIssuer } from "../helpers/local-oidc-issuer.js";
import { startTestStack, story, type TestStack } from "../helpers/services.js";

/**
 * The console's JWT path end to end: a real ID token from a real OIDC issuer on 127.0.0.1
 * (oidc-provider over HTTPS) sent to the real API router (the api and story-import functions' routes,
 * as `digest serve` composes them) on a real ApiContext over dynalite, whose one auth check
 * (callerAuth) verifies it with the deployed verifier (createVerifyJwt, aws-jwt-verify) and maps it
 * to a member of the team table by email, else to the highest role in its groups.
 */

const CONSOLE = "digest-console";
const OTHER_APP = "another-app";
const DAY = "2031-05-06";
const IAM_OWNER = "arn:aws:iam::123456789012:role/ops";

// biome-ignore lint/suspicious/noExplicitAny: answers are checked field by field
type Json = any;

let stack: TestStack;
let rt: Runtime;
let issuer: LocalOidcIssuer;
let api: HttpHandler;

beforeAll(async () => {
  [stack, issuer] = await Promise.all([
    startTestStack(),
    startLocalOidcIssuer({ clients: [CONSOLE, OTHER_APP] }),
  ]);
  rt = await openRuntime({ env: { ...stack.env, DIGEST_SECTIONS: "World,Science,Culture" } });
  const ctx = await rt.apiContext();
  const verifyJwt = createVerifyJwt(
    { kind: "oidc", issuer: issuer.issuer, audience: CONSOLE, jwksUri: issuer.jwksUri },
    { jwksCache: issuer.jwksCache() },
  );
  // What the api handler builds (handlers/api.ts): no local admin token, the team, the JWT check.
  api = createApi(
    [...apiFunctionRoutes, ...storyImportRoutes],
    ctx,
    callerAuth({ team: ctx.team, clock: ctx.clock, verifyJwt }),
  );
});

afterAll(async () => {
  await rt?.close();
  await Promise.all([stack?.close(), issuer?.close()]);
});

/** A request to the router: with `token` as the bearer, or as an IAM principal (an owner) without. */
async function call(method: string, path: string, token: string | null, json?: unknown) {
  const res = await api({
    method,
    path: path.split("?")[0] as string,
    query: Object.fromEntries(new URLSearchParams(path.split("?")[1] ?? "")),
    headers: {
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...(json === undefined ? {} : { "content-type": "application/json" }),
    },
    body: json === undefined ? "" : JSON.stringify(json),
    sourceIp: "127.0.0.1",
    principal: token ? null : { kind: "iam", id: IAM_OWNER },
  });
  let body: Json = null;
  try {
    body = JSON.parse(res.body);
  } catch {
    // a page or a file
  }
  return { status: res.status, json: body };
}

const idToken = (claims: Record<string, unknown>, options?: { expiresAt?: number }) =>
  issuer.idToken(CONSOLE, { email_verified: true, ...claims }, options);

async function addMember(email: string, role: string) {
  expect((await call("POST", "/admin/team", null, { email, role })).status).toBe(201);
}

describe("the JWT path through the API router", () => {
  it("a team editor's ID token: editor via jwt; the export needs owner; a story edit is allowed and audited", async () => {
    await addMember("ed@example.com", "editor");
    // The groups claim says owner: the team table's role wins for a member.
    const token = await idToken({ sub: "u-ed", email: "Ed@Example.com", groups: ["owner"] });

    const me = await call("GET", "/admin/me", token);
    expect(me).toEqual({ status: 200, json: { email: "ed@example.com", role: "editor", via: "jwt" } });

    const exported = await call("GET", "/admin/subscribers/export", token);
    expect(exported.status).toBe(403);
    expect(exported.json).toEqual({ error: "this needs the owner role; you are an editor", need: "owner" });

    const posted = await call("POST", "/admin/stories", token, [story(DAY, 1)]);
    expect(posted.status, JSON.stringify(posted.json)).toBe(200);
    const [id] = posted.json.ids as string[];
    const held = await call("PATCH", `/admin/stories/${id}`, token, { held: true });
    expect(held.status, JSON.stringify(held.json)).toBe(200);
    expect(held.json).toMatchObject({ id, held: true });

    const audit = await call("GET", "/admin/audit?actor=ed%40example.com", null);
    expect(audit.json.items.map((e: Json) => [e.action, e.via])).toContainEqual(["story.hold", "jwt"]);
  });

  it("a non-member whose groups claim has viewer may read, not write", async () => {
    const token = await idToken({ sub: "u-vi", email: "reader@example.com", groups: ["staff", "viewer"] });
    expect((await call("GET", "/admin/me", token)).json).toEqual({
      email: "reader@example.com",
      role: "viewer",
      via: "jwt",
    });
    expect((await call("GET", "/admin/subscribers", token)).status).toBe(200);
    const write = await call("POST", "/admin/subscribers", token, { email: "x@example.com" });
    expect(write.status).toBe(403);
    expect(write.json).toEqual({ error: "this needs the owner role; you are a viewer", need: "owner" });
  });

  it("no role group and no member: 403 on every admin route, a read too", async () => {
    const token = await idToken({ sub: "u-no", email: "nobody@example.com", groups: ["staff"] });
    expect((await call("GET", "/admin/me", token)).status).toBe(403);
    expect((await call("GET", "/admin/subscribers", token)).status).toBe(403);
    const ungrouped = await idToken({ sub: "u-none", email: "none@example.com" });
    expect((await call("GET", "/admin/me", ungrouped)).status).toBe(403);
  });

  it("an expired token, another audience's, a tampered one: 403, whatever their claims", async () => {
    const owner = { sub: "u-own", email: "boss@example.com", groups: ["owner"] };
    // The same claims, valid: the owner gets in (so the refusals below are the token's, not the claims').
    expect((await call("GET", "/admin/me", await idToken(owner))).json.role).toBe("owner");

    const expired = await idToken(owner, { expiresAt: Math.floor(Date.now() / 1000) - 120 });
    expect((await call("GET", "/admin/me", expired)).status).toBe(403);
    const foreign = await issuer.idToken(OTHER_APP, { ...owner, email_verified: true });
    expect((await call("GET", "/admin/me", foreign)).status).toBe(403);

    const [header, payload, signature] = (
      await idToken({ sub: "u-low", email: "low@example.com", groups: ["viewer"] })
    ).split(".");
    const claims = JSON.parse(Buffer.from(payload as string, "base64url").toString("utf8"));
    const raised = Buffer.from(JSON.stringify({ ...claims, groups: ["owner"] })).toString("base64url");
    const tampered = `${header}.${raised}.${signature}`;
    expect((await call("GET", "/admin/me", tampered)).status).toBe(403);
    expect((await call("GET", "/admin/subscribers/export", tampered)).status).toBe(403);
  });

  it("a removed member's token is refused, not let in through its groups; adding them again lets them in", async () => {
    await addMember("gone@example.com", "editor");
    // Their issuer account still carries a role group (removal from the pool is a separate step).
    const token = await idToken({ sub: "u-gone", email: "gone@example.com", groups: ["editor"] });
    expect((await call("GET", "/admin/me", token)).json.role).toBe("editor");

    expect((await call("DELETE", "/admin/team/gone%40example.com", null)).status).toBe(200);
    const after = await call("GET", "/admin/me", token);
    expect(after.status, JSON.stringify(after.json)).toBe(403);
    expect((await call("PATCH", "/admin/stories/anything", token, { held: true })).status).toBe(403);
    // A new token from the issuer is no way back either.
    const fresh = await idToken({ sub: "u-gone", email: "gone@example.com", groups: ["owner"] });
    expect((await call("GET", "/admin/me", fresh)).status).toBe(403);

    await addMember("gone@example.com", "viewer");
    expect((await call("GET", "/admin/me", token)).json).toEqual({
      email: "gone@example.com",
      role: "viewer",
      via: "jwt",
    });
  });

  it("an issuer whose keys cannot be fetched: 503 saying so, not a 500 (nor a 403 as if the token were forged)", async () => {
    // A port nothing listens on: the verifier's first fetch of the keys fails.
    const closed = await new Promise<number>((resolve) => {
      const probe = createServer().listen(0, "127.0.0.1", () => {
        const { port } = probe.address() as AddressInfo;
        probe.close(() => resolve(port));
      });
    });
    const unreachable = createVerifyJwt({
      kind: "oidc",
      issuer: issuer.issuer,
      audience: CONSOLE,
      jwksUri: `https://127.0.0.1:${closed}/jwks`,
    });
    const ctx = await rt.apiContext();
    const offline = createApi(apiFunctionRoutes, ctx, callerAuth({ team: ctx.team, verifyJwt: unreachable }));
    const token = await idToken({ sub: "u-1", email: "someone@example.com", groups: ["owner"] });
    const res = await offline({
      method: "GET",
      path: "/admin/me",
      query: {},
      headers: { authorization: `Bearer ${token}` },
      body: "",
      sourceIp: "127.0.0.1",
      principal: null,
    });
    expect(res.status, res.body).toBe(503);
    expect(JSON.parse(res.body).error).toMatch(/sign-in keys could not be fetched/);
  });
});

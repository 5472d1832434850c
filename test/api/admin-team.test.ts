import { describe, expect, it } from "vitest";
import { DynamoTeamStore } from "../../functions/adapters/dynamo/team-store.js";
import { tableNamesFromEnv } from "../../functions/adapters/schema.js";
import { adminRoutes } from "../../functions/core/http/admin-routes.js";
import { storyImportRoutes } from "../../functions/core/http/admin-story-import-routes.js";
import { mintSignInCode } from "../../functions/core/team/team-admin.js";
import { startApiServer } from "../../functions/local/commands/serve.js";
import { openRuntime } from "../../functions/local/runtime.js";
import { adminRequest, type Serve, serveForSuite } from "../helpers/serve.js";
import { stackDocumentClient, type TestStack } from "../helpers/services.js";

/**
 * Roles, personal tokens, sign-in and the audit log over real HTTP (`digest serve` in-process) on
 * dynalite: the one auth check, each route's least role, the team routes and `digest team`, and the
 * audit entries every admin write leaves.
 */

const bearer = (token: string) => `Bearer ${token}`;

describe("every admin route declares its least role", () => {
  const everyRoute = [...adminRoutes, ...storyImportRoutes];
  it.each(everyRoute.map((r) => [`${r.method} ${r.pattern}`, r] as const))("%s", (_name, route) => {
    expect(route.admin).toBe(true);
    expect(["viewer", "editor", "owner"]).toContain(route.role);
    if (route.method !== "GET") expect(route.audit?.action, "a write names its audit action").toBeTruthy();
    // Exports and the team are the owner's whatever the method.
    if (/export|\/team/.test(route.pattern)) expect(route.role).toBe("owner");
    if (route.method === "GET" && !/export|\/team|\/jobs/.test(route.pattern))
      expect(route.role).toBe("viewer");
  });
});

describe("team, roles, tokens, sign-in and audit", () => {
  let stack: TestStack;
  let serve: Serve;
  serveForSuite({}, (started) => {
    ({ stack, serve } = started);
  });
  const api = (method: string, path: string, opts: Parameters<typeof adminRequest>[3] = {}) =>
    adminRequest(serve, method, path, opts);

  async function member(email: string, role: string): Promise<string> {
    expect((await api("POST", "/admin/team", { json: { email, role } })).status).toBe(201);
    const made = await api("POST", `/admin/team/${encodeURIComponent(email)}/tokens`, {
      json: { label: "test" },
    });
    expect(made.status).toBe(201);
    expect(made.json.token).toMatch(/^dgt_[A-Za-z0-9_-]{43}$/);
    return made.json.token as string;
  }

  it("an editor's token gets 403 naming the role on the export, an owner's 200; a viewer may read, not write", async () => {
    const editor = await member("ed@example.com", "editor");
    const owner = await member("own@example.com", "owner");
    const viewer = await member("vi@example.com", "viewer");

    const refused = await api("GET", "/admin/subscribers/export", { auth: bearer(editor) });
    expect(refused.status).toBe(403);
    expect(refused.json).toEqual({ error: "this needs the owner role; you are an editor", need: "owner" });
    expect((await api("GET", "/admin/subscribers/export", { auth: bearer(owner) })).status).toBe(200);

    expect((await api("GET", "/admin/subscribers", { auth: bearer(viewer) })).status).toBe(200);
    const write = await api("POST", "/admin/subscribers", {
      auth: bearer(viewer),
      json: { email: "x@example.com" },
    });
    expect(write.status).toBe(403);
    expect(write.json).toEqual({ error: "this needs the owner role; you are a viewer", need: "owner" });
    const cancel = await api("POST", "/admin/editions/2031-01-01/cancel", { auth: bearer(viewer) });
    expect(cancel.json.need).toBe("editor");
    // The editor may do what editors do (the edition does not exist: a 404, not a 403).
    expect((await api("POST", "/admin/editions/2031-01-01/cancel", { auth: bearer(editor) })).status).toBe(
      404,
    );

    expect((await api("GET", "/admin/me", { auth: bearer(editor) })).json).toEqual({
      email: "ed@example.com",
      role: "editor",
      via: "token",
    });
    expect((await api("GET", "/admin/me")).json).toEqual({
      email: "owner@localhost",
      role: "owner",
      via: "admin-token",
    });
    expect((await api("GET", "/admin/me", { auth: null })).status).toBe(401);
  });

  it("a revoked token and a removed member's token are refused (403); tokens are listed without the secret", async () => {
    const token = await member("rev@example.com", "editor");
    expect((await api("GET", "/admin/me", { auth: bearer(token) })).status).toBe(200);
    const listed = await api("GET", "/admin/team/rev%40example.com/tokens");
    expect(listed.status).toBe(200);
    expect(listed.text).not.toContain(token);
    const [info] = listed.json.items;
    expect(Object.keys(info).sort()).toEqual(["createdAt", "expiresAt", "id", "label", "lastUsedAt"]);
    expect(info.lastUsedAt).not.toBeNull();
    expect((await api("DELETE", `/admin/team/rev%40example.com/tokens/${info.id}`)).status).toBe(200);
    expect((await api("GET", "/admin/me", { auth: bearer(token) })).status).toBe(403);

    const other = await member("gone@example.com", "viewer");
    expect((await api("GET", "/admin/me", { auth: bearer(other) })).status).toBe(200);
    expect((await api("DELETE", "/admin/team/gone%40example.com")).status).toBe(200);
    expect((await api("GET", "/admin/me", { auth: bearer(other) })).status).toBe(403);
    // A token never stored, of the right shape, too.
    expect((await api("GET", "/admin/me", { auth: bearer(`dgt_${"A".repeat(43)}`) })).status).toBe(403);
  });

  it("two owners demoting and removing each other at once: one change lands, an owner stays", async () => {
    const owners = async (): Promise<string[]> =>
      (await api("GET", "/admin/team")).json.items
        .filter((m: { role: string }) => m.role === "owner")
        .map((m: { email: string }) => m.email);
    // A team whose only owners are these two: the others (from earlier tests) are editors meanwhile.
    await member("ann@example.com", "owner");
    await member("bob@example.com", "owner");
    const others = (await owners()).filter((e) => e !== "ann@example.com" && e !== "bob@example.com");
    const setRole = (email: string, role: string) =>
      api("PATCH", `/admin/team/${encodeURIComponent(email)}`, { json: { role } });
    for (const email of others) expect((await setRole(email, "editor")).status).toBe(200);
    expect(await owners()).toEqual(["ann@example.com", "bob@example.com"]);
    const [demoteAnn, removeBob] = await Promise.all([
      api("PATCH", "/admin/team/ann%40example.com", { json: { role: "editor" } }),
      api("DELETE", "/admin/team/bob%40example.com"),
    ]);
    expect([demoteAnn.status, removeBob.status].sort()).toEqual([200, 409]);
    expect(await owners()).toHaveLength(1);
    for (const email of others) expect((await setRole(email, "owner")).status).toBe(200);
  });

  it("the last owner can be neither removed nor demoted (409)", async () => {
    await member("last@example.com", "owner");
    const team = (await api("GET", "/admin/team")).json.items as { email: string; role: string }[];
    for (const m of team.filter((x) => x.role === "owner" && x.email !== "last@example.com")) {
      expect((await api("DELETE", `/admin/team/${encodeURIComponent(m.email)}`)).status).toBe(200);
    }
    const owners = (await api("GET", "/admin/team")).json.items.filter(
      (m: { role: string }) => m.role === "owner",
    );
    expect(owners.map((m: { email: string }) => m.email)).toEqual(["last@example.com"]);
    const demote = await api("PATCH", "/admin/team/last%40example.com", { json: { role: "editor" } });
    expect(demote.status).toBe(409);
    expect(demote.json.error).toMatch(/last owner/);
    expect((await api("DELETE", "/admin/team/last%40example.com")).status).toBe(409);
    expect(
      (await api("POST", "/admin/team", { json: { email: "last@example.com", role: "viewer" } })).status,
    ).toBe(409);
    expect(
      (await api("POST", "/admin/team", { json: { email: "x@example.com", role: "boss" } })).json.field,
    ).toBe("role");
  });

  it("digest serve prints the console's one-time sign-in link among its first lines; it signs the owner in", async () => {
    const rt = await openRuntime({ env: stack.env });
    const out: string[] = [];
    const server = await startApiServer(
      rt,
      { out: (l) => out.push(l), err: () => {}, interactive: false },
      0,
      {
        ...stack.env,
        DIGEST_ADMIN_TOKEN: "another-admin-token-0123456789",
      },
    );
    try {
      expect(out[0]).toBe(`listening on ${server.url}`);
      const link = /^admin console: (http:\/\/127\.0\.0\.1:\d+)\/console\/#signin=([\w-]+)$/.exec(
        out[1] ?? "",
      );
      expect(link?.[1], out.join("\n")).toBe(server.url);
      const signIn = await fetch(`${server.url}/admin/session`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ code: link?.[2] }),
      });
      expect(signIn.status).toBe(200);
      const { token } = (await signIn.json()) as { token: string };
      const me = await fetch(`${server.url}/admin/me`, { headers: { authorization: bearer(token) } });
      expect(await me.json()).toEqual({ email: "owner@localhost", role: "owner", via: "token" });
    } finally {
      await server.close();
      await rt.close();
    }
  });

  it("a one-time sign-in code gives a 12-hour owner session, once", async () => {
    const team = new DynamoTeamStore(stackDocumentClient(stack), tableNamesFromEnv(stack.env).team);
    const code = await mintSignInCode(team, new Date());
    const signIn = await api("POST", "/admin/session", { auth: null, json: { code } });
    expect(signIn.status).toBe(200);
    expect(signIn.json.member).toEqual({ email: "owner@localhost", role: "owner" });
    const session = signIn.json.token as string;
    expect(session).toMatch(/^dgt_/);
    expect((await api("GET", "/admin/me", { auth: bearer(session) })).json).toEqual({
      email: "owner@localhost",
      role: "owner",
      via: "token",
    });
    const again = await api("POST", "/admin/session", { auth: null, json: { code } });
    expect(again.status).toBe(401);
    expect(again.json.error).toMatch(/used or has expired/);
    expect((await api("POST", "/admin/session", { auth: null, json: { code: "nope" } })).status).toBe(401);
    const [stored] = (await team.listTokens("owner@localhost")).filter((t) => t.label === "console session");
    const hours = (Date.parse(stored?.expiresAt ?? "") - Date.parse(stored?.createdAt ?? "")) / 3_600_000;
    expect(hours).toBe(12);
  });

  it("records every admin write, newest first, pages with a cursor, filters, exports; never a token", async () => {
    const token = await member("audited@example.com", "owner");
    await api("POST", "/admin/subscribers", {
      auth: bearer(token),
      // Typed with capitals: the entry names the address as stored, so a filter by it finds the entry.
      json: { email: "Reader@Example.com", sections: [] },
    });
    const byTarget = await api("GET", "/admin/audit?target=reader%40example.com");
    expect(byTarget.json.items).toMatchObject([{ action: "subscriber.add", target: "reader@example.com" }]);
    await api("DELETE", "/admin/subscribers/reader%40example.com?erase=true", { auth: bearer(token) });

    const all = await api("GET", "/admin/audit?limit=500");
    expect(all.status).toBe(200);
    const items = all.json.items as {
      at: string;
      actor: string;
      action: string;
      target: string;
      summary: string;
    }[];
    expect(items.length).toBeGreaterThan(5);
    const ats = items.map((e) => e.at);
    expect(ats).toEqual([...ats].sort().reverse());
    expect(all.text).not.toContain(token);
    expect(all.text).not.toContain("dgt_");
    expect(all.text.toLowerCase()).not.toContain("reader@example.com");

    const [erase, add] = items;
    expect(erase).toMatchObject({
      actor: "audited@example.com",
      via: "token",
      action: "subscriber.erase",
      target: "(erased)",
    });
    expect(add).toMatchObject({
      actor: "audited@example.com",
      action: "subscriber.add",
      // The erasure took the address out of the entries about the person.
      target: "(erased)",
    });
    const created = items.find((e) => e.action === "team.token.create" && e.target === "audited@example.com");
    expect(created?.actor).toBe("owner@localhost");
    expect(created?.summary).toMatch(/^token [0-9a-f]{16} \(test\) → 201$/);
    expect(JSON.stringify(created)).not.toContain(token);
    // Nothing a member never did: reads are not recorded.
    expect(items.some((e) => e.action.startsWith("GET"))).toBe(false);

    // Pages of 2 walk the same entries in the same order.
    const walked: unknown[] = [];
    let cursor: string | null = null;
    do {
      const q: string = cursor ? `&cursor=${encodeURIComponent(cursor)}` : "";
      const page = await api("GET", `/admin/audit?limit=2${q}`);
      expect(page.json.items.length).toBeLessThanOrEqual(2);
      walked.push(...page.json.items);
      cursor = page.json.nextCursor;
    } while (cursor);
    expect(walked).toEqual(items);

    const byAction = await api("GET", "/admin/audit?action=team.add&limit=1");
    expect(byAction.json.items).toHaveLength(1);
    expect(byAction.json.items[0].action).toBe("team.add");
    expect(byAction.json.nextCursor).not.toBeNull();
    expect((await api("GET", "/admin/audit?cursor=bogus")).json.field).toBe("cursor");
    expect((await api("GET", "/admin/audit?from=2001-01-01&to=2001-01-02")).json.items).toEqual([]);

    const viewer = await member("reads@example.com", "viewer");
    expect((await api("GET", "/admin/audit", { auth: bearer(viewer) })).status).toBe(200);
    expect((await api("GET", "/admin/audit/export", { auth: bearer(viewer) })).status).toBe(403);
    const csv = await api("GET", "/admin/audit/export?format=csv");
    expect(csv.status).toBe(200);
    expect(csv.text.split("\r\n")[0]).toBe("at,actor,via,action,target,summary");
    expect(csv.text).toContain("subscriber.erase");
    expect(csv.text).not.toContain("dgt_");
  });

  it("digest team add/list/token/remove, recorded as cli:<OS user>", async () => {
    const as = { USER: "newsdesk" };
    const add = await stack.digest(["team", "add", "Cli@Example.com", "--role", "editor"], as);
    expect(add.code, add.err).toBe(0);
    expect(add.out).toContain("added cli@example.com as editor");
    expect((await stack.digest(["team", "add", "x@example.com"], as)).code).toBe(2);
    const list = await stack.digest(["team", "list", "--json"], as);
    const listed = JSON.parse(list.out) as { email: string; role: string; addedBy: string }[];
    expect(listed.find((m) => m.email === "cli@example.com")).toMatchObject({
      role: "editor",
      addedBy: "cli:newsdesk",
    });
    const token = await stack.digest(["team", "token", "cli@example.com"], as);
    expect(token.code, token.err).toBe(0);
    const secret = token.out.trim();
    expect(secret).toMatch(/^dgt_/);
    expect((await api("GET", "/admin/me", { auth: bearer(secret) })).json.role).toBe("editor");
    expect((await stack.digest(["team", "remove", "cli@example.com"], as)).code).toBe(0);
    expect((await api("GET", "/admin/me", { auth: bearer(secret) })).status).toBe(403);

    const audit = (await api("GET", "/admin/audit?actor=cli:newsdesk")).json.items as Record<
      string,
      string
    >[];
    expect(audit.map((e) => e.action)).toEqual(["team.remove", "team.token.create", "team.add"]);
    expect(audit[2]).toMatchObject({
      via: "cli",
      target: "cli@example.com",
      summary: "digest team add --role",
    });
    expect(JSON.stringify(audit)).not.toContain(secret);
    // Reads leave nothing; a write refused (usage error) neither.
    expect(audit.some((e) => e.action === "team.list")).toBe(false);
  });
});

import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { DynamoSuppressionStore } from "../../functions/adapters/dynamo/suppression-store.js";
import { adminRoutes } from "../../functions/core/http/admin-routes.js";
import {
  adminRequest,
  type Serve,
  type ServeAnswer,
  serveForSuite,
  TEST_ADMIN_TOKEN,
} from "../helpers/serve.js";
import {
  stackDocumentClient,
  stackErasureKey,
  story,
  type TestStack,
  writeStories,
} from "../helpers/services.js";

/**
 * The admin API over real HTTP (`digest serve` as a child process) on dynalite and the SES endpoint:
 * the single auth check on every route, subscriber CRUD with its status rules, pagination, filters,
 * export, consent evidence, editions; and that the CLI answers the same as the API.
 */

const client =
  (serve: () => Serve) =>
  (method: string, path: string, opts: Parameters<typeof adminRequest>[3] = {}): Promise<ServeAnswer> =>
    adminRequest(serve(), method, path, opts);

const VIEW_KEYS = ["confirmedAt", "createdAt", "email", "locale", "name", "sections", "status", "timezone"];
const SECTIONS = { DIGEST_SECTIONS: "World,Science,Culture" };

describe("admin auth", () => {
  let serve: Serve;
  const api = client(() => serve);
  serveForSuite(SECTIONS, (started) => {
    serve = started.serve;
  });

  it("guards every admin route: no credentials 401 with a challenge, a wrong token or scheme 403", async () => {
    expect(adminRoutes.length).toBeGreaterThanOrEqual(9);
    // The sign-in code exchange (POST /admin/session) is the one admin route that takes no credentials.
    for (const route of adminRoutes.filter((r) => !r.anonymous)) {
      expect(route.admin, `${route.method} ${route.pattern}`).toBe(true);
      const path = route.pattern.replace("{email}", "ana%40example.com").replace("{id}", "2031-01-01");
      const body = route.method === "POST" || route.method === "PATCH" ? "{}" : undefined;
      const type = body ? "application/json" : undefined;
      const label = `${route.method} ${path}`;

      const none = await api(route.method, path, { auth: null, body, type });
      expect(none.status, label).toBe(401);
      expect(none.headers.get("www-authenticate"), label).toMatch(/^Bearer /);
      expect(none.json, label).toEqual({ error: "authentication required" });

      const wrong = await api(route.method, path, { auth: "Bearer not-the-token-at-all-0000", body, type });
      expect(wrong.status, label).toBe(403);
      const basic = await api(route.method, path, {
        auth: `Basic ${Buffer.from(`admin:${TEST_ADMIN_TOKEN}`).toString("base64")}`,
        body,
        type,
      });
      expect(basic.status, label).toBe(403);
      const bare = await api(route.method, path, { auth: TEST_ADMIN_TOKEN, body, type });
      expect(bare.status, label).toBe(403);
    }
    // The right token gets through (to a real answer, not an auth error).
    expect((await api("GET", "/admin/subscribers")).status).toBe(200);
    expect(serve.stderr()).not.toContain("Error");
  });
});

describe("admin subscribers API", () => {
  let stack: TestStack;
  let serve: Serve;
  let suppressions: DynamoSuppressionStore;
  let db: ReturnType<typeof stackDocumentClient>;
  const api = client(() => serve);
  serveForSuite(SECTIONS, (started) => {
    ({ stack, serve } = started);
    db = stackDocumentClient(stack);
    suppressions = new DynamoSuppressionStore(db, "digest-suppressions", stackErasureKey(stack));
  });
  afterAll(() => db?.destroy());

  it("adds, reads, updates, pauses, resumes and unsubscribes; never reactivates", async () => {
    const created = await api("POST", "/admin/subscribers", {
      json: {
        email: "  Ana@Example.COM ",
        name: " Ana  Ortiz ",
        sections: ["world", "Science"],
        timezone: "europe/lisbon",
        source: "Signed up at the book fair, 2031-03-01",
      },
    });
    expect(created.status).toBe(201);
    expect(created.headers.get("location")).toBe("/admin/subscribers/ana%40example.com");
    expect(created.json).toMatchObject({
      email: "ana@example.com",
      name: "Ana Ortiz",
      status: "active",
      sections: ["World", "Science"],
      timezone: "Europe/Lisbon",
      confirmedAt: expect.any(String),
      suppression: null,
      consent: { method: "admin", at: expect.any(String) },
    });
    expect(created.json.consent.source).toContain("Signed up at the book fair");
    expect(created.json.consent.source).toContain("127.0.0.1");

    // The same again changes nothing; a new name updates in place (one record per address).
    const same = await api("POST", "/admin/subscribers", {
      json: { email: "ana@example.com", sections: ["World", "Science"] },
    });
    expect(same.status).toBe(200);
    expect(same.json.createdAt).toBe(created.json.createdAt);
    const renamed = await api("POST", "/admin/subscribers", {
      json: { email: "ana@example.com", name: "Ana O." },
    });
    expect(renamed.status).toBe(200);
    expect(renamed.json.name).toBe("Ana O.");

    const shown = await api("GET", "/admin/subscribers/Ana%40example.com");
    expect(shown.status).toBe(200);
    expect(shown.json).toMatchObject({ email: "ana@example.com", name: "Ana O.", id: expect.any(String) });
    expect(shown.json.consent).toEqual(created.json.consent);
    expect((await api("GET", "/admin/subscribers/nobody%40example.com")).status).toBe(404);
    const malformed = await api("GET", "/admin/subscribers/not-an-address");
    expect(malformed.status).toBe(400);
    expect(malformed.json.field).toBe("email");

    const paused = await api("PATCH", "/admin/subscribers/ana%40example.com", { json: { status: "paused" } });
    expect(paused.status).toBe(200);
    expect(paused.json.status).toBe("paused");
    const patched = await api("PATCH", "/admin/subscribers/ana%40example.com", {
      json: { status: "active", sections: "Culture; science", name: null, timezone: null },
    });
    expect(patched.status).toBe(200);
    expect(patched.json).toMatchObject({
      status: "active",
      sections: ["Culture", "Science"],
      name: null,
      timezone: null,
    });
    expect(
      (await api("PATCH", "/admin/subscribers/nobody%40example.com", { json: { name: "X" } })).status,
    ).toBe(404);

    const removed = await api("DELETE", "/admin/subscribers/ana%40example.com");
    expect(removed.status).toBe(200);
    expect(removed.json.status).toBe("unsubscribed");
    // The record stays, so nothing an admin does brings the address back.
    const resumed = await api("PATCH", "/admin/subscribers/ana%40example.com", {
      json: { status: "active" },
    });
    expect(resumed.status).toBe(409);
    expect(
      (await api("PATCH", "/admin/subscribers/ana%40example.com", { json: { status: "paused" } })).status,
    ).toBe(409);
    const readded = await api("POST", "/admin/subscribers", { json: { email: "ana@example.com" } });
    expect(readded.status).toBe(409);
    expect(readded.json).toEqual({
      error: "ana@example.com is unsubscribed; not reactivated",
      reason: "unsubscribed",
    });
    expect((await api("DELETE", "/admin/subscribers/ana%40example.com")).status).toBe(200);
    expect((await api("GET", "/admin/subscribers/ana%40example.com")).json.status).toBe("unsubscribed");
  });

  it("names the field of every bad value with a 400", async () => {
    const cases: [unknown, string][] = [
      [{ name: "No address" }, "email"],
      [{ email: "ana@@example.com" }, "email"],
      [{ email: 42 }, "email"],
      [{ email: "b@example.com", sections: ["Sport"] }, "sections"],
      [{ email: "b@example.com", sections: [1] }, "sections"],
      [{ email: "b@example.com", timezone: "Mars/Olympus" }, "timezone"],
      [{ email: "b@example.com", status: "paused" }, "status"],
      [{ email: "b@example.com", name: "x".repeat(201) }, "name"],
      [{ email: "b@example.com", section: "World" }, "section"],
    ];
    for (const [json, field] of cases) {
      const res = await api("POST", "/admin/subscribers", { json });
      expect(res.status, JSON.stringify(json)).toBe(400);
      expect(res.json.field, JSON.stringify(json)).toBe(field);
      expect(typeof res.json.error).toBe("string");
    }
    const notJson = await api("POST", "/admin/subscribers", { body: "{nope", type: "application/json" });
    expect(notJson.status).toBe(400);
    expect(notJson.json.field).toBe("body");
    expect(
      (await api("POST", "/admin/subscribers", { body: "email=a@x.org", type: "text/plain" })).status,
    ).toBe(415);
    await api("POST", "/admin/subscribers", { json: { email: "pat@example.com" } });
    const badPatch = await api("PATCH", "/admin/subscribers/pat%40example.com", {
      json: { status: "suppressed" },
    });
    expect(badPatch.status).toBe(400);
    expect(badPatch.json.field).toBe("status");
    for (const [query, field] of [
      ["status=nope", "status"],
      ["limit=0", "limit"],
      ["limit=501", "limit"],
      ["limit=ten", "limit"],
      ["section=Sport", "section"],
      ["cursor=garbage", "cursor"],
      ["cursor=eyJrZXkiOnsiZW1haWwiOjV9fQ", "cursor"],
    ]) {
      const res = await api("GET", `/admin/subscribers?${query}`);
      expect(res.status, query).toBe(400);
      expect(res.json.field, query).toBe(field);
    }
    expect((await api("GET", "/admin/subscribers/export?format=xml")).json.field).toBe("format");
    expect((await api("DELETE", "/admin/subscribers/pat%40example.com?erase=maybe")).json.field).toBe(
      "erase",
    );
  });

  it("adds a pending subscriber with a confirmation email; suppressed addresses are refused", async () => {
    const pending = await api("POST", "/admin/subscribers", {
      json: { email: "Penny@Example.com", status: "pending", sections: ["Culture"] },
    });
    expect(pending.status).toBe(201);
    expect(pending.json).toMatchObject({ status: "pending", confirmedAt: null });
    const mail = await readFile(join(stack.dir, "out", "confirm", "penny@example.com.eml"), "utf8");
    expect(mail).toMatch(/\/confirm\?t=/);
    // Pending becomes active by confirming, not by an admin's PATCH.
    expect(
      (await api("PATCH", "/admin/subscribers/penny%40example.com", { json: { status: "active" } })).status,
    ).toBe(409);

    await suppressions.put({
      email: "bounced@example.com",
      reason: "bounce",
      detail: "5.1.1",
      at: new Date().toISOString(),
    });
    const refused = await api("POST", "/admin/subscribers", {
      json: { email: "bounced@example.com", status: "pending" },
    });
    expect(refused.status).toBe(409);
    expect(refused.json.reason).toBe("suppressed");
    expect((await api("GET", "/admin/subscribers/bounced%40example.com")).status).toBe(404);
    const sent = stack.ses.messages.flatMap((m) => m.destinations);
    expect(sent).toContain("penny@example.com");
    expect(sent).not.toContain("bounced@example.com");
  });

  it("CLI show, update and erase are the same operations", async () => {
    expect(
      (
        await stack.digest([
          "subscribers",
          "add",
          "cli@example.com",
          "--name",
          "Cli",
          "--source",
          "phone call",
        ])
      ).code,
    ).toBe(0);
    const shown = await stack.digest(["subscribers", "show", "CLI@example.com", "--json"]);
    expect(shown.code).toBe(0);
    const api_ = await api("GET", "/admin/subscribers/cli%40example.com");
    expect(JSON.parse(shown.out)).toEqual(api_.json);
    expect(JSON.parse(shown.out).consent).toMatchObject({ method: "admin", source: "phone call" });
    const text = await stack.digest(["subscribers", "show", "cli@example.com"]);
    expect(text.out).toMatch(/consent: +admin at .*, source: phone call/);

    expect((await stack.digest(["subscribers", "update", "cli@example.com", "--pause"])).out).toContain(
      "updated cli@example.com (paused",
    );
    expect(
      (await stack.digest(["subscribers", "update", "cli@example.com", "--resume", "--sections", "World"]))
        .out,
    ).toContain("updated cli@example.com (active; sections: World)");
    const bad = await stack.digest(["subscribers", "update", "cli@example.com", "--timezone", "Moon/Base"]);
    expect(bad.code).toBe(1);
    expect(bad.err).toContain("is not a time zone");
    expect((await stack.digest(["subscribers", "update", "cli@example.com"])).code).toBe(2);
    expect(
      (await stack.digest(["subscribers", "update", "cli@example.com", "--pause", "--resume"])).code,
    ).toBe(2);
    await stack.digest(["subscribers", "remove", "cli@example.com"]);
    const resume = await stack.digest(["subscribers", "update", "cli@example.com", "--resume"]);
    expect(resume.code).toBe(1);
    expect(resume.err).toContain("is unsubscribed");

    const erased = await stack.digest(["subscribers", "erase", "cli@example.com"]);
    expect(erased.code).toBe(0);
    expect(erased.out).toContain("erased cli@example.com");
    expect((await stack.digest(["subscribers", "show", "cli@example.com"])).code).toBe(1);
    expect((await api("GET", "/admin/subscribers/cli%40example.com")).status).toBe(404);
    const again = await stack.digest(["subscribers", "add", "cli@example.com"]);
    expect(again.code).toBe(1);
    expect(again.err).toContain("was erased");
    expect((await stack.digest(["subscribers", "erase", "nobody-here@example.com"])).code).toBe(1);
  });
});

describe("admin list, filters, export and editions", () => {
  let stack: TestStack;
  let serve: Serve;
  const api = client(() => serve);
  const DAY = "2031-04-02";
  const seed = async (stack: TestStack) => {
    const csv = join(stack.dir, "subs.csv");
    const { writeFile } = await import("node:fs/promises");
    await writeFile(
      csv,
      [
        "email,name,sections,timezone",
        "a1@example.com,A1,World,",
        "a2@example.com,A2,Science,",
        "a3@example.com,=SUM(1),,Europe/Lisbon",
        'a4@example.com,"Four, A.",World;Culture,',
        "a5@example.com,A5,Culture,",
        "a6@example.com,,Science;World,",
        "a7@example.com,A7,Culture,",
      ].join("\n"),
    );
    expect((await stack.digest(["subscribers", "import", csv])).code).toBe(0);
    await stack.digest(["subscribers", "update", "a5@example.com", "--pause"]);
    await stack.digest(["subscribers", "remove", "a7@example.com"]);
  };
  serveForSuite(
    SECTIONS,
    (started) => {
      ({ stack, serve } = started);
    },
    seed,
  );

  async function pages(query: string) {
    const seen: string[] = [];
    let cursor: string | null = null;
    let count = 0;
    do {
      const res: ServeAnswer = await api(
        "GET",
        `/admin/subscribers?${query}&limit=2${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`,
      );
      expect(res.status).toBe(200);
      expect(Object.keys(res.json).sort()).toEqual(["items", "nextCursor"]);
      expect(res.json.items.length).toBeLessThanOrEqual(2);
      for (const item of res.json.items) expect(Object.keys(item).sort()).toEqual(VIEW_KEYS);
      seen.push(...res.json.items.map((i: { email: string }) => i.email));
      cursor = res.json.nextCursor;
      count++;
    } while (cursor && count < 50);
    return { emails: seen.sort(), pages: count };
  }

  it("pages through everyone with limit=2, by status through the index and by section", async () => {
    const all = await pages("");
    expect(all.emails).toEqual([1, 2, 3, 4, 5, 6, 7].map((n) => `a${n}@example.com`));
    expect(all.pages).toBeGreaterThan(3);
    const active = await pages("status=active");
    expect(active.emails).toEqual(["a1", "a2", "a3", "a4", "a6"].map((n) => `${n}@example.com`));
    expect(active.pages).toBeGreaterThan(1);
    // Section: who receives it (chose it, or chose no sections = all).
    expect((await pages("section=world")).emails).toEqual(
      ["a1", "a3", "a4", "a6"].map((n) => `${n}@example.com`),
    );
    expect((await pages("status=active&section=Culture")).emails).toEqual([
      "a3@example.com",
      "a4@example.com",
    ]);
    expect((await pages("status=paused")).emails).toEqual(["a5@example.com"]);
    expect((await pages("status=suppressed")).emails).toEqual([]);
    const cli = await stack.digest(["subscribers", "list", "--section", "Culture", "--json"]);
    expect(JSON.parse(cli.out).map((s: { email: string }) => s.email)).toEqual(
      ["a3", "a4", "a5", "a7"].map((n) => `${n}@example.com`),
    );
    expect((await stack.digest(["subscribers", "list", "--section", "Sport"])).code).toBe(2);
  });

  it("searches by the start of an address (prefix=), page by page, with status and section", async () => {
    expect((await pages("prefix=A1")).emails).toEqual(["a1@example.com"]);
    expect((await pages("prefix=a")).emails).toEqual([1, 2, 3, 4, 5, 6, 7].map((n) => `a${n}@example.com`));
    expect((await pages("prefix=a5@&status=paused")).emails).toEqual(["a5@example.com"]);
    expect((await pages("prefix=a5@&status=active")).emails).toEqual([]);
    expect((await pages("prefix=a&section=Culture&status=active")).emails).toEqual([
      "a3@example.com",
      "a4@example.com",
    ]);
    expect((await pages("prefix=nobody")).emails).toEqual([]);
  });

  it("exports CSV (attachment, formulas defused) and JSON in the shapes of design.md, same as the CLI", async () => {
    const csv = await api("GET", "/admin/subscribers/export");
    expect(csv.status).toBe(200);
    expect(csv.headers.get("content-type")).toBe("text/csv; charset=utf-8");
    expect(csv.headers.get("content-disposition")).toMatch(
      /^attachment; filename="subscribers-\d{4}-\d{2}-\d{2}\.csv"$/,
    );
    const lines = csv.text.trimEnd().split("\r\n");
    expect(lines[0]).toBe("email,name,sections,timezone,locale,status,createdAt,confirmedAt");
    expect(lines).toHaveLength(8);
    expect(lines.find((l) => l.startsWith("a3@"))).toMatch(
      /^a3@example\.com,"'=SUM\(1\)",,Europe\/Lisbon,,active,\S+Z,\S+Z$/,
    );
    expect(lines.find((l) => l.startsWith("a4@"))).toMatch(
      /^a4@example\.com,"Four, A\.","World;Culture",,,active,/,
    );
    const cliCsv = await stack.digest(["subscribers", "export"]);
    expect(cliCsv.out.trimEnd().split("\n")).toEqual(lines);

    const json = await api("GET", "/admin/subscribers/export?format=json&status=active");
    expect(json.status).toBe(200);
    expect(Array.isArray(json.json)).toBe(true);
    expect(json.json).toHaveLength(5);
    for (const item of json.json) expect(Object.keys(item).sort()).toEqual(VIEW_KEYS);
    const cliJson = await stack.digest(["subscribers", "export", "--json", "--status", "active"]);
    expect(JSON.parse(cliJson.out)).toEqual(json.json);
    const section = await api("GET", "/admin/subscribers/export?format=json&section=Science");
    expect(section.json.map((s: { email: string }) => s.email)).toEqual(
      ["a2", "a3", "a6"].map((n) => `${n}@example.com`),
    );
  });

  it("lists editions and shows one with ledger counts, as the CLI does", async () => {
    const empty = await api("GET", `/admin/editions?cursor=${DAY}`);
    expect(empty.json).toEqual({ items: [], nextCursor: null });
    const file = await writeStories(stack, "day.ndjson", [
      story(DAY, 1, { section: "World" }),
      story(DAY, 2, { section: "Science" }),
      story(DAY, 3, { section: "Culture" }),
    ]);
    expect((await stack.digest(["stories", "import", file])).code).toBe(0);
    const sent = await stack.digest(["send", "--date", DAY]);
    expect(sent.out).toMatch(/sent=5 /);

    const list = await api("GET", `/admin/editions?cursor=2031-04-05&days=7`);
    expect(list.status).toBe(200);
    expect(list.json.items).toEqual([
      {
        id: DAY,
        date: DAY,
        status: "sent",
        stories: 3,
        leftOut: 0,
        createdAt: expect.any(String),
        updatedAt: expect.any(String),
        delivery: expect.objectContaining({ sent: 5, verdict: "ok" }),
      },
    ]);
    expect(list.json.nextCursor).toBe("2031-03-29");
    const cliList = await stack.digest(["editions", "list", "--to", "2031-04-05", "--days", "7", "--json"]);
    expect(JSON.parse(cliList.out)).toEqual(list.json.items);
    expect((await api("GET", "/admin/editions?days=0")).json.field).toBe("days");
    expect((await api("GET", "/admin/editions?cursor=2031-02-30")).json.field).toBe("cursor");

    const one = await api("GET", `/admin/editions/${DAY}`);
    expect(one.status).toBe(200);
    expect(one.json).toMatchObject({
      id: DAY,
      status: "sent",
      leftOut: 0,
      counts: { sent: 5, failed: 0, suppressed: 0 },
      stats: {},
      haltedBecause: null,
    });
    expect(one.json.stories).toHaveLength(3);
    expect(one.json.stories[0]).toEqual({
      id: expect.any(String),
      headline: expect.any(String),
      section: expect.any(String),
      source: "Example Times",
      url: expect.stringMatching(/^https:\/\//),
    });
    const cliShow = await stack.digest(["editions", "show", DAY, "--json"]);
    expect(JSON.parse(cliShow.out)).toEqual(one.json);
    expect((await api("GET", "/admin/editions/2000-01-01")).status).toBe(404);
  });
});

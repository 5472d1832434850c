import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { adminRequest, type Serve, serveForSuite } from "../helpers/serve.js";
import { type FeedServer, fixture, startFeedServer } from "../integration/feeds-server.js";

/**
 * The admin API's feed routes (`GET|POST /admin/feeds`, `DELETE /admin/feeds/{id}`,
 * `POST /admin/feeds/{id}/poll`) over real HTTP against `digest serve` on dynalite, polling fixture
 * feeds served from 127.0.0.1; and what the address policy refuses when a feed is added.
 */

// biome-ignore lint/suspicious/noExplicitAny: answers are checked field by field
type Json = any;

let feeds: FeedServer;
beforeAll(async () => {
  feeds = await startFeedServer();
  feeds.routes.set("/gazette.xml", {
    kind: "document",
    body: fixture("rss2.xml"),
    contentType: "application/rss+xml; charset=utf-8",
    etag: true,
  });
  feeds.routes.set("/home", { kind: "document", body: fixture("page.html"), contentType: "text/html" });
});
afterAll(() => feeds?.close());

describe("feed routes (private feeds allowed, as an intranet newsroom would)", () => {
  let serve: Serve;
  // The fixture server is on 127.0.0.1: allowed only with feedsAllowPrivate.
  serveForSuite({ DIGEST_FEEDS_ALLOW_PRIVATE: "true" }, (started) => {
    ({ serve } = started);
  });
  const api = async (method: string, path: string, opts: Parameters<typeof adminRequest>[3] = {}) => {
    const { status, json } = await adminRequest(serve, method, path, opts);
    return { status, json: json as Json };
  };
  async function member(email: string, role: string): Promise<string> {
    expect((await api("POST", "/admin/team", { json: { email, role } })).status).toBe(201);
    const made = await api("POST", `/admin/team/${encodeURIComponent(email)}/tokens`, { json: {} });
    return made.json.token as string;
  }

  it("adds a feed (201, its id a stable hash of the canonical URL), lists it, adds it again idempotently", async () => {
    const url = `${feeds.url}/gazette.xml`;
    const added = await api("POST", "/admin/feeds", { json: { url: `${url}#top`, section: "Coast" } });
    expect(added.status).toBe(201);
    expect(added.json).toMatchObject({ added: true, feed: { url, section: "Coast", lastPolledAt: null } });
    expect(added.json.feed.id).toMatch(/^[0-9a-f]{16}$/);
    const again = await api("POST", "/admin/feeds", { json: { url } });
    expect(again.status).toBe(200);
    expect(again.json).toMatchObject({ added: false, feed: { id: added.json.feed.id, section: "Coast" } });
    const listed = await api("GET", "/admin/feeds");
    expect(listed.status).toBe(200);
    expect(listed.json.items).toEqual([
      expect.objectContaining({
        id: added.json.feed.id,
        url,
        section: "Coast",
        lastPolledAt: null,
        lastStatus: null,
        lastError: null,
        consecutiveFailures: 0,
      }),
    ]);
  });

  it("refuses a bad URL with 400 and the reason, whatever the address policy allows", async () => {
    const cases: [string, string][] = [
      ["ftp://files.example/feed.xml", "not an absolute http(s) URL"],
      ["feeds/local.xml", "not an absolute http(s) URL"],
      [
        "http://169.254.169.254/latest/meta-data/",
        "refused: the feed's address is link-local: never fetched",
      ],
      [
        "http://[fd00:ec2::254]/feed",
        "refused: the feed's address is a cloud metadata service: never fetched",
      ],
      ["http://0.0.0.0/feed.xml", "refused: the feed's address is unspecified: never fetched"],
    ];
    for (const [url, reason] of cases) {
      const res = await api("POST", "/admin/feeds", { json: { url } });
      expect({ url, status: res.status, field: res.json.field }).toEqual({ url, status: 400, field: "url" });
      expect(res.json.error).toContain(reason);
    }
    expect((await api("POST", "/admin/feeds", { json: {} })).status).toBe(400);
    expect(
      (await api("POST", "/admin/feeds", { json: { url: `${feeds.url}/x`, section: "" } })).json,
    ).toEqual({
      error: "section must not be empty (leave it out: the section each item names)",
      field: "section",
    });
    expect((await api("GET", "/admin/feeds")).json.items).toHaveLength(1);
  });

  it("polls one feed now and answers its report; a broken feed's error is recorded and listed", async () => {
    const [gazette] = (await api("GET", "/admin/feeds")).json.items;
    const polled = await api("POST", `/admin/feeds/${gazette.id}/poll`);
    expect(polled.status).toBe(200);
    expect(polled.json).toMatchObject({ id: gazette.id, url: gazette.url, status: "ok", error: null });
    expect(polled.json.imported).toBeGreaterThan(0);
    expect(polled.json).toHaveProperty("problems");
    const again = await api("POST", `/admin/feeds/${gazette.id}/poll`);
    expect(again.json).toMatchObject({ status: "not-modified", imported: 0 });

    const broken = await api("POST", "/admin/feeds", { json: { url: `${feeds.url}/home` } });
    const failed = await api("POST", `/admin/feeds/${broken.json.feed.id}/poll`);
    expect(failed.status).toBe(200);
    expect(failed.json).toMatchObject({
      status: "error",
      error: "not a feed: the document is HTML",
      consecutiveFailures: 1,
    });
    const listed = (await api("GET", "/admin/feeds")).json.items as Json[];
    expect(listed.find((f) => f.id === broken.json.feed.id)).toMatchObject({
      lastStatus: "error",
      lastError: "not a feed: the document is HTML",
      consecutiveFailures: 1,
    });
    expect(listed.find((f) => f.id === gazette.id)).toMatchObject({ lastStatus: "not-modified" });
    expect((await api("POST", "/admin/feeds/0123456789abcdef/poll")).status).toBe(404);
  });

  it("removes a feed (404 after); the stories it brought stay", async () => {
    const items = (await api("GET", "/admin/feeds")).json.items as Json[];
    const home = items.find((f) => f.url.endsWith("/home"));
    expect((await api("DELETE", `/admin/feeds/${home.id}`)).json).toEqual({ removed: true, id: home.id });
    expect((await api("DELETE", `/admin/feeds/${home.id}`)).status).toBe(404);
    expect((await api("GET", "/admin/feeds")).json.items).toHaveLength(1);
  });

  it("a viewer may list, not add, remove or poll (403 naming the role); an editor may; each write audited", async () => {
    const viewer = await member("vera@example.com", "viewer");
    const editor = await member("ed@example.com", "editor");
    const as = (token: string) => `Bearer ${token}`;
    const [gazette] = (await api("GET", "/admin/feeds", { auth: as(viewer) })).json.items;
    expect(gazette).toBeDefined();
    const refused = { error: "this needs the editor role; you are a viewer", need: "editor" };
    const writes: [string, string, unknown?][] = [
      ["POST", "/admin/feeds", { url: `${feeds.url}/other.xml` }],
      ["POST", `/admin/feeds/${gazette.id}/poll`],
      ["DELETE", `/admin/feeds/${gazette.id}`],
    ];
    for (const [method, path, json] of writes) {
      const res = await api(method, path, { auth: as(viewer), ...(json ? { json } : {}) });
      expect({ method, path, status: res.status, json: res.json }).toEqual({
        method,
        path,
        status: 403,
        json: refused,
      });
    }
    const url = `${feeds.url}/other.xml`;
    const added = await api("POST", "/admin/feeds", { auth: as(editor), json: { url } });
    expect(added.status).toBe(201);
    expect((await api("POST", `/admin/feeds/${added.json.feed.id}/poll`, { auth: as(editor) })).status).toBe(
      200,
    );
    expect((await api("DELETE", `/admin/feeds/${added.json.feed.id}`, { auth: as(editor) })).status).toBe(
      200,
    );
    const audit = (await api("GET", "/admin/audit?actor=ed%40example.com")).json.items as Json[];
    expect(audit.map((e) => [e.action, e.target])).toEqual([
      ["feed.remove", url],
      ["feed.poll", url],
      ["feed.add", url],
    ]);
    expect(audit[1].summary).toContain("error: HTTP 404");
    expect(audit[2].summary).toContain("added");
  });
});

describe("feed routes under the default address policy (public addresses only)", () => {
  let serve: Serve;
  serveForSuite({}, (started) => {
    ({ serve } = started);
  });

  it("refuses loopback and private feed addresses with 400 and how to allow them", async () => {
    const cases: [string, string][] = [
      [
        `${feeds.url}/gazette.xml`,
        "refused: the feed's address is loopback (set feedsAllowPrivate to allow it)",
      ],
      [
        "http://localhost:8080/feed.xml",
        "refused: the feed's address is loopback (set feedsAllowPrivate to allow it)",
      ],
      [
        "http://10.1.2.3/feed.xml",
        "refused: the feed's address is private (set feedsAllowPrivate to allow it)",
      ],
    ];
    for (const [url, error] of cases) {
      const res = await adminRequest(serve, "POST", "/admin/feeds", { json: { url } });
      expect({ url, status: res.status, json: res.json }).toEqual({
        url,
        status: 400,
        json: { error, field: "url" },
      });
    }
    expect((await adminRequest(serve, "GET", "/admin/feeds")).json).toEqual({ items: [] });
  });
});

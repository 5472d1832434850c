import { Socket } from "node:net";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { classifyAddress } from "../../functions/adapters/address-policy.js";
import { feedAddressCheck, httpFeedFetcher } from "../../functions/adapters/feed-fetcher.js";
import { type FeedServer, startFeedServer } from "./feeds-server.js";

/**
 * Feed polling must not become a way into the network it runs in (SSRF): every address a feed URL or
 * a redirect leads to is checked before anything connects, and the connection goes to the address
 * that was checked. Only the fixture server on 127.0.0.1 is ever connected to; a guard on
 * Socket#connect makes sure of it and records every attempt.
 */

let server: FeedServer;
const none = { etag: null, lastModified: null };
const port = () => Number(new URL(server.url).port);

/** Every host:port a socket of this process tried to connect to while a test ran. */
const attempts: string[] = [];
const realConnect = Socket.prototype.connect;
const LOOPBACK = new Set(["127.0.0.1", "localhost", "::1"]);

beforeAll(async () => {
  server = await startFeedServer();
  server.routes.set("/feed.xml", {
    kind: "document",
    body: '<?xml version="1.0"?><rss version="2.0"><channel><title>T</title></channel></rss>',
    contentType: "application/rss+xml",
  });
  server.routes.set("/to-metadata", {
    kind: "redirect",
    status: 302,
    location: "http://169.254.169.254/latest/meta-data/iam/security-credentials/",
  });
  server.routes.set("/to-decimal", {
    kind: "redirect",
    status: 301,
    location: `http://2130706433:${port()}/feed.xml`,
  });
  server.routes.set("/to-self", { kind: "redirect", status: 302, location: "/feed.xml" });
  Socket.prototype.connect = function guardedConnect(this: Socket, ...args: unknown[]) {
    const first = args[0] as unknown;
    const options = (
      Array.isArray(first) ? first[0] : typeof first === "object" ? first : { port: first, host: args[1] }
    ) as {
      host?: string;
      port?: number;
      path?: string | null;
    };
    if (!options.path) {
      const host = options.host ?? "localhost";
      attempts.push(`${host}:${options.port}`);
      if (!LOOPBACK.has(host)) {
        // Never leave the machine, whatever the code under test does.
        process.nextTick(() => this.destroy(new Error(`test guard: no connection to ${host}`)));
        return this;
      }
    }
    return (realConnect as (...a: unknown[]) => Socket).apply(this, args);
  } as typeof Socket.prototype.connect;
});

afterAll(async () => {
  Socket.prototype.connect = realConnect;
  await server?.close();
});

afterEach(() => {
  attempts.length = 0;
  server.requests.length = 0;
});

describe("feed fetching refuses internal addresses (default policy)", () => {
  const fetcher = () => httpFeedFetcher();

  it("refuses loopback in every spelling, without connecting", async () => {
    for (const url of [
      `http://127.0.0.1:${port()}/feed.xml`,
      `http://2130706433:${port()}/feed.xml`,
      `http://0x7f.1:${port()}/feed.xml`,
      `http://0177.0.0.1:${port()}/feed.xml`,
      `http://[::ffff:7f00:1]:${port()}/feed.xml`,
      `http://[::ffff:127.0.0.1]:${port()}/feed.xml`,
      `http://[::1]:${port()}/feed.xml`,
      `http://localhost:${port()}/feed.xml`,
    ]) {
      const result = await fetcher().fetch(url, none);
      expect(result, url).toEqual({
        kind: "error",
        error: "refused: the feed's address is loopback (set feedsAllowPrivate to allow it)",
      });
    }
    expect(attempts).toEqual([]);
    expect(server.requests).toEqual([]);
  });

  it("refuses private, link-local, unspecified, NAT64 and other special addresses, without connecting", async () => {
    const cases: [string, string][] = [
      ["http://10.1.2.3/feed.xml", "private (set feedsAllowPrivate to allow it)"],
      ["http://192.168.0.10/feed.xml", "private (set feedsAllowPrivate to allow it)"],
      ["http://[fd00::5]/feed.xml", "private (set feedsAllowPrivate to allow it)"],
      ["http://169.254.169.254/latest/meta-data/", "link-local: never fetched"],
      ["http://[fe80::1]/feed.xml", "link-local: never fetched"],
      ["http://[fd00:ec2::254]/latest/meta-data/", "a cloud metadata service: never fetched"],
      [`http://0.0.0.0:${port()}/feed.xml`, "unspecified: never fetched"],
      ["http://[::]/feed.xml", "unspecified: never fetched"],
      ["http://[64:ff9b::7f00:1]/feed.xml", "loopback (set feedsAllowPrivate to allow it)"],
      ["http://[64:ff9b::a9fe:a9fe]/feed.xml", "link-local: never fetched"],
      ["http://[2002:7f00:1::]/feed.xml", "loopback (set feedsAllowPrivate to allow it)"],
      ["http://224.0.0.1/feed.xml", "multicast: never fetched"],
      ["http://255.255.255.255/feed.xml", "broadcast: never fetched"],
      ["http://240.0.0.1/feed.xml", "reserved: never fetched"],
      ["http://[::7f00:1]/feed.xml", "reserved: never fetched"],
    ];
    for (const [url, why] of cases) {
      expect(await fetcher().fetch(url, none), url).toEqual({
        kind: "error",
        error: `refused: the feed's address is ${why}`,
      });
    }
    expect(attempts).toEqual([]);
  });

  it("checks every address a name resolves to", async () => {
    const resolve = async () => [
      { address: "93.184.215.14", family: 4 as const },
      { address: "10.0.0.7", family: 4 as const },
    ];
    expect(await httpFeedFetcher({ resolve }).fetch("http://feeds.example.org/rss", none)).toEqual({
      kind: "error",
      error: "refused: the feed's address is private (set feedsAllowPrivate to allow it)",
    });
    expect(attempts).toEqual([]);
  });
});

describe("with feedsAllowPrivate", () => {
  const fetcher = (opts = {}) => httpFeedFetcher({ allowPrivate: true, ...opts });

  it("fetches loopback and private addresses (an intranet CMS, these fixtures)", async () => {
    for (const url of [`http://127.0.0.1:${port()}/feed.xml`, `http://2130706433:${port()}/to-self`]) {
      expect(await fetcher().fetch(url, none), url).toMatchObject({ kind: "ok" });
    }
    expect(await fetcher().fetch(`http://127.0.0.1:${port()}/to-decimal`, none)).toMatchObject({
      kind: "ok",
      finalUrl: `http://127.0.0.1:${port()}/feed.xml`,
    });
  });

  it("still refuses link-local addresses, also as a redirect target, without connecting there", async () => {
    for (const url of ["http://169.254.169.254/latest/meta-data/", "http://[fe80::1%25eth0]/"]) {
      expect((await fetcher().fetch(url, none)).kind, url).toBe("error");
    }
    expect(await fetcher().fetch(`http://127.0.0.1:${port()}/to-metadata`, none)).toEqual({
      kind: "error",
      error: "refused: a redirect's address is link-local: never fetched",
    });
    expect(server.requests.map((r) => r.path)).toEqual(["/to-metadata"]);
    expect(attempts).toEqual([`127.0.0.1:${port()}`]);
  });

  it("connects to the address it checked: a name that resolves elsewhere the second time is not asked again", async () => {
    const lookups: string[] = [];
    // DNS rebinding: the first answer passes the check, every later one points at the metadata service.
    const resolve = async (hostname: string) => {
      lookups.push(hostname);
      return [{ address: lookups.length === 1 ? "127.0.0.1" : "169.254.169.254", family: 4 as const }];
    };
    const result = await fetcher({ resolve }).fetch(`http://localhost:${port()}/feed.xml`, none);
    expect(result).toMatchObject({ kind: "ok", finalUrl: `http://localhost:${port()}/feed.xml` });
    expect(lookups).toEqual(["localhost"]);
    // The request went to the fixture server under the feed's own name.
    expect(server.requests).toHaveLength(1);
    expect(server.requests[0]?.headers.host).toBe(`localhost:${port()}`);
    expect(attempts.some((a) => a.includes("169.254"))).toBe(false);

    // Each redirect hop is resolved and checked again: the next lookup answers link-local.
    server.routes.set("/to-name", {
      kind: "redirect",
      status: 302,
      location: `http://localhost:${port()}/feed.xml`,
    });
    expect(await fetcher({ resolve }).fetch(`http://127.0.0.1:${port()}/to-name`, none)).toEqual({
      kind: "error",
      error: "refused: a redirect's address is link-local: never fetched",
    });
    expect(lookups).toEqual(["localhost", "localhost"]);
    expect(attempts.some((a) => a.includes("169.254"))).toBe(false);
  });

  it("can allow private addresses but not loopback (the ingest Lambda: its runtime API is there)", async () => {
    const fetcher = httpFeedFetcher({ allowPrivate: true, allowLoopback: false });
    expect(await fetcher.fetch(`http://127.0.0.1:${port()}/feed.xml`, none)).toEqual({
      kind: "error",
      error: "refused: the feed's address is loopback: never fetched here",
    });
    expect(attempts).toEqual([]);
  });

  it("says what failed without naming internal addresses or ports", async () => {
    const { createServer } = await import("node:http");
    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, "127.0.0.1", () => r()));
    const closedPort = (closed.address() as { port: number }).port;
    await new Promise<void>((r) => closed.close(() => r()));
    const refused = await fetcher().fetch(`http://127.0.0.1:${closedPort}/feed.xml`, none);
    expect(refused).toEqual({ kind: "error", error: "cannot connect: connection refused" });
    const unknown = await fetcher({
      resolve: async () => {
        throw Object.assign(new Error("getaddrinfo ENOTFOUND nowhere.invalid"), { code: "ENOTFOUND" });
      },
    }).fetch("http://nowhere.invalid/feed.xml", none);
    expect(unknown).toEqual({ kind: "error", error: "host not found: nowhere.invalid" });
  });
});

describe("address classes", () => {
  it("lets public addresses through, also behind NAT64 and 6to4, and knows the special ones", () => {
    expect(
      Object.fromEntries(
        [
          "93.184.215.14",
          "2606:4700:4700::1111",
          "64:ff9b::5db8:d70e",
          "2002:5db8:d70e::1",
          "100.64.0.1",
          "172.31.255.255",
          "172.32.0.1",
          "100.100.100.200",
          "fd00:ec2::254",
          "192.0.2.1",
          "2001:db8::1",
          "2001::1",
          "fec0::1",
          "ff02::1",
          "not an address",
        ].map((a) => [a, classifyAddress(a)]),
      ),
    ).toEqual({
      "93.184.215.14": "public",
      "2606:4700:4700::1111": "public",
      "64:ff9b::5db8:d70e": "public",
      "2002:5db8:d70e::1": "public",
      "100.64.0.1": "private",
      "172.31.255.255": "private",
      "172.32.0.1": "public",
      "100.100.100.200": "metadata",
      "fd00:ec2::254": "metadata",
      "192.0.2.1": "reserved",
      "2001:db8::1": "reserved",
      "2001::1": "reserved",
      "fec0::1": "private",
      "ff02::1": "multicast",
      "not an address": "reserved",
    });
  });
});

describe("the address check of a feed being added (feeds add, POST /admin/feeds)", () => {
  const resolve = async (host: string) => {
    const table: Record<string, string[]> = {
      "news.example": ["93.184.215.14"],
      "intranet.example": ["10.0.0.5"],
      "mixed.example": ["93.184.215.14", "169.254.169.254"],
    };
    const found = table[host];
    if (!found) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${host}`), { code: "ENOTFOUND" });
    return found.map((address) => ({ address, family: 4 as const }));
  };

  it("refuses what a poll would refuse, every resolved address counted; a name that does not resolve yet passes", async () => {
    const check = feedAddressCheck({ resolve });
    expect(await check("https://news.example/feed.xml")).toBeNull();
    expect(await check("https://intranet.example/feed.xml")).toBe(
      "refused: the feed's address is private (set feedsAllowPrivate to allow it)",
    );
    expect(await check("https://mixed.example/feed.xml")).toBe(
      "refused: the feed's address is link-local: never fetched",
    );
    expect(await check("http://[::1]:8080/feed.xml")).toBe(
      "refused: the feed's address is loopback (set feedsAllowPrivate to allow it)",
    );
    // Its poll says "host not found" until DNS knows it.
    expect(await check("https://not-yet.example/feed.xml")).toBeNull();
    const intranet = feedAddressCheck({ resolve, allowPrivate: true });
    expect(await intranet("https://intranet.example/feed.xml")).toBeNull();
    expect(await intranet("https://mixed.example/feed.xml")).toBe(
      "refused: the feed's address is link-local: never fetched",
    );
    // No connection is made to check an address.
    expect(attempts).toEqual([]);
  });
});

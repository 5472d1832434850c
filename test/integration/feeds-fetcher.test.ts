import { createServer } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { httpFeedFetcher } from "../../functions/adapters/feed-fetcher.js";
import { type FeedServer, startFeedServer } from "./feeds-server.js";

/**
 * The HTTP side of feed polling against a real server on 127.0.0.1: loopback, so every fetcher here
 * allows private addresses (feedsAllowPrivate), as an operator polling an intranet feed would.
 */

let server: FeedServer;
const none = { etag: null, lastModified: null };

beforeAll(async () => {
  server = await startFeedServer();
});
afterAll(async () => {
  await server?.close();
});

describe("httpFeedFetcher", () => {
  it("follows a few redirects and reports the final URL; a loop or a non-http target is an error", async () => {
    server.routes.set("/final.xml", { kind: "document", body: "<rss/>", contentType: "application/rss+xml" });
    server.routes.set("/r1", { kind: "redirect", status: 302, location: "/r2" });
    server.routes.set("/r2", { kind: "redirect", status: 308, location: `${server.url}/final.xml` });
    server.routes.set("/loop", { kind: "redirect", status: 301, location: "/loop" });
    server.routes.set("/ftp", { kind: "redirect", status: 301, location: "ftp://files.example/feed.xml" });
    server.routes.set("/nowhere", { kind: "status", status: 302 });
    const fetcher = httpFeedFetcher({ maxRedirects: 3, allowPrivate: true });
    expect(await fetcher.fetch(`${server.url}/r1`, none)).toMatchObject({
      kind: "ok",
      text: "<rss/>",
      finalUrl: `${server.url}/final.xml`,
    });
    expect(await fetcher.fetch(`${server.url}/loop`, none)).toEqual({
      kind: "error",
      error: "more than 3 redirects (last to /loop)",
    });
    expect(await fetcher.fetch(`${server.url}/ftp`, none)).toEqual({
      kind: "error",
      error: "not an http(s) URL: ftp://files.example/feed.xml",
    });
    expect(await fetcher.fetch(`${server.url}/nowhere`, none)).toEqual({
      kind: "error",
      error: "HTTP 302 redirect without a Location",
    });
  });

  it("refuses a body over the limit by its Content-Length or while streaming it", async () => {
    server.routes.set("/big.xml", { kind: "document", body: "x".repeat(2048), contentType: "text/xml" });
    server.routes.set("/stream.xml", { kind: "huge", bytes: 4096 });
    const fetcher = httpFeedFetcher({ maxBytes: 1000, allowPrivate: true });
    expect(await fetcher.fetch(`${server.url}/big.xml`, none)).toEqual({
      kind: "error",
      error: "response too large: 2048 bytes (limit 1000 bytes)",
    });
    expect(await fetcher.fetch(`${server.url}/stream.xml`, none)).toEqual({
      kind: "error",
      error: "response too large: more than 1000 bytes",
    });
  });

  it("decompresses gzip, deflate and brotli bodies, and applies the size limit after decompression", async () => {
    const { brotliCompressSync, deflateSync, gzipSync } = await import("node:zlib");
    const xml = `<rss><t>${"news ".repeat(400)}</t></rss>`;
    const encoders: Record<string, (b: Buffer) => Buffer> = {
      gzip: gzipSync,
      deflate: deflateSync,
      br: brotliCompressSync,
    };
    const raw = createServer((req, res) => {
      const encoding = (req.url ?? "/").slice(1);
      const encode = encoders[encoding];
      if (!encode) return res.writeHead(200, { "content-encoding": "zstd" }).end("?");
      res.writeHead(200, { "content-type": "application/rss+xml", "content-encoding": encoding });
      res.end(encode(Buffer.from(xml)));
    });
    await new Promise<void>((r) => raw.listen(0, "127.0.0.1", () => r()));
    const base = `http://127.0.0.1:${(raw.address() as { port: number }).port}`;
    try {
      for (const encoding of Object.keys(encoders)) {
        expect(
          await httpFeedFetcher({ allowPrivate: true }).fetch(`${base}/${encoding}`, none),
        ).toMatchObject({
          kind: "ok",
          text: xml,
        });
        // Compressed it is small; the limit counts what it unpacks to.
        expect(
          await httpFeedFetcher({ allowPrivate: true, maxBytes: 1000 }).fetch(`${base}/${encoding}`, none),
        ).toEqual({
          kind: "error",
          error: "response too large: more than 1000 bytes",
        });
      }
      expect(await httpFeedFetcher({ allowPrivate: true }).fetch(`${base}/zstd`, none)).toEqual({
        kind: "error",
        error: 'unsupported content encoding "zstd"',
      });
    } finally {
      await new Promise<void>((r) => raw.close(() => r()));
    }
  });

  it("decodes the charset the Content-Type or the XML declaration names", async () => {
    const latin1 = Buffer.from(
      '<?xml version="1.0" encoding="ISO-8859-1"?><rss><t>Café à la mer</t></rss>',
      "latin1",
    );
    const raw = createServer((req, res) => {
      const type = req.url === "/header" ? "text/xml; charset=windows-1252" : "application/rss+xml";
      res.writeHead(200, { "content-type": type }).end(latin1);
    });
    await new Promise<void>((r) => raw.listen(0, "127.0.0.1", () => r()));
    const port = (raw.address() as { port: number }).port;
    try {
      const fetcher = httpFeedFetcher({ allowPrivate: true });
      for (const path of ["/header", "/declaration"]) {
        const result = await fetcher.fetch(`http://127.0.0.1:${port}${path}`, none);
        expect(result.kind === "ok" && result.text).toContain("Café à la mer");
      }
    } finally {
      await new Promise<void>((r) => raw.close(() => r()));
    }
  });

  it("says a connection was refused (not where) and refuses non-http URLs without a request", async () => {
    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, "127.0.0.1", () => r()));
    const port = (closed.address() as { port: number }).port;
    await new Promise<void>((r) => closed.close(() => r()));
    const fetcher = httpFeedFetcher({ allowPrivate: true });
    const refused = await fetcher.fetch(`http://127.0.0.1:${port}/feed.xml`, none);
    // What failed, never where: an error text must not map the network behind the poller.
    expect(refused).toEqual({ kind: "error", error: "cannot connect: connection refused" });
    expect(await fetcher.fetch("file:///etc/passwd", none)).toEqual({
      kind: "error",
      error: "not an http(s) URL: file:///etc/passwd",
    });
  });
});

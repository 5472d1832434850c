import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { createServer, type IncomingHttpHeaders, type Server } from "node:http";

/** What the feed server answers on one path. */
export type Route =
  | { kind: "document"; body: string; contentType: string; etag?: boolean; lastModified?: string }
  | { kind: "status"; status: number }
  | { kind: "redirect"; status: number; location: string }
  /** Accepts the request and never answers. */
  | { kind: "hang" }
  /** Streams `bytes` of feed-looking XML without a Content-Length. */
  | { kind: "huge"; bytes: number };

export interface FeedServer {
  url: string;
  routes: Map<string, Route>;
  /** Every request, in order: path and the headers that matter here. */
  requests: { path: string; headers: IncomingHttpHeaders }[];
  close(): Promise<void>;
}

export const fixture = (name: string) =>
  readFileSync(new URL(`../fixtures/feeds/${name}`, import.meta.url), "utf8");

const etagOf = (body: string) => `"${createHash("sha256").update(body).digest("base64url").slice(0, 16)}"`;

/**
 * A small HTTP server on 127.0.0.1 serving feed documents with real conditional-GET semantics
 * (ETag / If-None-Match → 304, Last-Modified / If-Modified-Since → 304), error statuses, redirects, a
 * route that never answers and one that streams an endless-looking body.
 */
export async function startFeedServer(): Promise<FeedServer> {
  const routes = new Map<string, Route>();
  const requests: FeedServer["requests"] = [];
  const server: Server = createServer((req, res) => {
    const path = new URL(req.url ?? "/", "http://x").pathname;
    requests.push({ path, headers: req.headers });
    const route = routes.get(path);
    if (!route) {
      res.writeHead(404, { "content-type": "text/plain" }).end("not found");
      return;
    }
    switch (route.kind) {
      case "status":
        res.writeHead(route.status).end();
        return;
      case "redirect":
        res.writeHead(route.status, { location: route.location }).end();
        return;
      case "hang":
        return;
      case "huge": {
        res.writeHead(200, { "content-type": "application/rss+xml" });
        const chunk = `<item><title>${"x".repeat(1000)}</title></item>\n`;
        res.write('<?xml version="1.0"?><rss version="2.0"><channel><title>Huge</title>\n');
        let sent = 0;
        const pump = () => {
          while (sent < route.bytes) {
            sent += chunk.length;
            if (!res.write(chunk)) {
              res.once("drain", pump);
              return;
            }
          }
          res.end("</channel></rss>");
        };
        res.on("error", () => {});
        pump();
        return;
      }
      case "document": {
        const headers: Record<string, string> = { "content-type": route.contentType };
        const etag = route.etag ? etagOf(route.body) : undefined;
        if (etag) headers.etag = etag;
        if (route.lastModified) headers["last-modified"] = route.lastModified;
        const notModified =
          (etag !== undefined && req.headers["if-none-match"] === etag) ||
          (etag === undefined &&
            route.lastModified !== undefined &&
            req.headers["if-modified-since"] === route.lastModified);
        if (notModified) {
          res.writeHead(304, headers).end();
          return;
        }
        headers["content-length"] = String(Buffer.byteLength(route.body));
        res.writeHead(200, headers).end(route.body);
        return;
      }
    }
  });
  const url = await new Promise<string>((resolve) => {
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      if (address && typeof address === "object") resolve(`http://127.0.0.1:${address.port}`);
    });
  });
  return {
    url,
    routes,
    requests,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

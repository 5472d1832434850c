import { createServer, type IncomingMessage, type Server } from "node:http";
import type { HttpRequest, HttpResponse } from "../core/http/types.js";

/** Largest request body accepted (CSV imports of ~100k rows fit). */
const MAX_BODY_BYTES = 50 * 1024 * 1024;

/** The request body as UTF-8 text, or null once it passes `maxBytes` (the rest is not read). */
export async function readBody(req: IncomingMessage, maxBytes = MAX_BODY_BYTES): Promise<string | null> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > maxBytes) return null;
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString("utf8");
}

/** Translates node's request into the core's HttpRequest. */
export async function toHttpRequest(req: IncomingMessage): Promise<HttpRequest | null> {
  const url = new URL(req.url ?? "/", "http://127.0.0.1");
  const body = await readBody(req);
  if (body === null) return null;
  const headers: Record<string, string> = {};
  for (const [key, value] of Object.entries(req.headers)) {
    if (value !== undefined) headers[key.toLowerCase()] = Array.isArray(value) ? value.join(", ") : value;
  }
  return {
    method: req.method ?? "GET",
    path: url.pathname,
    query: Object.fromEntries(url.searchParams),
    headers,
    body,
    sourceIp: req.socket.remoteAddress ?? null,
  };
}

/** Serves `handle` on host:port (port 0 picks a free one); resolves once listening. */
export async function startHttpServer(
  handle: (req: HttpRequest) => Promise<HttpResponse>,
  opts: { host?: string; port?: number } = {},
): Promise<{ server: Server; url: string; close(): Promise<void> }> {
  const server = createServer(async (req, res) => {
    try {
      const request = await toHttpRequest(req);
      if (!request) {
        res.writeHead(413, { "content-type": "text/plain" }).end("request body too large");
        return;
      }
      const response = await handle(request);
      res.writeHead(response.status, response.headers);
      res.end(req.method === "HEAD" ? undefined : response.body);
    } catch (err) {
      process.stderr.write(`serve: ${(err as Error).stack ?? err}\n`);
      if (!res.headersSent) res.writeHead(500, { "content-type": "text/plain" });
      res.end("internal error");
    }
  });
  const host = opts.host ?? "127.0.0.1";
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(opts.port ?? 8787, host, () => resolve());
  });
  const address = server.address();
  const port = address && typeof address === "object" ? address.port : 0;
  return {
    server,
    url: `http://${host}:${port}`,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

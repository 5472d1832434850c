import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { DEFAULT_MAX_BODY_BYTES, type HttpHandler } from "../core/http/router.js";
import type { HttpRequest, HttpResponse } from "../core/http/types.js";
import { CommandError } from "./cli-support.js";

/**
 * The request body as UTF-8 text, or null as soon as it passes `maxBytes`: at once when the declared
 * Content-Length says so, else when the bytes read pass it. The rest is not read (the stream stays
 * paused, the socket open, so the caller can still answer 413 on it).
 */
export function readBody(req: IncomingMessage, maxBytes: number): Promise<string | null> {
  const declared = Number(req.headers["content-length"]);
  if (Number.isFinite(declared) && declared > maxBytes) return Promise.resolve(null);
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBytes) {
        done();
        req.pause();
        resolve(null);
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = () => {
      done();
      resolve(Buffer.concat(chunks).toString("utf8"));
    };
    const onError = (err: Error) => {
      done();
      reject(err);
    };
    const done = () => {
      req.off("data", onData).off("end", onEnd).off("error", onError);
    };
    req.on("data", onData).on("end", onEnd).on("error", onError);
  });
}

/** Translates node's request into the core's HttpRequest; null when its body passes `maxBodyBytes`. */
export async function toHttpRequest(req: IncomingMessage, maxBodyBytes: number): Promise<HttpRequest | null> {
  const url = new URL(req.url ?? "/", "http://127.0.0.1");
  const body = await readBody(req, maxBodyBytes);
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

/** A handler whose requests go to whichever handler `current` returns at the time (swapped once ready). */
export function delegatingHandler(current: () => HttpHandler): HttpHandler {
  return Object.assign((req: HttpRequest) => current()(req), {
    bodyLimit: (method: string, path: string) => current().bodyLimit(method, path),
    tooLarge: (method: string, path: string) => current().tooLarge(method, path),
  });
}

/** A handler without routes of its own: every body up to DEFAULT_MAX_BODY_BYTES. */
export function simpleHandler(handle: (req: HttpRequest) => Promise<HttpResponse>): HttpHandler {
  return Object.assign(handle, {
    bodyLimit: () => DEFAULT_MAX_BODY_BYTES,
    tooLarge: (): HttpResponse => ({
      status: 413,
      headers: { "content-type": "text/plain; charset=utf-8", connection: "close" },
      body: `the body is larger than ${DEFAULT_MAX_BODY_BYTES} bytes`,
    }),
  });
}

/**
 * Bytes of a refused body a client may still send after its 413, discarded as they come (never
 * buffered): most clients read the answer only once their upload is done. Past this, the connection
 * is cut.
 */
const MAX_DISCARDED_BYTES = 16 * 1024 * 1024;

/**
 * Answers 413 at once, before the rest of the body arrived. The rest is discarded as it streams in
 * (so the client gets to read the answer), up to MAX_DISCARDED_BYTES; a client declaring or sending
 * more is cut off once the answer is out.
 */
export function refuseBody(req: IncomingMessage, res: ServerResponse, response: HttpResponse): void {
  const declared = Number(req.headers["content-length"]);
  const hopeless = Number.isFinite(declared) && declared > MAX_DISCARDED_BYTES;
  res.writeHead(response.status, { ...response.headers, ...(hopeless ? { connection: "close" } : {}) });
  res.end(response.body);
  if (hopeless) return; // node closes the connection once the answer is written
  let discarded = 0;
  req.on("data", (chunk: Buffer) => {
    discarded += chunk.length;
    if (discarded > MAX_DISCARDED_BYTES) req.socket.destroy();
  });
  req.resume();
}

/**
 * Serves `handle` on host:port (port 0 picks a free one); resolves once listening. Each request's
 * body is read only up to the limit of the route it is for (`handle.bodyLimit`).
 */
export async function startHttpServer(
  handle: HttpHandler,
  opts: { host?: string; port?: number } = {},
): Promise<{ server: Server; url: string; close(): Promise<void> }> {
  const server = createServer(async (req, res) => {
    try {
      const method = req.method ?? "GET";
      const path = new URL(req.url ?? "/", "http://127.0.0.1").pathname;
      const request = await toHttpRequest(req, handle.bodyLimit(method, path));
      if (!request) {
        refuseBody(req, res, handle.tooLarge(method, path));
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
  const port = await listen(server, opts.port ?? 8787, host);
  return {
    server,
    url: `http://${host}:${port}`,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

/**
 * Listens on host:port (0 picks a free port) and resolves with the port. A port another program holds
 * (EADDRINUSE) or one this user may not open (EACCES) is a CommandError saying so in one line.
 */
export async function listen(server: Server, port: number, host = "127.0.0.1"): Promise<number> {
  try {
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(port, host, () => {
        server.off("error", reject);
        resolve();
      });
    });
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === "EADDRINUSE") throw new CommandError(`port ${port} is in use (try --port 0 for a free one)`);
    if (code === "EACCES") {
      throw new CommandError(
        `port ${port} needs privileges this user lacks (try a port above 1023, or --port 0)`,
      );
    }
    throw err;
  }
  const address = server.address();
  return address && typeof address === "object" ? address.port : port;
}

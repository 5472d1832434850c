/**
 * `digest preview`'s HTTP server on 127.0.0.1: the preview page, the email itself (for the frames),
 * a Server-Sent Events stream that tells open pages to reload when the template changes, and the
 * "send a test" action. Recompiles the template from its directory at run time whenever it changes.
 */
import { randomBytes } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { EditionDeps } from "../../core/delivery/edition-sender.js";
import { sendTest } from "../../core/delivery/test-send.js";
import { parseSections } from "../../core/subscribers/subscribers.js";
import { listen, readBody, refuseBody } from "../http-server.js";
import { previewEdition } from "./model.js";
import { previewPage } from "./page.js";
import { compileDigestTemplate } from "./template.js";
import { watchTemplates } from "./watcher.js";

export interface PreviewOptions {
  /** Stores, mailer, outbox and config as `digest send` has them; the renderer is the preview's own. */
  deps: EditionDeps;
  /** The edition's day, YYYY-MM-DD. */
  day: string;
  /** Where digest.mjml is read from (and watched). */
  templatesDir: string;
  /** 0 picks a free port. */
  port: number;
  /** Told about template rebuilds and request errors. */
  log?: (line: string) => void;
}

export interface PreviewServer {
  url: string;
  close(): Promise<void>;
}

const MAX_FORM_BYTES = 16 * 1024;

/** On every answer: nothing here may be framed by another page (clickjacking the "send a test" form). */
const SECURITY_HEADERS = {
  "x-content-type-options": "nosniff",
  "referrer-policy": "same-origin",
  "cache-control": "no-store",
  "x-frame-options": "DENY",
} as const;

/**
 * Compiles the template (throwing when the first compile fails), starts watching its directory and
 * listens on 127.0.0.1:`port`. Resolves once listening; when it cannot listen (a CommandError for a
 * port in use), it stops watching and rejects.
 */
export async function startPreviewServer(opts: PreviewOptions): Promise<PreviewServer> {
  const log = opts.log ?? (() => {});
  let renderer = await compileDigestTemplate(opts.templatesDir);
  let templateError: string | null = null;
  const streams = new Set<ServerResponse>();

  const broadcast = (event: string, data: string) => {
    for (const res of streams) res.write(`event: ${event}\ndata: ${data}\n\n`);
  };
  let rebuilding: Promise<void> = Promise.resolve();
  const rebuild = () => {
    rebuilding = rebuilding.then(async () => {
      try {
        renderer = await compileDigestTemplate(opts.templatesDir);
        templateError = null;
        log("template recompiled; reloading open previews");
      } catch (err) {
        templateError = (err as Error).message;
        log(`template error: ${templateError}`);
      }
      broadcast("reload", JSON.stringify({ error: templateError !== null }));
    });
  };
  const stopWatching = watchTemplates(opts.templatesDir, rebuild);

  const deps = (): EditionDeps => ({ ...opts.deps, renderer });
  const model = (url: URL) => previewEdition(deps(), opts.day, chosenSections(url.searchParams));

  const server = createServer((req, res) => {
    handle(req, res).catch((err) => {
      log(`${req.method} ${req.url}: ${(err as Error).stack ?? err}`);
      if (!res.headersSent) res.writeHead(500, { "content-type": "text/plain; charset=utf-8" });
      res.end("internal error");
    });
  });

  let origin = "";
  /** The origins a browser gives this server's own pages: 127.0.0.1 and localhost at its port. */
  let ownOrigins = new Set<string>();
  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    // Only this machine's own names: a page elsewhere cannot reach the preview through DNS rebinding.
    const host = req.headers.host ?? "";
    if (!/^(127\.0\.0\.1|localhost)(:\d+)?$/.test(host)) return send(res, 421, "text/plain", "wrong host");
    const url = new URL(req.url ?? "/", origin);
    const route = `${req.method} ${url.pathname}`;
    switch (route) {
      case "GET /":
      case "HEAD /":
        return page(res, await model(url), null, "");
      case "GET /email.html": {
        const m = await model(url);
        return send(res, m.empty ? 404 : 200, "text/html; charset=utf-8", m.empty ? m.empty : m.html, {
          // The email must work without scripts; images only over https (config allows only those).
          // Only the preview page itself frames it.
          "content-security-policy":
            "default-src 'none'; style-src 'unsafe-inline'; img-src https: data:; frame-ancestors 'self'",
          "x-frame-options": "SAMEORIGIN",
        });
      }
      case "GET /email.txt": {
        const m = await model(url);
        return send(res, m.empty ? 404 : 200, "text/plain; charset=utf-8", m.empty ? m.empty : m.text);
      }
      case "GET /events":
        res.writeHead(200, {
          "content-type": "text/event-stream; charset=utf-8",
          "cache-control": "no-store",
          connection: "keep-alive",
        });
        res.write(": connected\n\n");
        streams.add(res);
        req.on("close", () => streams.delete(res));
        return;
      case "POST /send-test":
        return sendTestRoute(req, res);
      case "GET /favicon.ico":
        return send(res, 204, "text/plain", "");
      default:
        return send(res, 404, "text/plain; charset=utf-8", "not found");
    }
  }

  async function sendTestRoute(req: IncomingMessage, res: ServerResponse): Promise<void> {
    // A form on another site must not make this machine send mail.
    const from = req.headers.origin;
    if (from !== undefined && !ownOrigins.has(from))
      return send(res, 403, "text/plain", "cross-origin form refused");
    const body = await readForm(req);
    if (body === null) {
      return refuseBody(req, res, {
        status: 413,
        headers: { "content-type": "text/plain; charset=utf-8", ...SECURITY_HEADERS },
        body: "form too large",
      });
    }
    const to = body.get("to") ?? "";
    const query = new URLSearchParams();
    const sections = body.get("sections") ?? "";
    if (sections) query.set("sections", sections);
    const m = await previewEdition(deps(), opts.day, parseSections(sections));
    if (m.empty) return page(res, m, { kind: "error", text: m.empty }, to);
    const outcome = await sendTest(opts.deps, m, to);
    // The form again with the reason (status 200, as form pages do; the alert carries the error).
    if (!outcome.ok) return page(res, m, { kind: "error", text: outcome.error }, to);
    log(`test sent to ${outcome.to} (${outcome.messageId})`);
    query.set("sent", outcome.to);
    res.writeHead(303, { location: `/?${query}`, ...SECURITY_HEADERS }).end();
  }

  function page(
    res: ServerResponse,
    m: Awaited<ReturnType<typeof model>>,
    notice: { kind: "ok" | "error"; text: string } | null,
    to: string,
    status = 200,
  ) {
    const nonce = randomBytes(16).toString("base64");
    const sent = new URL(res.req.url ?? "/", origin).searchParams.get("sent");
    const shown = notice ?? (sent ? { kind: "ok" as const, text: `Test sent to ${sent}.` } : null);
    const body = previewPage({ model: m, templateError, notice: shown, to, nonce });
    send(res, status, "text/html; charset=utf-8", body, {
      "content-security-policy": `default-src 'none'; style-src 'unsafe-inline'; script-src 'nonce-${nonce}'; connect-src 'self'; frame-src 'self'; img-src 'self' https: data:; form-action 'self'; base-uri 'none'; frame-ancestors 'none'`,
    });
  }

  let port: number;
  try {
    port = await listen(server, opts.port);
  } catch (err) {
    // Nothing may keep the process alive once it cannot serve (the watcher would, for good).
    stopWatching();
    throw err;
  }
  origin = `http://127.0.0.1:${port}`;
  ownOrigins = new Set([origin, `http://localhost:${port}`]);
  return {
    url: origin,
    async close() {
      stopWatching();
      await rebuilding;
      for (const res of streams) res.end();
      streams.clear();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** Sections chosen in the query: repeated `section` (the selector form) or a comma list `sections`. */
function chosenSections(params: URLSearchParams): string[] {
  return parseSections([...params.getAll("section"), params.get("sections") ?? ""].join(","));
}

function send(
  res: ServerResponse,
  status: number,
  type: string,
  body: string,
  headers: Record<string, string> = {},
): void {
  res.writeHead(status, {
    "content-type": type,
    "content-length": String(Buffer.byteLength(body)),
    ...SECURITY_HEADERS,
    ...headers,
  });
  res.end(res.req.method === "HEAD" ? undefined : body);
}

async function readForm(req: IncomingMessage): Promise<URLSearchParams | null> {
  const body = await readBody(req, MAX_FORM_BYTES);
  return body === null ? null : new URLSearchParams(body);
}

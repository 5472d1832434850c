import { DEFAULT_LOCALE, type Phrase, t } from "../kernel/i18n/index.js";
import type { Caller } from "../team/roles.js";

/**
 * The HTTP shapes the core's routes work with, independent of where a request comes from: the local
 * `digest serve` server and the API Gateway handler both translate into these.
 */

export interface HttpRequest {
  method: string;
  /** Path without the query string, e.g. "/admin/subscribers/ana%40example.com" decoded per segment by the router. */
  path: string;
  query: Record<string, string>;
  /** Lower-cased header names. */
  headers: Record<string, string>;
  body: string;
  sourceIp: string | null;
  /** Set by a deployed adapter when API Gateway authenticated the caller (IAM or JWT). */
  principal?: { kind: "iam" | "jwt"; id: string } | null;
  /** Who is calling an admin route: set by the router's auth check (admin-auth.ts), read by handlers. */
  caller?: Caller | null;
}

export interface HttpResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
  /**
   * What the route tells the audit log beyond what the router knows (a before/after summary, the
   * target); the router removes it before answering.
   */
  audit?: { summary?: string; target?: string };
}

/** A 4xx the route decided on: rendered as JSON for the API, as a page for public routes. */
/**
 * An error answer. `message` is English (what the JSON API says); a public route may give a catalogue
 * `phrase` instead, whose English text becomes the message and whose page is in the reader's language.
 */
export class HttpError extends Error {
  override name = "HttpError";
  readonly phrase?: Phrase;
  constructor(
    readonly status: number,
    message: string | Phrase,
    readonly field?: string,
  ) {
    super(typeof message === "string" ? message : t(DEFAULT_LOCALE, message.key, message.params));
    if (typeof message !== "string") this.phrase = message;
  }
}

const SECURITY_HEADERS = {
  "x-content-type-options": "nosniff",
  "referrer-policy": "no-referrer",
  // For browsers that predate CSP's frame-ancestors (the pages' CSP says the same).
  "x-frame-options": "DENY",
};

/** Pages: no scripts at all, no framing, no third-party anything. */
const PAGE_CSP =
  "default-src 'none'; style-src 'unsafe-inline'; img-src https: data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

export function htmlResponse(
  status: number,
  body: string,
  headers: Record<string, string> = {},
): HttpResponse {
  return {
    status,
    headers: {
      "content-type": "text/html; charset=utf-8",
      "content-security-policy": PAGE_CSP,
      "cache-control": "no-store",
      ...SECURITY_HEADERS,
      ...headers,
    },
    body,
  };
}

export function jsonResponse(
  status: number,
  value: unknown,
  headers: Record<string, string> = {},
): HttpResponse {
  return {
    status,
    headers: {
      "content-type": "application/json; charset=utf-8",
      "cache-control": "no-store",
      ...SECURITY_HEADERS,
      ...headers,
    },
    body: JSON.stringify(value),
  };
}

export function textResponse(
  status: number,
  body: string,
  contentType = "text/plain; charset=utf-8",
  headers: Record<string, string> = {},
): HttpResponse {
  return {
    status,
    headers: { "content-type": contentType, "cache-control": "no-store", ...SECURITY_HEADERS, ...headers },
    body,
  };
}

/**
 * Reads a form (urlencoded or multipart with simple fields) or JSON body into a flat record; repeated
 * form fields become arrays. Throws HttpError 400/415 on a body it cannot read.
 */
export function parseBody(req: HttpRequest): Record<string, unknown> {
  const type = (req.headers["content-type"] ?? "").toLowerCase();
  if (req.body.trim() === "") return {};
  if (type.includes("application/json")) {
    try {
      const value = JSON.parse(req.body) as unknown;
      if (value === null || typeof value !== "object" || Array.isArray(value))
        throw new Error("not an object");
      return value as Record<string, unknown>;
    } catch {
      throw new HttpError(400, "the body is not a JSON object");
    }
  }
  if (type.includes("multipart/form-data")) return parseMultipart(req.body, type);
  if (type === "" || type.includes("application/x-www-form-urlencoded") || type.includes("text/plain")) {
    const out: Record<string, unknown> = {};
    for (const [key, value] of new URLSearchParams(req.body)) addField(out, key, value);
    return out;
  }
  throw new HttpError(415, `unsupported content type ${type}`);
}

function addField(out: Record<string, unknown>, key: string, value: string) {
  const existing = out[key];
  if (existing === undefined) out[key] = value;
  else if (Array.isArray(existing)) existing.push(value);
  else out[key] = [existing, value];
}

/** Enough multipart for text fields (RFC 8058 allows one-click POSTs as multipart/form-data). */
function parseMultipart(body: string, contentType: string): Record<string, unknown> {
  const boundary = /boundary="?([^";]+)"?/i.exec(contentType)?.[1];
  if (!boundary) throw new HttpError(400, "multipart body without a boundary");
  const out: Record<string, unknown> = {};
  for (const part of body.split(`--${boundary}`)) {
    const split = part.indexOf("\r\n\r\n");
    if (split < 0) continue;
    const head = part.slice(0, split);
    const name = /name="([^"]*)"/i.exec(head)?.[1];
    if (name === undefined || /filename=/i.test(head)) continue;
    addField(out, name, part.slice(split + 4).replace(/\r\n$/, ""));
  }
  return out;
}

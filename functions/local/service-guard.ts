import { createHash, createHmac, timingSafeEqual } from "node:crypto";
import type { IncomingMessage, RequestListener, Server, ServerResponse } from "node:http";
import { Readable } from "node:stream";

/**
 * A guard in front of an embedded service (dynalite, the SESv2 endpoint) so that only the `digest`
 * processes of the data directory's owner get answers:
 * - a request a browser sent (an Origin header, or fetch metadata naming another site) is refused,
 *   with no CORS headers, so a web page that found the port can neither read nor write;
 * - with a credential, only requests signed (AWS Signature Version 4) with that credential are passed
 *   on: another access key id is refused as the real services refuse an unknown key, a signature that
 *   does not match as a forged one.
 * Everything else reaches the service's own handler unchanged (the body is read once to check its
 * hash, then handed on as a stream of the same bytes).
 */

export interface ServiceCredential {
  accessKeyId: string;
  secretAccessKey: string;
}

/** Larger bodies are refused (dynalite takes 16 MiB, the SESv2 endpoint 64 MiB). */
const MAX_BODY_BYTES = 64 * 1024 * 1024;

interface Refusal {
  status: number;
  type: string;
  message: string;
}

/** The reason to refuse a request a web browser made, or null when no browser made it. */
export function browserRefusal(headers: IncomingMessage["headers"]): Refusal | null {
  const site = headers["sec-fetch-site"];
  if (headers.origin !== undefined || (site !== undefined && site !== "none")) {
    return {
      status: 403,
      type: "AccessDeniedException",
      message: "the embedded services of digest do not answer web pages",
    };
  }
  return null;
}

interface Authorization {
  accessKeyId: string;
  date: string;
  region: string;
  service: string;
  signedHeaders: string[];
  signature: string;
}

function parseAuthorization(value: string | undefined): Authorization | null {
  const match = /^AWS4-HMAC-SHA256\s+(.*)$/.exec(value?.trim() ?? "");
  if (!match?.[1]) return null;
  const fields = new Map(
    match[1]
      .split(/,\s*/)
      .map((part) => [part.slice(0, part.indexOf("=")), part.slice(part.indexOf("=") + 1)]),
  );
  const [accessKeyId, date, region, service, terminator] = (fields.get("Credential") ?? "").split("/");
  const signedHeaders = fields.get("SignedHeaders")?.split(";") ?? [];
  const signature = fields.get("Signature") ?? "";
  if (!accessKeyId || !date || !region || !service || terminator !== "aws4_request") return null;
  if (signedHeaders.length === 0 || !/^[0-9a-f]{64}$/.test(signature)) return null;
  return { accessKeyId, date, region, service, signedHeaders, signature };
}

/** RFC 3986 encoding as SigV4 wants it (encodeURIComponent leaves !'()* alone). */
const uriEscape = (s: string) =>
  encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);

const sha256 = (data: string | Buffer) => createHash("sha256").update(data).digest("hex");
const hmac = (key: Buffer | string, data: string) => createHmac("sha256", key).update(data).digest();

/**
 * The signature AWS SigV4 gives `req` with `body` under `secret` (the canonical request of the SigV4
 * specification: the path escaped once more, as the SDKs do for every service but S3).
 */
function expectedSignature(req: IncomingMessage, body: Buffer, auth: Authorization, secret: string): string {
  const url = new URL(req.url ?? "/", "http://localhost");
  const path = url.pathname.split("/").map(uriEscape).join("/");
  const byKeyThenValue = (a: string[], b: string[]) => {
    const [ka = "", va = ""] = a;
    const [kb = "", vb = ""] = b;
    return ka === kb ? (va < vb ? -1 : va > vb ? 1 : 0) : ka < kb ? -1 : 1;
  };
  const query = [...url.searchParams]
    .map(([k, v]) => [uriEscape(k), uriEscape(v)])
    .sort(byKeyThenValue)
    .map(([k, v]) => `${k}=${v}`)
    .join("&");
  const headerValue = (name: string) => {
    const value = req.headers[name];
    return (Array.isArray(value) ? value.join(",") : (value ?? "")).trim().replace(/\s+/g, " ");
  };
  const canonicalHeaders = auth.signedHeaders.map((name) => `${name}:${headerValue(name)}\n`).join("");
  const payloadHash = headerValue("x-amz-content-sha256") || sha256(body);
  const canonicalRequest = [
    req.method ?? "GET",
    path,
    query,
    canonicalHeaders,
    auth.signedHeaders.join(";"),
    payloadHash,
  ].join("\n");
  const scope = `${auth.date}/${auth.region}/${auth.service}/aws4_request`;
  const stringToSign = ["AWS4-HMAC-SHA256", headerValue("x-amz-date"), scope, sha256(canonicalRequest)].join(
    "\n",
  );
  const key = hmac(hmac(hmac(hmac(`AWS4${secret}`, auth.date), auth.region), auth.service), "aws4_request");
  return createHmac("sha256", key).update(stringToSign).digest("hex");
}

/** Why a request signed by `auth` over `body` is refused under `credential`, or null to pass it on. */
function signatureRefusal(
  req: IncomingMessage,
  body: Buffer,
  auth: Authorization,
  credential: ServiceCredential,
): Refusal | null {
  const expected = Buffer.from(expectedSignature(req, body, auth, credential.secretAccessKey));
  const given = Buffer.from(auth.signature);
  if (given.length === expected.length && timingSafeEqual(given, expected)) return null;
  return {
    status: 403,
    type: "InvalidSignatureException",
    message: "The request signature we calculated does not match the signature you provided.",
  };
}

function credentialRefusal(auth: Authorization | null, credential: ServiceCredential): Refusal | null {
  if (auth?.accessKeyId === credential.accessKeyId) return null;
  return {
    status: 403,
    type: "UnrecognizedClientException",
    message: auth
      ? "The security token included in the request is invalid."
      : "Request is missing a valid AWS Signature Version 4 Authorization header.",
  };
}

/** Answers with the error shape both the awsJson and restJson SDK protocols read (header and __type). */
function refuse(res: ServerResponse, refusal: Refusal): void {
  const body = JSON.stringify({ __type: refusal.type, message: refusal.message });
  res.writeHead(refusal.status, {
    "content-type": "application/x-amz-json-1.0",
    "x-amzn-errortype": refusal.type,
    "content-length": Buffer.byteLength(body),
    connection: "close",
  });
  res.end(body);
}

async function readBody(req: IncomingMessage): Promise<Buffer | null> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) return null;
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

/** The request again, with its body as a fresh stream of the same bytes, for the service's handler. */
function replay(req: IncomingMessage, body: Buffer): IncomingMessage {
  const stream = Readable.from(body.length > 0 ? [body] : [], { objectMode: false });
  return Object.assign(stream, {
    headers: req.headers,
    rawHeaders: req.rawHeaders,
    method: req.method,
    url: req.url,
    httpVersion: req.httpVersion,
    socket: req.socket,
    connection: req.socket,
  }) as unknown as IncomingMessage;
}

/**
 * Puts the guard in front of `server`'s request handlers (those registered so far). Without a
 * credential only browsers are refused (a service shared by tests or the bench).
 */
export function guardServer(server: Server, credential: ServiceCredential | null): void {
  const handlers = server.listeners("request") as RequestListener[];
  server.removeAllListeners("request");
  const pass = (req: IncomingMessage, res: ServerResponse) => {
    for (const handler of handlers) handler(req, res);
  };
  server.on("request", (req: IncomingMessage, res: ServerResponse) => {
    const early = browserRefusal(req.headers);
    const auth = parseAuthorization(req.headers.authorization);
    const refusal = early ?? (credential ? credentialRefusal(auth, credential) : null);
    if (refusal) {
      req.resume();
      return refuse(res, refusal);
    }
    if (!credential || !auth) return pass(req, res);
    readBody(req).then(
      (body) => {
        if (body === null) {
          return refuse(res, { status: 413, type: "RequestEntityTooLarge", message: "request too large" });
        }
        const bad = signatureRefusal(req, body, auth, credential);
        if (bad) return refuse(res, bad);
        pass(replay(req, body), res);
      },
      () => res.destroy(),
    );
  });
}

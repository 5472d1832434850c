/**
 * An embedded HTTP endpoint speaking the Amazon SESv2 REST-JSON (restJson1) wire protocol, enough for
 * the real `@aws-sdk/client-sesv2` `SESv2Client` (pointed at it through its `endpoint` option) to run
 * `SendEmail` and `GetAccount` against it locally and in tests.
 *
 * Wire format (as serialized/deserialized by @aws-sdk/client-sesv2 v3):
 * - SendEmail:  POST /v2/email/outbound-emails, JSON body; `Content.Raw.Data` is a blob, sent base64 in JSON.
 *               200 -> `{"MessageId": "..."}`.
 * - GetAccount: GET /v2/email/account -> `{"SendQuota": {...}, "SendingEnabled": true, ...}`.
 * - Errors:     HTTP status + `x-amzn-ErrorType: <Name>` header + `{"message": "..."}` body. The SDK takes the
 *               error name from the header (falling back to body `code` / `__type`); modeled names become
 *               their exception classes, unknown names a generic SESv2ServiceException with that `name`.
 *
 * Error choices (what the SDK reports as `err.name` / `err.$metadata.httpStatusCode`):
 * - send rate exceeded (token bucket empty) and injected throttles: TooManyRequestsException / 429,
 *   "Maximum sending rate exceeded." (SESv2's modeled throttling error).
 * - daily quota exceeded: LimitExceededException / 400, "Daily message quota exceeded.". The SES guide only
 *   says quota refusals are throttling errors carrying that message; SESv2 models no ThrottlingException, lists
 *   LimitExceededException on SendEmail, and that is what SESv2 callers observe for this message. The SDK's
 *   retry classifier treats LimitExceededException as a throttling error, so it retries it by default.
 * - injected server faults: InternalFailure / 500 (AWS common error; unmodeled, so a SESv2ServiceException
 *   with `$fault: "server"`).
 * - reject hook, oversized message: MessageRejected / 400 (SES's v1 wording "Message length is more than N
 *   bytes long" for size).
 * - malformed requests (no/empty Raw data, no From, bad JSON, no recipients, unsupported content):
 *   BadRequestException / 400 (SESv2's mapping of SES's InvalidParameterValue).
 * - missing Authorization header: MissingAuthenticationTokenException / 403.
 * - unknown method/path: NotFoundException / 404.
 *
 * Why not aws-ses-v2-local (checked with 2.10.2): it keeps every message in one module-wide store
 * (two servers in a process share it; nothing is ever dropped: ~100 KiB of heap per 60 KB message, so
 * a bench's 10⁵ sends would not fit), parses Content.Raw and keeps no raw bytes, enforces no send rate
 * or daily quota (GetAccount returns a static account from one process-wide variable; SentLast24Hours
 * stays 0), has no fault injection, and accepts any credential and a web page's POST. What it would
 * add, a mail viewer, the outbox's .eml files and `digest preview` already give.
 */
import { randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { TokenBucket } from "../core/delivery/token-bucket.js";
import { mulberry32 } from "./prng.js";
import { badRequest, parseSendEmail, SesError } from "./ses-send-request.js";

export interface SesEndpointOptions {
  /** Interface to bind. Default "127.0.0.1". */
  host?: string;
  /** Port to bind. Default 0 (a free port). */
  port?: number;
  /** Messages/second, enforced with a token bucket (burst = max(1, rate)). Default: unlimited. */
  maxSendRate?: number;
  /** Recipients per rolling 24 hours (SES counts recipients, not calls). Default 1_000_000. */
  max24HourSend?: number;
  /** Random injected SendEmail failures, deterministic for a given seed. Rates are probabilities in [0, 1]. */
  faults?: { throttleRate?: number; serverErrorRate?: number; seed?: number };
  /** Return a message to fail this SendEmail with 400 MessageRejected; null to accept it. */
  reject?: (rawMime: string) => string | null;
  /** Largest accepted MIME message in bytes. Default 40 MiB (the SESv2 limit). */
  maxMessageBytes?: number;
  /** How many accepted messages `messages` keeps (the newest); default all. Long-running local use keeps none. */
  retainMessages?: number;
}

export interface SentMessage {
  messageId: string;
  raw: Buffer;
  from?: string;
  destinations: string[];
  configurationSetName?: string;
  receivedAt: Date;
}

export interface SesEndpoint {
  url: string;
  port: number;
  /** The HTTP server (the embedded services put a guard in front of its handler: service-guard.ts). */
  server: Server;
  /** Every accepted message, in acceptance order. */
  messages: SentMessage[];
  /**
   * SendEmail outcomes. throttled: 429s (rate limit and injected) and daily-quota refusals; failed: 5xx;
   * rejected: every other 4xx on SendEmail (MessageRejected and BadRequestException).
   */
  stats: { accepted: number; throttled: number; failed: number; rejected: number };
  /**
   * Changes Max24HourSend from now on, like a quota increase: what was sent in the last 24 hours still
   * counts against it.
   */
  setMax24HourSend(recipients: number): void;
  close(): Promise<void>;
}

/** SESv2 maximum message size (after MIME encoding). */
const SES_MAX_MESSAGE_BYTES = 40 * 1024 * 1024;
/**
 * Request bodies are read fully but only buffered up to this size (the rest is drained and dropped). It is
 * above the 50 MB asked for so that a base64-encoded message at the 40 MiB limit still fits (4/3 growth).
 */
const MAX_BODY_BYTES = 64 * 1024 * 1024;
const DAY_MS = 24 * 60 * 60 * 1000;
const UNLIMITED_RATE_REPORTED = 1000;

export async function startSesEndpoint(opts: SesEndpointOptions = {}): Promise<SesEndpoint> {
  const host = opts.host ?? "127.0.0.1";
  let max24HourSend = opts.max24HourSend ?? 1_000_000;
  const maxMessageBytes = opts.maxMessageBytes ?? SES_MAX_MESSAGE_BYTES;
  const bucket =
    opts.maxSendRate === undefined ? undefined : new TokenBucket({ ratePerSecond: opts.maxSendRate });
  const random = mulberry32(opts.faults?.seed ?? 0x5e5);
  const throttleRate = opts.faults?.throttleRate ?? 0;
  const serverErrorRate = opts.faults?.serverErrorRate ?? 0;

  const messages: SentMessage[] = [];
  const stats = { accepted: 0, throttled: 0, failed: 0, rejected: 0 };
  /** Rolling 24h window of accepted sends: time and recipient count. */
  const window: { at: number; count: number }[] = [];
  let windowTotal = 0;
  let windowStart = 0;
  const sentLast24Hours = (now: number): number => {
    while (windowStart < window.length && (window[windowStart]?.at ?? now) <= now - DAY_MS) {
      windowTotal -= window[windowStart]?.count ?? 0;
      windowStart++;
    }
    if (windowStart > 1024 && windowStart * 2 > window.length) {
      window.splice(0, windowStart);
      windowStart = 0;
    }
    return windowTotal;
  };
  const retain = opts.retainMessages ?? Number.POSITIVE_INFINITY;

  const sendEmail = (body: unknown): { MessageId: string } => {
    // Injected faults first: they model the service failing before looking at the request.
    if (throttleRate > 0 && random() < throttleRate) {
      throw new SesError(429, "TooManyRequestsException", "Maximum sending rate exceeded.", "throttled");
    }
    if (serverErrorRate > 0 && random() < serverErrorRate) {
      throw new SesError(
        500,
        "InternalFailure",
        "The request processing has failed because of an unknown error.",
        "failed",
      );
    }
    const now = Date.now();
    if (bucket && !bucket.tryTake(1, now)) {
      throw new SesError(429, "TooManyRequestsException", "Maximum sending rate exceeded.", "throttled");
    }
    const msg = parseSendEmail(body, maxMessageBytes);
    if (sentLast24Hours(now) + msg.destinations.length > max24HourSend) {
      throw new SesError(400, "LimitExceededException", "Daily message quota exceeded.", "throttled");
    }
    const reason = opts.reject?.(msg.raw.toString("utf8"));
    if (reason != null) throw new SesError(400, "MessageRejected", reason, "rejected");

    const messageId = newMessageId(now);
    if (retain > 0) {
      messages.push({ messageId, ...msg, receivedAt: new Date(now) });
      if (messages.length > retain) messages.shift();
    }
    window.push({ at: now, count: msg.destinations.length });
    windowTotal += msg.destinations.length;
    stats.accepted++;
    return { MessageId: messageId };
  };

  const getAccount = () => {
    const now = Date.now();
    return {
      DedicatedIpAutoWarmupEnabled: false,
      EnforcementStatus: "HEALTHY",
      ProductionAccessEnabled: true,
      SendQuota: {
        Max24HourSend: max24HourSend,
        MaxSendRate: opts.maxSendRate ?? UNLIMITED_RATE_REPORTED,
        SentLast24Hours: sentLast24Hours(now),
      },
      SendingEnabled: true,
    };
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const { bytes, truncated } = await readBody(req, MAX_BODY_BYTES);
    const method = req.method ?? "GET";
    const path = new URL(req.url ?? "/", "http://localhost").pathname.replace(/\/+$/, "") || "/";
    try {
      if (!req.headers.authorization) {
        throw new SesError(403, "MissingAuthenticationTokenException", "Missing Authentication Token");
      }
      if (method === "POST" && path === "/v2/email/outbound-emails") {
        if (truncated) {
          throw new SesError(
            400,
            "MessageRejected",
            `Message length is more than ${maxMessageBytes} bytes long.`,
            "rejected",
          );
        }
        sendJson(res, 200, sendEmail(parseJson(bytes)));
      } else if (method === "GET" && path === "/v2/email/account") {
        sendJson(res, 200, getAccount());
      } else {
        throw new SesError(404, "NotFoundException", `No SESv2 route for ${method} ${path}`);
      }
    } catch (err) {
      if (err instanceof SesError) {
        if (err.stat) stats[err.stat]++;
        sendError(res, err.status, err.type, err.message);
      } else {
        stats.failed++;
        sendError(res, 500, "InternalFailure", err instanceof Error ? err.message : String(err));
      }
    }
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      if (!res.headersSent) sendError(res, 500, "InternalFailure", String(err));
      else res.destroy();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(opts.port ?? 0, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const urlHost = host.includes(":") ? `[${host}]` : host;

  return {
    url: `http://${urlHost}:${port}`,
    port,
    server,
    messages,
    stats,
    setMax24HourSend(recipients) {
      if (!Number.isInteger(recipients) || recipients < 0) {
        throw new Error(`Max24HourSend must be a whole number ≥ 0, got ${recipients}`);
      }
      max24HourSend = recipients;
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        server.closeAllConnections();
      }),
  };
}

// ---------------------------------------------------------------------------------------------------------
// HTTP helpers

async function readBody(req: IncomingMessage, cap: number): Promise<{ bytes: Buffer; truncated: boolean }> {
  const chunks: Buffer[] = [];
  let size = 0;
  let truncated = false;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    if (truncated) continue; // keep draining so the client sees our response, not a reset
    if (size + chunk.length > cap) {
      truncated = true;
      chunks.length = 0;
      continue;
    }
    chunks.push(chunk);
    size += chunk.length;
  }
  return { bytes: truncated ? Buffer.alloc(0) : Buffer.concat(chunks, size), truncated };
}

function parseJson(bytes: Buffer): unknown {
  if (bytes.length === 0) return {};
  try {
    return JSON.parse(bytes.toString("utf8"));
  } catch {
    throw badRequest("Request body is not valid JSON.");
  }
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const payload = Buffer.from(JSON.stringify(body), "utf8");
  res.writeHead(status, {
    "content-type": "application/json",
    "content-length": payload.length,
    "x-amzn-requestid": randomUUID(),
  });
  res.end(payload);
}

function sendError(res: ServerResponse, status: number, type: string, message: string): void {
  res.setHeader("x-amzn-errortype", type);
  sendJson(res, status, { message });
}

/** SES-style message id: 16 hex digits (version + ms timestamp), a UUID, and a 6-digit suffix. */
function newMessageId(now: number): string {
  return `0100${now.toString(16).padStart(12, "0")}-${randomUUID()}-000000`;
}

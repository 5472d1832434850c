/**
 * Fetching feed documents over HTTP with Node's fetch: conditional GET, a timeout, a size limit on the
 * (decompressed) body, a bounded number of redirects, http(s) only.
 */
import type { FeedFetcher, FetchResult } from "../core/feeds.js";

/** Names the product to feed publishers (some refuse anonymous clients). */
export const FEED_USER_AGENT = "NewsletterDigest/0.1 (feed poller)";

export interface FeedFetcherOptions {
  /** Whole request, body included. Default 10 s. */
  timeoutMs?: number;
  /** Largest body accepted, after decompression. Default 5 MB. */
  maxBytes?: number;
  /** Redirects followed before giving up. Default 5. */
  maxRedirects?: number;
  userAgent?: string;
}

const ACCEPT =
  "application/rss+xml, application/atom+xml, application/feed+json, application/rdf+xml;q=0.9, application/xml;q=0.9, text/xml;q=0.9, application/json;q=0.8, */*;q=0.5";

function formatBytes(n: number): string {
  return n >= 1_000_000 && n % 100_000 === 0 ? `${n / 1_000_000} MB` : `${n} bytes`;
}

/** The charset named by Content-Type, else by the XML declaration, else UTF-8; null when unknown to TextDecoder. */
function decoderFor(contentType: string | null, head: Uint8Array): InstanceType<typeof TextDecoder> | null {
  const fromHeader = /charset\s*=\s*"?([\w.:-]+)/i.exec(contentType ?? "")?.[1];
  const fromXml = /^(?:\uFEFF)?<\?xml[^>]*encoding\s*=\s*["']([\w.:-]+)["']/i.exec(
    new TextDecoder("latin1").decode(head.subarray(0, 200)),
  )?.[1];
  try {
    return new TextDecoder(fromHeader ?? fromXml ?? "utf-8");
  } catch {
    return null;
  }
}

class FetchFailure extends Error {}

/** Reads the body, failing as soon as it grows past `maxBytes`. */
async function readLimited(res: Response, maxBytes: number): Promise<Uint8Array> {
  const declared = Number(res.headers.get("content-length"));
  if (declared > maxBytes) {
    await res.body?.cancel();
    throw new FetchFailure(`response too large: ${declared} bytes (limit ${formatBytes(maxBytes)})`);
  }
  const chunks: Uint8Array[] = [];
  let total = 0;
  if (res.body) {
    const reader = res.body.getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      total += value.byteLength;
      if (total > maxBytes) {
        await reader.cancel();
        throw new FetchFailure(`response too large: more than ${formatBytes(maxBytes)}`);
      }
      chunks.push(value);
    }
  }
  const body = new Uint8Array(total);
  let offset = 0;
  for (const c of chunks) {
    body.set(c, offset);
    offset += c.byteLength;
  }
  return body;
}

function describeNetworkError(err: unknown, timeoutMs: number): string {
  const e = err as Error & { cause?: { code?: string; message?: string } };
  if (e.name === "TimeoutError" || e.name === "AbortError") return `timed out after ${timeoutMs / 1000} s`;
  // undici says only "fetch failed"; the cause says what failed (ECONNREFUSED, ENOTFOUND, "bad port"…).
  const { code, message } = e.cause ?? {};
  if (code && message) return message.includes(code) ? message : `${code}: ${message}`;
  if (message) return `${e.message}: ${message}`;
  return code ? `${e.message}: ${code}` : e.message;
}

/** A FeedFetcher over Node's global fetch. */
export function httpFeedFetcher(options: FeedFetcherOptions = {}): FeedFetcher {
  const timeoutMs = options.timeoutMs ?? 10_000;
  const maxBytes = options.maxBytes ?? 5_000_000;
  const maxRedirects = options.maxRedirects ?? 5;
  const userAgent = options.userAgent ?? FEED_USER_AGENT;

  return {
    async fetch(url, validators): Promise<FetchResult> {
      const signal = AbortSignal.timeout(timeoutMs);
      let current = url;
      try {
        for (let redirects = 0; ; redirects++) {
          if (!/^https?:$/.test(new URL(current).protocol)) {
            return { kind: "error", error: `not an http(s) URL: ${current}` };
          }
          const headers: Record<string, string> = { "user-agent": userAgent, accept: ACCEPT };
          if (validators.etag) headers["if-none-match"] = validators.etag;
          if (validators.lastModified) headers["if-modified-since"] = validators.lastModified;
          const res = await fetch(current, { headers, signal, redirect: "manual" });
          if (res.status >= 300 && res.status < 400 && res.status !== 304) {
            await res.body?.cancel();
            const location = res.headers.get("location");
            if (!location) return { kind: "error", error: `HTTP ${res.status} redirect without a Location` };
            if (redirects >= maxRedirects) {
              return { kind: "error", error: `more than ${maxRedirects} redirects (last to ${location})` };
            }
            current = new URL(location, current).href;
            continue;
          }
          if (res.status === 304) {
            await res.body?.cancel();
            return { kind: "not-modified" };
          }
          if (!res.ok) {
            await res.body?.cancel();
            return {
              kind: "error",
              error: `HTTP ${res.status}${res.statusText ? ` ${res.statusText}` : ""}${current !== url ? ` from ${current}` : ""}`,
            };
          }
          const body = await readLimited(res, maxBytes);
          const decoder = decoderFor(res.headers.get("content-type"), body);
          if (decoder === null) {
            return { kind: "error", error: `unknown character set in "${res.headers.get("content-type")}"` };
          }
          return {
            kind: "ok",
            text: decoder.decode(body),
            finalUrl: current,
            etag: res.headers.get("etag"),
            lastModified: res.headers.get("last-modified"),
          };
        }
      } catch (err) {
        if (err instanceof FetchFailure) return { kind: "error", error: err.message };
        return { kind: "error", error: describeNetworkError(err, timeoutMs) };
      }
    },
  };
}

/**
 * Fetching feed documents over HTTP (node:http/https): conditional GET, a timeout, a size limit on the
 * (decompressed) body, a bounded number of redirects, http(s) only, and the SSRF guard: before each
 * request (the feed's URL and every redirect hop) the host's addresses are resolved and checked
 * against the address policy, and the connection goes to the address that was checked (no second
 * lookup a rebinding DNS server could answer differently).
 */
import { lookup as dnsLookup } from "node:dns/promises";
import { request as httpRequest, type IncomingMessage } from "node:http";
import { request as httpsRequest } from "node:https";
import type { LookupFunction } from "node:net";
import type { Readable } from "node:stream";
import { createBrotliDecompress, createGunzip, createInflate } from "node:zlib";
import type { FeedAddressCheck } from "../core/stories/feed-admin.js";
import type { FeedFetcher, FetchResult } from "../core/stories/feeds.js";
import { type AddressPolicy, isIpAddress, PUBLIC_ONLY, refusalOf } from "./address-policy.js";

/** Names the product to feed publishers (some refuse anonymous clients). */
export const FEED_USER_AGENT = "NewsletterDigest/0.1 (feed poller)";

/** One resolved address of a host name. */
export interface ResolvedAddress {
  address: string;
  family: 4 | 6;
}

/** Resolves a host name to every address it has (DNS by default; tests inject their own). */
export type Resolver = (hostname: string) => Promise<ResolvedAddress[]>;

const systemResolver: Resolver = async (hostname) =>
  (await dnsLookup(hostname, { all: true, verbatim: true })).map((a) => ({
    address: a.address,
    family: a.family === 6 ? 6 : 4,
  }));

export interface FeedFetcherOptions {
  /** Whole request, body included. Default 10 s. */
  timeoutMs?: number;
  /** Largest body accepted, after decompression. Default 5 MB. */
  maxBytes?: number;
  /** Redirects followed before giving up. Default 5. */
  maxRedirects?: number;
  userAgent?: string;
  /** Private addresses (and loopback, unless allowLoopback says otherwise) may be fetched. Default false. */
  allowPrivate?: boolean;
  /** Loopback may be fetched. Default: as allowPrivate. */
  allowLoopback?: boolean;
  /** Host name resolution; default the system's (getaddrinfo). */
  resolve?: Resolver;
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

/** A failure whose message is the whole error text of the fetch. */
class FetchFailure extends Error {}

/** The body stream, decompressed per Content-Encoding (identity, gzip, deflate, br). */
function decodedBody(res: IncomingMessage): Readable {
  const encoding = String(res.headers["content-encoding"] ?? "identity")
    .trim()
    .toLowerCase();
  const decoder =
    encoding === "gzip" || encoding === "x-gzip"
      ? createGunzip()
      : encoding === "deflate"
        ? createInflate()
        : encoding === "br"
          ? createBrotliDecompress()
          : encoding === "identity" || encoding === ""
            ? null
            : undefined;
  if (decoder === undefined) throw new FetchFailure(`unsupported content encoding "${encoding}"`);
  if (decoder === null) return res;
  res.on("error", (err) => decoder.destroy(err));
  return res.pipe(decoder);
}

/** Reads the (decompressed) body, failing as soon as it grows past `maxBytes`. */
async function readLimited(res: IncomingMessage, maxBytes: number): Promise<Uint8Array> {
  const declared = Number(res.headers["content-length"]);
  if (declared > maxBytes) {
    res.destroy();
    throw new FetchFailure(`response too large: ${declared} bytes (limit ${formatBytes(maxBytes)})`);
  }
  const chunks: Buffer[] = [];
  let total = 0;
  try {
    for await (const chunk of decodedBody(res)) {
      total += (chunk as Buffer).byteLength;
      if (total > maxBytes) throw new FetchFailure(`response too large: more than ${formatBytes(maxBytes)}`);
      chunks.push(chunk as Buffer);
    }
  } finally {
    res.destroy();
  }
  return Buffer.concat(chunks, total);
}

/** A lookup that answers with the address already checked, whatever name it is asked about. */
function pinnedLookup(pinned: ResolvedAddress): LookupFunction {
  return (_hostname, options, callback) => {
    if ((options as { all?: boolean }).all) {
      (callback as unknown as (e: null, a: ResolvedAddress[]) => void)(null, [pinned]);
    } else {
      callback(null, pinned.address, pinned.family);
    }
  };
}

/**
 * One GET of `url`, connected to `pinned`: the Host header and TLS server name (and certificate
 * check) stay the URL's host. A fresh connection each time (no pooled socket of another check).
 */
function get(
  url: URL,
  pinned: ResolvedAddress,
  headers: Record<string, string>,
  signal: AbortSignal,
): Promise<IncomingMessage> {
  const request = url.protocol === "https:" ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      { method: "GET", headers, signal, agent: false, lookup: pinnedLookup(pinned) },
      resolve,
    );
    req.on("error", reject);
    req.end();
  });
}

/** Rejects with the signal's reason once it aborts (a DNS lookup cannot be cancelled itself). */
function abortable<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener("abort", onAbort, { once: true });
    promise.then(resolve, reject).finally(() => signal.removeEventListener("abort", onAbort));
  });
}

const NETWORK_ERRORS: Record<string, string> = {
  ECONNREFUSED: "cannot connect: connection refused",
  ECONNRESET: "the connection was reset",
  EPIPE: "the connection was reset",
  ETIMEDOUT: "cannot connect: timed out",
  EHOSTUNREACH: "cannot connect: host unreachable",
  ENETUNREACH: "cannot connect: network unreachable",
};

/**
 * The error text of a network failure: what went wrong, never the address or port it happened at
 * (an error text must not map the network behind the poller).
 */
function describeNetworkError(err: unknown, timeoutMs: number): string {
  const e = err as Error & { code?: string; cause?: { code?: string } };
  if (e.name === "TimeoutError" || e.name === "AbortError") return `timed out after ${timeoutMs / 1000} s`;
  const code = e.code ?? e.cause?.code ?? "";
  if (NETWORK_ERRORS[code]) return NETWORK_ERRORS[code];
  if (code.startsWith("HPE_")) return "not an HTTP response";
  if (/CERT|TLS|SSL/.test(code)) return `TLS failed: ${code}`;
  return code ? `network error: ${code}` : "network error";
}

/** The host of a URL as resolvers and address parsers take it (no IPv6 brackets). */
const bareHost = (url: URL) => url.hostname.replace(/^\[(.*)\]$/, "$1");

/** The address policy the options ask for (public only unless they allow more). */
function policyOf(options: FeedFetcherOptions): AddressPolicy {
  return {
    ...PUBLIC_ONLY,
    allowPrivate: options.allowPrivate ?? false,
    allowLoopback: options.allowLoopback ?? options.allowPrivate ?? false,
  };
}

/**
 * The checked address to connect to for `url`, or why there is none (a FetchFailure): every address
 * the host resolves to must pass the policy, since a resolver may hand out any of them, in any order.
 */
async function addressFor(
  url: URL,
  whose: string,
  policy: AddressPolicy,
  resolve: Resolver,
  signal: AbortSignal,
): Promise<ResolvedAddress> {
  const host = bareHost(url);
  let addresses: ResolvedAddress[];
  if (isIpAddress(host)) {
    addresses = [{ address: host, family: host.includes(":") ? 6 : 4 }];
  } else {
    try {
      addresses = await abortable(resolve(host), signal);
    } catch (err) {
      if (signal.aborted) throw err;
      throw new FetchFailure(`host not found: ${host}`);
    }
    if (addresses.length === 0) throw new FetchFailure(`host not found: ${host}`);
  }
  for (const { address } of addresses) {
    const refusal = refusalOf(address, policy);
    if (refusal) throw new FetchFailure(`refused: ${whose} is ${refusal}`);
  }
  return addresses[0] as ResolvedAddress;
}

/**
 * The fetcher's address policy as a check of a feed about to be added (`feeds add`, `POST
 * /admin/feeds`): why its poll would be refused, or null. A host that does not resolve now (or not
 * within `timeoutMs`, default 3 s) is not refused here: DNS may come later, and each poll checks again
 * (the fetcher's check, at connection time, is the one that guards).
 */
export function feedAddressCheck(
  options: Pick<FeedFetcherOptions, "allowPrivate" | "allowLoopback" | "resolve" | "timeoutMs"> = {},
): FeedAddressCheck {
  const policy = policyOf(options);
  const resolve = options.resolve ?? systemResolver;
  return async (url) => {
    let target: URL;
    try {
      target = new URL(url);
    } catch {
      return `not an http(s) URL: ${url}`;
    }
    try {
      await addressFor(
        target,
        "the feed's address",
        policy,
        resolve,
        AbortSignal.timeout(options.timeoutMs ?? 3000),
      );
      return null;
    } catch (err) {
      return err instanceof FetchFailure && err.message.startsWith("refused: ") ? err.message : null;
    }
  };
}

/**
 * A FeedFetcher over node:http(s) with the SSRF guard. Never throws: network, HTTP, size and policy
 * failures are `error` results.
 */
export function httpFeedFetcher(options: FeedFetcherOptions = {}): FeedFetcher {
  const timeoutMs = options.timeoutMs ?? 10_000;
  const maxBytes = options.maxBytes ?? 5_000_000;
  const maxRedirects = options.maxRedirects ?? 5;
  const userAgent = options.userAgent ?? FEED_USER_AGENT;
  const resolve = options.resolve ?? systemResolver;
  const policy = policyOf(options);

  return {
    async fetch(url, validators): Promise<FetchResult> {
      const signal = AbortSignal.timeout(timeoutMs);
      let current = url;
      try {
        for (let redirects = 0; ; redirects++) {
          let target: URL;
          try {
            target = new URL(current);
          } catch {
            return { kind: "error", error: `not an http(s) URL: ${current}` };
          }
          if (!/^https?:$/.test(target.protocol)) {
            return { kind: "error", error: `not an http(s) URL: ${current}` };
          }
          const whose = redirects === 0 ? "the feed's address" : "a redirect's address";
          const pinned = await addressFor(target, whose, policy, resolve, signal);
          const headers: Record<string, string> = {
            "user-agent": userAgent,
            accept: ACCEPT,
            "accept-encoding": "gzip, deflate, br",
          };
          if (validators.etag) headers["if-none-match"] = validators.etag;
          if (validators.lastModified) headers["if-modified-since"] = validators.lastModified;
          const res = await get(target, pinned, headers, signal);
          const status = res.statusCode ?? 0;
          if (status >= 300 && status < 400 && status !== 304) {
            res.destroy();
            const location = res.headers.location;
            if (!location) return { kind: "error", error: `HTTP ${status} redirect without a Location` };
            if (redirects >= maxRedirects) {
              return { kind: "error", error: `more than ${maxRedirects} redirects (last to ${location})` };
            }
            current = new URL(location, current).href;
            continue;
          }
          if (status === 304) {
            res.destroy();
            return { kind: "not-modified" };
          }
          if (status < 200 || status >= 300) {
            res.destroy();
            return {
              kind: "error",
              error: `HTTP ${status}${res.statusMessage ? ` ${res.statusMessage}` : ""}${current !== url ? ` from ${current}` : ""}`,
            };
          }
          const body = await readLimited(res, maxBytes);
          const contentType = res.headers["content-type"] ?? null;
          const decoder = decoderFor(contentType, body);
          if (decoder === null) return { kind: "error", error: `unknown character set in "${contentType}"` };
          const header = (name: string) => {
            const value = res.headers[name];
            return typeof value === "string" ? value : null;
          };
          return {
            kind: "ok",
            text: decoder.decode(body),
            finalUrl: current,
            etag: header("etag"),
            lastModified: header("last-modified"),
          };
        }
      } catch (err) {
        if (err instanceof FetchFailure) return { kind: "error", error: err.message };
        return {
          kind: "error",
          error: describeNetworkError(signal.aborted ? signal.reason : err, timeoutMs),
        };
      }
    },
  };
}

import { createHmac } from "node:crypto";
import ipaddr from "ipaddr.js";

/**
 * Counters that limit how often something may happen per key in a window (sign-up emails per
 * address, sign-ups per client). The store makes each count atomic; keys are keyed hashes, so the
 * table holds no address or IP in the clear.
 */

export type RateLimitHit = { ok: true } | { ok: false; retryAfter: number };

export interface RateLimitStore {
  /**
   * Counts one event for `key`. A window opens with its first event and lasts `windowSeconds`; at
   * most `limit` events count in it, however many callers race. Returns ok, or how many seconds
   * until the window closes.
   */
  hit(key: string, limit: number, windowSeconds: number, now: Date): Promise<RateLimitHit>;
}

/** A keyed hash of `value` for the limit table: the same secret gives the same key; nothing reads back. */
export function limitKey(secret: Buffer, kind: string, value: string): string {
  // "limit:" keeps these MACs apart from the token MACs made with the same secret (base64url has no ":").
  return `${kind}#${createHmac("sha256", secret).update(`limit:${kind}:${value}`).digest("base64url")}`;
}

/**
 * The client a request counts against: its IPv4 address, or its IPv6 /64 (one subscriber line gets
 * a whole /64 and can walk through it). "unknown" when there is none.
 */
export function clientOf(sourceIp: string | null): string {
  if (!sourceIp || !ipaddr.isValid(sourceIp)) return "unknown";
  const address = ipaddr.process(sourceIp); // IPv4-mapped IPv6 becomes IPv4
  if (address.kind() === "ipv4") return address.toString();
  const bytes = address.toByteArray().slice(0, 8);
  return `${ipaddr.fromByteArray([...bytes, 0, 0, 0, 0, 0, 0, 0, 0]).toString()}/64`;
}

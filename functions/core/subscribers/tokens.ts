import { createHmac, createSecretKey, type KeyObject, timingSafeEqual } from "node:crypto";

/**
 * Signed link tokens: base64url("purpose.subscriberId.issuedAt.keyId") + "." + base64url(HMAC-SHA256).
 * The key id lets the secret rotate: old keys keep verifying while the newest signs.
 */

export type TokenPurpose = "unsubscribe" | "preferences" | "confirm";

export interface SigningKey {
  id: string;
  secret: Buffer;
}

export interface TokenClaims {
  purpose: TokenPurpose;
  subscriberId: string;
  /** Seconds since the epoch. */
  issuedAt: number;
  keyId: string;
}

/** Confirmation links expire; unsubscribe and preferences links do not. */
export const TOKEN_MAX_AGE_SECONDS: Record<TokenPurpose, number | null> = {
  confirm: 7 * 24 * 3600,
  unsubscribe: null,
  preferences: null,
};

const PURPOSES = new Set<TokenPurpose>(["unsubscribe", "preferences", "confirm"]);
const ID_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;

/**
 * The HMAC key object of each signing key, made once (the sender signs two links per recipient), so
 * createHmac does not prepare the raw secret again on every call. Keyed by the key object; a key
 * whose secret was replaced gets a new one.
 */
const keyObjects = new WeakMap<SigningKey, { secret: Buffer; keyObject: KeyObject }>();

function keyObjectOf(key: SigningKey): KeyObject {
  const cached = keyObjects.get(key);
  if (cached && cached.secret === key.secret) return cached.keyObject;
  const keyObject = createSecretKey(key.secret);
  keyObjects.set(key, { secret: key.secret, keyObject });
  return keyObject;
}

function mac(key: SigningKey, payload: string): Buffer {
  return createHmac("sha256", keyObjectOf(key)).update(payload).digest();
}

/** Returns a URL-safe token binding purpose and subscriber, signed with `key`. */
export function signToken(
  purpose: TokenPurpose,
  subscriberId: string,
  key: SigningKey,
  now: Date = new Date(),
): string {
  if (!ID_PATTERN.test(subscriberId) || !ID_PATTERN.test(key.id)) {
    throw new Error("subscriber and key ids must be 1–64 URL-safe characters");
  }
  const issuedAt = Math.floor(now.getTime() / 1000);
  const payload = Buffer.from(`${purpose}.${subscriberId}.${issuedAt}.${key.id}`).toString("base64url");
  return `${payload}.${mac(key, payload).toString("base64url")}`;
}

export type TokenCheck = { ok: true; claims: TokenClaims } | { ok: false; status: 400 | 410; reason: string };

/**
 * Verifies a token for the expected purpose. Returns 400 for anything malformed, tampered or signed
 * by an unknown key, 410 when a token of an expiring purpose is past its age.
 */
export function verifyToken(
  token: string,
  expected: TokenPurpose,
  keys: readonly SigningKey[],
  now: Date = new Date(),
): TokenCheck {
  const bad = (reason: string): TokenCheck => ({ ok: false, status: 400, reason });
  const [payload, signature, extra] = token.split(".");
  if (!payload || !signature || extra !== undefined) return bad("malformed token");
  const fields = Buffer.from(payload, "base64url").toString("utf8").split(".");
  if (fields.length !== 4) return bad("malformed token");
  const [purpose, subscriberId, issuedAtText, keyId] = fields as [string, string, string, string];
  const key = keys.find((k) => k.id === keyId);
  if (!key) return bad("token signed with an unknown key");
  const expectedMac = mac(key, payload);
  const givenMac = Buffer.from(signature, "base64url");
  // Base64 decoders forgive padding, the standard alphabet and spare low bits: several texts decode
  // to one MAC. Only the canonical text (the one signToken writes) is the signature.
  if (givenMac.toString("base64url") !== signature) return bad("token signature is not canonical base64url");
  if (givenMac.length !== expectedMac.length || !timingSafeEqual(givenMac, expectedMac)) {
    return bad("token signature does not match");
  }
  if (!PURPOSES.has(purpose as TokenPurpose) || purpose !== expected) return bad(`not a ${expected} token`);
  const issuedAt = Number(issuedAtText);
  if (!Number.isInteger(issuedAt) || !ID_PATTERN.test(subscriberId)) return bad("malformed token");
  const maxAge = TOKEN_MAX_AGE_SECONDS[expected];
  if (maxAge !== null && now.getTime() / 1000 - issuedAt > maxAge) {
    return { ok: false, status: 410, reason: "this link has expired" };
  }
  return { ok: true, claims: { purpose: expected, subscriberId, issuedAt, keyId } };
}

/**
 * Parses "keyId:base64secret[,keyId:base64secret…]" (the first key signs) as set in DIGEST_TOKEN_KEYS.
 */
export function parseSigningKeys(text: string): SigningKey[] {
  const keys = text
    .split(",")
    .map((part) => part.trim())
    .filter(Boolean)
    .map((part) => {
      const [id, secret] = part.split(":");
      if (!id || !secret || !ID_PATTERN.test(id)) throw new Error("token keys: expected keyId:base64secret");
      const bytes = Buffer.from(secret, "base64");
      if (bytes.length < 32) throw new Error(`token key ${id}: secret must be at least 32 bytes`);
      return { id, secret: bytes };
    });
  if (keys.length === 0) throw new Error("token keys: none given");
  return keys;
}

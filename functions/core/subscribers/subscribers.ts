import { createHash, createHmac, randomBytes } from "node:crypto";
import * as z from "zod";
import { type Phrase, problem } from "../kernel/i18n/index.js";
import { MAX_SECTION_NAME_LENGTH } from "../kernel/sections.js";

export const SUBSCRIBER_STATUSES = ["pending", "active", "paused", "unsubscribed", "suppressed"] as const;
export type SubscriberStatus = (typeof SUBSCRIBER_STATUSES)[number];

/** How consent was given: evidence kept with the record. */
export interface Consent {
  method: "admin" | "import" | "form";
  at: string;
  /** Who or what gave it: an IP address, an import file name, an admin. */
  source: string | null;
}

export interface Subscriber {
  /** Opaque id carried in signed links instead of the address. */
  id: string;
  /** Normalised: trimmed and lower-cased. */
  email: string;
  name: string | null;
  status: SubscriberStatus;
  /** Sections chosen; empty means all. */
  sections: string[];
  timezone: string | null;
  createdAt: string;
  confirmedAt: string | null;
  updatedAt: string;
  consent: Consent;
  /** Pending sign-ups only: epoch seconds after which the sign-up counts as gone (DynamoDB TTL removes it later). */
  expiresAt?: number;
  /** Confirmation emails sent in the current rate-limit window (per address). */
  confirmationsSent?: { count: number; windowStart: string };
  /** Why and when the address was suppressed, and the status it had before. */
  suppression?: { reason: string; at: string; previousStatus: SubscriberStatus };
  /** Soft bounces seen since the last delivery; suppressed after a threshold. */
  transientBounces?: number;
  /** Local delivery: the hour (0–23, in `timezone`) they want the digest; null → the configured default. */
  deliveryHour?: number | null;
  /**
   * The language they chose (a BCP 47 tag of config `locales`); absent or null, or no longer enabled,
   * the configured `locale` (readerLocale, kernel/config.ts).
   */
  locale?: string | null;
}

/**
 * The local-delivery slot of an active subscriber: "<zone>|<hour>", either part empty when it follows
 * the configured default (so a changed default applies without rewriting records); null otherwise.
 */
export function deliverySlot(s: Pick<Subscriber, "status" | "timezone" | "deliveryHour">): string | null {
  if (s.status !== "active") return null;
  // Zones are stored canonical (validateSubscriberInput), the form the dispatch lists them in.
  return `${s.timezone ?? ""}|${s.deliveryHour ?? ""}`;
}

/** A pending sign-up past its expiry is treated as absent: DynamoDB TTL deletes lazily, dynalite never. */
export function isExpired(s: Pick<Subscriber, "status" | "expiresAt">, now: Date = new Date()): boolean {
  return s.status === "pending" && s.expiresAt !== undefined && s.expiresAt * 1000 <= now.getTime();
}

/** The public shape (CLI --json and admin API). */
export type SubscriberView = Pick<
  Subscriber,
  "email" | "name" | "status" | "sections" | "timezone" | "createdAt" | "confirmedAt"
> & {
  /** Their chosen language (a tag of config `locales`); null: the configured `locale`. */
  locale: string | null;
};

export function toView(s: Subscriber): SubscriberView {
  return {
    email: s.email,
    name: s.name,
    status: s.status,
    sections: s.sections,
    timezone: s.timezone,
    locale: s.locale ?? null,
    createdAt: s.createdAt,
    confirmedAt: s.confirmedAt,
  };
}

const emailSchema = z.email();

/** Trims and lower-cases an address; returns the reason when it is not a deliverable-looking address. */
export function normalizeEmail(raw: string): { email: string } | { error: string; phrase: Phrase } {
  const email = raw.trim().toLowerCase();
  if (email === "") return problem("invalid.emailEmpty");
  if (email.length > 254) return problem("invalid.emailTooLong", { value: raw.trim() });
  if (!emailSchema.safeParse(email).success) return problem("invalid.email", { value: raw.trim() });
  return { email };
}

/** Splits "World; Science" or "World,Science" into trimmed, de-duplicated section names. */
export function parseSections(raw: string | undefined | null): string[] {
  if (!raw) return [];
  const seen = new Map<string, string>();
  for (const part of raw.split(/[;,]/)) {
    const name = part.trim();
    if (name && !seen.has(name.toLowerCase())) seen.set(name.toLowerCase(), name);
  }
  return [...seen.values()];
}

/**
 * Bounds on section names when none are configured: the sign-up and preferences forms are public,
 * so what a reader may type is kept to what a section name is (the cap a story's section has too).
 */
export const TYPED_SECTIONS = { maxCount: 50, maxLength: MAX_SECTION_NAME_LENGTH } as const;

/**
 * Resolves chosen sections against the configured ones (case-insensitively, to their configured
 * spelling). With no configured sections any name within {@link TYPED_SECTIONS} is accepted.
 */
export function resolveSections(
  chosen: string[],
  known: readonly string[],
): { sections: string[] } | { error: string; phrase: Phrase } {
  if (known.length === 0) {
    if (chosen.length > TYPED_SECTIONS.maxCount)
      return problem("invalid.tooManySections", { max: String(TYPED_SECTIONS.maxCount) });
    if (chosen.some((c) => c.length > TYPED_SECTIONS.maxLength))
      return problem("invalid.sectionTooLong", { max: String(TYPED_SECTIONS.maxLength) });
    // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is refused
    if (chosen.some((c) => /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/.test(c)))
      return problem("invalid.sectionControl");
    return { sections: chosen };
  }
  const byLower = new Map(known.map((k) => [k.toLowerCase(), k]));
  const unknown = chosen.filter((c) => !byLower.has(c.toLowerCase()));
  if (unknown.length > 0) {
    return problem(unknown.length > 1 ? "invalid.unknownSections" : "invalid.unknownSection", {
      names: unknown.join(", "),
      known: known.join(", "),
    });
  }
  return { sections: chosen.map((c) => byLower.get(c.toLowerCase()) as string) };
}

export function newSubscriberId(): string {
  return randomBytes(12).toString("base64url");
}

/** A stable shard (0 … shards-1) of an address, so one key's items spread over several partitions. */
function shardNumber(email: string, shards: number): number {
  return createHash("sha256").update(email).digest().readUInt32BE(0) % shards;
}

/** Partition of the status index for this subscriber: status plus a stable shard of the address. */
export function statusShard(status: SubscriberStatus, email: string, shards: number): string {
  return `${status}#${String(shardNumber(email, shards)).padStart(2, "0")}`;
}

/** "<key>#<n>": a partition key spread over `shards` partitions by the address. */
export function shardOf(key: string, email: string, shards: number): string {
  return `${key}#${shardNumber(email, shards)}`;
}

/**
 * Suppression key of an erased address: the address itself is gone, a keyed hash of it still blocks
 * mail and a later sign-up. Keyed (HMAC-SHA256 with the installation's erasure key), so the list of
 * erased entries cannot be matched against a list of addresses by anyone without the key.
 */
export function erasedKey(email: string, key: Uint8Array): string {
  return `hmac-sha256:${createHmac("sha256", key).update(email.trim().toLowerCase()).digest("hex")}`;
}

/**
 * The unkeyed form erasures wrote before the key existed (plain SHA-256 of the address). Still read,
 * so those addresses stay blocked; they cannot be re-keyed in bulk (only the hash is left), so each
 * is replaced by the keyed form when its address is erased again.
 */
export function legacyErasedKey(email: string): string {
  return `sha256:${createHash("sha256").update(email.trim().toLowerCase()).digest("hex")}`;
}

/** True for a suppression key that stands for an erased address (keyed or legacy hash). */
export function isErasedKey(key: string): boolean {
  return /^(hmac-sha256|sha256):[0-9a-f]{64}$/.test(key);
}

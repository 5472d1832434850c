import type { DigestConfig } from "../kernel/config.js";
import type { Phrase } from "../kernel/i18n/index.js";
import type { SubscriberStore, SuppressionStore } from "../kernel/ports.js";
import { storedSections } from "./preferences.js";
import { clientOf, limitKey, type RateLimitStore } from "./rate-limits.js";
import { chosenLocale, validateSubscriberInput } from "./subscriber-input.js";
import { isExpired, newSubscriberId, type Subscriber } from "./subscribers.js";
import { type SigningKey, TOKEN_MAX_AGE_SECONDS, type TokenClaims } from "./tokens.js";
import type { TransactionalKind, TransactionalMail } from "./transactional.js";

/**
 * Double opt-in: the public sign-up and its confirmation. A sign-up answers the same way whatever
 * the address's state (no account enumeration), and does the same work: two limit counts, two reads,
 * one record write and one email's worth of work. What differs is only the email it triggers: a
 * confirmation for a new, expired or unsubscribed address, "already subscribed" for a subscribed
 * one, nothing (but as long a wait) for a suppressed or erased one.
 */

/** What sign-up reads and writes (the API context has it all). */
export interface SignupDeps {
  config: DigestConfig;
  subscribers: SubscriberStore;
  suppressions: SuppressionStore;
  mail: TransactionalMail;
  clock: () => Date;
  /** Sign-up rate limits (per address, per client). */
  limits: RateLimitStore;
  /** The first key signs. */
  keys: readonly SigningKey[];
}

/** A pending sign-up counts as gone after this long (as long as its confirmation link lives). */
export const PENDING_TTL_SECONDS = TOKEN_MAX_AGE_SECONDS.confirm ?? 7 * 24 * 3600;
/** At most this many sign-ups (each one email at most) per address per window. */
export const SIGNUP_EMAILS_PER_WINDOW = 3;
export const SIGNUP_WINDOW_SECONDS = 24 * 3600;
/** At most this many sign-ups per client (IPv4 address or IPv6 /64) per window: a busy office fits. */
export const SIGNUPS_PER_CLIENT_PER_WINDOW = 20;
export const CLIENT_WINDOW_SECONDS = 3600;

export interface SignupInput {
  email: string;
  name?: string | null;
  /** Undefined or [] means all sections. */
  sections?: string[];
  timezone?: string | null;
  /** The language they chose (one of config `locales`); absent or empty: the configured `locale`. */
  locale?: string | null;
  /** Where the request came from (consent evidence, and the per-client limit). */
  sourceIp: string | null;
}

export type SignupField = "email" | "name" | "sections" | "timezone" | "locale";

export type SignupResult =
  /** `sent` is for logs and tests only: the HTTP answer must not depend on it. */
  | { outcome: "accepted"; sent: TransactionalKind | null }
  /** `error` in English (JSON API), `phrase` for the form in the reader's language. */
  | { outcome: "invalid"; field: SignupField; error: string; phrase?: Phrase }
  /**
   * Too many sign-ups lately for this address or from this client; `retryAfter` in seconds. An
   * address's limit counts whatever its state, so it says nothing about the address.
   */
  | { outcome: "rate-limited"; scope: "address" | "client"; retryAfter: number };

type Valid = {
  email: string;
  name: string | null;
  sections: string[];
  timezone: string | null;
  locale: string | null;
};

/** Validates a sign-up with the admin rules (validateSubscriberInput); an error names its field. */
export function validateSignup(
  input: Omit<SignupInput, "sourceIp">,
  knownSections: readonly string[],
  locales?: readonly string[],
): Valid | { field: SignupField; error: string; phrase?: Phrase } {
  const locale = chosenLocale(input.locale, locales);
  if ("error" in locale) return { field: "locale", error: locale.error, phrase: locale.phrase };
  const valid = validateSubscriberInput(
    {
      email: input.email,
      name: input.name ?? null,
      sections: input.sections ?? [],
      timezone: input.timezone?.trim() || null,
    },
    knownSections,
  );
  if ("error" in valid) {
    const field =
      (["email", "name", "sections", "timezone"] as const).find((f) => f === valid.field) ?? "email";
    return { field, error: valid.error, phrase: valid.phrase };
  }
  return {
    email: valid.email,
    name: valid.name ?? null,
    sections: storedSections(valid.sections ?? [], knownSections),
    timezone: valid.timezone ?? null,
    locale: locale.locale,
  };
}

/**
 * Counts the sign-up against its client and its address (atomic counters in the limit store);
 * null when both have room, else the rate-limited result. Counted before the address's state is
 * read, so a known, suppressed or erased address is limited exactly like a new one.
 */
async function overLimit(deps: SignupDeps, email: string, sourceIp: string | null, now: Date) {
  const secret = deps.keys[0]?.secret;
  if (!secret) throw new Error("no signing key configured");
  const client = await deps.limits.hit(
    limitKey(secret, "signup-client", clientOf(sourceIp)),
    SIGNUPS_PER_CLIENT_PER_WINDOW,
    CLIENT_WINDOW_SECONDS,
    now,
  );
  if (!client.ok)
    return { outcome: "rate-limited" as const, scope: "client" as const, retryAfter: client.retryAfter };
  const address = await deps.limits.hit(
    limitKey(secret, "signup-address", email),
    SIGNUP_EMAILS_PER_WINDOW,
    SIGNUP_WINDOW_SECONDS,
    now,
  );
  if (!address.ok)
    return { outcome: "rate-limited" as const, scope: "address" as const, retryAfter: address.retryAfter };
  return null;
}

/**
 * Handles a sign-up from the public form. Every valid sign-up counts against the client's and the
 * address's limits first (429 past either). New and expired-pending addresses are then stored as
 * pending (an expired record keeps its id) with form consent evidence and a 7-day expiry, and get a
 * confirmation email. An unsubscribed address gets a confirmation email too, but its record stays
 * unsubscribed (choices and consent evidence untouched) until the link is followed: a form anyone
 * can fill in must not turn it into a pending record that DynamoDB's TTL would delete — with it
 * would go the fact that the address unsubscribed, which is what stops an import from re-adding it.
 * Subscribed addresses (active or paused) get "already subscribed" and are otherwise left alone;
 * suppressed and erased ones get nothing. Throws when the email could not be sent (MailError after
 * retries).
 */
export async function signUp(deps: SignupDeps, input: SignupInput): Promise<SignupResult> {
  const valid = validateSignup(input, deps.config.sections, deps.config.locales);
  if ("error" in valid)
    return { outcome: "invalid", field: valid.field, error: valid.error, phrase: valid.phrase };
  const now = deps.clock();
  const limited = await overLimit(deps, valid.email, input.sourceIp, now);
  if (limited) return limited;
  return decide(deps, valid, input.sourceIp, now, 0);
}

/** A stand-in record for an address that must get nothing: what `withhold` composes for. */
const nobody = (email: string, at: string): Subscriber => ({
  id: newSubscriberId(),
  email,
  name: null,
  status: "pending",
  sections: [],
  timezone: null,
  createdAt: at,
  confirmedAt: null,
  updatedAt: at,
  consent: { method: "form", at, source: null },
});

async function decide(
  deps: SignupDeps,
  valid: Valid,
  sourceIp: string | null,
  now: Date,
  attempt: number,
): Promise<SignupResult> {
  const at = now.toISOString();
  const blocked = (await deps.suppressions.suppressed([valid.email])).has(valid.email);
  const existing = await deps.subscribers.get(valid.email);

  if (blocked || existing?.status === "suppressed") {
    // Nothing goes out; the same write and as long a wait as for anyone else.
    await deps.subscribers.noteSignupRequest(valid.email, at);
    await deps.mail.withhold("confirm", existing ?? nobody(valid.email, at));
    return { outcome: "accepted", sent: null };
  }

  if (existing && existing.status !== "pending") {
    // Someone typed an address we know: tell its owner, change nothing.
    await deps.subscribers.noteSignupRequest(valid.email, at);
    const kind = existing.status === "unsubscribed" ? "confirm" : "already-subscribed";
    await deps.mail.send(kind, existing);
    return { outcome: "accepted", sent: kind };
  }

  const pending: Subscriber = {
    ...(existing ?? {}),
    id: existing?.id ?? newSubscriberId(),
    email: valid.email,
    name: valid.name,
    status: "pending",
    sections: valid.sections,
    timezone: valid.timezone,
    ...(valid.locale ? { locale: valid.locale } : {}),
    createdAt: existing?.createdAt ?? at,
    confirmedAt: null,
    updatedAt: at,
    consent: { method: "form", at, source: sourceIp },
    expiresAt: Math.floor(now.getTime() / 1000) + PENDING_TTL_SECONDS,
  };
  if (existing) {
    await deps.subscribers.put(pending);
  } else if (!(await deps.subscribers.create(pending))) {
    // Someone created the address at the same moment: decide again on what is stored now.
    if (attempt > 0) throw new Error(`sign-up of ${valid.email} raced twice`);
    return decide(deps, valid, sourceIp, now, attempt + 1);
  }
  await deps.mail.send("confirm", pending);
  return { outcome: "accepted", sent: "confirm" };
}

export type ConfirmResult =
  /** `welcomed`: this call activated the subscription and sent the welcome. */
  | { outcome: "confirmed"; subscriber: Subscriber; welcomed: boolean; welcomeError?: unknown }
  /** Subscribed already (active or paused): nothing changed. */
  | { outcome: "already"; subscriber: Subscriber }
  /** The sign-up expired, was erased, or the address unsubscribed since: sign up again. */
  | { outcome: "gone" }
  /** Mail to the address is blocked (bounces or complaints). */
  | { outcome: "blocked" };

/**
 * True when a confirm token was issued for a sign-up after the subscriber unsubscribed. Confirm
 * tokens are only issued while an address is new, pending or unsubscribed, never while subscribed;
 * so one issued after the last confirmation belongs to a new sign-up, and an older one (the original
 * confirmation email, clicked again) must not undo the unsubscribe.
 */
function isResignup(subscriber: Subscriber, claims: TokenClaims): boolean {
  const since = Date.parse(subscriber.confirmedAt ?? subscriber.createdAt);
  return Number.isFinite(since) && claims.issuedAt > Math.floor(since / 1000);
}

/**
 * Confirms the sign-up a verified confirm token names: pending (or unsubscribed, for a token of a
 * later sign-up) → active, confirmedAt set, expiry removed, and one welcome email. A returning
 * subscriber's consent evidence is the confirmation itself (`sourceIp`). A welcome that fails does
 * not undo the confirmation; the caller gets the error to log.
 */
export async function confirmSignup(
  deps: SignupDeps,
  claims: TokenClaims,
  sourceIp: string | null = null,
): Promise<ConfirmResult> {
  const now = deps.clock();
  const subscriber = await deps.subscribers.getById(claims.subscriberId);
  if (!subscriber) return { outcome: "gone" };
  if (subscriber.status === "suppressed") return { outcome: "blocked" };
  if (subscriber.status === "active" || subscriber.status === "paused") {
    return { outcome: "already", subscriber };
  }
  const returning = subscriber.status === "unsubscribed";
  if (returning ? !isResignup(subscriber, claims) : isExpired(subscriber, now)) return { outcome: "gone" };
  if ((await deps.suppressions.suppressed([subscriber.email])).has(subscriber.email)) {
    return { outcome: "blocked" };
  }

  const at = now.toISOString();
  const active: Subscriber = { ...subscriber, status: "active", confirmedAt: at, updatedAt: at };
  if (returning) active.consent = { method: "form", at, source: sourceIp };
  delete active.expiresAt;
  await deps.subscribers.put(active);
  try {
    await deps.mail.send("welcome", active);
    return { outcome: "confirmed", subscriber: active, welcomed: true };
  } catch (err) {
    return { outcome: "confirmed", subscriber: active, welcomed: false, welcomeError: err };
  }
}

import { isValidTimeZone } from "../kernel/dates.js";
import { type Phrase, problem } from "../kernel/i18n/index.js";
import { type Consent, normalizeEmail, resolveSections } from "./subscribers.js";

/**
 * What an admin asks for about one subscriber (a command, a CSV row, an API body) and how it is checked
 * before anything is stored: the address normalised, the name cleaned, sections and time zone resolved.
 */

/** An admin's request to add (or refresh) one subscriber: from `digest subscribers add`, a CSV row or the API. */
export interface SubscriberInput {
  email: string;
  name?: string | null;
  /** Undefined leaves an existing choice alone; [] means all sections. */
  sections?: string[];
  timezone?: string | null;
  /** A tag of config `locales`; undefined leaves an existing choice alone, null or "" clears it. */
  locale?: string | null;
  /** Local delivery: the hour (0–23) in their zone; null or undefined → the configured default. */
  deliveryHour?: number | null;
  /**
   * Consent was given elsewhere (active) or must still be confirmed (pending). An imported row may
   * also say paused or unsubscribed: a new record gets that status, an existing one is lowered to it
   * (see settledStatus), never raised.
   */
  status: "active" | "pending" | "paused" | "unsubscribed";
  consent: Consent;
}

/** The input field a validation error is about (the admin API names it in its 400 answer). */
export type SubscriberField =
  | "email"
  | "name"
  | "sections"
  | "timezone"
  | "locale"
  | "status"
  | "deliveryHour";

/** A delivery hour must be a whole hour of the day; returns the error, or null when it is fine. */
export function deliveryHourError(hour: number | null | undefined): Invalid | null {
  if (hour === undefined || hour === null || (Number.isInteger(hour) && hour >= 0 && hour <= 23)) return null;
  return {
    outcome: "invalid",
    error: `deliveryHour must be a whole hour from 0 to 23, got ${hour}`,
    field: "deliveryHour",
  };
}

/** `error` in English (CLI, logs, JSON API); `phrase`, when there is one, for a reader's page. */
export type Invalid = { outcome: "invalid"; error: string; field: SubscriberField; phrase?: Phrase };

/** Longest name kept (longer ones are a paste accident, not a name). */
export const MAX_NAME_LENGTH = 200;

export const invalid = (field: SubscriberField, error: string, phrase?: Phrase): Invalid =>
  phrase ? { outcome: "invalid", error, field, phrase } : { outcome: "invalid", error, field };

const invalidAs = (field: SubscriberField, p: { error: string; phrase?: Phrase }): Invalid =>
  invalid(field, p.error, p.phrase);

/** A name as stored: trimmed, inner whitespace (line breaks from a CSV cell) collapsed; "" → null. */
function cleanName(raw: string | null | undefined): string | null | Invalid {
  if (raw === undefined || raw === null) return null;
  const name = raw.replace(/\s+/g, " ").trim();
  if (name.length > MAX_NAME_LENGTH)
    return invalidAs("name", problem("invalid.nameTooLong", { max: String(MAX_NAME_LENGTH) }));
  // biome-ignore lint/suspicious/noControlCharactersInRegex: refusing control characters is the point
  if (/[\u0000-\u001f\u007f]/.test(name)) return invalidAs("name", problem("invalid.nameControl"));
  return name || null;
}

const zones = new Map<string, string | null>();

/**
 * "europe/lisbon" → "Europe/Lisbon"; null when the runtime does not know the zone. Memoised: building
 * an Intl.DateTimeFormat per CSV row was a measurable share of an import.
 */
function canonicalZone(zone: string): string | null {
  let canonical = zones.get(zone);
  if (canonical === undefined) {
    canonical = isValidTimeZone(zone)
      ? new Intl.DateTimeFormat("en-US", { timeZone: zone }).resolvedOptions().timeZone
      : null;
    if (zones.size < 1000) zones.set(zone, canonical);
  }
  return canonical;
}

/**
 * Checks an input without touching storage; returns the normalised address, name, sections, zone and
 * language (`locales`: the enabled ones, config `locales`).
 */
export function validateSubscriberInput(
  input: Pick<SubscriberInput, "email" | "sections" | "timezone" | "locale"> & { name?: string | null },
  knownSections: readonly string[],
  locales?: readonly string[],
):
  | {
      email: string;
      name: string | null | undefined;
      sections: string[] | undefined;
      timezone: string | null | undefined;
      locale: string | null | undefined;
    }
  | Invalid {
  const normalized = normalizeEmail(input.email);
  if ("error" in normalized) return invalidAs("email", normalized);
  let name: string | null | undefined;
  if (input.name !== undefined) {
    const cleaned = cleanName(input.name);
    if (cleaned !== null && typeof cleaned === "object") return cleaned;
    name = cleaned;
  }
  let sections: string[] | undefined;
  if (input.sections !== undefined) {
    const resolved = resolveSections(input.sections, knownSections);
    if ("error" in resolved) return invalidAs("sections", resolved);
    sections = resolved.sections;
  }
  let timezone = input.timezone;
  if (timezone) {
    const canonical = canonicalZone(timezone);
    if (!canonical) return invalidAs("timezone", problem("invalid.timezone", { value: timezone }));
    timezone = canonical;
  } else if (timezone === "") {
    timezone = null;
  }
  let locale: string | null | undefined;
  if (input.locale !== undefined) {
    const chosen = chosenLocale(input.locale, locales);
    if ("error" in chosen) {
      const enabled = (locales ?? []).join(", ") || "none";
      const error = `locale "${input.locale?.trim()}" is not enabled: use one of ${enabled} (empty for the default)`;
      return invalid("locale", error, chosen.phrase);
    }
    locale = chosen.locale;
  }
  return { email: normalized.email, name, sections, timezone, locale };
}

/**
 * A reader's chosen language: null for none (the configured `locale`), the tag as `locales` spells it
 * when it is one of them (BCP 47 tags are case-insensitive: "DE-ch" is "de-CH"), else the error to show.
 */
export function chosenLocale(
  raw: string | null | undefined,
  locales: readonly string[] | undefined,
): { locale: string | null } | { error: string; phrase: Phrase } {
  const tag = raw?.trim() ?? "";
  if (tag === "") return { locale: null };
  const enabled = locales ?? [];
  const match = enabled.find((l) => l.toLowerCase() === tag.toLowerCase());
  return match ? { locale: match } : problem("invalid.locale", { locales: enabled.join(", ") });
}

import type { DigestConfig } from "../kernel/config.js";
import { type Phrase, problem } from "../kernel/i18n/index.js";
import type { SubscriberStore, SuppressionStore } from "../kernel/ports.js";
import { chosenLocale, validateSubscriberInput } from "./subscriber-input.js";
import { parseSections, resolveSections, type Subscriber } from "./subscribers.js";

/**
 * What a subscriber does with their own signed links: one-click unsubscribe, and the preferences
 * page (sections, time zone, pause/resume, unsubscribe, subscribe again).
 */

/** What a subscriber's own changes read and write (the API context has it all). */
export interface PreferencesDeps {
  config: DigestConfig;
  subscribers: SubscriberStore;
  suppressions: SuppressionStore;
  clock: () => Date;
}

/** True when mail to the subscriber is blocked: suppressed status or an entry on the suppression list. */
export async function isBlocked(
  deps: Pick<PreferencesDeps, "suppressions">,
  subscriber: Subscriber,
): Promise<boolean> {
  if (subscriber.status === "suppressed") return true;
  return (await deps.suppressions.suppressed([subscriber.email])).has(subscriber.email);
}

export type UnsubscribeResult = "unsubscribed" | "already" | "gone";

/**
 * Unsubscribes the subscriber a verified unsubscribe token names, at once (RFC 8058 one-click).
 * Idempotent. A suppressed subscriber stays suppressed, but lifting the suppression later leaves
 * them unsubscribed. "gone" when no record has that id (erased): nothing will be sent to them anyway.
 */
export async function unsubscribeById(
  deps: PreferencesDeps,
  subscriberId: string,
): Promise<UnsubscribeResult> {
  const subscriber = await deps.subscribers.getById(subscriberId);
  if (!subscriber) return "gone";
  const at = deps.clock().toISOString();
  if (subscriber.status === "suppressed") {
    if (!subscriber.suppression || subscriber.suppression.previousStatus === "unsubscribed") return "already";
    await deps.subscribers.put({
      ...subscriber,
      suppression: { ...subscriber.suppression, previousStatus: "unsubscribed" },
      updatedAt: at,
    });
    return "unsubscribed";
  }
  if (subscriber.status === "unsubscribed") return "already";
  const next: Subscriber = { ...subscriber, status: "unsubscribed", updatedAt: at };
  delete next.expiresAt;
  await deps.subscribers.put(next);
  return "unsubscribed";
}

export const PREFERENCE_ACTIONS = ["save", "pause", "resume", "unsubscribe", "resubscribe"] as const;
export type PreferenceAction = (typeof PREFERENCE_ACTIONS)[number];

export interface PreferenceChange {
  action: PreferenceAction;
  /** For "save": the ticked sections (configured sections), or the typed list (none configured). */
  sections?: string[] | string;
  timezone?: string | null;
  /** Local delivery: "0"…"23", or "" for the default hour; absent leaves it alone. */
  deliveryHour?: string | null;
  /** One of config `locales`, or "" for the configured `locale`; absent leaves it alone. */
  locale?: string | null;
}

export type PreferenceResult =
  | { ok: true; subscriber: Subscriber }
  | {
      ok: false;
      status: 400 | 409;
      field?: "sections" | "timezone" | "deliveryHour" | "locale" | "action";
      /** In English (logs, scripts); `phrase`, when there is one, for the page in the reader's language. */
      error: string;
      phrase?: Phrase;
    };

/** Which actions a subscriber in this status can take on the preferences page. */
export function allowedActions(status: Subscriber["status"]): PreferenceAction[] {
  switch (status) {
    case "active":
      return ["save", "pause", "unsubscribe"];
    case "paused":
      return ["save", "resume", "unsubscribe"];
    case "unsubscribed":
    case "pending":
      return ["save", "resubscribe"];
    case "suppressed":
      return [];
  }
}

/**
 * Sections as stored: [] (all sections, also ones added later) when every configured section was
 * chosen; otherwise the choice in the configured order.
 */
export function storedSections(chosen: readonly string[], known: readonly string[]): string[] {
  if (known.length === 0) return [...chosen];
  const picked = new Set(chosen.map((c) => c.toLowerCase()));
  if (known.every((k) => picked.has(k.toLowerCase()))) return [];
  return known.filter((k) => picked.has(k.toLowerCase()));
}

/** Resolves the sections a form sent: all configured ticked (or none typed) means all, stored as []. */
function chosenSections(
  raw: string[] | string | undefined,
  known: readonly string[],
): { sections: string[] } | { error: string; phrase?: Phrase } {
  const list = (Array.isArray(raw) ? raw : [raw ?? ""]).flatMap((v) => parseSections(v));
  if (known.length === 0) return resolveSections(list, known);
  if (list.length === 0) return problem("invalid.noSection");
  const resolved = validateSubscriberInput({ email: "x@example.com", sections: list }, known);
  if ("error" in resolved) return { error: resolved.error, phrase: resolved.phrase };
  return { sections: storedSections(resolved.sections ?? [], known) };
}

/**
 * Applies one preferences-page action for the subscriber a verified preferences token names.
 * "resubscribe" makes them active again: their own signed link is their consent, recorded as form
 * consent from "preferences". A blocked (suppressed) subscriber cannot change anything (409).
 */
export async function applyPreferences(
  deps: PreferencesDeps,
  subscriber: Subscriber,
  change: PreferenceChange,
): Promise<PreferenceResult> {
  if (await isBlocked(deps, subscriber)) {
    return { ok: false, status: 409, error: "mail to this address is blocked" };
  }
  if (!allowedActions(subscriber.status).includes(change.action)) {
    return {
      ok: false,
      status: 400,
      field: "action",
      ...problem("invalid.actionNotNow", { action: change.action, status: subscriber.status }),
    };
  }
  const at = deps.clock().toISOString();
  const next: Subscriber = { ...subscriber, updatedAt: at };
  switch (change.action) {
    case "save": {
      const sections = chosenSections(change.sections, deps.config.sections);
      if ("error" in sections) return { ok: false, status: 400, field: "sections", ...sections };
      const timezone = change.timezone?.trim() || null;
      const zone = validateSubscriberInput({ email: subscriber.email, timezone }, deps.config.sections);
      if ("error" in zone)
        return { ok: false, status: 400, field: "timezone", error: zone.error, phrase: zone.phrase };
      if (change.locale !== undefined && change.locale !== null) {
        const locale = chosenLocale(change.locale, deps.config.locales);
        if ("error" in locale) return { ok: false, status: 400, field: "locale", ...locale };
        next.locale = locale.locale;
      }
      next.sections = sections.sections;
      next.timezone = zone.timezone ?? null;
      if (change.deliveryHour !== undefined && change.deliveryHour !== null) {
        const hour = change.deliveryHour === "" ? null : Number(change.deliveryHour);
        if (hour !== null && !(/^\d{1,2}$/.test(change.deliveryHour) && hour <= 23)) {
          return { ok: false, status: 400, field: "deliveryHour", ...problem("invalid.hour") };
        }
        next.deliveryHour = hour;
      }
      break;
    }
    case "pause":
      next.status = "paused";
      break;
    case "resume":
      next.status = "active";
      break;
    case "unsubscribe":
      next.status = "unsubscribed";
      delete next.expiresAt;
      break;
    case "resubscribe":
      next.status = "active";
      next.confirmedAt = at;
      next.consent = { method: "form", at, source: "preferences" };
      delete next.expiresAt;
      break;
  }
  await deps.subscribers.put(next);
  return { ok: true, subscriber: next };
}

import { isValidTimeZone } from "./dates.js";
import type { SubscriberStore, UpsertOutcome } from "./ports.js";
import {
  type Consent,
  newSubscriberId,
  normalizeEmail,
  resolveSections,
  type Subscriber,
} from "./subscribers.js";

/** An admin's request to add (or refresh) one subscriber: from `digest subscribers add`, a CSV row or the API. */
export interface SubscriberInput {
  email: string;
  name?: string | null;
  /** Undefined leaves an existing choice alone; [] means all sections. */
  sections?: string[];
  timezone?: string | null;
  /** Consent was given elsewhere (active) or must still be confirmed (pending). */
  status: "active" | "pending";
  consent: Consent;
}

export type AddResult =
  | { outcome: UpsertOutcome; subscriber: Subscriber; note?: string }
  | { outcome: "invalid"; error: string };

/** Checks an input without touching storage; returns the normalised address, sections and zone. */
export function validateSubscriberInput(
  input: Pick<SubscriberInput, "email" | "sections" | "timezone">,
  knownSections: readonly string[],
):
  | { email: string; sections: string[] | undefined; timezone: string | null | undefined }
  | { error: string } {
  const normalized = normalizeEmail(input.email);
  if ("error" in normalized) return normalized;
  let sections: string[] | undefined;
  if (input.sections !== undefined) {
    const resolved = resolveSections(input.sections, knownSections);
    if ("error" in resolved) return resolved;
    sections = resolved.sections;
  }
  if (input.timezone && !isValidTimeZone(input.timezone)) {
    return { error: `"${input.timezone}" is not a time zone (use Area/City, e.g. Europe/Lisbon)` };
  }
  return { email: normalized.email, sections, timezone: input.timezone };
}

const sameList = (a: readonly string[], b: readonly string[]) =>
  a.length === b.length && a.every((x, i) => x === b[i]);

/**
 * Adds a subscriber, or refreshes the one with that address (one record per address). Never
 * reactivates an address that unsubscribed or is suppressed: that is the subscriber's decision or a
 * bounce/complaint, not an admin's. Unchanged records are "skipped".
 */
export async function addSubscriber(
  store: SubscriberStore,
  input: SubscriberInput,
  knownSections: readonly string[],
  now: Date = new Date(),
): Promise<AddResult> {
  const valid = validateSubscriberInput(input, knownSections);
  if ("error" in valid) return { outcome: "invalid", error: valid.error };
  const at = now.toISOString();
  const existing = await store.get(valid.email);
  if (!existing) {
    const subscriber: Subscriber = {
      id: newSubscriberId(),
      email: valid.email,
      name: input.name?.trim() || null,
      status: input.status,
      sections: valid.sections ?? [],
      timezone: valid.timezone ?? null,
      createdAt: at,
      confirmedAt: input.status === "active" ? at : null,
      updatedAt: at,
      consent: input.consent,
    };
    if (await store.create(subscriber)) return { outcome: "imported", subscriber };
    // Created concurrently by someone else: treat as an update of theirs.
    return addSubscriber(store, input, knownSections, now);
  }
  if (existing.status === "suppressed" || existing.status === "unsubscribed") {
    return {
      outcome: "skipped",
      subscriber: existing,
      note: `${existing.email} is ${existing.status}; not reactivated`,
    };
  }
  const next: Subscriber = {
    ...existing,
    name: input.name === undefined ? existing.name : input.name?.trim() || null,
    sections: valid.sections ?? existing.sections,
    timezone: valid.timezone === undefined ? existing.timezone : valid.timezone,
    // Consent given elsewhere confirms a pending address; a paused one stays paused (their choice).
    status: existing.status === "pending" && input.status === "active" ? "active" : existing.status,
  };
  if (next.status === "active" && existing.status === "pending") {
    next.confirmedAt = at;
    next.consent = input.consent;
  }
  const changed =
    next.name !== existing.name ||
    !sameList(next.sections, existing.sections) ||
    next.timezone !== existing.timezone ||
    next.status !== existing.status;
  if (!changed) return { outcome: "skipped", subscriber: existing };
  next.updatedAt = at;
  await store.put(next);
  return { outcome: "updated", subscriber: next };
}

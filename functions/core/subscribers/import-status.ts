/**
 * The status column of an imported subscriber file, in this system's terms. Our own export writes
 * pending | active | paused | unsubscribed | suppressed; other tools' exports use their own words, and
 * the common ones whose meaning is not in doubt are read too:
 * - Mailchimp (status / "Subscription Status"): subscribed, unsubscribed, cleaned (hard bounces),
 *   pending, transactional or non-subscribed (never opted in);
 * - listmonk (subscriber status): enabled, blocklisted; its list subscription status: unconfirmed,
 *   confirmed, unsubscribed.
 * Anything else is an unknown status: the row is reported, not guessed at.
 */

export type RowStatus =
  /** Consent given elsewhere: the import's own choice applies (active, or pending with --pending). */
  | { status: "active"; word: string }
  | { status: "pending" | "paused" | "unsubscribed"; word: string }
  /** Not to be mailed again: the suppression entry is (re-)created with this reason. */
  | { status: "suppressed"; reason: "bounce" | "complaint" | "manual"; word: string }
  /** The contact never opted in: nothing is imported. */
  | { status: "never-subscribed"; word: string };

type Meaning =
  | { status: "active" | "pending" | "paused" | "unsubscribed" | "never-subscribed" }
  | { status: "suppressed"; reason: "bounce" | "complaint" | "manual" };

const WORDS: Record<string, Meaning> = {
  active: { status: "active" },
  subscribed: { status: "active" }, // Mailchimp
  confirmed: { status: "active" }, // listmonk subscription
  // listmonk's subscriber status says the record is usable, nothing about this list's opt-in: the
  // file's own choice applies, exactly as for a row without a status.
  enabled: { status: "active" },
  pending: { status: "pending" },
  unconfirmed: { status: "pending" }, // listmonk subscription
  paused: { status: "paused" },
  unsubscribed: { status: "unsubscribed" },
  optedout: { status: "unsubscribed" },
  suppressed: { status: "suppressed", reason: "manual" },
  cleaned: { status: "suppressed", reason: "bounce" }, // Mailchimp
  bounced: { status: "suppressed", reason: "bounce" },
  complained: { status: "suppressed", reason: "complaint" },
  blocklisted: { status: "suppressed", reason: "manual" }, // listmonk
  blacklisted: { status: "suppressed", reason: "manual" },
  transactional: { status: "never-subscribed" }, // Mailchimp API
  nonsubscribed: { status: "never-subscribed" }, // Mailchimp UI
};

/**
 * Reads a status cell ("Unsubscribed", "non-subscribed", "opted_out": case, blanks, "-" and "_" do
 * not matter). Returns null for a word it does not know.
 */
export function parseRowStatus(raw: string): RowStatus | null {
  const word = raw.trim();
  const meaning = WORDS[word.toLowerCase().replace(/[\s_-]+/g, "")];
  return meaning ? ({ ...meaning, word } as RowStatus) : null;
}

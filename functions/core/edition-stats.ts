import type { EditionStat } from "./ports.js";

/**
 * What an edition's SES events add up to: counts, delivery/bounce/complaint rates and a verdict
 * against SES's thresholds. Pure; shown by `digest editions list|show` and GET /admin/editions[/{id}].
 *
 * Definitions follow SES's reputation metrics: the bounce rate is hard (permanent) bounces over
 * messages sent, the complaint rate complaints over messages sent. "Sent" is the send ledger's count
 * of messages SES accepted (it returned a MessageId).
 */

/**
 * SES's account-level levels (Developer Guide, "Reputation metrics messages"): at `review` the
 * account is placed under review, at `pause` sending may be paused. The thresholds are the
 * review levels.
 */
export const SES_RATE_LEVELS = {
  bounce: { review: 0.05, pause: 0.1 },
  complaint: { review: 0.001, pause: 0.005 },
} as const;

/** A rate at or above this share of the review level is a warning: room to act before a review. */
export const WARNING_SHARE = 0.5;

/** Below this many sent messages one bounce swings the rate by a percent or more. */
export const SMALL_SAMPLE = 100;

export type RateVerdict = "ok" | "warning" | "over";

export interface RateFigure {
  /** count / sent as a fraction (0.05 = 5%), or null when nothing was sent. */
  rate: number | null;
  /** SES puts the account under review at this rate: at or above it the verdict is "over". */
  threshold: number;
  /** SES may pause the account's sending at this rate. */
  pauseAt: number;
  verdict: RateVerdict;
}

export interface DeliveryStats {
  /** Messages SES accepted for the edition (send ledger). */
  sent: number;
  delivered: number;
  /** Hard (permanent) bounces, as SES's bounce rate counts them; soft bounces are retried by SES. */
  bounced: number;
  complained: number;
  /** Open events (every load of the tracking pixel, not unique readers). */
  opened: number;
  /** Click events (every tracked link followed, not unique readers). */
  clicked: number;
  /** delivered / sent, or null when nothing was sent. */
  deliveryRate: number | null;
  bounceRate: RateFigure;
  complaintRate: RateFigure;
  /** The worse of the two rate verdicts. */
  verdict: RateVerdict;
  /** What to keep in mind when reading the figures (sample size, inflated opens, late events). */
  notes: string[];
}

const APPLE_MPP_NOTE =
  "opens and clicks count every event, not unique readers; opens are inflated by Apple Mail Privacy Protection, which loads every message's images, and hidden by clients that block images";

const round = (n: number) => Math.round(n * 1e6) / 1e6;

function rateFigure(count: number, sent: number, levels: { review: number; pause: number }): RateFigure {
  const rate = sent > 0 ? round(count / sent) : null;
  let verdict: RateVerdict = "ok";
  if (rate !== null && rate >= levels.review) verdict = "over";
  else if (rate !== null && rate >= levels.review * WARNING_SHARE) verdict = "warning";
  return { rate, threshold: levels.review, pauseAt: levels.pause, verdict };
}

const RANK: Record<RateVerdict, number> = { ok: 0, warning: 1, over: 2 };

/**
 * The delivery figures of one edition from the ledger's sent count and the SES event counters
 * (missing counters are 0). Rates are null while nothing was sent; the verdict is then "ok".
 */
export function deliveryStats(sent: number, counters: Partial<Record<EditionStat, number>>): DeliveryStats {
  const n = (stat: EditionStat) => Math.max(0, counters[stat] ?? 0);
  const delivered = n("delivered");
  const bounced = n("bounced");
  const complained = n("complained");
  const opened = n("opened");
  const clicked = n("clicked");
  const bounceRate = rateFigure(bounced, sent, SES_RATE_LEVELS.bounce);
  const complaintRate = rateFigure(complained, sent, SES_RATE_LEVELS.complaint);
  const verdict =
    RANK[bounceRate.verdict] >= RANK[complaintRate.verdict] ? bounceRate.verdict : complaintRate.verdict;
  const notes: string[] = [];
  if (sent === 0 && delivered + bounced + complained > 0) {
    notes.push("SES events arrived for an edition with no sent messages in the ledger: no rates");
  } else if (sent > 0 && sent < SMALL_SAMPLE && bounced + complained > 0) {
    notes.push(
      `small sample (${sent} sent): SES judges the account's rates over a representative volume, not one edition`,
    );
  }
  if (delivered + bounced > sent && sent > 0) {
    notes.push("more delivery and bounce events than messages sent: some events were counted twice");
  }
  if (opened + clicked > 0) notes.push(APPLE_MPP_NOTE);
  return {
    sent,
    delivered,
    bounced,
    complained,
    opened,
    clicked,
    deliveryRate: sent > 0 ? round(delivered / sent) : null,
    bounceRate,
    complaintRate,
    verdict,
    notes,
  };
}

/** "5%", "0.1%", "33.33%" (two decimals; two significant digits below 0.01%), or "n/a" for a null rate. */
export function formatRate(rate: number | null): string {
  if (rate === null) return "n/a";
  const percent = rate * 100;
  // A complaint in 100,000 is 0.001%: never show a rate that is not zero as "0%".
  if (percent > 0 && percent < 0.01) return `${Number(percent.toPrecision(2))}%`;
  return `${Number(percent.toFixed(2))}%`;
}

/** One line per rate for people: "bounce rate 2% (1 of 50 sent): ok (SES reviews at 5%, may pause at 10%)". */
export function describeRates(stats: DeliveryStats): string[] {
  const line = (what: string, count: number, figure: RateFigure) =>
    `${what} rate ${formatRate(figure.rate)} (${count} of ${stats.sent} sent): ${figure.verdict} ` +
    `(SES reviews at ${formatRate(figure.threshold)}, may pause at ${formatRate(figure.pauseAt)})`;
  return [
    line("bounce", stats.bounced, stats.bounceRate),
    line("complaint", stats.complained, stats.complaintRate),
  ];
}

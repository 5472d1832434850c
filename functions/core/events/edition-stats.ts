import type { EditionStat } from "../kernel/ports.js";

/**
 * What an edition's SES events add up to: counts, delivery/bounce/complaint rates and a verdict
 * against SES's thresholds. Pure; shown by `digest editions list|show` and GET /admin/editions[/{id}].
 *
 * Definitions follow SES's reputation metrics: the bounce rate is hard (permanent) bounces over
 * messages sent, the complaint rate complaints over messages sent. "Sent" is the number of messages
 * SES accepted (it returned a MessageId): for one edition the send ledger's count (exact), in lists
 * the edition's `sent` counter, kept by the send path (no read of the ledger).
 *
 * Engagement: opens and clicks count every event; `uniqueOpened` / `uniqueClicked` count readers
 * (each recipient's first open / click), and the open and click rates are readers over delivered.
 * When tracking is off (config trackOpens / trackClicks) those figures are null: "not tracked".
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

/** Which engagement events SES tracks (config trackOpens / trackClicks). */
export interface Tracking {
  opens: boolean;
  clicks: boolean;
}

export interface DeliveryStats {
  /** Messages SES accepted for the edition (see `sentFrom`). */
  sent: number;
  /**
   * Where `sent` comes from: the send ledger (one edition: exact), or the edition's `sent` counter
   * (lists; editions sent before the counter was kept fall back to the ledger).
   */
  sentFrom: "ledger" | "counter";
  /** The edition's `sent` counter, or null when it has none (sent before it was kept). */
  sentCounted: number | null;
  delivered: number;
  /** Hard (permanent) bounces, as SES's bounce rate counts them; soft bounces are retried by SES. */
  bounced: number;
  /** Recipients whose message soft-bounced (transient or undetermined; once per recipient). */
  softBounced: number;
  complained: number;
  /** What SES tracks: a figure of something not tracked is null ("not tracked"), not 0. */
  tracking: Tracking;
  /** Open events (every load of the tracking pixel, redeliveries included); null: not tracked. */
  opened: number | null;
  /** Readers who opened (each recipient's first open); null: not tracked. */
  uniqueOpened: number | null;
  /** Click events (every tracked link followed); null: not tracked. */
  clicked: number | null;
  /** Readers who clicked a link (each recipient's first click); null: not tracked. */
  uniqueClicked: number | null;
  /** uniqueOpened / delivered; null when not tracked or nothing was delivered. */
  openRate: number | null;
  /** uniqueClicked / delivered; null when not tracked or nothing was delivered. */
  clickRate: number | null;
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
  "opens are inflated by Apple Mail Privacy Protection, which loads every message's images, and hidden by clients that block images: read the unique figures as a trend, not a head count";

const round = (n: number) => Math.round(n * 1e6) / 1e6;

function rateFigure(count: number, sent: number, levels: { review: number; pause: number }): RateFigure {
  const rate = sent > 0 ? round(count / sent) : null;
  let verdict: RateVerdict = "ok";
  if (rate !== null && rate >= levels.review) verdict = "over";
  else if (rate !== null && rate >= levels.review * WARNING_SHARE) verdict = "warning";
  return { rate, threshold: levels.review, pauseAt: levels.pause, verdict };
}

const RANK: Record<RateVerdict, number> = { ok: 0, warning: 1, over: 2 };

export interface DeliveryStatsOptions {
  /** The send ledger's count of sent recipients; without it `sent` is the edition's `sent` counter. */
  ledgerSent?: number;
  /** What is tracked; both by default. */
  tracking?: Partial<Tracking>;
}

/**
 * The delivery figures of one edition from its counters (SES events and the send path's `sent`;
 * missing counters are 0) and, when given, the ledger's sent count, which then is `sent`. Without a
 * ledger count `sent` is the counter. Rates are null while nothing was sent; the verdict is then "ok".
 */
export function deliveryStats(
  counters: Partial<Record<EditionStat, number>>,
  opts: DeliveryStatsOptions = {},
): DeliveryStats {
  const n = (stat: EditionStat) => Math.max(0, counters[stat] ?? 0);
  const sentCounted = typeof counters.sent === "number" ? n("sent") : null;
  const sent = opts.ledgerSent ?? sentCounted ?? 0;
  const tracking: Tracking = { opens: opts.tracking?.opens ?? true, clicks: opts.tracking?.clicks ?? true };
  const delivered = n("delivered");
  const bounced = n("bounced");
  const complained = n("complained");
  const tracked = (on: boolean, stat: EditionStat) => (on ? n(stat) : null);
  const opened = tracked(tracking.opens, "opened");
  const uniqueOpened = tracked(tracking.opens, "uniqueOpened");
  const clicked = tracked(tracking.clicks, "clicked");
  const uniqueClicked = tracked(tracking.clicks, "uniqueClicked");
  const overDelivered = (readers: number | null) =>
    readers !== null && delivered > 0 ? round(readers / delivered) : null;
  const bounceRate = rateFigure(bounced, sent, SES_RATE_LEVELS.bounce);
  const complaintRate = rateFigure(complained, sent, SES_RATE_LEVELS.complaint);
  const verdict =
    RANK[bounceRate.verdict] >= RANK[complaintRate.verdict] ? bounceRate.verdict : complaintRate.verdict;
  const notes: string[] = [];
  if (sent === 0 && delivered + bounced + complained > 0) {
    notes.push("SES events arrived for an edition with no sent messages: no rates");
  } else if (sent > 0 && sent < SMALL_SAMPLE && bounced + complained > 0) {
    notes.push(
      `small sample (${sent} sent): SES judges the account's rates over a representative volume, not one edition`,
    );
  }
  if (delivered + bounced > sent && sent > 0) {
    notes.push("more delivery and bounce events than messages sent: some events were counted twice");
  }
  if (opts.ledgerSent !== undefined && sentCounted !== null && sentCounted !== opts.ledgerSent) {
    notes.push(
      `the edition's sent counter says ${sentCounted}, the ledger ${opts.ledgerSent} (the ledger is exact; the counter misses a send interrupted between SES and the count, or counts a recipient sent twice after a lapsed lease)`,
    );
  }
  if ((uniqueOpened ?? 0) > 0) notes.push(APPLE_MPP_NOTE);
  return {
    sent,
    sentFrom: opts.ledgerSent !== undefined || sentCounted === null ? "ledger" : "counter",
    sentCounted,
    delivered,
    bounced,
    softBounced: n("softBounced"),
    complained,
    tracking,
    opened,
    uniqueOpened,
    clicked,
    uniqueClicked,
    openRate: overDelivered(uniqueOpened),
    clickRate: overDelivered(uniqueClicked),
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

/**
 * Two lines for people, opens then clicks: "opens: 40 readers (40% of delivered), 55 events", or
 * "opens not tracked" when tracking is off.
 */
export function describeEngagement(stats: DeliveryStats): string[] {
  const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? "" : "s"}`;
  const line = (what: string, readers: number | null, events: number | null, rate: number | null) =>
    readers === null || events === null
      ? `${what} not tracked`
      : `${what}: ${plural(readers, "reader")} (${formatRate(rate)} of delivered), ${plural(events, "event")}`;
  return [
    line("opens", stats.uniqueOpened, stats.opened, stats.openRate),
    line("clicks", stats.uniqueClicked, stats.clicked, stats.clickRate),
  ];
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

import type { DigestConfig } from "../kernel/config.js";

/** The safety pause tripped: the edition stops sending until an operator resumes it. */
export interface SendAlert {
  editionId: string;
  reason: string;
  /** The counts the verdict was made on (since the last resume, when there was one). */
  sent: number;
  bounced: number;
  complained: number;
}

/**
 * The safety pause's verdict on an edition's counters: why it must stop (complaints first, they hurt
 * more), or null. Rates count only from `rateMinimumSends` sent messages on and trip when they pass
 * (exceed) the configured limits.
 */
export function rateVerdict(
  counts: { sent: number; bounced: number; complained: number },
  limits: Pick<DigestConfig, "bounceRateLimit" | "complaintRateLimit" | "rateMinimumSends">,
): string | null {
  const { sent } = counts;
  if (sent <= 0 || sent < limits.rateMinimumSends) return null;
  const pct = (r: number) => `${Number((r * 100).toFixed(2))}%`;
  const over = (what: string, n: number, limit: number) =>
    n / sent > limit
      ? `${what} rate ${pct(n / sent)} (${n} of ${sent} sent) passed the ${pct(limit)} limit`
      : null;
  return (
    over("complaint", counts.complained, limits.complaintRateLimit) ??
    over("bounce", counts.bounced, limits.bounceRateLimit)
  );
}

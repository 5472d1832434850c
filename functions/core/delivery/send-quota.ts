import type { DailyQuota } from "../kernel/ports.js";

/**
 * What is left of the account's 24-hour quota for one sending engine. Each recipient about to be sent
 * reserves one unit; the unit is used once the mail service accepted the message and given back when
 * it did not (a throttled or failed attempt does not count against the quota). When every unit is
 * used or reserved, a caller waits for the reserved ones to settle before it is told no: a failure
 * frees a unit for the next recipient, so the engine sends exactly what the quota allows.
 */
export class QuotaBudget {
  private used = 0;
  private reserved = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(readonly quota: DailyQuota) {}

  /** Recipients the quota still allows, counting reserved ones as spent. */
  get left(): number {
    return Math.max(0, this.quota.max24HourSend - this.quota.sentLast24Hours - this.used - this.reserved);
  }

  /** Recipients counted against the quota: before this engine started, and by it. */
  get usedInWindow(): number {
    return this.quota.sentLast24Hours + this.used;
  }

  /**
   * Reserves one recipient. Resolves true at once when the quota has room, false when it is used up
   * and nothing reserved could still free a unit; otherwise waits until a reservation settles.
   */
  async reserve(): Promise<boolean> {
    for (;;) {
      if (this.left > 0) {
        this.reserved++;
        return true;
      }
      if (this.reserved === 0) return false;
      await new Promise<void>((resolve) => this.waiting.push(resolve));
    }
  }

  /** The reserved recipient was accepted: the unit is used. */
  commit(): void {
    this.settle();
    this.used++;
  }

  /** The reserved recipient was not sent: the unit is free again. */
  release(): void {
    this.settle();
  }

  private settle(): void {
    if (this.reserved === 0) throw new Error("quota budget: nothing reserved");
    this.reserved--;
    // Everyone waiting looks again: one may take a freed unit, the rest learn the quota is used up.
    for (const wake of this.waiting.splice(0)) wake();
  }
}

/** How every daily-quota stop reason starts, whether this engine's count or SES's refusal found it. */
export const QUOTA_STOP = "daily sending quota reached";

/** The stop reason when the quota is used up (the prefix the SES refusal's reason shares). */
export function quotaStopReason(budget: QuotaBudget): string {
  const n = (x: number) => x.toLocaleString("en-US");
  return (
    `${QUOTA_STOP}: SES quota ${n(budget.usedInWindow)} of ${n(budget.quota.max24HourSend)} ` +
    `used in the last 24 hours`
  );
}

/**
 * Compose's check before fan-out: when `recipients` are more than the quota has left, the warning to
 * log (how many will wait and that a rerun resumes); null when they fit or the quota is unknown. The
 * fan-out still enqueues everyone: the send functions stop at the quota, the ledger keeps who had it.
 */
export function quotaShortfall(quota: DailyQuota | null, recipients: number): string | null {
  if (!quota) return null;
  const left = Math.max(0, quota.max24HourSend - quota.sentLast24Hours);
  if (recipients <= left) return null;
  const n = (x: number) => x.toLocaleString("en-US");
  return (
    `daily SES quota: ${n(quota.sentLast24Hours)} of ${n(quota.max24HourSend)} used; up to ` +
    `${n(recipients - left)} of ${n(recipients)} recipients will not be sent today: the send functions ` +
    `stop at the quota, their messages are retried and then kept in the dead-letter queue. Rerun compose ` +
    `for this date after the quota resets: it resumes, sending only those who have not had the edition`
  );
}

/** How a fleet of send functions was sized (infra/send-fleet.ts): so many functions at so many messages/s. */
export interface SendFleetShare {
  /** Functions that may send at once (the event source's maxConcurrency). */
  size: number;
  /** Messages/s each was given: the configured maxSendRate over `size`. */
  ratePerFunction: number;
}

/**
 * Messages per second one function of a fleet paces itself to: its share of the lower of the rate SES
 * allows the account (GetAccount MaxSendRate, `accountRate`) and the rate the fleet was sized for, so
 * `size` functions together never pass the account's rate, even when SES allows less than the stack was
 * configured with. Without a fleet (the local run: one engine) the account's rate itself.
 */
export function fleetShareRate(accountRate: number, fleet: SendFleetShare | null): number {
  if (!fleet || !(fleet.size >= 1) || !(fleet.ratePerFunction > 0)) return accountRate;
  return Math.min(accountRate / fleet.size, fleet.ratePerFunction);
}

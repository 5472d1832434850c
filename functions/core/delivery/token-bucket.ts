/**
 * A classic token bucket: holds up to `capacity` tokens and refills continuously at `ratePerSecond`.
 * Time is injectable (milliseconds, e.g. `Date.now()`), so callers and tests can drive it
 * deterministically. Time going backwards is ignored (no refill, no drain).
 */
export interface TokenBucketOptions {
  /** Refill rate in tokens per second; must be finite and > 0. */
  ratePerSecond: number;
  /** Maximum tokens held (burst size). Default: max(1, ratePerSecond). */
  capacity?: number;
  /** Tokens available at creation. Default: capacity (a full bucket). */
  initialTokens?: number;
  /** Creation time in ms. Default: Date.now(). */
  now?: number;
}

/** Slack for floating-point drift, so that waiting `msUntilAvailable()` ms always suffices. */
const EPSILON = 1e-9;

export class TokenBucket {
  readonly ratePerSecond: number;
  readonly capacity: number;
  private tokens: number;
  private last: number;

  constructor(opts: TokenBucketOptions) {
    const { ratePerSecond } = opts;
    if (!Number.isFinite(ratePerSecond) || ratePerSecond <= 0) {
      throw new RangeError(`TokenBucket: ratePerSecond must be a finite number > 0, got ${ratePerSecond}`);
    }
    const capacity = opts.capacity ?? Math.max(1, ratePerSecond);
    if (!Number.isFinite(capacity) || capacity <= 0) {
      throw new RangeError(`TokenBucket: capacity must be a finite number > 0, got ${capacity}`);
    }
    const initial = opts.initialTokens ?? capacity;
    if (!Number.isFinite(initial) || initial < 0) {
      throw new RangeError(`TokenBucket: initialTokens must be a finite number >= 0, got ${initial}`);
    }
    this.ratePerSecond = ratePerSecond;
    this.capacity = capacity;
    this.tokens = Math.min(initial, capacity);
    this.last = opts.now ?? Date.now();
  }

  /** Tokens available at `now` (fractional). */
  available(now: number = Date.now()): number {
    this.refill(now);
    return this.tokens;
  }

  /** Takes `n` tokens if available at `now`; returns whether it did. Never takes a partial amount. */
  tryTake(n = 1, now: number = Date.now()): boolean {
    assertCount(n);
    this.refill(now);
    if (this.tokens + EPSILON < n) return false;
    this.tokens = Math.max(0, this.tokens - n);
    return true;
  }

  /**
   * Milliseconds (integer, rounded up) to wait from `now` until `tryTake(n)` would succeed,
   * assuming nobody else takes tokens meanwhile. 0 if available now; Infinity if n > capacity.
   */
  msUntilAvailable(n = 1, now: number = Date.now()): number {
    assertCount(n);
    if (n > this.capacity + EPSILON) return Number.POSITIVE_INFINITY;
    this.refill(now);
    const deficit = n - this.tokens;
    if (deficit <= EPSILON) return 0;
    return Math.max(1, Math.ceil((deficit * 1000) / this.ratePerSecond));
  }

  private refill(now: number): void {
    if (!Number.isFinite(now)) throw new RangeError(`TokenBucket: invalid time ${now}`);
    if (now <= this.last) return;
    this.tokens = Math.min(this.capacity, this.tokens + ((now - this.last) * this.ratePerSecond) / 1000);
    this.last = now;
  }
}

function assertCount(n: number): void {
  if (!Number.isFinite(n) || n < 0) throw new RangeError(`TokenBucket: token count must be >= 0, got ${n}`);
}

/** A pacer over a token bucket: take() resolves when one message may go out at `ratePerSecond`. */
export function tokenBucketPacer(
  ratePerSecond: number,
  sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms)),
) {
  const bucket = new TokenBucket({ ratePerSecond, capacity: Math.max(1, Math.floor(ratePerSecond)) });
  return {
    async take(): Promise<void> {
      while (!bucket.tryTake(1)) await sleep(bucket.msUntilAvailable(1));
    },
  };
}

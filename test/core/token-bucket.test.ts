import { describe, expect, it } from "vitest";
import { TokenBucket } from "../../functions/core/delivery/token-bucket.js";

describe("TokenBucket", () => {
  it("starts full and allows a burst of `capacity` takes", () => {
    const b = new TokenBucket({ ratePerSecond: 2, now: 0 });
    expect(b.capacity).toBe(2);
    expect(b.tryTake(1, 0)).toBe(true);
    expect(b.tryTake(1, 0)).toBe(true);
    expect(b.tryTake(1, 0)).toBe(false);
  });

  it("refills continuously at ratePerSecond and caps at capacity", () => {
    const b = new TokenBucket({ ratePerSecond: 2, now: 0 });
    expect(b.tryTake(2, 0)).toBe(true);
    expect(b.tryTake(1, 499)).toBe(false);
    expect(b.tryTake(1, 500)).toBe(true);
    expect(b.available(500)).toBeCloseTo(0);
    expect(b.available(100_000)).toBe(2); // capped
  });

  it("reports how long to wait, and waiting that long suffices", () => {
    const b = new TokenBucket({ ratePerSecond: 3, now: 0, initialTokens: 0 });
    expect(b.msUntilAvailable(1, 0)).toBe(334); // ceil(1000/3)
    expect(b.tryTake(1, 333)).toBe(false);
    expect(b.tryTake(1, 334)).toBe(true);
    expect(b.msUntilAvailable(1, 334)).toBeGreaterThan(0);
  });

  it("returns 0 when tokens are available and does not consume them", () => {
    const b = new TokenBucket({ ratePerSecond: 5, now: 0 });
    expect(b.msUntilAvailable(5, 0)).toBe(0);
    expect(b.available(0)).toBe(5);
  });

  it("never takes partially and says Infinity for requests above capacity", () => {
    const b = new TokenBucket({ ratePerSecond: 10, capacity: 3, now: 0 });
    expect(b.tryTake(4, 0)).toBe(false);
    expect(b.available(0)).toBe(3);
    expect(b.msUntilAvailable(4, 0)).toBe(Number.POSITIVE_INFINITY);
    expect(b.tryTake(3, 0)).toBe(true);
    expect(b.msUntilAvailable(3, 0)).toBe(300);
  });

  it("supports fractional rates below one per second", () => {
    const b = new TokenBucket({ ratePerSecond: 0.5, now: 0 });
    expect(b.capacity).toBe(1);
    expect(b.tryTake(1, 0)).toBe(true);
    expect(b.msUntilAvailable(1, 0)).toBe(2000);
    expect(b.tryTake(1, 1999)).toBe(false);
    expect(b.tryTake(1, 2000)).toBe(true);
  });

  it("ignores time going backwards", () => {
    const b = new TokenBucket({ ratePerSecond: 1, now: 1000 });
    expect(b.tryTake(1, 1000)).toBe(true);
    expect(b.tryTake(1, 500)).toBe(false);
    expect(b.msUntilAvailable(1, 500)).toBe(1000);
    expect(b.tryTake(1, 2000)).toBe(true);
  });

  it("validates its arguments", () => {
    expect(() => new TokenBucket({ ratePerSecond: 0 })).toThrow(RangeError);
    expect(() => new TokenBucket({ ratePerSecond: Number.NaN })).toThrow(RangeError);
    expect(() => new TokenBucket({ ratePerSecond: 1, capacity: -1 })).toThrow(RangeError);
    const b = new TokenBucket({ ratePerSecond: 1, now: 0 });
    expect(() => b.tryTake(-1, 0)).toThrow(RangeError);
  });

  it("a pacer that waits msUntilAvailable never fails and never exceeds the rate", () => {
    // Deterministic pseudo-random rates/batch sizes; drive the bucket like a pacer would.
    let seed = 42;
    const rnd = () => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    for (let trial = 0; trial < 50; trial++) {
      const rate = 0.3 + rnd() * 50;
      const b = new TokenBucket({ ratePerSecond: rate, now: 0 });
      let now = 0;
      let taken = 0;
      for (let i = 0; i < 200; i++) {
        const n = Math.min(b.capacity, 1 + Math.floor(rnd() * 3));
        now += b.msUntilAvailable(n, now);
        expect(b.tryTake(n, now)).toBe(true);
        taken += n;
      }
      // Over [0, now] at most capacity + rate * elapsed tokens can have been handed out.
      expect(taken).toBeLessThanOrEqual(b.capacity + (rate * now) / 1000 + 1e-6);
    }
  });
});

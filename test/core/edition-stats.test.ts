import { describe, expect, it } from "vitest";
import {
  deliveryStats,
  describeRates,
  formatRate,
  SES_RATE_LEVELS,
  SMALL_SAMPLE,
} from "../../functions/core/edition-stats.js";

describe("deliveryStats", () => {
  it("computes delivery, bounce and complaint rates over messages sent", () => {
    const s = deliveryStats(1000, { delivered: 960, bounced: 20, complained: 0, opened: 400, clicked: 90 });
    expect(s).toMatchObject({
      sent: 1000,
      delivered: 960,
      bounced: 20,
      complained: 0,
      opened: 400,
      clicked: 90,
      deliveryRate: 0.96,
      bounceRate: { rate: 0.02, threshold: 0.05, pauseAt: 0.1, verdict: "ok" },
      complaintRate: { rate: 0, threshold: 0.001, pauseAt: 0.005, verdict: "ok" },
      verdict: "ok",
    });
  });

  it("treats missing counters as zero and has no rates while nothing was sent", () => {
    const s = deliveryStats(0, {});
    expect(s).toMatchObject({ delivered: 0, bounced: 0, opened: 0, deliveryRate: null, verdict: "ok" });
    expect(s.bounceRate.rate).toBeNull();
    expect(s.complaintRate.rate).toBeNull();
    expect(s.notes).toEqual([]);
  });

  it.each([
    // [sent, bounced, verdict]: over at SES's review level, warning from half of it.
    [1000, 24, "ok"],
    [1000, 25, "warning"],
    [1000, 49, "warning"],
    [1000, 50, "over"],
    [1000, 120, "over"],
  ] as const)("bounce: %i sent, %i hard bounces → %s", (sent, bounced, verdict) => {
    const s = deliveryStats(sent, { bounced });
    expect(s.bounceRate.verdict).toBe(verdict);
    expect(s.verdict).toBe(verdict);
  });

  it.each([
    [10_000, 4, "ok"],
    [10_000, 5, "warning"],
    [10_000, 10, "over"],
  ] as const)("complaints: %i sent, %i complaints → %s", (sent, complained, verdict) => {
    expect(deliveryStats(sent, { complained }).complaintRate.verdict).toBe(verdict);
  });

  it("takes the worse verdict of the two rates", () => {
    const s = deliveryStats(10_000, { bounced: 10, complained: 20 });
    expect(s.bounceRate.verdict).toBe("ok");
    expect(s.complaintRate.verdict).toBe("over");
    expect(s.verdict).toBe("over");
    expect(deliveryStats(1000, { bounced: 30, complained: 0 }).verdict).toBe("warning");
  });

  it("says when the sample is small, events were counted twice or came without sends", () => {
    const small = deliveryStats(SMALL_SAMPLE - 1, { bounced: 1 });
    expect(small.notes.join("\n")).toMatch(/small sample \(99 sent\)/);
    expect(deliveryStats(SMALL_SAMPLE, { bounced: 1 }).notes).toEqual([]);
    expect(deliveryStats(2, { delivered: 3 }).notes.join("\n")).toMatch(/counted twice/);
    expect(deliveryStats(0, { delivered: 1 }).notes.join("\n")).toMatch(/no sent messages/);
  });

  it("warns that opens are events inflated by Apple Mail Privacy Protection", () => {
    const notes = deliveryStats(10, { delivered: 10, opened: 25 }).notes.join("\n");
    expect(notes).toMatch(/not unique readers/);
    expect(notes).toMatch(/Apple Mail Privacy Protection/);
    expect(deliveryStats(10, { delivered: 10 }).notes).toEqual([]);
  });

  it("ignores negative counters (never below zero)", () => {
    expect(deliveryStats(10, { bounced: -3 }).bounced).toBe(0);
  });

  it("uses SES's review and pause levels", () => {
    expect(SES_RATE_LEVELS).toEqual({
      bounce: { review: 0.05, pause: 0.1 },
      complaint: { review: 0.001, pause: 0.005 },
    });
  });
});

describe("formatRate and describeRates", () => {
  it("formats fractions as percentages without hiding small non-zero rates", () => {
    expect(formatRate(null)).toBe("n/a");
    expect(formatRate(0)).toBe("0%");
    expect(formatRate(0.05)).toBe("5%");
    expect(formatRate(0.001)).toBe("0.1%");
    expect(formatRate(1 / 3)).toBe("33.33%");
    expect(formatRate(0.00001)).toBe("0.001%");
    expect(formatRate(0.000123)).toBe("0.01%");
    expect(formatRate(0.0000123)).toBe("0.0012%");
  });

  it("describes each rate with its count, verdict and SES's levels", () => {
    expect(describeRates(deliveryStats(200, { bounced: 12, complained: 1 }))).toEqual([
      "bounce rate 6% (12 of 200 sent): over (SES reviews at 5%, may pause at 10%)",
      "complaint rate 0.5% (1 of 200 sent): over (SES reviews at 0.1%, may pause at 0.5%)",
    ]);
  });
});

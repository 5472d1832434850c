import { describe, expect, it } from "vitest";
import {
  deliveryStats,
  describeEngagement,
  describeRates,
  formatRate,
  SES_RATE_LEVELS,
  SMALL_SAMPLE,
} from "../../functions/core/events/edition-stats.js";

describe("deliveryStats", () => {
  it("computes delivery, bounce and complaint rates over messages sent", () => {
    const s = deliveryStats(
      { delivered: 960, bounced: 20, complained: 0, opened: 400, clicked: 90 },
      { ledgerSent: 1000 },
    );
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
    const s = deliveryStats({}, { ledgerSent: 0 });
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
    const s = deliveryStats({ bounced }, { ledgerSent: sent });
    expect(s.bounceRate.verdict).toBe(verdict);
    expect(s.verdict).toBe(verdict);
  });

  it.each([
    [10_000, 4, "ok"],
    [10_000, 5, "warning"],
    [10_000, 10, "over"],
  ] as const)("complaints: %i sent, %i complaints → %s", (sent, complained, verdict) => {
    expect(deliveryStats({ complained }, { ledgerSent: sent }).complaintRate.verdict).toBe(verdict);
  });

  it("takes the worse verdict of the two rates", () => {
    const s = deliveryStats({ bounced: 10, complained: 20 }, { ledgerSent: 10_000 });
    expect(s.bounceRate.verdict).toBe("ok");
    expect(s.complaintRate.verdict).toBe("over");
    expect(s.verdict).toBe("over");
    expect(deliveryStats({ bounced: 30, complained: 0 }, { ledgerSent: 1000 }).verdict).toBe("warning");
  });

  it("says when the sample is small, events were counted twice or came without sends", () => {
    const small = deliveryStats({ bounced: 1 }, { ledgerSent: SMALL_SAMPLE - 1 });
    expect(small.notes.join("\n")).toMatch(/small sample \(99 sent\)/);
    expect(deliveryStats({ bounced: 1 }, { ledgerSent: SMALL_SAMPLE }).notes).toEqual([]);
    expect(deliveryStats({ delivered: 3 }, { ledgerSent: 2 }).notes.join("\n")).toMatch(/counted twice/);
    expect(deliveryStats({ delivered: 1 }, { ledgerSent: 0 }).notes.join("\n")).toMatch(/no sent messages/);
  });

  it("warns that opens are inflated by Apple Mail Privacy Protection", () => {
    const notes = deliveryStats({ delivered: 10, opened: 25, uniqueOpened: 8 }, { ledgerSent: 10 }).notes;
    expect(notes.join("\n")).toMatch(/Apple Mail Privacy Protection/);
    expect(deliveryStats({ delivered: 10 }, { ledgerSent: 10 }).notes).toEqual([]);
  });

  it("counts readers apart from events: unique opens and clicks over delivered", () => {
    const s = deliveryStats(
      { sent: 200, delivered: 200, opened: 130, uniqueOpened: 80, clicked: 41, uniqueClicked: 30 },
      {},
    );
    expect(s).toMatchObject({
      opened: 130,
      uniqueOpened: 80,
      clicked: 41,
      uniqueClicked: 30,
      openRate: 0.4,
      clickRate: 0.15,
      tracking: { opens: true, clicks: true },
    });
    expect(describeEngagement(s)).toEqual([
      "opens: 80 readers (40% of delivered), 130 events",
      "clicks: 30 readers (15% of delivered), 41 events",
    ]);
    // Nothing delivered: no rate to give (not 0%).
    expect(deliveryStats({ uniqueOpened: 1 }, {}).openRate).toBeNull();
  });

  it("says 'not tracked' instead of 0 for what is not tracked", () => {
    const counters = { sent: 10, delivered: 10, opened: 0, clicked: 3, uniqueClicked: 2 };
    const off = deliveryStats(counters, { tracking: { opens: false, clicks: true } });
    expect(off).toMatchObject({ opened: null, uniqueOpened: null, openRate: null, uniqueClicked: 2 });
    expect(describeEngagement(off)).toEqual([
      "opens not tracked",
      "clicks: 2 readers (20% of delivered), 3 events",
    ]);
    const none = deliveryStats(counters, { tracking: { opens: false, clicks: false } });
    expect(describeEngagement(none)).toEqual(["opens not tracked", "clicks not tracked"]);
    expect(none).toMatchObject({ clicked: null, uniqueClicked: null, clickRate: null });
    // Tracked but nobody opened yet: 0, not "not tracked".
    expect(describeEngagement(deliveryStats({ delivered: 5 }, {}))[0]).toBe(
      "opens: 0 readers (0% of delivered), 0 events",
    );
  });

  it("counts soft bounces apart from hard ones: they do not move the bounce rate", () => {
    const s = deliveryStats({ sent: 100, bounced: 1, softBounced: 9 }, {});
    expect(s.softBounced).toBe(9);
    expect(s.bounceRate.rate).toBe(0.01);
  });

  it("takes sent from the ledger when given, else from the counter, and says when they differ", () => {
    const fromCounter = deliveryStats({ sent: 120, bounced: 6 }, {});
    expect(fromCounter).toMatchObject({ sent: 120, sentFrom: "counter", sentCounted: 120 });
    expect(fromCounter.bounceRate.rate).toBe(0.05);
    const fromLedger = deliveryStats({ sent: 119 }, { ledgerSent: 120 });
    expect(fromLedger).toMatchObject({ sent: 120, sentFrom: "ledger", sentCounted: 119 });
    expect(fromLedger.notes.join("\n")).toMatch(/sent counter says 119, the ledger 120/);
    expect(deliveryStats({ sent: 120 }, { ledgerSent: 120 }).notes).toEqual([]);
    // An edition sent before the counter was kept: no counter, nothing to compare.
    expect(deliveryStats({}, { ledgerSent: 7 })).toMatchObject({ sent: 7, sentCounted: null, notes: [] });
    expect(deliveryStats({}, {})).toMatchObject({ sent: 0, sentFrom: "ledger" });
  });

  it("ignores negative counters (never below zero)", () => {
    expect(deliveryStats({ bounced: -3 }, { ledgerSent: 10 }).bounced).toBe(0);
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
    expect(describeRates(deliveryStats({ bounced: 12, complained: 1 }, { ledgerSent: 200 }))).toEqual([
      "bounce rate 6% (12 of 200 sent): over (SES reviews at 5%, may pause at 10%)",
      "complaint rate 0.5% (1 of 200 sent): over (SES reviews at 0.1%, may pause at 0.5%)",
    ]);
  });
});

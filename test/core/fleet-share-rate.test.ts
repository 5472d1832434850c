import { describe, expect, it } from "vitest";
import { fleetShareRate } from "../../functions/core/delivery/send-quota.js";
import { sendFleet } from "../../infra/send-fleet.js";

describe("fleetShareRate: one send function's pace", () => {
  it("is its share of the configured rate when SES allows at least that", () => {
    expect(fleetShareRate(100, { size: 5, ratePerFunction: 20 })).toBe(20);
    expect(fleetShareRate(500, { size: 5, ratePerFunction: 20 })).toBe(20);
  });

  it("is its share of SES's MaxSendRate when that is lower than the rate the fleet was sized for", () => {
    expect(fleetShareRate(14, { size: 5, ratePerFunction: 20 })).toBeCloseTo(2.8, 10);
    expect(fleetShareRate(1, { size: 2, ratePerFunction: 7 })).toBe(0.5);
  });

  it("keeps the whole fleet at or under the lower of the two rates, whatever the account allows", () => {
    for (const configured of [1, 14, 50, 200, 1000, 5000]) {
      const fleet = sendFleet(configured);
      const share = { size: fleet.maxConcurrency, ratePerFunction: fleet.ratePerFunction };
      for (const account of [1, 2, 14, 49, 50, 51, 199, 1000, 10_000]) {
        const total = fleetShareRate(account, share) * fleet.maxConcurrency;
        expect(total).toBeLessThanOrEqual(Math.min(account, configured) + 1e-9);
        expect(total).toBeGreaterThan(0);
      }
    }
  });

  it("without a fleet (the local run, one engine) paces at the account's rate", () => {
    expect(fleetShareRate(14, null)).toBe(14);
  });
});

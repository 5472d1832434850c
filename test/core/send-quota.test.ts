import { describe, expect, it } from "vitest";
import { QuotaBudget, quotaShortfall, quotaStopReason } from "../../functions/core/delivery/send-quota.js";

describe("QuotaBudget", () => {
  it("hands out what is left, makes a caller wait while a reservation may still be freed, then says no", async () => {
    const budget = new QuotaBudget({ max24HourSend: 10, sentLast24Hours: 8 });
    expect(await budget.reserve()).toBe(true);
    expect(await budget.reserve()).toBe(true);
    let third: boolean | null = null;
    const waiting = budget.reserve().then((ok) => {
      third = ok;
    });
    await Promise.resolve();
    expect(third).toBeNull();
    budget.release(); // the first one's send failed: its unit goes to the one waiting
    await waiting;
    expect(third).toBe(true);
    budget.commit();
    budget.commit();
    expect(await budget.reserve()).toBe(false);
    expect(quotaStopReason(budget)).toBe(
      "daily sending quota reached: SES quota 10 of 10 used in the last 24 hours",
    );
  });

  it("says no at once when the quota was used up before it started", async () => {
    const budget = new QuotaBudget({ max24HourSend: 200, sentLast24Hours: 250 });
    expect(budget.left).toBe(0);
    expect(await budget.reserve()).toBe(false);
    expect(() => budget.commit()).toThrow(/nothing reserved/);
  });
});

describe("quotaShortfall", () => {
  it("warns only when the recipients are more than the quota has left", () => {
    expect(quotaShortfall(null, 1_000_000)).toBeNull();
    expect(quotaShortfall({ max24HourSend: 2000, sentLast24Hours: 0 }, 2000)).toBeNull();
    expect(quotaShortfall({ max24HourSend: 2000, sentLast24Hours: 200 }, 2000)).toMatch(
      /^daily SES quota: 200 of 2,000 used; up to 200 of 2,000 recipients will not be sent today/,
    );
  });
});

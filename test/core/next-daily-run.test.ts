import { describe, expect, it } from "vitest";
import { nextDailyRun } from "../../functions/core/kernel/dates.js";

describe("nextDailyRun: the next run of a daily schedule at an hour of a zone", () => {
  it("is today's hour when it has not come, else tomorrow's", () => {
    const at = (iso: string) => nextDailyRun(new Date(iso), 6, "Europe/Berlin").toISOString();
    expect(at("2026-12-07T04:59:59Z")).toBe("2026-12-07T05:00:00.000Z");
    expect(at("2026-12-07T05:00:00Z")).toBe("2026-12-08T05:00:00.000Z");
  });

  it("skips a day already done", () => {
    expect(
      nextDailyRun(new Date("2026-12-07T01:00:00Z"), 6, "Europe/Berlin", "2026-12-07").toISOString(),
    ).toBe("2026-12-08T05:00:00.000Z");
  });

  it("follows the zone's clock across a DST change and a date line", () => {
    // Berlin moves to summer time on 2027-03-28: 06:00 local is 04:00Z from then on.
    expect(nextDailyRun(new Date("2027-03-27T06:00:00Z"), 6, "Europe/Berlin").toISOString()).toBe(
      "2027-03-28T04:00:00.000Z",
    );
    // 12:00Z is already 01:00 on the 8th in Auckland (UTC+13 in December); its 06:00 is 17:00Z the 7th.
    expect(nextDailyRun(new Date("2026-12-07T12:00:00Z"), 6, "Pacific/Auckland").toISOString()).toBe(
      "2026-12-07T17:00:00.000Z",
    );
  });
});

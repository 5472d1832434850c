import { describe, expect, it } from "vitest";
import { groupsOf, roundStatus, settlementOf } from "../../functions/core/delivery/edition-delivery.js";
import type { BatchOutcomes } from "../../functions/core/delivery/send-recipients.js";
import type { DeliveryRound } from "../../functions/core/kernel/ports.js";

const round = (over: Partial<DeliveryRound>): DeliveryRound => ({
  round: 1,
  kind: "fan-out",
  startedAt: "2031-03-14T06:00:00.000Z",
  cursor: null,
  fannedOut: true,
  carried: false,
  groups: new Set(),
  closed: new Set(),
  failed: new Set(),
  unreached: new Set(),
  ...over,
});

describe("roundStatus: when a delivery round decides the edition's status", () => {
  it("not before the fan-out is done, nor while a registered group is open", () => {
    expect(roundStatus(round({ fannedOut: false, groups: new Set([0]), closed: new Set([0]) }))).toBeNull();
    expect(roundStatus(round({ groups: new Set([0, 1]), closed: new Set([0]) }))).toBeNull();
  });

  it("sent when every group closed clean; groups of other rounds closing change nothing", () => {
    expect(
      roundStatus(round({ groups: new Set([3, 4]), closed: new Set([1, 3, 4]), failed: new Set([1]) })),
    ).toBe("sent");
    expect(roundStatus(round({}))).toBe("sent");
  });

  it("partial when a group had failed or unreached messages, or the round carries failures", () => {
    const closed = { groups: new Set([0, 1]), closed: new Set([0, 1]) };
    expect(roundStatus(round({ ...closed, failed: new Set([1]) }))).toBe("partial");
    expect(roundStatus(round({ ...closed, unreached: new Set([0]) }))).toBe("partial");
    expect(roundStatus(round({ ...closed, carried: true }))).toBe("partial");
  });
});

describe("settlementOf: how a queue message ended", () => {
  const of = (...outcomes: string[]) =>
    settlementOf(new Map(outcomes.map((o, i) => [`r${i}@example.com`, o])) as BatchOutcomes);

  it("clean when everyone was sent, found sent, skipped, suppressed or gone", () => {
    expect(of("sent", "already_sent", "skipped", "suppressed", "inactive")).toBe("clean");
  });

  it("failed when someone failed or was refused; unreached when someone was not attempted", () => {
    expect(of("sent", "rejected")).toBe("failed");
    expect(of("failed", "sent")).toBe("failed");
    expect(of("failed", "remaining")).toBe("unreached");
    expect(settlementOf(undefined)).toBe("unreached");
  });
});

describe("groupsOf", () => {
  it("cuts addresses into messages of ≤ perMessage and groups of ≤ perGroup messages", () => {
    const emails = Array.from({ length: 23 }, (_, i) => `r${i}@example.com`);
    const groups = groupsOf("E", emails, 5, 2);
    expect(groups.map((g) => g.map((m) => m.emails.length))).toEqual([[5, 5], [5, 5], [3]]);
    expect(groups.flat().flatMap((m) => m.emails)).toEqual(emails);
    expect(groupsOf("E", [], 5, 2)).toEqual([]);
  });
});

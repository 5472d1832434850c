import { describe, expect, it } from "vitest";
import { eachBounded } from "../../functions/core/kernel/limiter.js";

describe("eachBounded", () => {
  it("calls fn once per item with its index, never more than `limit` at once", async () => {
    const seen: [string, number][] = [];
    let inFlight = 0;
    let most = 0;
    await eachBounded(["a", "b", "c", "d", "e"], 2, async (item, index) => {
      inFlight++;
      most = Math.max(most, inFlight);
      await new Promise((r) => setImmediate(r));
      seen.push([item, index]);
      inFlight--;
    });
    expect(seen.sort()).toEqual([
      ["a", 0],
      ["b", 1],
      ["c", 2],
      ["d", 3],
      ["e", 4],
    ]);
    expect(most).toBe(2);
  });

  it("runs one at a time for a limit below one, and nothing for no items", async () => {
    const order: number[] = [];
    await eachBounded([1, 2, 3], 0, async (n) => void order.push(n));
    expect(order).toEqual([1, 2, 3]);
    await eachBounded([], 4, async () => expect.fail("called"));
  });

  it("rejects with the first failure", async () => {
    await expect(
      eachBounded([1, 2, 3], 2, async (n) => {
        if (n === 2) throw new Error("two failed");
      }),
    ).rejects.toThrow("two failed");
  });
});

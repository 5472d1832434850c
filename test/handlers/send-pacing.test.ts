import { afterEach, describe, expect, it, vi } from "vitest";
import { SEND_FLEET_SIZE_ENV, SEND_RATE_ENV } from "../../functions/handlers/env.js";
import { lambdaDeps } from "../../functions/handlers/runtime.js";
import { sendFleet } from "../../infra/send-fleet.js";

/**
 * The send function's pacer, built as in Lambda from the environment the stack sets: the fleet is
 * sized for the configured maxSendRate, and each function must send at most its share of the lower
 * of that rate and the rate SES really allows (GetAccount MaxSendRate), so the whole fleet stays under
 * the account's rate.
 */

afterEach(() => {
  vi.useRealTimers();
});

/** Messages a pacer lets out in `seconds` of (fake) time, starting with a full bucket. */
async function takenIn(pacer: { take(): Promise<void> }, seconds: number): Promise<number> {
  let taken = 0;
  let running = true;
  const loop = (async () => {
    while (running) {
      await pacer.take();
      if (running) taken++;
    }
  })();
  await vi.advanceTimersByTimeAsync(seconds * 1000);
  running = false;
  await vi.advanceTimersByTimeAsync(60_000);
  await loop;
  return taken;
}

describe("the send function's pace", () => {
  it("is its share of the account's MaxSendRate when SES allows less than the stack was sized for", async () => {
    // Sized for 100/s: 5 functions at 20/s each. SES says the account may send 14/s.
    const fleet = sendFleet(100);
    expect(fleet).toMatchObject({ maxConcurrency: 5, ratePerFunction: 20 });
    const deps = await lambdaDeps({
      [SEND_RATE_ENV]: String(fleet.ratePerFunction),
      [SEND_FLEET_SIZE_ENV]: String(fleet.maxConcurrency),
      DIGEST_TOKEN_KEYS: `k1:${Buffer.from("a-signing-key-of-enough-length-0123456789").toString("base64")}`,
      AWS_REGION: "us-east-1",
    });
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout", "Date"] });
    const pacer = deps.createPacer(14);
    // 14/s over 5 functions: 2.8/s each, so 5 × 2.8 = 14/s for the fleet. 10 s: 28 plus the
    // bucket's starting burst of 2 (one token either way for the rounding at the boundary).
    const taken = await takenIn(pacer, 10);
    expect(taken).toBeGreaterThanOrEqual(28);
    expect(taken).toBeLessThanOrEqual(30);
    expect(taken * fleet.maxConcurrency).toBeLessThanOrEqual(14 * 10 + 2 * fleet.maxConcurrency);
  });
});

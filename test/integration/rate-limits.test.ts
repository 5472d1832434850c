import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DynamoRateLimitStore } from "../../functions/adapters/dynamo/rate-limit-store.js";
import { clientOf, limitKey } from "../../functions/core/subscribers/rate-limits.js";
import { stackDocumentClient, startTestStack, type TestStack } from "../helpers/services.js";

/** The sign-up's rate-limit counters on dynalite: windows, races, keys. */

let stack: TestStack;
let store: DynamoRateLimitStore;
let db: ReturnType<typeof stackDocumentClient>;

beforeAll(async () => {
  stack = await startTestStack();
  db = stackDocumentClient(stack);
  store = new DynamoRateLimitStore(db, "digest-limits");
});
afterAll(async () => {
  db?.destroy();
  await stack?.close();
});

const at = (seconds: number) => new Date(Date.UTC(2031, 0, 1) + seconds * 1000);

describe("rate-limit counters", () => {
  it("count in a window that opens with its first event; the next window starts over", async () => {
    expect(await store.hit("k1", 3, 100, at(0))).toEqual({ ok: true });
    expect(await store.hit("k1", 3, 100, at(10))).toEqual({ ok: true });
    expect(await store.hit("k1", 3, 100, at(20))).toEqual({ ok: true });
    expect(await store.hit("k1", 3, 100, at(30))).toEqual({ ok: false, retryAfter: 70 });
    expect(await store.hit("k1", 3, 100, at(99))).toEqual({ ok: false, retryAfter: 1 });
    expect(await store.hit("k1", 3, 100, at(100))).toEqual({ ok: true });
    expect(await store.hit("k1", 3, 100, at(150))).toEqual({ ok: true });
    expect(await store.hit("k2", 3, 100, at(150))).toEqual({ ok: true });
  });

  it("never lets racing requests past the limit", async () => {
    const hits = await Promise.all(Array.from({ length: 50 }, () => store.hit("race", 5, 3600, at(0))));
    expect(hits.filter((h) => h.ok)).toHaveLength(5);
  });

  it("keys are keyed hashes of the value; IPv6 clients count per /64", () => {
    const secret = Buffer.alloc(32, 1);
    const key = limitKey(secret, "signup-address", "ana@example.com");
    expect(key).toMatch(/^signup-address#[\w-]{43}$/);
    expect(key).not.toContain("ana");
    expect(limitKey(Buffer.alloc(32, 2), "signup-address", "ana@example.com")).not.toBe(key);
    expect(clientOf("203.0.113.9")).toBe("203.0.113.9");
    expect(clientOf("::ffff:203.0.113.9")).toBe("203.0.113.9");
    expect(clientOf("2001:db8:1:2:aaaa::1")).toBe(clientOf("2001:db8:1:2:ffff:1:2:3"));
    expect(clientOf("2001:db8:1:2::1")).toBe("2001:db8:1:2::/64");
    expect(clientOf("2001:db8:1:3::1")).not.toBe(clientOf("2001:db8:1:2::1"));
    expect(clientOf(null)).toBe("unknown");
  });
});

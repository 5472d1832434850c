import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ApiContext } from "../../functions/core/http/context.js";
import { signUp } from "../../functions/core/subscribers/signup.js";
import { erasedKey, type Subscriber } from "../../functions/core/subscribers/subscribers.js";
import { openRuntime, type Runtime } from "../../functions/local/runtime.js";
import { startTestStack, type TestStack } from "../helpers/services.js";

/**
 * A sign-up must not tell whether an address is known, suppressed or erased by what the server does
 * for it: the same store calls on the same tables, in the same order, and one email's worth of work
 * (sent, or composed and withheld), whatever the address's state. Counted on the real DynamoDB
 * client (dynalite), no timing involved.
 */

let stack: TestStack;
let rt: Runtime;
let ctx: ApiContext;
/** "<table>" of every DynamoDB call, in order. */
const calls: string[] = [];
const mailWork: string[] = [];

const record = (email: string, status: Subscriber["status"]): Subscriber => {
  const at = new Date().toISOString();
  return {
    id: `id-${email.split("@")[0]}`,
    email,
    name: "Someone",
    status,
    sections: [],
    timezone: null,
    createdAt: at,
    confirmedAt: status === "pending" ? null : at,
    updatedAt: at,
    consent: { method: "form", at, source: "192.0.2.1" },
    ...(status === "pending" ? { expiresAt: Math.floor(Date.now() / 1000) + 3600 } : {}),
  };
};

beforeAll(async () => {
  stack = await startTestStack();
  rt = await openRuntime({ env: stack.env });
  const base = await rt.apiContext();
  const mail = base.mail;
  ctx = {
    ...base,
    mail: {
      send: async (kind, s) => {
        mailWork.push(`send ${kind}`);
        await mail.send(kind, s);
      },
      withhold: async (kind, s) => {
        mailWork.push(`withhold ${kind}`);
        await mail.withhold?.(kind, s);
      },
    },
  };
  const now = new Date().toISOString();
  for (const status of ["pending", "active", "paused", "unsubscribed", "suppressed"] as const) {
    await ctx.subscribers.put(record(`${status}@example.com`, status));
  }
  await ctx.suppressions.put({ email: "listed@example.com", reason: "complaint", detail: null, at: now });
  await ctx.suppressions.put({
    email: erasedKey("erased@example.com", await rt.erasureKey()),
    reason: "erased",
    detail: null,
    at: now,
  });
  rt.db.middlewareStack.add(
    (next) => async (args) => {
      const input = args.input as { TableName?: string; RequestItems?: Record<string, unknown> };
      calls.push(input.TableName ?? Object.keys(input.RequestItems ?? {}).join(","));
      return next(args);
    },
    { step: "initialize", name: "countStoreCalls" },
  );
}, 60_000);

afterAll(async () => {
  await rt?.close();
  await stack?.close();
});

describe("sign-up work does not depend on the address's state", () => {
  it("new, pending, subscribed, unsubscribed, suppressed, listed and erased addresses cost the same", async () => {
    const work: Record<string, { answer: string; calls: string[]; mail: number }> = {};
    const addresses = [
      "new@example.com",
      "pending@example.com",
      "active@example.com",
      "paused@example.com",
      "unsubscribed@example.com",
      "suppressed@example.com",
      "listed@example.com",
      "erased@example.com",
    ];
    for (const [i, email] of addresses.entries()) {
      calls.length = 0;
      mailWork.length = 0;
      // A client of its own each time: the per-client counter starts fresh for every case alike.
      const result = await signUp(ctx, { email, sourceIp: `198.51.100.${i + 1}` });
      work[email] = { answer: result.outcome, calls: [...calls], mail: mailWork.length };
    }
    const expected = work["new@example.com"];
    expect(expected?.answer).toBe("accepted");
    expect(expected?.calls.length).toBeGreaterThan(0);
    for (const email of addresses) expect(work[email], email).toEqual(expected);
    // Nothing went out to the addresses that must get nothing.
    const to = stack.ses.messages.map((m) => m.destinations[0]);
    for (const email of ["suppressed@example.com", "listed@example.com", "erased@example.com"]) {
      expect(to).not.toContain(email);
    }
  });
});

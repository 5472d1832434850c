import { afterEach, describe, expect, it, vi } from "vitest";
import { redactAddresses } from "../../functions/core/kernel/redact.js";

/**
 * No address reaches the deployed functions' logs (issue 14, item 3): CloudWatch keeps what was
 * written, and an erasure cannot reach into it. Request paths (/admin/subscribers/{email}), error
 * texts (SES quotes the recipient: "Address blacklisted: …") and error fields (RecipientSendError's
 * `email`) all pass through the loggers the handlers share.
 */

class SendError extends Error {
  constructor(
    readonly email: string,
    message: string,
  ) {
    super(message);
  }
}

async function captured(log: () => void): Promise<string> {
  let out = "";
  const write = (chunk: unknown) => {
    out += String(chunk);
    return true;
  };
  vi.spyOn(process.stdout, "write").mockImplementation(write);
  vi.spyOn(process.stderr, "write").mockImplementation(write);
  log();
  return out;
}

describe("addresses in logs", () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it("the functions' shared logger writes no address, wherever it appears", async () => {
    // The level the stack gives the functions (vitest.config.ts silences the loggers elsewhere).
    process.env.POWERTOOLS_LOG_LEVEL = "INFO";
    const { logger } = await import("../../functions/handlers/runtime.js");
    const text = await captured(() =>
      logger.error("request failed for Erin@Example.com", {
        path: "/admin/subscribers/erin%40example.com",
        error: new SendError("erin@example.com", "MessageRejected: Address blacklisted: erin@example.com"),
        changes: [{ email: "j***@example.com", note: "complaint from <erin@example.com>" }],
      }),
    );
    expect(text).toContain("request failed");
    expect(text).toContain("MessageRejected: Address blacklisted: <email>");
    expect(text.toLowerCase()).not.toMatch(/erin|%40example|@example\.com/);
  });

  it("redacts addresses, plain or URL-encoded, and nothing else", () => {
    expect(redactAddresses("to a.b+c@sub.example.org, and /x/d%40example.com?y=1")).toBe(
      "to <email>, and /x/<email>?y=1",
    );
    expect(redactAddresses("mailto:bob@example.net")).toBe("mailto:<email>");
    expect(redactAddresses("edition 2031-06-01 sent=2 @ 14/s")).toBe("edition 2031-06-01 sent=2 @ 14/s");
  });
});

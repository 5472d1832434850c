import { simpleParser } from "mailparser";
import { describe, expect, it } from "vitest";
import { parseConfig } from "../../functions/core/kernel/config.js";
import { MailError, type Mailer, type Outbox } from "../../functions/core/kernel/ports.js";
import type { Subscriber } from "../../functions/core/subscribers/subscribers.js";
import { verifyToken } from "../../functions/core/subscribers/tokens.js";
import {
  createTransactionalMail,
  TRANSACTIONAL_ATTEMPTS,
} from "../../functions/core/subscribers/transactional.js";

const keys = [{ id: "k1", secret: Buffer.alloc(32, 7) }];
const config = parseConfig(
  {},
  {
    DIGEST_BRAND_NAME: "The Test Digest",
    DIGEST_REPLY_TO: "editor@example.org",
    DIGEST_PUBLIC_BASE_URL: "https://d.example.org",
  },
);
const ana: Subscriber = {
  id: "sub1",
  email: "ana@example.com",
  name: "Ana <Admin>",
  status: "active",
  sections: [],
  timezone: null,
  createdAt: "2031-01-01T00:00:00.000Z",
  confirmedAt: "2031-01-01T00:00:00.000Z",
  updatedAt: "2031-01-01T00:00:00.000Z",
  consent: { method: "form", at: "2031-01-01T00:00:00.000Z", source: "127.0.0.1" },
};

function harness(failures: MailError[]) {
  const sent: Buffer[] = [];
  const written: { folder: string; email: string; raw: Buffer }[] = [];
  const sleeps: number[] = [];
  const mailer: Mailer = {
    maxSendRate: async () => null,
    async sendRaw(raw, opts) {
      expect(opts).toEqual({ to: "ana@example.com", editionId: "confirm" });
      const failure = failures.shift();
      if (failure) throw failure;
      sent.push(raw);
      return `id-${sent.length}`;
    },
  };
  const outbox: Outbox = {
    async writeMessage(folder, email, raw) {
      written.push({ folder, email, raw });
    },
    async writeEdition() {},
  };
  const mail = createTransactionalMail({
    config,
    mailer,
    outbox,
    keys,
    sleep: async (ms) => {
      sleeps.push(ms);
    },
    random: () => 0.5,
  });
  return { mail, sent, written, sleeps };
}

describe("transactional emails", () => {
  it("once SES accepted the message, a local copy that cannot be written is a warning, not a failure", async () => {
    const sent: Buffer[] = [];
    const warnings: string[] = [];
    const mail = createTransactionalMail({
      config,
      mailer: {
        async sendRaw(raw: Buffer) {
          sent.push(raw);
          return { messageId: "m1" };
        },
      } as unknown as Mailer,
      outbox: {
        async writeMessage() {
          throw Object.assign(new Error("ENAMETOOLONG: name too long"), { code: "ENAMETOOLONG" });
        },
        async writeEdition() {},
      },
      keys,
      onWarning: (message) => warnings.push(message),
    });
    await expect(mail.send("confirm", { ...ana, status: "pending" })).resolves.toBeUndefined();
    expect(sent).toHaveLength(1);
    expect(warnings).toEqual([expect.stringMatching(/sent, but its local copy.*ENAMETOOLONG/)]);
    expect(warnings[0]).not.toContain("ana@example.com");
  });

  it("confirm: multipart, signed expiring link, no List-Unsubscribe; written to out/confirm once accepted", async () => {
    const h = harness([]);
    await h.mail.send("confirm", { ...ana, status: "pending" });
    expect(h.written).toHaveLength(1);
    expect(h.written[0]).toMatchObject({ folder: "confirm", email: "ana@example.com" });
    expect(h.written[0]?.raw.equals(h.sent[0] as Buffer)).toBe(true);
    const mail = await simpleParser(h.sent[0] as Buffer);
    expect(mail.subject).toBe("Confirm your subscription to The Test Digest");
    expect(mail.replyTo?.text).toBe("editor@example.org");
    expect(mail.headers.has("list-unsubscribe")).toBe(false);
    expect(mail.headers.get("content-type")).toMatchObject({ value: "multipart/alternative" });
    const link = mail.text?.match(/https:\/\/d\.example\.org\/confirm\?t=([\w.-]+)/);
    expect(verifyToken(link?.[1] as string, "confirm", keys)).toMatchObject({
      ok: true,
      claims: { subscriberId: "sub1" },
    });
    // No name from the record: it may have been typed by anyone into the public form.
    expect(mail.html).toContain("Hello,");
    expect(mail.html).not.toContain("Ana");
    expect(mail.to).toMatchObject({ text: "ana@example.com" });
  });

  it("welcome and already-subscribed carry RFC 8058 headers and a preferences link", async () => {
    for (const kind of ["welcome", "already-subscribed"] as const) {
      const h = harness([]);
      await h.mail.send(kind, ana);
      const raw = (h.sent[0] as Buffer).toString("utf8");
      expect(raw).toMatch(/^List-Unsubscribe:\s+<https:\/\/d\.example\.org\/unsubscribe\?t=[\w.-]+>\r\n/m);
      expect(raw).toMatch(/^List-Unsubscribe-Post: List-Unsubscribe=One-Click\r\n/m);
      const mail = await simpleParser(h.sent[0] as Buffer);
      expect(mail.text).toMatch(/https:\/\/d\.example\.org\/preferences\?t=[\w.-]+/);
    }
  });

  it("retries throttling and 5xx with backoff, then gives up with the error; never retries a rejection", async () => {
    const flaky = harness([
      new MailError("throttled", "Maximum sending rate exceeded"),
      new MailError("transient", "503"),
    ]);
    await flaky.mail.send("welcome", ana);
    expect(flaky.sent).toHaveLength(1);
    expect(flaky.sleeps).toHaveLength(2);
    expect(flaky.written).toHaveLength(1);

    const down = harness(
      Array.from({ length: 10 }, () => new MailError("throttled", "Maximum sending rate exceeded")),
    );
    await expect(down.mail.send("confirm", ana)).rejects.toThrow(
      /confirm email to ana@example.com: Maximum sending rate/,
    );
    expect(down.sleeps).toHaveLength(TRANSACTIONAL_ATTEMPTS - 1);
    expect(down.written).toHaveLength(0);

    const rejected = harness([new MailError("permanent", "MessageRejected: Address blacklisted.")]);
    await expect(rejected.mail.send("confirm", ana)).rejects.toMatchObject({ kind: "permanent" });
    expect(rejected.sleeps).toHaveLength(0);
    expect(rejected.written).toHaveLength(0);
  });
});

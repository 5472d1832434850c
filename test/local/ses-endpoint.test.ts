import {
  GetAccountCommand,
  SESv2Client,
  SESv2ServiceException,
  SendEmailCommand,
  type SendEmailCommandInput,
} from "@aws-sdk/client-sesv2";
import { afterEach, describe, expect, it } from "vitest";
import { parseAddressList } from "../../functions/local/mime-headers.js";
import {
  type SesEndpoint,
  type SesEndpointOptions,
  startSesEndpoint,
} from "../../functions/local/ses-endpoint.js";

const open: SesEndpoint[] = [];
const clients: SESv2Client[] = [];

afterEach(async () => {
  for (const c of clients.splice(0)) c.destroy();
  await Promise.all(open.splice(0).map((s) => s.close()));
});

async function setup(opts?: SesEndpointOptions): Promise<{ ses: SesEndpoint; client: SESv2Client }> {
  const ses = await startSesEndpoint(opts);
  open.push(ses);
  const client = new SESv2Client({
    endpoint: ses.url,
    region: "us-east-1",
    credentials: { accessKeyId: "local", secretAccessKey: "local" },
    maxAttempts: 1,
  });
  clients.push(client);
  return { ses, client };
}

function mime(opts: { to?: string; cc?: string; from?: string | null; subject?: string } = {}): Uint8Array {
  const lines = [
    ...(opts.from === null ? [] : [`From: ${opts.from ?? '"Daily Digest" <digest@example.com>'}`]),
    `To: ${opts.to ?? "Alice <alice@example.org>"}`,
    ...(opts.cc ? [`Cc: ${opts.cc}`] : []),
    `Subject: ${opts.subject ?? "Your digest — today"}`,
    "MIME-Version: 1.0",
    'Content-Type: text/plain; charset="UTF-8"',
    "Content-Transfer-Encoding: 8bit",
    "",
    "Hello ✓ — three stories today.",
    "",
  ];
  return new TextEncoder().encode(lines.join("\r\n"));
}

const rawSend = (data: Uint8Array, extra: Partial<SendEmailCommandInput> = {}) =>
  new SendEmailCommand({ Content: { Raw: { Data: data } }, ...extra });

async function failure(p: Promise<unknown>): Promise<SESv2ServiceException> {
  try {
    await p;
  } catch (err) {
    expect(err).toBeInstanceOf(SESv2ServiceException);
    return err as SESv2ServiceException;
  }
  throw new Error("expected the call to fail");
}

describe("SES endpoint via the real SESv2Client", () => {
  it("accepts a raw MIME message, stores identical bytes and derives recipients from headers", async () => {
    const { ses, client } = await setup();
    const data = mime({ cc: '"Bob, Jr." <bob@example.org>, carol@example.org' });
    const out = await client.send(rawSend(data, { ConfigurationSetName: "digest" }));

    expect(out.MessageId).toMatch(/^[0-9a-f]{16}-[0-9a-f-]{36}-000000$/);
    expect(out.$metadata.httpStatusCode).toBe(200);
    expect(ses.messages).toHaveLength(1);
    const [msg] = ses.messages;
    expect(msg?.messageId).toBe(out.MessageId);
    expect(msg?.raw.equals(Buffer.from(data))).toBe(true); // Raw.Data travels base64 in JSON and round-trips
    expect(msg?.from).toBe("digest@example.com");
    expect(msg?.destinations).toEqual(["alice@example.org", "bob@example.org", "carol@example.org"]);
    expect(msg?.configurationSetName).toBe("digest");
    expect(msg?.receivedAt).toBeInstanceOf(Date);
    expect(ses.stats).toEqual({ accepted: 1, throttled: 0, failed: 0, rejected: 0 });
  });

  it("uses explicit Destination and FromEmailAddress over MIME headers; ids are unique; order kept", async () => {
    const { ses, client } = await setup();
    const a = await client.send(
      rawSend(mime({ from: null }), {
        FromEmailAddress: "news@example.com",
        Destination: { ToAddresses: ["x@example.net"], BccAddresses: ["audit@example.net"] },
        ReplyToAddresses: ["reply@example.com"],
      }),
    );
    const b = await client.send(rawSend(mime({ subject: "second" })));
    expect(a.MessageId).not.toBe(b.MessageId);
    expect(ses.messages.map((m) => m.messageId)).toEqual([a.MessageId, b.MessageId]);
    expect(ses.messages[0]?.from).toBe("news@example.com");
    expect(ses.messages[0]?.destinations).toEqual(["x@example.net", "audit@example.net"]);
  });

  it("reads large request bodies fully (5 MiB message)", async () => {
    const { ses, client } = await setup();
    const head = mime();
    const big = new Uint8Array(5 * 1024 * 1024).fill(0x61);
    big.set(head);
    await client.send(rawSend(big));
    expect(ses.messages[0]?.raw.equals(Buffer.from(big))).toBe(true);
  });

  it("accepts Simple content and stores a synthesized MIME record", async () => {
    const { ses, client } = await setup();
    const out = await client.send(
      new SendEmailCommand({
        FromEmailAddress: "digest@example.com",
        Destination: { ToAddresses: ["alice@example.org"] },
        Content: {
          Simple: {
            Subject: { Data: "Hi" },
            Body: { Text: { Data: "plain" }, Html: { Data: "<p>html</p>" } },
          },
        },
      }),
    );
    expect(out.MessageId).toBeTruthy();
    const raw = ses.messages[0]?.raw.toString("utf8") ?? "";
    expect(raw).toContain("From: digest@example.com\r\n");
    expect(raw).toContain("To: alice@example.org\r\n");
    expect(raw).toContain("Subject: Hi\r\n");
    expect(raw).toContain("multipart/alternative");
    expect(raw).toContain(Buffer.from("<p>html</p>").toString("base64"));
  });

  it("GetAccount reports the configured quota and what was sent", async () => {
    const { client } = await setup({ maxSendRate: 14, max24HourSend: 50_000 });
    await client.send(rawSend(mime({ cc: "bob@example.org" })));
    const acct = await client.send(new GetAccountCommand({}));
    expect(acct.SendQuota).toEqual({ Max24HourSend: 50_000, MaxSendRate: 14, SentLast24Hours: 2 });
    expect(acct.SendingEnabled).toBe(true);
    expect(acct.ProductionAccessEnabled).toBe(true);
    expect(acct.EnforcementStatus).toBe("HEALTHY");
  });

  it("GetAccount reports large defaults when unconfigured", async () => {
    const { client } = await setup();
    const acct = await client.send(new GetAccountCommand({}));
    expect(acct.SendQuota).toEqual({ Max24HourSend: 1_000_000, MaxSendRate: 1000, SentLast24Hours: 0 });
  });

  it("throttles beyond maxSendRate with a 429 TooManyRequestsException the SDK classes as throttling", async () => {
    const { ses, client } = await setup({ maxSendRate: 2 });
    await client.send(rawSend(mime()));
    await client.send(rawSend(mime()));
    const err = await failure(client.send(rawSend(mime())));
    expect(err.name).toBe("TooManyRequestsException");
    expect(err.message).toBe("Maximum sending rate exceeded.");
    expect(err.$metadata.httpStatusCode).toBe(429);
    expect(err.$fault).toBe("client");
    // No `retryable` trait in the SESv2 model, so the SDK leaves $retryable unset; its retry strategy
    // still treats it as a throttling error (by status 429 and by name).
    expect(err.$retryable).toBeUndefined();
    expect(ses.stats).toMatchObject({ accepted: 2, throttled: 1 });
    expect(ses.messages).toHaveLength(2);

    // Refills at 2/s: one token after 500 ms.
    await new Promise((r) => setTimeout(r, 550));
    await expect(client.send(rawSend(mime()))).resolves.toHaveProperty("MessageId");
  });

  it("the SDK's default retry strategy retries the 429 and succeeds once the bucket refills", async () => {
    // One token, refilled after a second: of two sends made together the second is throttled however
    // slow the machine (it would need a second between them), and the SDK's throttling backoff retries
    // it until the token is back (ten attempts: its random delays cannot all be spent in that second).
    const ses = await startSesEndpoint({ maxSendRate: 1 });
    open.push(ses);
    const client = new SESv2Client({
      endpoint: ses.url,
      region: "us-east-1",
      credentials: { accessKeyId: "local", secretAccessKey: "local" },
      maxAttempts: 10,
    });
    clients.push(client);
    const results = await Promise.all(Array.from({ length: 2 }, () => client.send(rawSend(mime()))));
    expect(results.every((r) => r.MessageId)).toBe(true);
    expect(Math.max(...results.map((r) => r.$metadata.attempts ?? 1))).toBeGreaterThanOrEqual(2);
    expect(ses.stats.accepted).toBe(2);
    expect(ses.stats.throttled).toBeGreaterThanOrEqual(1);
  });

  it("fails with LimitExceededException 'Daily message quota exceeded.' past max24HourSend", async () => {
    const { ses, client } = await setup({ max24HourSend: 2 });
    await client.send(rawSend(mime()));
    await client.send(rawSend(mime()));
    const err = await failure(client.send(rawSend(mime())));
    expect(err.name).toBe("LimitExceededException");
    expect(err.message).toBe("Daily message quota exceeded.");
    expect(err.$metadata.httpStatusCode).toBe(400);
    expect(ses.stats).toMatchObject({ accepted: 2, throttled: 1 });
    const acct = await client.send(new GetAccountCommand({}));
    expect(acct.SendQuota?.SentLast24Hours).toBe(2);
  });

  it("counts recipients against the daily quota", async () => {
    const { client } = await setup({ max24HourSend: 2 });
    const err = await failure(client.send(rawSend(mime({ cc: "b@example.org, c@example.org" }))));
    expect(err.name).toBe("LimitExceededException");
  });

  it("injects 500 InternalFailure server errors (serverErrorRate=1)", async () => {
    const { ses, client } = await setup({ faults: { serverErrorRate: 1 } });
    const err = await failure(client.send(rawSend(mime())));
    expect(err.name).toBe("InternalFailure");
    expect(err.$metadata.httpStatusCode).toBe(500);
    expect(err.$fault).toBe("server");
    expect(ses.stats).toEqual({ accepted: 0, throttled: 0, failed: 1, rejected: 0 });
    expect(ses.messages).toHaveLength(0);
    // GetAccount is not subject to injected faults.
    await expect(client.send(new GetAccountCommand({}))).resolves.toBeTruthy();
  });

  it("injects 429 throttles (throttleRate=1)", async () => {
    const { ses, client } = await setup({ faults: { throttleRate: 1 } });
    const err = await failure(client.send(rawSend(mime())));
    expect(err.name).toBe("TooManyRequestsException");
    expect(err.$metadata.httpStatusCode).toBe(429);
    expect(ses.stats.throttled).toBe(1);
  });

  it("injected faults are deterministic for a given seed", async () => {
    const run = async () => {
      const { client } = await setup({ faults: { throttleRate: 0.3, serverErrorRate: 0.3, seed: 7 } });
      const outcomes: string[] = [];
      for (let i = 0; i < 20; i++) {
        outcomes.push(
          await client.send(rawSend(mime())).then(
            () => "ok",
            (e: Error) => e.name,
          ),
        );
      }
      return outcomes;
    };
    const first = await run();
    expect(await run()).toEqual(first);
    expect(new Set(first)).toEqual(new Set(["ok", "TooManyRequestsException", "InternalFailure"]));
  });

  it("reject hook fails the send with 400 MessageRejected", async () => {
    const { ses, client } = await setup({
      reject: (raw) => (raw.includes("Subject: spam") ? "Email address is on the suppression list." : null),
    });
    await client.send(rawSend(mime()));
    const err = await failure(client.send(rawSend(mime({ subject: "spam" }))));
    expect(err.name).toBe("MessageRejected");
    expect(err.message).toBe("Email address is on the suppression list.");
    expect(err.$metadata.httpStatusCode).toBe(400);
    expect(ses.stats).toMatchObject({ accepted: 1, rejected: 1 });
    expect(ses.messages).toHaveLength(1);
  });

  it("rejects messages above the size limit with MessageRejected", async () => {
    const { client } = await setup({ maxMessageBytes: 1024 });
    const big = new Uint8Array(2048).fill(65);
    big.set(mime());
    const err = await failure(client.send(rawSend(big)));
    expect(err.name).toBe("MessageRejected");
    expect(err.message).toMatch(/Message length is more than 1024 bytes long/);
    expect(err.$metadata.httpStatusCode).toBe(400);
  });

  it("missing or empty Raw data, or no From header -> 400 BadRequestException", async () => {
    const { ses, client } = await setup();
    const empty = await failure(client.send(rawSend(new Uint8Array(0))));
    expect(empty.name).toBe("BadRequestException");
    expect(empty.$metadata.httpStatusCode).toBe(400);

    const noContent = await failure(client.send(new SendEmailCommand({ Content: {} })));
    expect(noContent.name).toBe("BadRequestException");
    expect(noContent.$metadata.httpStatusCode).toBe(400);

    const noFrom = await failure(client.send(rawSend(mime({ from: null }))));
    expect(noFrom.name).toBe("BadRequestException");
    expect(noFrom.message).toBe("Missing required header 'From'.");
    expect(ses.stats).toMatchObject({ accepted: 0, rejected: 3 });
  });

  it("unknown route -> 404 NotFoundException naming the route", async () => {
    const { client } = await setup();
    client.middlewareStack.add(
      (next) => async (args) => {
        (args.request as { path: string }).path = "/v2/email/no-such-thing";
        return next(args);
      },
      { step: "build" },
    );
    const err = await failure(client.send(new GetAccountCommand({})));
    expect(err.name).toBe("NotFoundException");
    expect(err.message).toBe("No SESv2 route for GET /v2/email/no-such-thing");
    expect(err.$metadata.httpStatusCode).toBe(404);
  });

  it("missing Authorization header -> 403 MissingAuthenticationTokenException", async () => {
    const { client } = await setup();
    type Args = { request: { headers: Record<string, string> } };
    const stripAuth = (next: (args: Args) => Promise<unknown>) => async (args: Args) => {
      delete args.request.headers.authorization;
      return next(args);
    };
    // Runs after SigV4 signing (relative to the SDK's own signing middleware).
    client.middlewareStack.addRelativeTo(
      stripAuth as unknown as Parameters<typeof client.middlewareStack.addRelativeTo>[0],
      { relation: "after", toMiddleware: "httpSigningMiddleware" },
    );
    const err = await failure(client.send(new GetAccountCommand({})));
    expect(err.name).toBe("MissingAuthenticationTokenException");
    expect(err.$metadata.httpStatusCode).toBe(403);
  });

  it("speaks the wire format: base64 blob in JSON, error header + JSON body", async () => {
    const { ses } = await setup();
    const data = mime();
    const ok = await fetch(`${ses.url}/v2/email/outbound-emails`, {
      method: "POST",
      headers: { authorization: "AWS4-HMAC-SHA256 Credential=local/...", "content-type": "application/json" },
      body: JSON.stringify({ Content: { Raw: { Data: Buffer.from(data).toString("base64") } } }),
    });
    expect(ok.status).toBe(200);
    expect(await ok.json()).toEqual({ MessageId: ses.messages[0]?.messageId });

    const bad = await fetch(`${ses.url}/v2/email/outbound-emails`, { method: "POST", body: "{}" });
    expect(bad.status).toBe(403);
    expect(bad.headers.get("x-amzn-errortype")).toBe("MissingAuthenticationTokenException");
    expect(await bad.json()).toEqual({ message: "Missing Authentication Token" });
  });
});

describe("parseAddressList", () => {
  it("handles display names, quoted commas, groups and comments", () => {
    expect(
      parseAddressList(
        '"Doe, Jane" <jane@example.org>, bob@example.org (Bob), team: c@example.org, d@example.org;, <e@example.org>',
      ),
    ).toEqual(["jane@example.org", "bob@example.org", "c@example.org", "d@example.org", "e@example.org"]);
    expect(parseAddressList("")).toEqual([]);
    expect(parseAddressList("undisclosed-recipients:;")).toEqual([]);
  });
});

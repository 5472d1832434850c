import { readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import type { SQSEvent } from "aws-lambda";
import { simpleParser } from "mailparser";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TABLE_ENV, type TableName } from "../../functions/adapters/schema.js";
import { verifyToken } from "../../functions/core/tokens.js";
import { buildTemplates } from "../../functions/local/build-templates.js";
import { type AwsStubs, startAwsStubs } from "../helpers/aws-stubs.js";
import { startTestStack, story, type TestStack, writeStories } from "../helpers/services.js";
import { fixture, startFeedServer } from "../integration/feeds-server.js";
import { synthStack } from "./synth.js";

/**
 * The bundles `cdk deploy` would upload, loaded and invoked here: synth with real esbuild bundling,
 * take each function's asset and the environment the template gives it, and run compose → SQS message
 * → send → SES against dynalite, the SESv2 endpoint, and a small SQS / Secrets Manager stub (those two
 * have no local emulator; the stub speaks their JSON protocols to the real SDK clients).
 */

const DAY = "2031-03-14";
const SECRET_ARN = "arn:aws:secretsmanager:us-east-1:000000000000:secret:digest-token-abc123";
const SECRET = "kT9mQ2vX7pL4sN8wR1yB6cF3hJ5dG0zA2eU7iO9aS4qW1xE6rT8yU3iP5oL7kJ2h";
const ERASURE_SECRET_ARN = "arn:aws:secretsmanager:us-east-1:000000000000:secret:digest-erasure-def456";
const ERASURE_SECRET = "Zp3Lq8Wn2Xc7Vb4Nm9Ks1Jd6Hf0Gg5Ta8Ry3Ue7Io2Pl4Ak9Sj6Dh1Fg0Zx5Cv3B";
// The SQS client sends to the queue URL's own host, so the stub's address is the queue URL.
let QUEUE_URL = "";
const outdir = fileURLToPath(new URL(`../../cdk.out/test-bundles-${process.pid}`, import.meta.url));

type Handler = (event: unknown) => Promise<unknown>;
interface Bundle {
  dir: string;
  bytes: number;
  environment: Record<string, string>;
  handler?: Handler;
  importMs?: number;
}
const bundles: Record<string, Bundle> = {};
let stack: TestStack;
let stubs: AwsStubs;
let synthMs = 0;

/** The template's environment with CloudFormation references replaced by their local counterparts. */
function resolveEnvironment(vars: Record<string, unknown>): Record<string, string> {
  const local: Record<string, string> = {
    DIGEST_SEND_QUEUE_URL: QUEUE_URL,
    DIGEST_TOKEN_SECRET_ARN: SECRET_ARN,
    DIGEST_ERASURE_SECRET_ARN: ERASURE_SECRET_ARN,
    DIGEST_SES_CONFIGURATION_SET: "digest-test",
    DIGEST_PUBLIC_BASE_URL: "https://digest.test.example",
  };
  for (const name of Object.keys(TABLE_ENV) as TableName[]) local[TABLE_ENV[name]] = `digest-${name}`;
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(vars)) {
    if (typeof value === "string") env[key] = value;
    else if (local[key]) env[key] = local[key];
    else throw new Error(`unexpected CloudFormation reference in ${key}: ${JSON.stringify(value)}`);
  }
  return env;
}

beforeAll(async () => {
  await buildTemplates();
  stubs = await startAwsStubs({ [SECRET_ARN]: SECRET, [ERASURE_SECRET_ARN]: ERASURE_SECRET });
  QUEUE_URL = `${stubs.url}/000000000000/digest-send`;
  const started = performance.now();
  const { app } = synthStack({ bundle: true, outdir, context: { "aws:cdk:enable-asset-metadata": true } });
  const assembly = app.synth();
  synthMs = performance.now() - started;
  const template = assembly.getStackByName("NewsletterDigest").template as {
    Resources: Record<
      string,
      { Type: string; Metadata?: Record<string, string>; Properties: Record<string, unknown> }
    >;
  };
  for (const [logicalId, resource] of Object.entries(template.Resources)) {
    if (resource.Type !== "AWS::Lambda::Function") continue;
    const name = logicalId.replace(/Function[0-9A-F]{8}$/, "");
    const dir = join(outdir, resource.Metadata?.["aws:asset:path"] as string);
    const bytes = readdirSync(dir).reduce((n, f) => n + statSync(join(dir, f)).size, 0);
    const vars = (resource.Properties.Environment as { Variables: Record<string, unknown> }).Variables;
    bundles[name] = { dir, bytes, environment: resolveEnvironment(vars) };
  }

  stack = await startTestStack();
  const environment = Object.assign({}, ...Object.values(bundles).map((b) => b.environment));
  delete process.env.DIGEST_TOKEN_KEYS;
  Object.assign(process.env, environment, {
    AWS_REGION: "us-east-1",
    AWS_ACCESS_KEY_ID: "test",
    AWS_SECRET_ACCESS_KEY: "test",
    AWS_ENDPOINT_URL_DYNAMODB: stack.dynamodbUrl,
    AWS_ENDPOINT_URL_SESV2: stack.ses.url,
    AWS_ENDPOINT_URL_SQS: stubs.url,
    AWS_ENDPOINT_URL_SECRETS_MANAGER: stubs.url,
    POWERTOOLS_LOG_LEVEL: "WARN",
  });
  for (const bundle of Object.values(bundles)) {
    const t0 = performance.now();
    const mod = (await import(pathToFileURL(join(bundle.dir, "index.mjs")).href)) as { handler: Handler };
    bundle.importMs = performance.now() - t0;
    bundle.handler = mod.handler;
  }
  console.log(
    `synth with bundling: ${Math.round(synthMs)} ms\n${Object.entries(bundles)
      .map(
        ([n, b]) =>
          `  ${n.padEnd(10)} ${(b.bytes / 1024).toFixed(0).padStart(5)} KiB  cold import ${b.importMs?.toFixed(0)} ms`,
      )
      .join("\n")}`,
  );
}, 180_000);

afterAll(async () => {
  await stack?.close();
  await stubs?.close();
  rmSync(outdir, { recursive: true, force: true });
});

const sqsEvent = (messages: AwsStubs["messages"]): SQSEvent => ({
  Records: messages.map((m) => ({
    messageId: m.messageId,
    receiptHandle: `rh-${m.messageId}`,
    body: m.body,
    attributes: {
      ApproximateReceiveCount: "1",
      SentTimestamp: String(Date.now()),
      SenderId: "AIDA",
      ApproximateFirstReceiveTimestamp: String(Date.now()),
    },
    messageAttributes: {},
    md5OfBody: "",
    eventSource: "aws:sqs",
    eventSourceARN: "arn:aws:sqs:us-east-1:000000000000:digest-send",
    awsRegion: "us-east-1",
  })),
});

describe("the Lambda bundles cdk deploy would ship", () => {
  it("bundles every handler, without mjml, with source maps", () => {
    expect(Object.keys(bundles).sort()).toEqual(["api", "compose", "ingest", "send", "sesEvents"]);
    for (const bundle of Object.values(bundles)) {
      const code = readFileSync(join(bundle.dir, "index.mjs"), "utf8");
      expect(code).not.toMatch(/mjml-core|mjml2html|mjml-validator/);
      expect(readdirSync(bundle.dir)).toContain("index.mjs.map");
    }
  });

  it("compose → queue → send delivers each active subscriber once, signed with the Secrets Manager key", async () => {
    await stack.digest([
      "stories",
      "import",
      await writeStories(stack, "s.ndjson", [story(DAY, 1), story(DAY, 2)]),
    ]);
    for (const who of ["ana", "ben", "cy"]) await stack.digest(["subscribers", "add", `${who}@example.com`]);
    await stack.digest(["subscribers", "add", "pending@example.com", "--pending"]);
    // Only what the bundles send from here on (the pending address got its confirmation email already).
    stack.ses.messages.splice(0);

    const composed = await bundles.compose?.handler?.({ date: DAY });
    expect(composed).toMatchObject({ status: "queued", recipients: 3, messages: 1, stories: 2 });
    expect(stubs.messages).toHaveLength(1);
    expect(stubs.messages[0]?.queueUrl).toBe(QUEUE_URL);
    expect(JSON.parse(stubs.messages[0]?.body as string)).toEqual({
      editionId: DAY,
      emails: expect.arrayContaining(["ana@example.com", "ben@example.com", "cy@example.com"]),
    });

    const event = sqsEvent(stubs.messages);
    expect(await bundles.send?.handler?.(event)).toEqual({ batchItemFailures: [] });
    expect(stack.ses.messages.map((m) => m.destinations[0]).sort()).toEqual([
      "ana@example.com",
      "ben@example.com",
      "cy@example.com",
    ]);
    const mail = await simpleParser(stack.ses.messages[0]?.raw as Buffer);
    const url = (mail.headers.get("list") as { unsubscribe: { url: string } }).unsubscribe.url;
    expect(url).toMatch(/^https:\/\/digest\.test\.example\/unsubscribe\?t=/);
    const token = new URL(url).searchParams.get("t") as string;
    expect(verifyToken(token, "unsubscribe", [{ id: "s1", secret: Buffer.from(SECRET) }]).ok).toBe(true);

    // An SQS redelivery of the same message sends nobody twice.
    expect(await bundles.send?.handler?.(event)).toEqual({ batchItemFailures: [] });
    expect(stack.ses.messages).toHaveLength(3);

    // A second compose invocation (scheduler retry) re-enqueues; the ledger keeps it harmless.
    await bundles.compose?.handler?.({ date: DAY });
    expect(await bundles.send?.handler?.(sqsEvent(stubs.messages.slice(1)))).toEqual({
      batchItemFailures: [],
    });
    expect(stack.ses.messages).toHaveLength(3);
  });

  it("reports a malformed queue message as a partial batch failure without failing the others", async () => {
    const event = sqsEvent([
      { queueUrl: QUEUE_URL, messageId: "bad-1", body: "{not json" },
      ...stubs.messages.slice(0, 1),
    ]);
    expect(await bundles.send?.handler?.(event)).toEqual({
      batchItemFailures: [{ itemIdentifier: "bad-1" }],
    });
    expect(stack.ses.messages).toHaveLength(3);
  });

  it("the api bundle serves the one-click unsubscribe and guards admin routes", async () => {
    const mail = await simpleParser(
      stack.ses.messages.find((m) => m.destinations[0] === "ben@example.com")?.raw as Buffer,
    );
    const url = new URL((mail.headers.get("list") as { unsubscribe: { url: string } }).unsubscribe.url);
    const event = (
      method: string,
      path: string,
      query: Record<string, string>,
      body?: string,
      authorizer?: unknown,
    ) => ({
      version: "2.0",
      routeKey: `${method} ${path}`,
      rawPath: path,
      rawQueryString: new URLSearchParams(query).toString(),
      queryStringParameters: query,
      headers: body ? { "content-type": "application/x-www-form-urlencoded" } : {},
      body,
      isBase64Encoded: false,
      requestContext: {
        http: { method, path, sourceIp: "203.0.113.9", protocol: "HTTP/1.1", userAgent: "test" },
        authorizer,
      },
    });
    const oneClick = (await bundles.api?.handler?.(
      event("POST", "/unsubscribe", { t: url.searchParams.get("t") as string }, "List-Unsubscribe=One-Click"),
    )) as { statusCode: number };
    expect(oneClick.statusCode).toBe(200);
    const listed = JSON.parse((await stack.digest(["subscribers", "list", "--json"])).out) as {
      email: string;
      status: string;
    }[];
    expect(listed.find((s) => s.email === "ben@example.com")?.status).toBe("unsubscribed");

    const anonymous = (await bundles.api?.handler?.(event("GET", "/admin/subscribers", {}))) as {
      statusCode: number;
    };
    expect(anonymous.statusCode).toBe(401);
    const iam = (await bundles.api?.handler?.(
      event("GET", "/admin/subscribers", {}, undefined, {
        iam: { userArn: "arn:aws:iam::000000000000:user/admin" },
      }),
    )) as { statusCode: number; body: string };
    expect(iam.statusCode).toBe(200);
    expect(JSON.parse(iam.body).items.length).toBeGreaterThan(0);
  });

  it("the api bundle's resend-failed enqueues a recipient the daily quota stopped; the send bundle sends them once", async () => {
    await stack.digest(["subscribers", "add", "dee@example.com"]);
    stack.ses.setMax24HourSend(0);
    const before = stubs.messages.length;
    await bundles.compose?.handler?.({ date: DAY });
    const requeued = stubs.messages.slice(before);
    expect(requeued).toHaveLength(1);
    // The quota stopped dee: the message fails (Powertools throws when every record of the batch
    // did, so Lambda hands the batch back to the queue) and the ledger holds dee as failed.
    await expect(bundles.send?.handler?.(sqsEvent(requeued))).rejects.toThrow(/All records failed/);
    expect(stack.ses.messages.filter((m) => m.destinations.includes("dee@example.com"))).toHaveLength(0);
    const shown = JSON.parse((await stack.digest(["editions", "show", DAY, "--json"])).out);
    expect(shown.counts.failed).toBe(1);

    stack.ses.setMax24HourSend(1_000_000);
    const queuedBefore = stubs.messages.length;
    const path = `/admin/editions/${DAY}/resend-failed`;
    const resend = (await bundles.api?.handler?.({
      version: "2.0",
      routeKey: `POST ${path}`,
      rawPath: path,
      rawQueryString: "",
      headers: {},
      isBase64Encoded: false,
      requestContext: {
        http: { method: "POST", path, sourceIp: "203.0.113.9", protocol: "HTTP/1.1", userAgent: "test" },
        authorizer: { iam: { userArn: "arn:aws:iam::000000000000:user/admin" } },
      },
    })) as { statusCode: number; body: string };
    expect(resend.statusCode).toBe(202);
    expect(JSON.parse(resend.body)).toMatchObject({ outcome: "queued", queued: 1, retried: 1, gone: 0 });
    const resent = stubs.messages.slice(queuedBefore);
    expect(resent.map((m) => JSON.parse(m.body))).toEqual([{ editionId: DAY, emails: ["dee@example.com"] }]);
    expect(resent[0]?.queueUrl).toBe(QUEUE_URL);

    expect(await bundles.send?.handler?.(sqsEvent(resent))).toEqual({ batchItemFailures: [] });
    // A redelivery of the quota-stopped message sends nobody twice either.
    expect(await bundles.send?.handler?.(sqsEvent(requeued))).toEqual({ batchItemFailures: [] });
    expect(stack.ses.messages.filter((m) => m.destinations.includes("dee@example.com"))).toHaveLength(1);
    const after = JSON.parse((await stack.digest(["editions", "show", DAY, "--json"])).out);
    expect(after.counts).toMatchObject({ failed: 0, sent: 4 });
  });

  it("the ingest bundle polls the feeds over HTTP and imports their stories; a broken feed is recorded", async () => {
    const feeds = await startFeedServer();
    try {
      feeds.routes.set("/feed.json", {
        kind: "document",
        body: fixture("jsonfeed.json"),
        contentType: "application/feed+json",
        etag: true,
      });
      feeds.routes.set("/home", { kind: "document", body: fixture("page.html"), contentType: "text/html" });
      for (const path of ["/feed.json", "/home"]) {
        expect(
          (await stack.digest(["feeds", "add", `${feeds.url}${path}`, "--section", "Science"])).code,
        ).toBe(0);
      }
      expect(await bundles.ingest?.handler?.({})).toEqual({
        feeds: 2,
        imported: 2,
        updated: 0,
        skipped: 0,
        invalid: 0,
        feedsFailed: 1,
      });
      const listed = JSON.parse(
        (await stack.digest(["stories", "list", "--date", "2025-10-04", "--json"])).out,
      );
      expect(listed).toEqual([
        expect.objectContaining({ headline: "Oyster beds show signs of recovery", section: "Science" }),
      ]);
      const state = JSON.parse((await stack.digest(["feeds", "list", "--json"])).out) as Record<
        string,
        unknown
      >[];
      expect(state.find((f) => f.url === `${feeds.url}/home`)).toMatchObject({
        lastStatus: "error",
        lastError: "not a feed: the document is HTML",
      });
      // The next scheduled run revalidates: 304, nothing imported again.
      expect(await bundles.ingest?.handler?.({})).toMatchObject({ imported: 0, updated: 0, skipped: 0 });
      expect(feeds.requests.filter((r) => r.path === "/feed.json").at(-1)?.headers["if-none-match"]).toMatch(
        /^"/,
      );
    } finally {
      await feeds.close();
    }
  });

  it("the ses-events bundle suppresses a hard bounce from an EventBridge SES event", async () => {
    const bounce = {
      version: "0",
      id: "c2f7d1a6-6f4e-4a2a-9a55-0b1c1e0d2f3a",
      "detail-type": "Email Bounced",
      source: "aws.ses",
      account: "000000000000",
      time: new Date().toISOString(),
      region: "us-east-1",
      resources: [],
      detail: {
        eventType: "Bounce",
        bounce: {
          bounceType: "Permanent",
          bounceSubType: "General",
          bouncedRecipients: [
            {
              emailAddress: "cy@example.com",
              action: "failed",
              status: "5.1.1",
              diagnosticCode: "smtp; 550 5.1.1 user unknown",
            },
          ],
          timestamp: new Date().toISOString(),
          feedbackId: "0100017a-bounce-feedback",
        },
        mail: {
          timestamp: new Date().toISOString(),
          source: "digest@news.example.com",
          messageId: "0100017a-message",
          destination: ["cy@example.com"],
          tags: { edition: [DAY], "ses:configuration-set": ["digest-test"] },
        },
      },
    };
    await bundles.sesEvents?.handler?.(bounce);
    const listed = JSON.parse((await stack.digest(["subscribers", "list", "--json"])).out) as {
      email: string;
      status: string;
    }[];
    expect(listed.find((s) => s.email === "cy@example.com")?.status).toBe("suppressed");
  });
});

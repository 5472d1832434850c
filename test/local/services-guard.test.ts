import { mkdtemp, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CreateTableCommand, DynamoDBClient, ListTablesCommand } from "@aws-sdk/client-dynamodb";
import { GetAccountCommand, SESv2Client, SendEmailCommand } from "@aws-sdk/client-sesv2";
import { afterEach, describe, expect, it } from "vitest";
import { type EmbeddedServices, openEmbeddedServices } from "../../functions/local/services.js";

/**
 * The embedded services of a data directory answer only the `digest` processes of its owner: no web
 * page (a request carrying Origin or a browser's Sec-Fetch-Site), no request signed with any other
 * credential than the directory's own, and the files that name the port and the credential are
 * readable by the owner only.
 */

const opened: EmbeddedServices[] = [];
const dirs: string[] = [];
afterEach(async () => {
  for (const s of opened.splice(0)) await s.close();
  for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true });
});

async function owner(): Promise<{ home: string; services: EmbeddedServices }> {
  const home = await mkdtemp(join(tmpdir(), "digest-guard-"));
  dirs.push(home);
  const services = await openEmbeddedServices(home, { dynamodb: true, sesv2: true });
  opened.push(services);
  return { home, services };
}

/** The credential the directory's own processes use (before the fix there was none: any worked). */
const ownCredential = (s: EmbeddedServices) => s.credentials ?? { accessKeyId: "x", secretAccessKey: "x" };

function dynamo(s: EmbeddedServices, credentials = ownCredential(s), headers: Record<string, string> = {}) {
  const client = new DynamoDBClient({
    endpoint: s.endpoints.dynamodb as string,
    region: "us-east-1",
    credentials,
    maxAttempts: 1,
  });
  client.middlewareStack.add(
    (next) => (args) => {
      Object.assign((args.request as { headers: Record<string, string> }).headers, headers);
      return next(args);
    },
    { step: "build" },
  );
  return client;
}

async function createThings(s: EmbeddedServices): Promise<void> {
  const client = dynamo(s);
  await client.send(
    new CreateTableCommand({
      TableName: "digest-subscribers",
      AttributeDefinitions: [{ AttributeName: "email", AttributeType: "S" }],
      KeySchema: [{ AttributeName: "email", KeyType: "HASH" }],
      BillingMode: "PAY_PER_REQUEST",
    }),
  );
  client.destroy();
}

/** What a web page's fetch would send: an Origin, a browser's fetch metadata, any Authorization. */
const pageRequest = (url: string, headers: Record<string, string>) =>
  fetch(url, {
    method: "POST",
    headers: {
      "content-type": "application/x-amz-json-1.0",
      "x-amz-target": "DynamoDB_20120810.ListTables",
      "x-amz-date": new Date().toISOString().replace(/[-:]|\.\d+/g, ""),
      authorization:
        "AWS4-HMAC-SHA256 Credential=x/20310101/us-east-1/dynamodb/aws4_request, SignedHeaders=host, Signature=00",
      ...headers,
    },
    body: "{}",
  });

describe("the embedded DynamoDB refuses web pages and strangers", () => {
  it("refuses a request that carries an Origin header (no CORS answer, no data)", async () => {
    const { services } = await owner();
    await createThings(services);
    const res = await pageRequest(services.endpoints.dynamodb as string, { origin: "https://evil.example" });
    const text = await res.text();
    expect(text).not.toContain("digest-subscribers");
    expect(res.status).toBe(403);
    expect(res.headers.get("access-control-allow-origin")).toBeNull();
    // The preflight a browser sends first is refused the same way.
    const preflight = await fetch(services.endpoints.dynamodb as string, {
      method: "OPTIONS",
      headers: { origin: "https://evil.example", "access-control-request-method": "POST" },
    });
    await preflight.arrayBuffer();
    expect(preflight.status).toBe(403);
    expect(preflight.headers.get("access-control-allow-origin")).toBeNull();
    // Even a request signed with the right credential is refused when a browser sent it.
    const signed = dynamo(services, ownCredential(services), { origin: "http://127.0.0.1:8787" });
    await expect(signed.send(new ListTablesCommand({}))).rejects.toThrow(/web page/);
    signed.destroy();
  });

  it("refuses a cross-site browser request without Origin (Sec-Fetch-Site)", async () => {
    const { services } = await owner();
    await createThings(services);
    const res = await pageRequest(services.endpoints.dynamodb as string, { "sec-fetch-site": "cross-site" });
    expect(await res.text()).not.toContain("digest-subscribers");
    expect(res.status).toBe(403);
  });

  it("answers only requests signed with the data directory's own credential", async () => {
    const { services } = await owner();
    await createThings(services);
    const stranger = dynamo(services, { accessKeyId: "AKIDSTRANGER", secretAccessKey: "anything" });
    await expect(stranger.send(new ListTablesCommand({}))).rejects.toMatchObject({
      name: "UnrecognizedClientException",
    });
    stranger.destroy();
    // The right access key id with a wrong secret: the signature does not match.
    const forged = dynamo(services, {
      accessKeyId: ownCredential(services).accessKeyId,
      secretAccessKey: "not-the-secret",
    });
    await expect(forged.send(new ListTablesCommand({}))).rejects.toMatchObject({
      name: "InvalidSignatureException",
    });
    forged.destroy();
    const own = dynamo(services);
    expect((await own.send(new ListTablesCommand({}))).TableNames).toEqual(["digest-subscribers"]);
    own.destroy();
  });
});

describe("the embedded SES endpoint refuses web pages and strangers", () => {
  const ses = (s: EmbeddedServices, credentials = ownCredential(s)) =>
    new SESv2Client({
      endpoint: s.endpoints.sesv2 as string,
      region: "us-east-1",
      credentials,
      maxAttempts: 1,
    });
  const mail = () =>
    new SendEmailCommand({
      Content: {
        Raw: { Data: Buffer.from("From: a@example.com\r\nTo: b@example.com\r\nSubject: hi\r\n\r\nhi\r\n") },
      },
    });

  it("refuses another credential and a page's request, sends with its own", async () => {
    const { services } = await owner();
    const stranger = ses(services, { accessKeyId: "AKIDSTRANGER", secretAccessKey: "anything" });
    await expect(stranger.send(mail())).rejects.toMatchObject({ name: "UnrecognizedClientException" });
    stranger.destroy();
    const page = await fetch(`${services.endpoints.sesv2}/v2/email/account`, {
      headers: { origin: "https://evil.example", authorization: "AWS4-HMAC-SHA256 Credential=x" },
    });
    await page.arrayBuffer();
    expect(page.status).toBe(403);
    const own = ses(services);
    expect((await own.send(mail())).MessageId).toBeTruthy();
    expect((await own.send(new GetAccountCommand({}))).SendingEnabled).toBe(true);
    own.destroy();
  });
});

describe("the files that name the services", () => {
  it("are readable by the owner only", async () => {
    const { home } = await owner();
    expect((await stat(join(home, "services.json"))).mode & 0o777).toBe(0o600);
    expect((await stat(join(home, "services-credential.json"))).mode & 0o777).toBe(0o600);
  });

  it("give a second process on the directory the same credential", async () => {
    const { home, services } = await owner();
    const joiner = await openEmbeddedServices(home, { dynamodb: true, sesv2: true });
    opened.unshift(joiner);
    expect(joiner.owned).toBe(false);
    expect(joiner.credentials).toEqual(services.credentials);
    const client = dynamo(joiner);
    expect((await client.send(new ListTablesCommand({}))).TableNames).toEqual([]);
    client.destroy();
  });
});

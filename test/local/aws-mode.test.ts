import { randomBytes } from "node:crypto";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DynamoDBClient, ListTablesCommand } from "@aws-sdk/client-dynamodb";
import { Template } from "aws-cdk-lib/assertions";
import { simpleParser } from "mailparser";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTables } from "../../functions/adapters/dynamo/create-tables.js";
import { TABLES, type TableName, type TableNames } from "../../functions/adapters/schema.js";
import { parseTokenKeys } from "../../functions/adapters/secret-keys.js";
import { parseConfig } from "../../functions/core/kernel/config.js";
import { verifyToken } from "../../functions/core/subscribers/tokens.js";
import { tableOutput } from "../../functions/local/deployed-stack.js";
import { openRuntime } from "../../functions/local/runtime.js";
import { type AwsStubs, startAwsStubs } from "../helpers/aws-stubs.js";
import {
  type CfnTemplate,
  deployedEnvironment,
  deployedOutputs,
  generateLikeSecretsManager,
  REGION,
  secretGenerator,
} from "../helpers/deployed-template.js";
import { startTestStack, type TestStack } from "../helpers/services.js";
import { stackWithoutChecks } from "../infra/synth.js";

/**
 * `digest --aws` runs with the deployed stack's configuration: the one file `cdk deploy` read, as the
 * stack published it (RuntimeConfig output), its tables and its signing key, never local defaults or
 * local DIGEST_* overrides. There is no AWS here: the "deployed" stack is the synthesized template with
 * its references resolved, its tables live in dynalite, SES is the embedded endpoint and Secrets
 * Manager a stub (AWS_ENDPOINT_URL_*).
 */

const DAY = "2031-07-02";
let dir: string;
let stack: TestStack;
let stubs: AwsStubs;
let template: CfnTemplate;
let outputs: Record<string, string>;
let secret: string;
let awsEnv: NodeJS.ProcessEnv;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "digest-aws-"));
  // The newsroom's one configuration file, with values no local default has.
  const configFile = join(dir, "digest.config.json");
  await writeFile(
    configFile,
    JSON.stringify({
      brandName: "Lakeside Herald Daily",
      senderAddress: "digest@news.lakeside-herald.org",
      postalAddress: "Lakeside Herald, 4 Quay Street, Wexmoor WX1 2AB",
      timeZone: "Pacific/Auckland",
      sections: ["Harbour", "Weather"],
      deploy: { sendingDomain: "news.lakeside-herald.org", sendHour: 7 },
    }),
  );
  // The template as deployed; cdk-nag's review of it is test/infra/stack.test.ts's.
  const { stack: cdkStack } = stackWithoutChecks({ context: { "digest:config": configFile } });
  template = Template.fromStack(cdkStack).toJSON() as CfnTemplate;
  const file = deployedOutputs(template);
  outputs = file.NewsletterDigest as Record<string, string>;
  await writeFile(join(dir, "cdk-outputs.json"), JSON.stringify(file));

  stack = await startTestStack();
  const deployedTables = Object.fromEntries(
    (Object.keys(TABLES) as TableName[]).map((n) => [n, outputs[tableOutput(n)]]),
  ) as TableNames;
  const client = new DynamoDBClient({
    endpoint: stack.dynamodbUrl,
    region: "us-east-1",
    credentials: { accessKeyId: "t", secretAccessKey: "t" },
  });
  await createTables(client, deployedTables);
  client.destroy();
  secret = generateLikeSecretsManager(secretGenerator(template));
  stubs = await startAwsStubs({
    [outputs.TokenSecretArn as string]: secret,
    [outputs.ErasureSecretArn as string]: randomBytes(48).toString("base64"),
  });

  awsEnv = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true",
    DIGEST_HOME: join(dir, "home"),
    DIGEST_STACK_OUTPUTS: join(dir, "cdk-outputs.json"),
    AWS_ENDPOINT_URL_DYNAMODB: stack.dynamodbUrl,
    AWS_ENDPOINT_URL_SESV2: stack.ses.url,
    AWS_ENDPOINT_URL_SECRETS_MANAGER: stubs.url,
    AWS_ACCESS_KEY_ID: "test",
    AWS_SECRET_ACCESS_KEY: "test",
  };
}, 180_000);

afterAll(async () => {
  await stubs?.close();
  await stack?.close();
  await rm(dir, { recursive: true, force: true });
});

describe("digest --aws", () => {
  it("refuses without the stack's outputs, saying where they come from", async () => {
    const missing = join(dir, "nowhere", "cdk-outputs.json");
    const run = await stack.digest(["--aws", "subscribers", "list"], {
      ...awsEnv,
      DIGEST_STACK_OUTPUTS: missing,
    });
    expect(run.code).toBe(1);
    expect(run.err).toContain(missing);
    expect(run.err).toContain("npm run deploy");
    expect(run.err).not.toMatch(/\n\s+at /); // one message, no stack trace
    // An outputs file of a stack deployed before RuntimeConfig existed is refused the same way.
    const old = join(dir, "old-outputs.json");
    const { RuntimeConfig: _, ...older } = outputs;
    await writeFile(old, JSON.stringify({ NewsletterDigest: older }));
    const stale = await stack.digest(["--aws", "subscribers", "list"], {
      ...awsEnv,
      DIGEST_STACK_OUTPUTS: old,
    });
    expect(stale.code).toBe(1);
    expect(stale.err).toMatch(/RuntimeConfig.*npm run deploy/);
  });

  it("refuses init: the tables belong to CloudFormation", async () => {
    const client = new DynamoDBClient({
      endpoint: stack.dynamodbUrl,
      region: "us-east-1",
      credentials: { accessKeyId: "t", secretAccessKey: "t" },
    });
    const before = (await client.send(new ListTablesCommand({}))).TableNames;
    const run = await stack.digest(["--aws", "init"], awsEnv);
    expect(run.code).toBe(1);
    expect(run.err).toMatch(/CloudFormation/);
    expect((await client.send(new ListTablesCommand({}))).TableNames).toEqual(before);
    client.destroy();
  });

  it("runs with exactly the configuration the stack's functions get, not local defaults or overrides", async () => {
    const local = { ...awsEnv, DIGEST_SENDER_ADDRESS: "me@laptop.test", DIGEST_TIME_ZONE: "UTC" };
    const rt = await openRuntime({ aws: true, env: local });
    try {
      for (const fn of ["send", "compose", "api"]) {
        expect(rt.config).toEqual(parseConfig({}, deployedEnvironment(template, fn)));
      }
      expect(rt.config).toMatchObject({
        senderAddress: "digest@news.lakeside-herald.org",
        timeZone: "Pacific/Auckland",
        sections: ["Harbour", "Weather"],
        postalAddress: "Lakeside Herald, 4 Quay Street, Wexmoor WX1 2AB",
        configurationSet: outputs.ConfigurationSetName,
        publicBaseUrl: outputs.PublicUrl,
      });
      expect(rt.tables.subscribers).toBe(outputs.SubscribersTableName);
      expect(rt.notices.join("\n")).toMatch(/ignoring DIGEST_SENDER_ADDRESS, DIGEST_TIME_ZONE/);
      expect(rt.outboxRoot).toBeNull();
      expect(await rt.dynamo.config.region()).toBe(REGION);
    } finally {
      await rt.close();
    }
  });

  it("sends the deployed edition from the deployed sender, in its zone, with its footer and key", async () => {
    const stories = join(dir, "stories.ndjson");
    await writeFile(
      stories,
      `${JSON.stringify({
        headline: "Ferry timetable changes for the winter",
        url: "https://news.lakeside-herald.org/harbour/ferry",
        source: "Lakeside Herald",
        section: "Harbour",
        // 15:00 UTC on the 1st is 03:00 on the 2nd in Auckland: the deployed zone decides the day.
        publishedAt: "2031-07-01T15:00:00Z",
        body: "The harbour ferry runs every forty minutes from Monday. Fares stay the same.",
      })}\n`,
    );
    const env = { ...awsEnv, DIGEST_SENDER_ADDRESS: "me@laptop.test" };
    expect((await stack.digest(["--aws", "stories", "import", stories], env)).code).toBe(0);
    expect((await stack.digest(["--aws", "subscribers", "add", "ana@example.net"], env)).code).toBe(0);
    const send = await stack.digest(["--aws", "send", "--date", DAY], env);
    expect(send.out).toMatch(new RegExp(`^edition=${DAY}\\S* stories=1 recipients=1 sent=1 `, "m"));
    expect(stack.ses.messages).toHaveLength(1);
    const message = stack.ses.messages[0];
    expect(message?.from).toBe("digest@news.lakeside-herald.org");
    expect(message?.configurationSetName).toBe(outputs.ConfigurationSetName);
    const mail = await simpleParser(message?.raw as Buffer);
    expect(mail.text).toContain("4 Quay Street, Wexmoor");
    // Its links are signed with the stack's secret, so the deployed API will verify them.
    const unsubscribe = (mail.headers.get("list") as { unsubscribe: { url: string } }).unsubscribe.url;
    expect(unsubscribe.startsWith(`${outputs.PublicUrl}/unsubscribe?t=`)).toBe(true);
    expect(outputs.PublicUrl).toBe("https://d111111abcdef8.cloudfront.net");
    const token = new URL(unsubscribe).searchParams.get("t") as string;
    expect(verifyToken(token, "unsubscribe", parseTokenKeys(secret)).ok).toBe(true);
    // Nothing was written locally: no outbox under --aws, nothing in a local data directory.
    await expect(readFile(join(dir, "home", "services.json"))).rejects.toThrow();
  }, 60_000);
});

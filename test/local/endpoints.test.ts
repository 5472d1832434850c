import { mkdtemp, readdir, rm, writeFile } from "node:fs/promises";
import type { Server } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DynamoDBClient, ListTablesCommand } from "@aws-sdk/client-dynamodb";
import { GetCommand } from "@aws-sdk/lib-dynamodb";
import dynalite from "dynalite";
import { afterEach, describe, expect, it } from "vitest";
import { documentClientOver } from "../../functions/adapters/dynamo/client.js";
import { main } from "../../functions/local/cli.js";
import type { Io } from "../../functions/local/cli-support.js";
import { configuredEndpoint } from "../../functions/local/endpoints.js";
import { listen } from "../../functions/local/service-host.js";
import { type SesEndpoint, startSesEndpoint } from "../../functions/local/ses-endpoint.js";

/**
 * Each AWS_ENDPOINT_URL_<SERVICE> wins for its own service, also when this process owns the embedded
 * services of its data directory: only services with no endpoint configured are embedded.
 */

const DAY = "2031-04-02";
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function workspace(): Promise<{ dir: string; env: NodeJS.ProcessEnv }> {
  const dir = await mkdtemp(join(tmpdir(), "digest-endpoints-"));
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  await writeFile(join(dir, "config.json"), "{}");
  await writeFile(
    join(dir, "stories.ndjson"),
    `${[1, 2]
      .map((n) =>
        JSON.stringify({
          headline: `Harbour story ${n}`,
          url: `https://news.example.org/${DAY}/${n}`,
          source: "Harbour Times",
          section: "World",
          publishedAt: `${DAY}T0${n}:00:00Z`,
          body: `Story ${n} says what happened. It adds a detail.`,
        }),
      )
      .join("\n")}\n`,
  );
  await writeFile(join(dir, "subs.csv"), "email\nann@example.net\nbob@example.net\ncid@example.net\n");
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true",
    DIGEST_HOME: join(dir, "home"),
    DIGEST_OUTBOX: join(dir, "out"),
    DIGEST_CONFIG: join(dir, "config.json"),
    AWS_REGION: "us-east-1",
    AWS_ACCESS_KEY_ID: "test",
    AWS_SECRET_ACCESS_KEY: "test",
  };
  return { dir, env };
}

async function digest(args: string[], env: NodeJS.ProcessEnv) {
  let out = "";
  let err = "";
  const io: Io = {
    out: (l) => {
      out += `${l}\n`;
    },
    err: (l) => {
      err += `${l}\n`;
    },
    interactive: false,
  };
  const code = await main(args, io, env);
  return { code, out, err };
}

async function sesEndpoint(): Promise<SesEndpoint> {
  const ses = await startSesEndpoint();
  cleanups.push(() => ses.close());
  return ses;
}

async function separateDynalite(dir: string): Promise<string> {
  const db = dynalite({ path: join(dir, "separate-db"), createTableMs: 0 }) as Server;
  const url = await listen(db);
  cleanups.push(() => new Promise<void>((r) => db.close(() => r())));
  return url;
}

describe("AWS_ENDPOINT_URL_<SERVICE> wins for its own service", () => {
  it("with only AWS_ENDPOINT_URL_SESV2 set, every message goes to that endpoint", async () => {
    const { dir, env } = await workspace();
    const ses = await sesEndpoint();
    env.AWS_ENDPOINT_URL_SESV2 = ses.url;
    expect((await digest(["stories", "import", join(dir, "stories.ndjson")], env)).code).toBe(0);
    expect((await digest(["subscribers", "import", join(dir, "subs.csv")], env)).code).toBe(0);
    const send = await digest(["send", "--date", DAY], env);
    expect(send.out).toMatch(/recipients=3 sent=3 /);
    expect(ses.messages.flatMap((m) => m.destinations).sort()).toEqual([
      "ann@example.net",
      "bob@example.net",
      "cid@example.net",
    ]);
  }, 60_000);

  it("with only AWS_ENDPOINT_URL_DYNAMODB set, the data lives in that DynamoDB and mail is embedded", async () => {
    const { dir, env } = await workspace();
    const dynamodb = await separateDynalite(dir);
    env.AWS_ENDPOINT_URL_DYNAMODB = dynamodb;
    expect((await digest(["init"], env)).code).toBe(0);
    expect((await digest(["stories", "import", join(dir, "stories.ndjson")], env)).code).toBe(0);
    expect((await digest(["subscribers", "import", join(dir, "subs.csv")], env)).code).toBe(0);
    const send = await digest(["send", "--date", DAY], env);
    expect(send.out).toMatch(/recipients=3 sent=3 /);

    const client = new DynamoDBClient({
      endpoint: dynamodb,
      region: "us-east-1",
      credentials: { accessKeyId: "t", secretAccessKey: "t" },
    });
    const db = documentClientOver(client);
    try {
      expect((await client.send(new ListTablesCommand({}))).TableNames).toContain("digest-subscribers");
      const ann = await db.send(
        new GetCommand({ TableName: "digest-subscribers", Key: { email: "ann@example.net" } }),
      );
      expect(ann.Item?.status).toBe("active");
    } finally {
      db.destroy();
    }
    // The embedded SES endpoint accepted them: the outbox has one file per recipient.
    const editions = await readdir(join(dir, "out"));
    const edition = editions.find((e) => e.startsWith(DAY)) as string;
    expect((await readdir(join(dir, "out", edition))).filter((f) => f.endsWith(".eml"))).toHaveLength(3);
  }, 60_000);
});

describe("configuredEndpoint (the AWS SDKs' precedence)", () => {
  it("takes the service's own variable before the global AWS_ENDPOINT_URL", () => {
    const env = { AWS_ENDPOINT_URL: "http://global:1", AWS_ENDPOINT_URL_SESV2: "http://ses:2" };
    expect(configuredEndpoint(env, "sesv2")).toBe("http://ses:2");
    expect(configuredEndpoint(env, "dynamodb")).toBe("http://global:1");
    expect(configuredEndpoint({}, "dynamodb")).toBeNull();
    expect(configuredEndpoint({ AWS_ENDPOINT_URL_DYNAMODB: "" }, "dynamodb")).toBeNull();
  });

  it("ignores every configured endpoint when AWS_IGNORE_CONFIGURED_ENDPOINT_URLS=true", () => {
    const env = { AWS_ENDPOINT_URL_DYNAMODB: "http://db:1", AWS_IGNORE_CONFIGURED_ENDPOINT_URLS: "true" };
    expect(configuredEndpoint(env, "dynamodb")).toBeNull();
    expect(configuredEndpoint({ ...env, AWS_IGNORE_CONFIGURED_ENDPOINT_URLS: "false" }, "dynamodb")).toBe(
      "http://db:1",
    );
  });
});

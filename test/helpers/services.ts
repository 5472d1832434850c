import { mkdtemp, rm } from "node:fs/promises";
import type { Server } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import type { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import dynalite from "dynalite";
import { documentClientOver } from "../../functions/adapters/dynamo/client.js";
import { createTables } from "../../functions/adapters/dynamo/create-tables.js";
import { tableNamesFromEnv } from "../../functions/adapters/schema.js";
import { main } from "../../functions/local/cli.js";
import type { Io } from "../../functions/local/cli-support.js";
import { loadErasureKey } from "../../functions/local/runtime.js";
import {
  type SesEndpoint,
  type SesEndpointOptions,
  startSesEndpoint,
} from "../../functions/local/ses-endpoint.js";

/**
 * Real services for integration tests: dynalite in-process and the SESv2 endpoint, each on
 * 127.0.0.1, reached through the real SDK clients by way of the standard AWS_ENDPOINT_URL_* variables.
 */
export interface TestStack {
  dir: string;
  env: NodeJS.ProcessEnv;
  ses: SesEndpoint;
  dynamodbUrl: string;
  /** Runs `digest …` in-process; returns exit code and captured output. */
  digest(args: string[], extraEnv?: NodeJS.ProcessEnv): Promise<{ code: number; out: string; err: string }>;
  /** Replaces the SES endpoint (e.g. with other limits); the old one is closed. */
  restartSes(opts?: SesEndpointOptions): Promise<SesEndpoint>;
  close(): Promise<void>;
}

function listen(server: Server): Promise<string> {
  return new Promise((resolve) => {
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      if (address && typeof address === "object") resolve(`http://127.0.0.1:${address.port}`);
    });
  });
}

export async function startTestStack(
  sesOptions: SesEndpointOptions = {},
  config: NodeJS.ProcessEnv = {},
): Promise<TestStack> {
  const dir = await mkdtemp(join(tmpdir(), "digest-test-"));
  // In memory (dynalite's default): a test stack's tables live as long as its file, no LevelDB on disk.
  const db = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  const dynamodbUrl = await listen(db);
  let ses = await startSesEndpoint(sesOptions);
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true",
    DIGEST_HOME: join(dir, "home"),
    DIGEST_OUTBOX: join(dir, "out"),
    DIGEST_CONFIG: join(dir, "no-config.json"),
    AWS_ENDPOINT_URL_DYNAMODB: dynamodbUrl,
    AWS_ENDPOINT_URL_SESV2: ses.url,
    AWS_REGION: "us-east-1",
    AWS_ACCESS_KEY_ID: "test",
    AWS_SECRET_ACCESS_KEY: "test",
    ...config,
  };
  // An absent DIGEST_CONFIG file is an error by design; point it at an empty one.
  await import("node:fs/promises").then((fs) => fs.writeFile(join(dir, "no-config.json"), "{}"));
  const client = new DynamoDBClient({
    endpoint: dynamodbUrl,
    region: "us-east-1",
    credentials: { accessKeyId: "test", secretAccessKey: "test" },
  });
  await createTables(client, tableNamesFromEnv(env));
  client.destroy();

  const stack: TestStack = {
    dir,
    env,
    ses,
    dynamodbUrl,
    async digest(args, extraEnv = {}) {
      let out = "";
      let err = "";
      const io: Io = {
        out: (line) => {
          out += `${line}\n`;
        },
        err: (line) => {
          err += `${line}\n`;
        },
        interactive: false,
      };
      const code = await main(args, io, { ...env, ...extraEnv });
      return { code, out, err };
    },
    async restartSes(opts = {}) {
      await ses.close();
      ses = await startSesEndpoint(opts);
      stack.ses = ses;
      env.AWS_ENDPOINT_URL_SESV2 = ses.url;
      return ses;
    },
    async close() {
      await ses.close();
      await new Promise<void>((r) => db.close(() => r()));
      await rm(dir, { recursive: true, force: true });
    },
  };
  return stack;
}

/** A DynamoDB document client on the stack's dynalite, for reading and seeding tables directly (destroy it after). */
export function stackDocumentClient(stack: TestStack): DynamoDBDocumentClient {
  return documentClientOver(
    new DynamoDBClient({
      endpoint: stack.dynamodbUrl,
      region: "us-east-1",
      credentials: { accessKeyId: "t", secretAccessKey: "t" },
    }),
  );
}

/** The stack's erasure key (the one its `digest` processes hash erased addresses with), read on use. */
export function stackErasureKey(stack: TestStack): () => Promise<Buffer> {
  return () => loadErasureKey(stack.env.DIGEST_HOME as string, stack.env);
}

/** Writes NDJSON story lines to a file in the stack's directory and returns its path. */
export async function writeStories(stack: TestStack, name: string, stories: object[]): Promise<string> {
  const { writeFile } = await import("node:fs/promises");
  const path = join(stack.dir, name);
  await writeFile(path, `${stories.map((s) => JSON.stringify(s)).join("\n")}\n`);
  return path;
}

/** A story of the given day with sensible invented defaults. */
export function story(day: string, n: number, overrides: Record<string, unknown> = {}) {
  const hh = String(6 + (n % 12)).padStart(2, "0");
  return {
    headline: `Story number ${n} of the day`,
    url: `https://news.example.org/${day}/story-${n}`,
    source: "Example Times",
    section: ["World", "Science", "Culture"][n % 3],
    byline: "Sam Writer",
    publishedAt: `${day}T${hh}:${String(n % 60).padStart(2, "0")}:00Z`,
    body: `The first sentence of story ${n} says what happened. A second sentence adds detail.\n\nA second paragraph follows with more context about story ${n}.`,
    ...overrides,
  };
}

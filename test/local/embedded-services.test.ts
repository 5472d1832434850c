import { spawn } from "node:child_process";
import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { CreateTableCommand, DynamoDBClient, ListTablesCommand } from "@aws-sdk/client-dynamodb";
import { SESv2Client, SendEmailCommand } from "@aws-sdk/client-sesv2";
import { afterEach, describe, expect, it } from "vitest";
import { openEmbeddedServices, servicesModeFromEnv } from "../../functions/local/services.js";
import { startServicesThread } from "../../functions/local/services-thread.js";

/**
 * The embedded services on their own worker thread: reachable through the real SDK clients, reporting
 * what they saw, gone when closed, and gone with their process when it is killed or exits (the
 * services.json contract of services.ts: first process owns, others reuse, a dead owner is taken over).
 */

const SERVICES = fileURLToPath(new URL("../../functions/local/services.ts", import.meta.url));
const credentials = { accessKeyId: "test", secretAccessKey: "test" };
let dirs: string[] = [];

afterEach(async () => {
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
  dirs = [];
});

async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "digest-services-"));
  dirs.push(dir);
  return dir;
}

const reachable = async (url: string) =>
  fetch(url, { signal: AbortSignal.timeout(1500) }).then(
    async (res) => {
      await res.arrayBuffer();
      return true;
    },
    () => false,
  );

const rawMessage = (to: string) =>
  Buffer.from(`From: a@example.com\r\nTo: ${to}\r\nSubject: hi\r\n\r\nhello\r\n`);

/** A separate Node process (running the TypeScript sources through tsx) that owns the services of `home`. */
function ownerProcess(home: string, then: "wait" | "exit") {
  const code = `
    const { openEmbeddedServices } = await import(${JSON.stringify(SERVICES)});
    const s = await openEmbeddedServices(${JSON.stringify(home)}, { dynamodb: true, sesv2: true });
    console.log(JSON.stringify(s.endpoints));
    ${then === "exit" ? "process.exit(0);" : "setInterval(() => {}, 1000);"}
  `;
  const child = spawn(process.execPath, ["--import", "tsx", "--input-type=module", "-e", code], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  let err = "";
  child.stderr.on("data", (d) => {
    err += d;
  });
  const ready = new Promise<{ dynamodb: string; sesv2: string }>((resolve, reject) => {
    let out = "";
    child.stdout.on("data", (d) => {
      out += d;
      if (out.includes("\n")) resolve(JSON.parse(out.split("\n")[0] as string));
    });
    child.once("exit", (code) => reject(new Error(`owner exited (${code}) before ready: ${err}`)));
  });
  const exited = new Promise<number | null>((resolve) =>
    child.once("exit", (c, signal) => resolve(c ?? (signal ? -1 : null))),
  );
  return { child, ready, exited };
}

describe("startServicesThread", () => {
  it("serves DynamoDB and SESv2 from a worker thread, counts what it accepted, and stops on close", async () => {
    const dir = await tempDir();
    const host = await startServicesThread({
      dynamodbPath: join(dir, "dynamodb"),
      ses: { maxSendRate: 1000 },
      countRecipients: true,
    });
    const dynamodb = host.dynamodb as string;
    const sesv2 = host.sesv2 as string;
    const db = new DynamoDBClient({ endpoint: dynamodb, region: "us-east-1", credentials });
    const ses = new SESv2Client({ endpoint: sesv2, region: "us-east-1", credentials });
    try {
      await db.send(
        new CreateTableCommand({
          TableName: "things",
          AttributeDefinitions: [{ AttributeName: "k", AttributeType: "S" }],
          KeySchema: [{ AttributeName: "k", KeyType: "HASH" }],
          BillingMode: "PAY_PER_REQUEST",
        }),
      );
      expect((await db.send(new ListTablesCommand({}))).TableNames).toEqual(["things"]);
      for (const to of ["a@example.com", "b@example.com", "a@example.com"]) {
        await ses.send(
          new SendEmailCommand({
            Destination: { ToAddresses: [to] },
            Content: { Raw: { Data: rawMessage(to) } },
          }),
        );
      }
      const report = await host.report();
      expect(report.ses).toMatchObject({ accepted: 3, throttled: 0, failed: 0 });
      expect(report.received).toEqual({
        messages: 3,
        recipients: 2,
        duplicateRecipients: 1,
        extraMessages: 1,
      });
      expect(report.eventLoop.active).toBeGreaterThan(0);
    } finally {
      db.destroy();
      ses.destroy();
      await host.close();
    }
    expect(await reachable(dynamodb)).toBe(false);
    expect(await reachable(sesv2)).toBe(false);
    await host.close(); // idempotent
  });

  it("rejects when the services cannot start", async () => {
    const busy = createServer();
    await new Promise<void>((r) => busy.listen(0, "127.0.0.1", r));
    try {
      const { port } = busy.address() as AddressInfo;
      await expect(startServicesThread({ dynamodbPath: null, ses: { port } })).rejects.toThrow(
        /embedded services: .*EADDRINUSE/,
      );
    } finally {
      busy.close();
    }
  });
});

describe("openEmbeddedServices", () => {
  it("runs the owner's services on a thread of this process and removes its files on close", async () => {
    const home = await tempDir();
    const owner = await openEmbeddedServices(home, { dynamodb: true, sesv2: true }, { mode: "thread" });
    expect(owner.owned).toBe(true);
    const published = JSON.parse(await readFile(join(home, "services.json"), "utf8"));
    expect(published).toEqual({ ...owner.endpoints, pid: process.pid });
    // Another opener in the same process joins instead of opening the locked directory.
    const joiner = await openEmbeddedServices(home, { dynamodb: true, sesv2: false });
    expect(joiner).toMatchObject({
      owned: false,
      endpoints: { dynamodb: owner.endpoints.dynamodb, sesv2: null },
    });
    await joiner.close();
    expect(await reachable(owner.endpoints.dynamodb as string)).toBe(true);
    await owner.close();
    expect(await readdir(home)).not.toContain("services.json");
    expect(await readdir(home)).not.toContain("services.lock");
    expect(await reachable(owner.endpoints.dynamodb as string)).toBe(false);
    // The directory is free again (dynalite's lock released): a new owner can open it.
    const again = await openEmbeddedServices(home, { dynamodb: true, sesv2: true });
    expect(again.owned).toBe(true);
    await again.close();
  });

  it("still runs inline when asked (DIGEST_EMBEDDED_SERVICES=inline)", async () => {
    expect(servicesModeFromEnv({})).toBe("thread");
    expect(servicesModeFromEnv({ DIGEST_EMBEDDED_SERVICES: "inline" })).toBe("inline");
    expect(() => servicesModeFromEnv({ DIGEST_EMBEDDED_SERVICES: "fork" })).toThrow(/thread.*inline/);
    const home = await tempDir();
    const owner = await openEmbeddedServices(home, { dynamodb: true, sesv2: true }, { mode: "inline" });
    expect(await reachable(owner.endpoints.sesv2 as string)).toBe(true);
    await owner.close();
    expect(await readdir(home)).not.toContain("services.json");
  });

  it("an owner that exits without closing leaves no files", async () => {
    const home = await tempDir();
    const owner = ownerProcess(home, "exit");
    await owner.ready;
    expect(await owner.exited).toBe(0);
    expect(await readdir(home)).not.toContain("services.json");
    expect(await readdir(home)).not.toContain("services.lock");
  });

  it("a killed owner takes its services thread with it, and the next process takes over", async () => {
    const home = await tempDir();
    const owner = ownerProcess(home, "wait");
    const endpoints = await owner.ready;
    expect(await reachable(endpoints.dynamodb)).toBe(true);
    owner.child.kill("SIGKILL");
    await owner.exited;
    expect(await reachable(endpoints.dynamodb)).toBe(false);
    expect(await readdir(home)).toContain("services.json");
    const next = await openEmbeddedServices(home, { dynamodb: true, sesv2: true });
    try {
      expect(next.owned).toBe(true);
      expect(JSON.parse(await readFile(join(home, "services.json"), "utf8")).pid).toBe(process.pid);
    } finally {
      await next.close();
    }
  });
});

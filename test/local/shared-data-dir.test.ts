import { type ChildProcess, spawn } from "node:child_process";
import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { DynamoDBClient, ScanCommand } from "@aws-sdk/client-dynamodb";
import { afterEach, describe, expect, it } from "vitest";
import { openEmbeddedServices } from "../../functions/local/services.js";

/**
 * Two `digest` processes on one data directory: the one that owns the embedded services keeps them up
 * until every other live process using them has finished, so a second process always completes its
 * work; a killed process does not hold the owner back.
 */

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const DIGEST_BIN = fileURLToPath(new URL("../../bin/digest.js", import.meta.url));
const SERVICES = fileURLToPath(new URL("../../functions/local/services.ts", import.meta.url));
const LINGER = fileURLToPath(new URL("./linger-after-work.mjs", import.meta.url));
const ROWS = 800;

const children: ChildProcess[] = [];
const dirs: string[] = [];
afterEach(async () => {
  for (const child of children.splice(0)) if (child.exitCode === null) child.kill("SIGKILL");
  for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true });
});

interface Run {
  child: ChildProcess;
  out(): string;
  err(): string;
  done: Promise<number | null>;
}

function run(command: string[], args: string[], env: NodeJS.ProcessEnv): Run {
  const child = spawn(process.execPath, [...command, ...args], {
    cwd: ROOT,
    env,
    stdio: ["pipe", "pipe", "pipe"],
  });
  children.push(child);
  let out = "";
  let err = "";
  child.stdout?.setEncoding("utf8").on("data", (d: string) => {
    out += d;
  });
  child.stderr?.setEncoding("utf8").on("data", (d: string) => {
    err += d;
  });
  const done = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  return { child, out: () => out, err: () => err, done };
}

async function until(what: string, check: () => Promise<boolean> | boolean, child?: Run): Promise<void> {
  for (;;) {
    if (await check()) return;
    if (child && child.child.exitCode !== null) {
      throw new Error(`${what}: the process exited (${child.child.exitCode}) first\n${child.err()}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function workspace() {
  const dir = await mkdtemp(join(tmpdir(), "digest-shared-"));
  dirs.push(dir);
  await writeFile(join(dir, "config.json"), "{}");
  const rows = Array.from({ length: ROWS }, (_, i) => `reader${i}@example.net`);
  await writeFile(join(dir, "subs.csv"), `email\n${rows.join("\n")}\n`);
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true",
    DIGEST_HOME: join(dir, "home"),
    DIGEST_OUTBOX: join(dir, "out"),
    DIGEST_CONFIG: join(dir, "config.json"),
    DIGEST_ADMIN_TOKEN: "shared-dir-admin-token-0123456789",
  };
  return { dir, env, home: join(dir, "home") };
}

/** Subscribers stored so far, read through the owner's published endpoint with the directory's credential. */
async function storedSubscribers(home: string): Promise<number> {
  const endpoints = JSON.parse(await readFile(join(home, "services.json"), "utf8"));
  const credentials = JSON.parse(
    await readFile(join(home, "services-credential.json"), "utf8").catch(() => "null"),
  );
  const client = new DynamoDBClient({
    endpoint: endpoints.dynamodb,
    region: "us-east-1",
    credentials: credentials ?? { accessKeyId: "x", secretAccessKey: "x" },
  });
  try {
    const page = await client.send(new ScanCommand({ TableName: "digest-subscribers", Select: "COUNT" }));
    return page.Count ?? 0;
  } catch {
    return 0;
  } finally {
    client.destroy();
  }
}

describe("two digest processes on one data directory", () => {
  it("the owner (digest serve) asked to stop keeps the services up until a joined import finished every row", async () => {
    const { dir, env, home } = await workspace();
    const serve = run([DIGEST_BIN], ["serve", "--port", "0"], env);
    await until("serve listening", () => serve.out().startsWith("listening on"), serve);

    // The import stays a second after its work before it exits: the owner still waits for its exit.
    const importer = run(
      ["--import", LINGER, DIGEST_BIN],
      ["subscribers", "import", join(dir, "subs.csv")],
      env,
    );
    await until("the import started writing", async () => (await storedSubscribers(home)) > 0, importer);
    expect(importer.child.exitCode).toBeNull(); // mid-import
    serve.child.kill("SIGTERM");

    const order: string[] = [];
    const [importCode, serveCode] = await Promise.all([
      importer.done.then((c) => {
        order.push("import");
        return c;
      }),
      serve.done.then((c) => {
        order.push("serve");
        return c;
      }),
    ]);
    expect(importer.err()).not.toMatch(/ECONNREFUSED/);
    expect(importCode).toBe(0);
    expect(importer.out()).toContain(`imported=${ROWS} updated=0 skipped=0 invalid=0`);
    expect(order).toEqual(["import", "serve"]);
    expect(serve.err()).toMatch(/waiting for 1 other digest process/);
    expect(serveCode).toBe(0);
    const left = await readdir(home);
    expect(left).not.toContain("services.json");
    expect(left).not.toContain("services.lock");
  }, 180_000);

  it("an owner closing waits for a live joiner but not for one that was killed", async () => {
    const { home } = await workspace();
    const notices: string[] = [];
    const owner = await openEmbeddedServices(
      home,
      { dynamodb: true, sesv2: true },
      { onWait: (line) => notices.push(line) },
    );
    // A joiner in its own process that holds the services until told to let go on stdin.
    const code = `
      const { openEmbeddedServices } = await import(${JSON.stringify(SERVICES)});
      const s = await openEmbeddedServices(${JSON.stringify(home)}, { dynamodb: true, sesv2: true });
      console.log(s.owned ? "owner" : "joined");
      process.stdin.once("data", async () => { await s.close(); process.exit(0); });
    `;
    const joiner = run(["--import", "tsx", "--input-type=module", "-e", code], [], { ...process.env });
    await until("the joiner joined", () => joiner.out().includes("joined"), joiner);
    // And one that was killed without letting go.
    const killed = run(["--import", "tsx", "--input-type=module", "-e", code], [], { ...process.env });
    await until("the second joiner joined", () => killed.out().includes("joined"), killed);
    killed.child.kill("SIGKILL");
    await killed.done;

    let closed = false;
    const closing = owner.close().then(() => {
      closed = true;
    });
    await until("the owner says it waits (or closes)", () => notices.length > 0 || closed);
    expect(closed).toBe(false);
    expect(notices[0]).toMatch(/waiting for 1 other digest process .*pid \d+/);
    joiner.child.stdin?.write("go\n");
    expect(await joiner.done).toBe(0);
    await closing;
    expect(closed).toBe(true);
    expect(await readdir(home)).not.toContain("services.json");
  }, 60_000);
});

import { type ChildProcess, spawn } from "node:child_process";
import { access, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { startTestStack, story, type TestStack, writeStories } from "../helpers/services.js";

/**
 * The `digest` command as a shell sees it, run as a child process: a reader that stops reading, a
 * port that is taken, and how much it loads before it can say how it is used.
 */

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const DIGEST_BIN = fileURLToPath(new URL("../../bin/digest.js", import.meta.url));
const IMPORT_RECORDER = fileURLToPath(new URL("./import-recorder.mjs", import.meta.url));
const DAY = "2031-06-02";

interface Exit {
  code: number | null;
  out: string;
  err: string;
}

/**
 * Runs `digest …` to its end. With `closedStdout`, the read end of its stdout is closed before it
 * starts, as when the reader of a pipe (`| head -1`) is gone before the output comes.
 */
function digest(
  args: string[],
  env: NodeJS.ProcessEnv,
  opts: { closedStdout?: boolean; nodeArgs?: string[] } = {},
): Promise<Exit> {
  const child = spawn(process.execPath, [...(opts.nodeArgs ?? []), DIGEST_BIN, ...args], {
    cwd: ROOT,
    env,
    stdio: ["ignore", "pipe", "pipe"],
  });
  children.push(child);
  let out = "";
  let err = "";
  if (opts.closedStdout) child.stdout.destroy();
  else child.stdout.setEncoding("utf8").on("data", (d: string) => (out += d));
  child.stderr.setEncoding("utf8").on("data", (d: string) => (err += d));
  return new Promise((resolve) => child.once("close", (code) => resolve({ code, out, err })));
}

let stack: TestStack;
const dirs: string[] = [];
const servers: Server[] = [];
/** Every child started; one still running when its test ends (a hang) is killed. */
const children: ChildProcess[] = [];

beforeAll(async () => {
  stack = await startTestStack();
  const file = await writeStories(stack, "day.ndjson", [story(DAY, 1), story(DAY, 2), story(DAY, 3)]);
  expect((await stack.digest(["stories", "import", file])).code).toBe(0);
}, 60_000);

afterAll(async () => {
  await stack?.close();
  for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true });
});

afterEach(async () => {
  for (const child of children.splice(0)) if (child.exitCode === null) child.kill("SIGKILL");
  for (const s of servers.splice(0)) await new Promise((r) => s.close(r));
});

/** A port some other program listens on (127.0.0.1). */
async function busyPort(): Promise<number> {
  const server = createServer();
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return (server.address() as { port: number }).port;
}

/** A fresh data directory on the embedded services (no endpoint variables). */
async function embeddedEnv(): Promise<{ env: NodeJS.ProcessEnv; home: string }> {
  const dir = await mkdtemp(join(tmpdir(), "digest-cli-process-"));
  dirs.push(dir);
  await writeFile(join(dir, "config.json"), "{}");
  const home = join(dir, "home");
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true",
    DIGEST_HOME: home,
    DIGEST_OUTBOX: join(dir, "out"),
    DIGEST_CONFIG: join(dir, "config.json"),
    DIGEST_ADMIN_TOKEN: "cli-process-admin-token-0123456789",
  };
  return { env, home };
}

const exists = (path: string) =>
  access(path).then(
    () => true,
    () => false,
  );

describe("a reader that stops reading", () => {
  it("`digest stories list | head -1`: output into a closed pipe ends quietly, exit 0", async () => {
    const run = await digest(["stories", "list", "--date", DAY], stack.env, { closedStdout: true });
    expect(run.err).toBe("");
    expect(run.code).toBe(0);
  });

  it("`digest stories list --json` into a closed pipe: the same", async () => {
    const run = await digest(["stories", "list", "--date", DAY, "--json"], stack.env, { closedStdout: true });
    expect(run.err).toBe("");
    expect(run.code).toBe(0);
  });
});

describe("a port that is taken", () => {
  it("`digest serve --port <busy>` says so in one line, exits 1 and releases the embedded services", async () => {
    const port = await busyPort();
    const { env, home } = await embeddedEnv();
    const run = await digest(["serve", "--port", String(port)], env);
    expect(run.err).toBe(`digest: port ${port} is in use (try --port 0 for a free one)\n`);
    expect(run.out).toBe("");
    expect(run.code).toBe(1);
    expect(await exists(join(home, "services.json"))).toBe(false);
    expect(await exists(join(home, "services.lock"))).toBe(false);
  });

  it("`digest preview --port <busy>` says so in one line and exits 1 (it used to hang)", async () => {
    const port = await busyPort();
    const { env, home } = await embeddedEnv();
    const run = await digest(["preview", "--date", DAY, "--port", String(port)], env);
    expect(run.err).toBe(`digest: port ${port} is in use (try --port 0 for a free one)\n`);
    expect(run.out).toBe("");
    expect(run.code).toBe(1);
    expect(await exists(join(home, "services.json"))).toBe(false);
    expect(await exists(join(home, "services.lock"))).toBe(false);
  });
});

describe("help and usage errors load no command", () => {
  /** The modules a `digest …` run resolved, as paths relative to the project. */
  async function loaded(args: string[]): Promise<{ run: Exit; modules: string[] }> {
    const { env } = await embeddedEnv();
    const file = join(env.DIGEST_HOME as string, "..", "imports.txt");
    await writeFile(file, "");
    const run = await digest(
      args,
      { ...env, DIGEST_TEST_IMPORTS: file },
      {
        nodeArgs: ["--import", IMPORT_RECORDER],
      },
    );
    const urls = (await readFile(file, "utf8")).split("\n").filter(Boolean);
    return { run, modules: [...new Set(urls.map((u) => u.replace(`file://${ROOT}`, "")))] };
  }

  const heavy = (modules: string[]) =>
    modules.filter((m) =>
      /^functions\/local\/(commands\/|runtime\.ts)|node_modules\/(@aws-sdk|dynalite|mjml)\//.test(m),
    );

  it("`digest --help` prints the usage without loading a command, the runtime or the AWS SDK", async () => {
    const { run, modules } = await loaded(["--help"]);
    expect(run.code).toBe(0);
    expect(run.out).toMatch(/^usage: digest/);
    expect(modules).toContain("functions/local/cli.ts");
    expect(heavy(modules)).toEqual([]);
  });

  it("a usage error (unknown command, missing subcommand) is answered before anything loads", async () => {
    for (const args of [["no-such-command"], ["stories"], ["subscribers", "frobnicate"]]) {
      const { run, modules } = await loaded(args);
      expect(run.code, args.join(" ")).toBe(2);
      expect(run.err).toMatch(/^digest: .*\n\(run "digest help" for usage\)\n$/);
      expect(heavy(modules), args.join(" ")).toEqual([]);
    }
  });

  it("a command loads its own module and not the others", async () => {
    const { run, modules } = await loaded(["stories", "list", "--date", DAY]);
    expect(run.code, run.err).toBe(0);
    const commands = modules.filter((m) => m.startsWith("functions/local/commands/"));
    expect(commands).toEqual(["functions/local/commands/stories.ts"]);
  });
});

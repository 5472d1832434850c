import { type ChildProcess, spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { formatWithOptions } from "node:util";
import { afterAll, beforeAll } from "vitest";
import { startApiServer } from "../../functions/local/commands/serve.js";
import { openRuntime } from "../../functions/local/runtime.js";
import { startTestStack, type TestStack } from "./services.js";

/** The admin token `digest serve` is started with (override with extraEnv.DIGEST_ADMIN_TOKEN). */
export const TEST_ADMIN_TOKEN = "test-admin-token-0123456789abcdef";

export interface Serve {
  /** e.g. http://127.0.0.1:49152 */
  url: string;
  /** What the server wrote to stdout so far (`listening on …`, `admin console: <one-time link>`). */
  stdout(): string;
  /** What the server wrote to stderr so far (route errors are logged there). */
  stderr(): string;
  /** Stops the server (a process: SIGTERM, then SIGKILL after 5 s); resolves once it stopped. */
  stop(): Promise<void>;
}

const DIGEST_BIN = fileURLToPath(new URL("../../bin/digest.js", import.meta.url));
const ROOT = fileURLToPath(new URL("../..", import.meta.url));

/** The in-process servers' stderr sinks; console.error/warn go to them while any is running. */
const consoleSinks = new Set<(line: string) => void>();
let consoleBefore: Pick<Console, "error" | "warn"> | null = null;

/**
 * Sends what the code under test writes with console.error/warn (the routes log failures there, as
 * the api Lambda does to CloudWatch) to `sink` until the returned function is called: what a
 * `digest serve` process would write to its stderr.
 */
function captureConsole(sink: (line: string) => void): () => void {
  if (consoleSinks.size === 0) {
    consoleBefore = { error: console.error, warn: console.warn };
    const toSinks = (...args: unknown[]) => {
      const line = formatWithOptions({ colors: false }, ...args);
      for (const write of consoleSinks) write(line);
    };
    console.error = toSinks;
    console.warn = toSinks;
  }
  consoleSinks.add(sink);
  return () => {
    consoleSinks.delete(sink);
    if (consoleSinks.size === 0 && consoleBefore) {
      Object.assign(console, consoleBefore);
      consoleBefore = null;
    }
  };
}

/**
 * Starts what `digest serve --port 0` runs (startApiServer) in this process, on the stack's dynalite
 * and SES endpoint with the stack's environment (same DIGEST_HOME and outbox as stack.digest): the
 * same routes, stores and mailer as the command, without a process start (seconds each, on 2 cores).
 * Its stderr() holds what the process would have written there (route errors, console.error/warn).
 * The command itself, as a process, is what startServeProcess runs (test/api/public-journey.test.ts).
 */
export async function startServe(stack: TestStack, extraEnv: NodeJS.ProcessEnv = {}): Promise<Serve> {
  const env = { DIGEST_ADMIN_TOKEN: TEST_ADMIN_TOKEN, ...stack.env, ...extraEnv };
  let stdout = "";
  let stderr = "";
  const out = (line: string) => {
    stdout += `${line}\n`;
  };
  const err = (line: string) => {
    stderr += `${line}\n`;
  };
  const rt = await openRuntime({ env });
  const releaseConsole = captureConsole(err);
  try {
    const server = await startApiServer(rt, { out, err, interactive: false }, 0, env);
    let stopped = false;
    return {
      url: server.url,
      stdout: () => stdout,
      stderr: () => stderr,
      async stop() {
        if (stopped) return;
        stopped = true;
        await server.close();
        await rt.close();
        releaseConsole();
      },
    };
  } catch (error) {
    releaseConsole();
    await rt.close();
    throw error;
  }
}

/**
 * Starts `digest serve --port 0` as a child process on the stack's dynalite and SES endpoint (same
 * DIGEST_HOME and outbox as stack.digest), and resolves once its first stdout line
 * `listening on http://127.0.0.1:<port>` arrived.
 */
export async function startServeProcess(stack: TestStack, extraEnv: NodeJS.ProcessEnv = {}): Promise<Serve> {
  const child: ChildProcess = spawn(process.execPath, [DIGEST_BIN, "serve", "--port", "0"], {
    cwd: ROOT,
    env: { DIGEST_ADMIN_TOKEN: TEST_ADMIN_TOKEN, ...stack.env, ...extraEnv },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stderr = "";
  child.stderr?.setEncoding("utf8").on("data", (chunk: string) => {
    stderr += chunk;
  });
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  let stdout = "";
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => fail(new Error(`digest serve did not start in 50 s\n${stderr}`)), 50_000);
    const fail = (err: Error) => {
      clearTimeout(timer);
      child.kill("SIGKILL");
      reject(err);
    };
    child.stdout?.setEncoding("utf8").on("data", (chunk: string) => {
      stdout += chunk;
      const line = /^listening on (http:\/\/127\.0\.0\.1:\d+)\r?\n/.exec(stdout);
      if (line) {
        clearTimeout(timer);
        resolve(line[1] as string);
      } else if (stdout.includes("\n")) {
        fail(new Error(`unexpected first line from digest serve: ${stdout}`));
      }
    });
    child.once("exit", (code) =>
      fail(new Error(`digest serve exited with ${code} before listening\n${stderr}`)),
    );
  });
  return {
    url,
    stdout: () => stdout,
    stderr: () => stderr,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const force = setTimeout(() => child.kill("SIGKILL"), 5_000);
      child.kill("SIGTERM");
      await exited;
      clearTimeout(force);
    },
  };
}

/** An answer from `digest serve`: status, headers, the body as text and as JSON (null when it is not JSON). */
export interface ServeAnswer {
  status: number;
  headers: Headers;
  text: string;
  // biome-ignore lint/suspicious/noExplicitAny: tests check answers field by field
  json: any;
}

/**
 * Sends `method path` to `serve` with the test admin token and returns the answer. `auth` replaces the
 * authorization header (null sends none); `json` goes as an application/json body, else `body` as given
 * with content type `type` when that is set.
 */
export async function adminRequest(
  serve: Serve,
  method: string,
  path: string,
  opts: { json?: unknown; body?: string | Uint8Array; type?: string; auth?: string | null } = {},
): Promise<ServeAnswer> {
  const headers: Record<string, string> = {};
  const auth = opts.auth === undefined ? `Bearer ${TEST_ADMIN_TOKEN}` : opts.auth;
  if (auth !== null) headers.authorization = auth;
  let body = opts.body;
  if (opts.json !== undefined) {
    body = JSON.stringify(opts.json);
    headers["content-type"] = "application/json";
  }
  if (opts.type) headers["content-type"] = opts.type;
  const res = await fetch(`${serve.url}${path}`, { method, headers, body });
  const text = await res.text();
  let json: unknown = null;
  try {
    json = JSON.parse(text);
  } catch {}
  return { status: res.status, headers: res.headers, text, json };
}

/**
 * Hooks the surrounding suite to a test stack with `config` and `digest serve` on it: before its tests
 * the stack starts, `seed` (when given) runs on it, the server starts and `use` receives both; after
 * its tests both stop.
 */
export function serveForSuite(
  config: NodeJS.ProcessEnv,
  use: (started: { stack: TestStack; serve: Serve }) => void,
  seed?: (stack: TestStack) => Promise<void>,
): void {
  let stack: TestStack | undefined;
  let serve: Serve | undefined;
  beforeAll(async () => {
    stack = await startTestStack({}, config);
    await seed?.(stack);
    serve = await startServe(stack);
    use({ stack, serve });
  });
  afterAll(async () => {
    await serve?.stop();
    await stack?.close();
  });
}

import { type ChildProcess, spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import type { TestStack } from "./services.js";

/** The admin token `digest serve` is started with (override with extraEnv.DIGEST_ADMIN_TOKEN). */
export const TEST_ADMIN_TOKEN = "test-admin-token-0123456789abcdef";

export interface Serve {
  /** e.g. http://127.0.0.1:49152 */
  url: string;
  /** What the server wrote to stderr so far (route errors are logged there). */
  stderr(): string;
  /** Stops the server (SIGTERM, then SIGKILL after 5 s); resolves once it exited. */
  stop(): Promise<void>;
}

const DIGEST_BIN = fileURLToPath(new URL("../../bin/digest.js", import.meta.url));
const ROOT = fileURLToPath(new URL("../..", import.meta.url));

/**
 * Starts `digest serve --port 0` as a child process on the stack's dynalite and SES endpoint (same
 * DIGEST_HOME and outbox as stack.digest), and resolves once its first stdout line
 * `listening on http://127.0.0.1:<port>` arrived.
 */
export async function startServe(stack: TestStack, extraEnv: NodeJS.ProcessEnv = {}): Promise<Serve> {
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
  const url = await new Promise<string>((resolve, reject) => {
    let stdout = "";
    const timer = setTimeout(() => fail(new Error(`digest serve did not start in 20 s\n${stderr}`)), 20_000);
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

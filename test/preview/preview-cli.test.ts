/**
 * `digest preview` as a command: the contract of design.md (127.0.0.1, first stdout line
 * `listening on http://127.0.0.1:<port>`, `--port 0` picks a free port, usage errors exit 2), run as a
 * child process on embedded services.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { request } from "node:http";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestStack, story, type TestStack, writeStories } from "../helpers/services.js";

const DIGEST_BIN = fileURLToPath(new URL("../../bin/digest.js", import.meta.url));
const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const DAY = "2031-05-07";
let stack: TestStack;

beforeAll(async () => {
  stack = await startTestStack();
  const file = await writeStories(stack, "day.ndjson", [story(DAY, 1), story(DAY, 2)]);
  expect((await stack.digest(["stories", "import", file])).code).toBe(0);
}, 60_000);

afterAll(async () => {
  await stack?.close();
});

/** Starts `digest preview …`; resolves with its first stdout line (or rejects when it exits first). */
function startPreview(
  args: string[],
): Promise<{ child: ChildProcess; firstLine: string; stderr: () => string }> {
  const child = spawn(process.execPath, [DIGEST_BIN, "preview", ...args], {
    cwd: ROOT,
    env: stack.env,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stderr = "";
  child.stderr?.setEncoding("utf8").on("data", (chunk: string) => {
    stderr += chunk;
  });
  return new Promise((resolve, reject) => {
    let stdout = "";
    child.stdout?.setEncoding("utf8").on("data", (chunk: string) => {
      stdout += chunk;
      const end = stdout.indexOf("\n");
      if (end >= 0) resolve({ child, firstLine: stdout.slice(0, end), stderr: () => stderr });
    });
    child.once("exit", (code) => reject(new Error(`digest preview exited with ${code}\n${stderr}`)));
  });
}

/** GET with a Host header of our choosing (fetch does not let one set it). */
function statusWithHost(url: string, host: string): Promise<number | undefined> {
  return new Promise((resolve, reject) => {
    const req = request(url, { headers: { host } }, (res) => {
      res.resume();
      resolve(res.statusCode);
    });
    req.once("error", reject);
    req.end();
  });
}

function exitCode(args: string[]): Promise<{ code: number | null; stderr: string }> {
  const child = spawn(process.execPath, [DIGEST_BIN, "preview", ...args], { cwd: ROOT, env: stack.env });
  let stderr = "";
  child.stderr.setEncoding("utf8").on("data", (chunk: string) => {
    stderr += chunk;
  });
  return new Promise((resolve) => child.once("exit", (code) => resolve({ code, stderr })));
}

describe("digest preview (command)", () => {
  it("listens on 127.0.0.1, says so on its first line, and serves the day's edition", async () => {
    const { child, firstLine } = await startPreview(["--date", DAY, "--port", "0"]);
    try {
      const match = /^listening on (http:\/\/127\.0\.0\.1:(\d+))$/.exec(firstLine);
      expect(match).not.toBeNull();
      expect(Number(match?.[2])).toBeGreaterThan(0);
      const page = await fetch(`${match?.[1]}/`);
      expect(page.status).toBe(200);
      expect(await page.text()).toContain(`Preview of the ${DAY} edition`);
      const email = await fetch(`${match?.[1]}/email.html`);
      expect(email.headers.get("content-type")).toBe("text/html; charset=utf-8");
      expect(await email.text()).toContain("Story number 1 of the day");
      // Another host name (DNS rebinding) is refused.
      expect(await statusWithHost(`${match?.[1]}/`, "attacker.example")).toBe(421);
      expect(await statusWithHost(`${match?.[1]}/`, `localhost:${match?.[2]}`)).toBe(200);
    } finally {
      child.kill("SIGTERM");
      await new Promise((r) => child.once("exit", r));
    }
  }, 60_000);

  it.each([
    [["--port", "http"], '--port expects 0–65535, got "http"'],
    [["--date", "27-11-2031"], '--date expects a date as YYYY-MM-DD, got "27-11-2031"'],
    [["--colour", "x"], "Unknown option '--colour'"],
  ])(
    "exits 2 on a usage error (%j)",
    async (args, message) => {
      const { code, stderr } = await exitCode(args);
      expect(code).toBe(2);
      expect(stderr).toContain(message);
    },
    60_000,
  );
});

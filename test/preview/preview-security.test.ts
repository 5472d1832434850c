import { mkdtemp, rm } from "node:fs/promises";
import { request } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { subscribePage } from "../../functions/core/http/pages/subscribe.js";
import { parseConfig } from "../../functions/core/kernel/config.js";
import { digestSourcePath } from "../../functions/local/build-templates.js";
import { type PreviewServer, startPreviewServer } from "../../functions/local/preview/server.js";
import { openRuntime, type Runtime } from "../../functions/local/runtime.js";
import { startTestStack, story, type TestStack, writeStories } from "../helpers/services.js";

/** `digest preview`'s HTTP side without a browser: who may send a test, who may frame the page. */

const DAY = "2031-05-06";
let stack: TestStack;
let rt: Runtime;
let templatesDir: string;
let server: PreviewServer;
let port: number;

beforeAll(async () => {
  stack = await startTestStack();
  const file = await writeStories(stack, "day.ndjson", [story(DAY, 1), story(DAY, 2)]);
  expect((await stack.digest(["stories", "import", file])).code).toBe(0);
  templatesDir = await mkdtemp(join(tmpdir(), "digest-templates-"));
  const { copyFile } = await import("node:fs/promises");
  await copyFile(digestSourcePath, join(templatesDir, "digest.mjml"));
  rt = await openRuntime({ env: stack.env });
  server = await startPreviewServer({ deps: await rt.deps(), day: DAY, templatesDir, port: 0 });
  port = Number(new URL(server.url).port);
}, 60_000);

afterAll(async () => {
  await server?.close();
  await rt?.close();
  await stack?.close();
  if (templatesDir) await rm(templatesDir, { recursive: true, force: true });
});

/** A request as a browser at `host` would make it (fetch cannot set Host or Origin). */
function browserRequest(
  method: string,
  path: string,
  headers: Record<string, string>,
  body = "",
): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: "127.0.0.1",
        port,
        method,
        path,
        headers: { ...headers, "content-length": Buffer.byteLength(body) },
      },
      (res) => {
        let text = "";
        res.setEncoding("utf8").on("data", (c: string) => {
          text += c;
        });
        res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text }));
      },
    );
    req.on("error", reject);
    req.end(body);
  });
}

const form = "application/x-www-form-urlencoded";

describe("preview: send a test", () => {
  it("accepts the form from the preview itself, at localhost or 127.0.0.1", async () => {
    for (const [host, origin, to] of [
      [`localhost:${port}`, `http://localhost:${port}`, "via-localhost@example.com"],
      [`127.0.0.1:${port}`, `http://127.0.0.1:${port}`, "via-ip@example.com"],
    ] as const) {
      const before = stack.ses.messages.length;
      const res = await browserRequest(
        "POST",
        "/send-test",
        { host, origin, "content-type": form },
        `to=${to}`,
      );
      expect(res.status, origin).toBe(303);
      expect(res.headers.location).toBe(`/?sent=${encodeURIComponent(to)}`);
      expect(stack.ses.messages.length).toBe(before + 1);
    }
  });

  it("refuses a form from any other origin, sending nothing", async () => {
    const before = stack.ses.messages.length;
    for (const origin of [
      "http://evil.example",
      `http://localhost:${port + 1}`,
      `https://localhost:${port}`,
      `http://127.0.0.1.evil.example:${port}`,
      "null",
    ]) {
      const res = await browserRequest(
        "POST",
        "/send-test",
        { host: `localhost:${port}`, origin, "content-type": form },
        "to=victim@example.com",
      );
      expect(res.status, origin).toBe(403);
    }
    expect(stack.ses.messages.length).toBe(before);
  });
});

describe("framing", () => {
  it("the preview page cannot be framed; the email it frames only by the preview itself", async () => {
    const page = await fetch(`${server.url}/`);
    expect(page.status).toBe(200);
    expect(page.headers.get("content-security-policy")).toContain("frame-ancestors 'none'");
    expect(page.headers.get("x-frame-options")).toBe("DENY");
    const email = await fetch(`${server.url}/email.html`);
    expect(email.headers.get("content-security-policy")).toContain("frame-ancestors 'self'");
    expect(email.headers.get("x-frame-options")).toBe("SAMEORIGIN");
  });

  it("the public pages cannot be framed either", () => {
    const res = subscribePage(parseConfig({}, {}));
    expect(res.headers["content-security-policy"]).toContain("frame-ancestors 'none'");
    expect(res.headers["x-frame-options"]).toBe("DENY");
  });
});

import { request } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Serve, startServe, TEST_ADMIN_TOKEN } from "../helpers/serve.js";
import { startTestStack, type TestStack } from "../helpers/services.js";

/** `digest serve` reads a body only up to the limit of the route it is for (1 MB unless an import). */

let stack: TestStack;
let serve: Serve;

beforeAll(async () => {
  stack = await startTestStack();
  serve = await startServe(stack);
}, 60_000);
afterAll(async () => {
  await serve?.stop();
  await stack?.close();
});

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/**
 * POSTs to `path`, writing `send` bytes of `x` (with a Content-Length of `declared` when given, else
 * chunked) and resolving with the first answer, whether or not the server read everything.
 */
function postBytes(
  path: string,
  send: number,
  opts: { declared?: number; type?: string; auth?: boolean } = {},
): Promise<Answer> {
  const url = new URL(path, serve.url);
  return new Promise((resolve, reject) => {
    const headers: Record<string, string | number> = { "content-type": opts.type ?? "application/json" };
    if (opts.declared !== undefined) headers["content-length"] = opts.declared;
    if (opts.auth) headers.authorization = `Bearer ${TEST_ADMIN_TOKEN}`;
    const req = request(url, { method: "POST", headers }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (c: string) => {
        body += c;
      });
      res.on("end", () => {
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body });
        req.destroy();
      });
      res.on("error", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    let answered = false;
    req.on("response", () => {
      answered = true;
    });
    // The server may close the connection while we are still sending: that is the point.
    req.on("error", (err) => {
      if (!answered) reject(err);
    });
    const chunk = Buffer.alloc(64 * 1024, "x");
    let written = 0;
    const pump = () => {
      while (written < send && !answered && !req.destroyed) {
        const n = Math.min(chunk.length, send - written);
        written += n;
        if (!req.write(chunk.subarray(0, n))) {
          req.once("drain", pump);
          return;
        }
      }
      // With a declared length larger than what was sent, the body stays incomplete on purpose.
      if (opts.declared === undefined || opts.declared === send) req.end();
    };
    pump();
  });
}

describe("request body limits", () => {
  it("answers 413 at once from the declared length, without waiting for the body", async () => {
    // 10 MB announced, 1 KB sent and the request left open: only an early answer ends this.
    const early = await postBytes("/subscribe", 1024, { declared: 10 * 1024 * 1024 });
    expect(early.status).toBe(413);
    const admin = await postBytes("/admin/subscribers", 1024, { declared: 10 * 1024 * 1024, auth: true });
    expect(admin.status).toBe(413);
    expect(JSON.parse(admin.body)).toEqual({ error: "the body is larger than 1048576 bytes" });
  });

  it("stops reading a chunked body at the route's limit", async () => {
    const res = await postBytes("/subscribe", 3 * 1024 * 1024);
    expect(res.status).toBe(413);
    expect(res.body).toContain("larger than 1048576 bytes");
  });

  it("lets an import route read its own, larger limit", async () => {
    // 2 MB of CSV rows (no valid address among them): read and answered by the import, not refused.
    const csv = await postBytes("/admin/subscribers/import", 2 * 1024 * 1024, {
      type: "text/csv",
      auth: true,
    });
    expect(csv.status).not.toBe(413);
    // Still one server: small requests go on working after the refused ones.
    const ok = await fetch(`${serve.url}/subscribe`);
    expect(ok.status).toBe(200);
  });
});

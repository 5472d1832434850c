import { mkdir, mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import type { HttpRequest } from "../../functions/core/http/types.js";
import { serveConsole } from "../../functions/local/console-assets.js";
import { removeAfterFile } from "../helpers/scratch.js";

/** How `digest serve` answers below /console/, over a stand-in build (no Vite needed here). */

const API = "http://127.0.0.1:8787";
let dist: string;

const get = (path: string, method = "GET"): HttpRequest => ({
  method,
  path,
  query: {},
  headers: {},
  body: "",
  sourceIp: "127.0.0.1",
});

beforeAll(async () => {
  const dir = removeAfterFile(await mkdtemp(join(tmpdir(), "console-assets-")));
  dist = join(dir, "dist");
  await mkdir(join(dist, "assets"), { recursive: true });
  await writeFile(join(dist, "index.html"), "<!doctype html><title>console</title>");
  await writeFile(join(dist, "assets", "index-abc.js"), "console.log(1)");
  await writeFile(join(dist, "assets", "index-abc.css"), "body{}");
  await writeFile(join(dir, "secret.txt"), "not for the browser");
});

describe("serveConsole", () => {
  it("serves the built files with their types, a strict CSP, and hashed assets cached for good", async () => {
    const js = await serveConsole(get("/console/assets/index-abc.js"), API, dist);
    expect(js?.status).toBe(200);
    expect(js?.headers["content-type"]).toBe("text/javascript; charset=utf-8");
    expect(js?.headers["cache-control"]).toBe("public, max-age=31536000, immutable");
    expect(js?.body).toBe("console.log(1)");
    const css = await serveConsole(get("/console/assets/index-abc.css"), API, dist);
    expect(css?.headers["content-type"]).toBe("text/css; charset=utf-8");
    const index = await serveConsole(get("/console/"), API, dist);
    expect(index?.headers["content-type"]).toBe("text/html; charset=utf-8");
    expect(index?.headers["cache-control"]).toBe("no-cache");
    const csp = index?.headers["content-security-policy"] ?? "";
    expect(csp.split("; ")).toEqual(
      expect.arrayContaining([
        "default-src 'self'",
        "script-src 'self'",
        "connect-src 'self'",
        "frame-ancestors 'none'",
      ]),
    );
  });

  it("answers index.html for unknown paths below /console/, 404 for a missing asset", async () => {
    for (const path of [
      "/console/subscribers",
      "/console/a/b/c",
      "/console/../secret.txt",
      "/console/..%2fsecret.txt",
    ]) {
      const res = await serveConsole(get(path), API, dist);
      expect(res?.status, path).toBe(200);
      expect(res?.body, path).toBe("<!doctype html><title>console</title>");
    }
    expect((await serveConsole(get("/console/assets/old-123.js"), API, dist))?.status).toBe(404);
  });

  it("serves config.json with the API base and local sign-in", async () => {
    const res = await serveConsole(get("/console/config.json"), API, dist);
    expect(res?.headers["content-type"]).toBe("application/json; charset=utf-8");
    expect(JSON.parse(res?.body ?? "")).toEqual({ api: API, auth: { kind: "local" } });
  });

  it("leaves other paths to the API; redirects /console; GET only; says when it is not built", async () => {
    expect(await serveConsole(get("/admin/subscribers"), API, dist)).toBeNull();
    expect(await serveConsole(get("/consoles"), API, dist)).toBeNull();
    const bare = await serveConsole(get("/console"), API, dist);
    expect(bare?.status).toBe(308);
    expect(bare?.headers.location).toBe("/console/");
    expect((await serveConsole(get("/console/", "POST"), API, dist))?.status).toBe(405);
    const missing = await serveConsole(get("/console/"), API, join(dist, "nowhere"));
    expect(missing?.status).toBe(503);
    expect(missing?.body).toMatch(/npm run build:console/);
  });
});

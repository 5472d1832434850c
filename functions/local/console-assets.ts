import { readFile } from "node:fs/promises";
import { extname, join, normalize, sep } from "node:path";
import { consoleCsp } from "../core/http/console-csp.js";
import type { HttpHandler } from "../core/http/router.js";
import type { HttpRequest, HttpResponse } from "../core/http/types.js";
import { projectRoot } from "./build-templates.js";

/**
 * The admin console (console/, built by `npm run build:console` into console/dist) as `digest serve`
 * serves it: the built files under /console/, index.html for any other path below it (the console
 * routes in the URL's fragment, but a reload of a deep link must still land on the app), and
 * /console/config.json telling it where the API is and how people sign in (locally: the one-time link).
 */

export const CONSOLE_PREFIX = "/console/";
/** Where `npm run build:console` writes the console. */
export const consoleDistDir = join(projectRoot, "console", "dist");

/** The console's Content-Security-Policy (core/http/console-csp.ts, the deployed console's too). */
export const CONSOLE_CSP = consoleCsp();

const CONTENT_TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".json": "application/json; charset=utf-8",
  ".svg": "image/svg+xml",
  ".map": "application/json; charset=utf-8",
  ".txt": "text/plain; charset=utf-8",
};

const securityHeaders = {
  "content-security-policy": CONSOLE_CSP,
  "x-content-type-options": "nosniff",
  "referrer-policy": "no-referrer",
  "x-frame-options": "DENY",
};

function answer(status: number, type: string, body: string, cache: string): HttpResponse {
  return { status, headers: { "content-type": type, "cache-control": cache, ...securityHeaders }, body };
}

/** What the console reads first: the API's base URL and the local sign-in kind. */
export function localConsoleConfig(apiBase: string): { api: string; auth: { kind: "local" } } {
  return { api: apiBase, auth: { kind: "local" } };
}

/**
 * Serves the console for GET/HEAD requests below /console/ (and /console itself, redirected); returns
 * null for every other request. `apiBase` is this server's URL; `dist` the built console.
 */
export async function serveConsole(
  req: HttpRequest,
  apiBase: string,
  dist = consoleDistDir,
): Promise<HttpResponse | null> {
  if (req.path === "/console") {
    return { status: 308, headers: { location: CONSOLE_PREFIX, ...securityHeaders }, body: "" };
  }
  if (!req.path.startsWith(CONSOLE_PREFIX)) return null;
  if (req.method !== "GET" && req.method !== "HEAD") {
    return { status: 405, headers: { allow: "GET, HEAD", "content-type": "text/plain" }, body: "GET only" };
  }
  const rel = req.path.slice(CONSOLE_PREFIX.length);
  if (rel === "config.json") {
    return answer(
      200,
      CONTENT_TYPES[".json"] as string,
      JSON.stringify(localConsoleConfig(apiBase)),
      "no-store",
    );
  }
  // A path that leaves dist (../) is no file of the console: it gets index.html like any unknown path.
  const file = normalize(join(dist, rel));
  const inside = file.startsWith(dist + sep) && rel !== "";
  const type = CONTENT_TYPES[extname(file)];
  if (inside && type) {
    try {
      const body = await readFile(file, "utf8");
      // Vite names the built assets by their content hash: they never change under one name.
      const cache = rel.startsWith("assets/") ? "public, max-age=31536000, immutable" : "no-cache";
      return answer(200, type, body, cache);
    } catch (err) {
      if (
        (err as NodeJS.ErrnoException).code !== "ENOENT" &&
        (err as NodeJS.ErrnoException).code !== "EISDIR"
      )
        throw err;
    }
  }
  // A missing asset is a 404 (a stale page asking for an old bundle must not get HTML as script).
  if (rel.startsWith("assets/")) return answer(404, "text/plain; charset=utf-8", "not found", "no-store");
  try {
    return answer(
      200,
      CONTENT_TYPES[".html"] as string,
      await readFile(join(dist, "index.html"), "utf8"),
      "no-cache",
    );
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw err;
    return answer(
      503,
      "text/plain; charset=utf-8",
      "the admin console is not built: run npm run build:console",
      "no-store",
    );
  }
}

/** `api` with the console in front of it: requests below /console/ never reach the API's routes. */
export function withConsole(api: HttpHandler, apiBase: () => string, dist = consoleDistDir): HttpHandler {
  const handle = async (req: HttpRequest) => (await serveConsole(req, apiBase(), dist)) ?? api(req);
  return Object.assign(handle, { bodyLimit: api.bodyLimit, tooLarge: api.tooLarge });
}

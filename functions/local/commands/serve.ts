import { randomBytes } from "node:crypto";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { callerAuth } from "../../core/http/admin-auth.js";
import { storyImportRoutes } from "../../core/http/admin-story-import-routes.js";
import type { HttpHandler } from "../../core/http/router.js";
import { apiFunctionRoutes, createApi } from "../../core/http/routes.js";
import { mintSignInCode } from "../../core/team/team-admin.js";
import { type Io, parseFlags, UsageError } from "../cli-support.js";
import { withConsole } from "../console-assets.js";
import { localFeedAdmin } from "../feed-access.js";
import { delegatingHandler, simpleHandler, startHttpServer } from "../http-server.js";
import type { Runtime } from "../runtime.js";

/** The local admin token: DIGEST_ADMIN_TOKEN, else one generated once into the data directory. */
export async function localAdminToken(
  home: string,
  env: NodeJS.ProcessEnv,
): Promise<{ token: string; from: string }> {
  if (env.DIGEST_ADMIN_TOKEN) return { token: env.DIGEST_ADMIN_TOKEN, from: "DIGEST_ADMIN_TOKEN" };
  const file = join(home, "admin-token");
  try {
    return { token: (await readFile(file, "utf8")).trim(), from: file };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw err;
  }
  await mkdir(home, { recursive: true });
  const token = randomBytes(24).toString("base64url");
  try {
    await writeFile(file, `${token}\n`, { flag: "wx", mode: 0o600 });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
    return { token: (await readFile(file, "utf8")).trim(), from: file };
  }
  return { token, from: file };
}

function parsePort(value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new UsageError(`--port expects 0–65535, got "${value}"`);
  return port;
}

/** A running `digest serve`: where it listens, and how to stop it. */
export interface ApiServer {
  url: string;
  /** The one-time sign-in link of the local owner (printed as `admin console: <link>`). */
  consoleLink: string;
  close(): Promise<void>;
}

/**
 * The HTTP API (public pages and admin routes) and the admin console (/console/) on 127.0.0.1:`port` (0 picks one) with the same routes
 * the api Lambda serves, over the runtime's stores and mailer; resolves once it answers. What
 * `digest serve` runs, and what tests start in-process.
 */
export async function startApiServer(
  rt: Runtime,
  io: Io,
  port: number,
  env: NodeJS.ProcessEnv,
): Promise<ApiServer> {
  let handle: HttpHandler = simpleHandler(async () => ({ status: 503, headers: {}, body: "starting" }));
  const server = await startHttpServer(
    delegatingHandler(() => handle),
    { port },
  );
  let admin: { token: string; from: string };
  let consoleLink: string;
  try {
    // Links in pages and emails point at this server unless a public base URL is configured.
    if (!rt.publicBaseUrlConfigured) rt.config.publicBaseUrl = server.url;
    admin = await localAdminToken(rt.home, env);
    const context = await rt.apiContext();
    context.feeds = localFeedAdmin(rt);
    context.feedStore = context.feeds.store;
    // A new one-time code each start (15 minutes): the console exchanges it for a 12-hour session.
    consoleLink = `${server.url}/console/#signin=${await mintSignInCode(rt.team(), context.clock())}`;
    // Every route in one process: what deployed is the api function and the story-import function.
    // The admin console (console/dist) under /console/, in front of the API it calls.
    handle = withConsole(
      createApi(
        [...apiFunctionRoutes, ...storyImportRoutes],
        context,
        callerAuth({ adminToken: admin.token, team: context.team, clock: context.clock }),
        (err, req) => io.err(`${req.method} ${req.path}: ${(err as Error).stack ?? err}`),
      ),
      () => server.url,
    );
  } catch (err) {
    await server.close();
    throw err;
  }
  io.out(`listening on ${server.url}`);
  io.out(`admin console: ${consoleLink}`);
  io.err(`admin API: Authorization: Bearer <token from ${admin.from}>; links use ${rt.config.publicBaseUrl}`);
  return { url: server.url, consoleLink, close: () => server.close() };
}

/**
 * `digest serve [--port P]`: the HTTP API (startApiServer) until SIGINT/SIGTERM.
 */
export async function serveCommand(
  rt: Runtime,
  io: Io,
  args: string[],
  env: NodeJS.ProcessEnv,
): Promise<number> {
  const { values, positionals } = parseFlags(args, { port: { type: "string" } });
  if (positionals.length > 0) throw new UsageError(`unexpected argument ${positionals[0]}`);
  const server = await startApiServer(rt, io, parsePort(values.port, 8787), env);
  await new Promise<void>((resolve) => {
    const stop = () => resolve();
    process.once("SIGINT", stop);
    process.once("SIGTERM", stop);
  });
  await server.close();
  return 0;
}

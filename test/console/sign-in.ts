import type { BrowserContext } from "playwright-core";
import { type Serve, TEST_ADMIN_TOKEN } from "../helpers/serve.js";

/**
 * How the console tests sign in: the one place to change. Until the one-time `admin console:` link of
 * `digest serve` exists (POST /admin/session), the test puts the local admin token where the console
 * keeps its session token (sessionStorage), as the link's exchange would; the console then sends it as
 * its bearer token like any session.
 * TODO(merge): open the printed `admin console: …/console/#signin=<code>` link instead.
 */
export async function signIn(context: BrowserContext, _serve: Serve): Promise<void> {
  await context.addInitScript((token: string) => {
    // biome-ignore lint/suspicious/noExplicitAny: runs in the page, where sessionStorage exists
    (globalThis as any).sessionStorage.setItem("digest-console-token", token);
  }, TEST_ADMIN_TOKEN);
}

/** The console's address on `serve`, at route `route` (e.g. "subscribers"). */
export function consoleUrl(serve: Serve, route = ""): string {
  return `${serve.url}/console/#/${route}`;
}

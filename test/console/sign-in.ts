import type { BrowserContext, Page } from "playwright-core";
import type { Serve } from "../helpers/serve.js";

/**
 * How the console tests sign in, the way a person does. `digest serve` prints
 * `admin console: <url>/console/#signin=<code>`: the first sign-in on a server opens that link (the
 * console trades the one-time code for a session token, POST /admin/session). The code is then spent,
 * so later browsers (each test has its own context) sign in as a person at a second browser does:
 * they paste that session's token into the console's "API token" form.
 */

/** Where the console keeps its session token (console/src/api.ts). */
const TOKEN_KEY = "digest-console-token";

/** The session token each server's printed link gave (the link itself works once). */
const sessions = new WeakMap<Serve, string>();

/** The one-time sign-in link `serve` printed on its stdout (`admin console: <link>`). */
export function printedConsoleLink(serve: Serve): string {
  const link = /^admin console: (\S+)$/m.exec(serve.stdout())?.[1];
  if (!link) throw new Error(`digest serve printed no "admin console:" line:\n${serve.stdout()}`);
  return link;
}

/** The console's session token in `page` (sessionStorage, one per tab). */
export function sessionTokenIn(page: Page): Promise<string | null> {
  return page.evaluate(
    (key) =>
      (
        globalThis as never as { sessionStorage: { getItem(k: string): string | null } }
      ).sessionStorage.getItem(key),
    TOKEN_KEY,
  );
}

/**
 * A new tab in `context`, signed in to `serve`'s console as the local owner: through the printed
 * link the first time, else with the session token that link gave (see above).
 */
export async function signIn(context: BrowserContext, serve: Serve): Promise<Page> {
  const page = await context.newPage();
  const token = sessions.get(serve);
  if (token) {
    await signInWithToken(page, serve, token);
    return page;
  }
  await page.goto(printedConsoleLink(serve));
  await page.getByRole("navigation", { name: "Console" }).waitFor();
  const session = await sessionTokenIn(page);
  if (!session) throw new Error("the console kept no session token after opening the sign-in link");
  sessions.set(serve, session);
  return page;
}

/** Signs `page` in with an API token typed into the console's sign-in form ("API token", "Use token"). */
export async function signInWithToken(page: Page, serve: Serve, token: string): Promise<void> {
  await page.goto(`${serve.url}/console/`);
  await page.getByLabel("API token").fill(token);
  await page.getByRole("button", { name: "Use token" }).click();
  await page.getByRole("navigation", { name: "Console" }).waitFor();
}

/** The console's address on `serve`, at route `route` (e.g. "subscribers"). */
export function consoleUrl(serve: Serve, route = ""): string {
  return `${serve.url}/console/#/${route}`;
}

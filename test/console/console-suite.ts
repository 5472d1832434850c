import { mkdir } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll } from "vitest";
import { type Serve, serveForSuite } from "../helpers/serve.js";
import type { TestStack } from "../helpers/services.js";
import { launchChromium } from "../preview/chromium.js";
import { ensureConsoleBuilt } from "./console-build.js";

/** Where the console tests' screenshots go (git-ignored). */
export const CONSOLE_SHOTS = fileURLToPath(new URL("../../test-results/console/", import.meta.url));

/**
 * A console test file's set-up: the console built, Chromium, and a test stack with `config` (seeded
 * by `seed`) served by an in-process `digest serve` (serveForSuite); `use` receives them once
 * started. All are closed after the file (the browser first: a file's own afterAll hooks, such as
 * closing its browser context, run before these).
 */
export function consoleForSuite(
  config: NodeJS.ProcessEnv,
  use: (started: { browser: Browser; stack: TestStack; serve: Serve }) => void,
  seed?: (stack: TestStack) => Promise<void>,
): void {
  let browser: Browser | undefined;
  beforeAll(async () => {
    await ensureConsoleBuilt();
    await mkdir(CONSOLE_SHOTS, { recursive: true });
    browser = await launchChromium();
  }, 240_000);
  serveForSuite(config, ({ stack, serve }) => use({ browser: browser as Browser, stack, serve }), seed);
  afterAll(async () => {
    await browser?.close();
  });
}

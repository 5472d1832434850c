/**
 * Real headless Chromium for the browser tests: Debian's chromium-headless-shell or chromium (CI
 * installs the first in .ci/run) driven by playwright-core. Never downloads a browser.
 */
import { existsSync } from "node:fs";
import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { AxeBuilder } from "@axe-core/playwright";
import { type Browser, chromium, type Locator, type Page } from "playwright-core";

/**
 * The browser the tests drive: DIGEST_CHROMIUM, else Debian's headless shell (chromium-headless-shell:
 * the same Blink as the browser, without the desktop browser around it, which takes about half the
 * CPU in these tests), else Debian's chromium.
 */
export const CHROMIUM_PATH =
  process.env.DIGEST_CHROMIUM ??
  (existsSync("/usr/bin/chromium-headless-shell") ? "/usr/bin/chromium-headless-shell" : "/usr/bin/chromium");

/** Where screenshots go (git-ignored: test-results/), unless DIGEST_SCREENSHOTS=0 turns them off. */
export const SCREENSHOT_DIR = fileURLToPath(new URL("../../test-results/screenshots/", import.meta.url));

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
}

/**
 * axe-core's serious and critical violations on the page, one line each. Legacy mode runs axe.run in
 * the page itself; the default runs axe.runPartial, then injects axe again into a blank page of its own
 * to finish, which doubled each check's time here. Legacy mode may leave frames out (cross-origin
 * ones, and srcdoc ones of a page without an origin), so a page with frames is refused: none of the
 * pages checked has any.
 */
export async function seriousAxeViolations(page: Page): Promise<string[]> {
  const frames = page.frames().length - 1;
  if (frames > 0) throw new Error(`the page has ${frames} frame(s), which axe's legacy mode may skip`);
  const result = await new AxeBuilder({ page }).setLegacyMode().analyze();
  return result.violations
    .filter((v) => v.impact === "serious" || v.impact === "critical")
    .map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(" ")).join(", ")})`);
}

/** Collects what a page logs as an error (console.error, failed loads, uncaught exceptions). */
export function collectErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on("console", (msg) => {
    if (msg.type() === "error") errors.push(`console: ${msg.text()}`);
  });
  page.on("pageerror", (err) => errors.push(`pageerror: ${err.message}`));
  return errors;
}

/**
 * A screenshot of the page (all of it) or of one element, named `name`, in SCREENSHOT_DIR, for a human to
 * look at after the run (docs/testing.md says where; the issues ask for them in the test output).
 * DIGEST_SCREENSHOTS=0 skips them when only the verdict matters: no test reads them.
 */
export async function screenshot(target: Page | Locator, name: string): Promise<void> {
  if (process.env.DIGEST_SCREENSHOTS === "0") return;
  await mkdir(SCREENSHOT_DIR, { recursive: true });
  const path = join(SCREENSHOT_DIR, `${name}.png`);
  await ("goto" in target ? target.screenshot({ path, fullPage: true }) : target.screenshot({ path }));
}

/** "rgb(29, 78, 216)" or "rgba(…, 1)" → "#1d4ed8"; null for a transparent colour. */
export function cssColorToHex(css: string): string | null {
  const m = /rgba?\((\d+),\s*(\d+),\s*(\d+)(?:,\s*([\d.]+))?\)/.exec(css);
  if (!m) throw new Error(`unexpected CSS colour ${css}`);
  if (m[4] !== undefined && Number(m[4]) === 0) return null;
  return `#${[m[1], m[2], m[3]].map((c) => Number(c).toString(16).padStart(2, "0")).join("")}`;
}

// Callbacks given to page.evaluate run in Chromium, but the project compiles without the DOM lib (the
// runtime is Node). These are the few DOM shapes those callbacks use; each test file declares the
// globals it needs with them, in its own module scope.

export interface DomNode {
  nodeType: number;
  textContent: string | null;
}

export interface DomElement extends DomNode {
  tagName: string;
  lang: string;
  scrollWidth: number;
  clientWidth: number;
  noValidate: boolean;
  childNodes: Iterable<DomNode>;
  parentElement: DomElement | null;
  getAttribute(name: string): string | null;
  removeAttribute(name: string): void;
  remove(): void;
  getClientRects(): { length: number };
  querySelector(selector: string): DomElement | null;
  querySelectorAll(selector: string): Iterable<DomElement>;
}

export interface DomDocument {
  documentElement: DomElement;
  body: DomElement;
  querySelector(selector: string): DomElement | null;
  querySelectorAll(selector: string): Iterable<DomElement>;
}

export interface DomStyle {
  color: string;
  backgroundColor: string;
  borderTopColor: string;
  fontFamily: string;
  visibility: string;
  opacity: string;
}

/**
 * `digest preview` in real headless Chromium: the server runs in-process on embedded services (dynalite
 * and the SESv2 endpoint) with sample stories, its template directory a temporary copy of templates/
 * so that the reload test can edit it.
 */

import { existsSync } from "node:fs";
import { copyFile, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { simpleParser } from "mailparser";
import type { Browser, BrowserContext, Frame, Page } from "playwright-core";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { digestSourcePath } from "../../functions/local/build-templates.js";
import { GMAIL_CLIP_BYTES } from "../../functions/local/preview/model.js";
import { type PreviewServer, startPreviewServer } from "../../functions/local/preview/server.js";
import { openRuntime, type Runtime } from "../../functions/local/runtime.js";
import { startTestStack, story, type TestStack, writeStories } from "../helpers/services.js";
import {
  collectErrors,
  type DomDocument,
  type DomElement,
  type DomStyle,
  launchChromium,
  screenshot,
  seriousAxeViolations,
} from "./chromium.js";

// Browser globals of the page.evaluate callbacks (see chromium.ts).
declare const window: { innerWidth: number };
declare const document: DomDocument;
declare function matchMedia(query: string): { matches: boolean };
declare function getComputedStyle(element: DomElement): DomStyle;

const DAY = "2031-05-06";
let stack: TestStack;
let rt: Runtime;
let templatesDir: string;
let server: PreviewServer;
let browser: Browser;
let context: BrowserContext;
let page: Page;
let errors: string[];

beforeAll(async () => {
  stack = await startTestStack({}, { DIGEST_SECTIONS: "World,Science,Culture", DIGEST_MAX_STORIES: "6" });
  const stories = Array.from({ length: 9 }, (_, i) =>
    story(DAY, i, { headline: `Headline ${i} of the day`, section: ["World", "Science", "Culture"][i % 3] }),
  );
  expect(
    (await stack.digest(["stories", "import", await writeStories(stack, "day.ndjson", stories)])).code,
  ).toBe(0);
  templatesDir = await mkdtemp(join(tmpdir(), "digest-templates-"));
  await copyFile(digestSourcePath, join(templatesDir, "digest.mjml"));
  rt = await openRuntime({ env: stack.env });
  server = await startPreviewServer({ deps: await rt.deps(), day: DAY, templatesDir, port: 0 });
  browser = await launchChromium();
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
  await rt?.close();
  await stack?.close();
  if (templatesDir) await rm(templatesDir, { recursive: true, force: true });
});

beforeEach(async () => {
  // No colour-scheme emulation (Playwright emulates "light" for every frame by default): the dark
  // frame must get prefers-color-scheme: dark from its iframe's CSS color-scheme alone.
  context = await browser.newContext({ viewport: { width: 1400, height: 1000 }, colorScheme: null });
  page = await context.newPage();
  errors = collectErrors(page);
});

afterEach(async () => {
  await context.close();
  expect(errors, "console errors").toEqual([]);
});

/** The frame inside the iframe with this id, once its document has loaded. */
async function frame(id: string): Promise<Frame> {
  const handle = await page.waitForSelector(`#${id}`);
  const f = await handle.contentFrame();
  if (!f) throw new Error(`#${id} has no frame`);
  await f.waitForLoadState("load");
  return f;
}

describe("digest preview in Chromium", () => {
  it("shows subject, preheader, size, text part and the stories the cap left out", async () => {
    await page.goto(server.url, { waitUntil: "load" });
    expect(await page.textContent("h1")).toBe(`Preview of the ${DAY} edition`);
    expect(await page.textContent("#subject")).toMatch(/^Headline \d of the day$/);
    expect(await page.textContent("#preheader")).toMatch(/^Also today: Headline \d of the day · /);

    // The readout is the byte length of exactly the HTML the frames show.
    const emailHtml = Buffer.from(await (await fetch(`${server.url}/email.html`)).arrayBuffer());
    const readout = await page.getAttribute("#html-size", "data-bytes");
    expect(Number(readout)).toBe(emailHtml.length);
    expect(await page.textContent("#html-size")).toContain(`${emailHtml.length.toLocaleString("en")} bytes`);
    expect(await page.getAttribute("#html-size", "class")).toBe(
      emailHtml.length > GMAIL_CLIP_BYTES ? "size-over" : "size-ok",
    );

    const text = (await page.textContent("#text-part")) ?? "";
    expect(text).toContain("Read more: https://news.example.org/");
    expect(text).toContain("3 more stories today: https://digest.example.com/archive/2031-05-06");
    expect(await page.locator("#left-out li").count()).toBe(3);

    const desktop = await frame("frame-desktop");
    expect(await desktop.evaluate(() => window.innerWidth)).toBe(600);
    // Six stories: the lead (an h2 of its own) and five h3s.
    expect(await desktop.locator("h2.dg-lead").count()).toBe(1);
    expect(await desktop.locator("h3").count()).toBe(5);
    await screenshot(page.locator("#frame-desktop"), "preview-desktop");
    await screenshot(page, "preview-page");

    // The page itself passes axe-core without serious findings. axe cannot run inside the sandboxed
    // frames (no scripts there), so they are taken out first; the email is checked on its own in
    // test/templates/email-quality.test.ts.
    await page.evaluate(() => {
      for (const f of document.querySelectorAll("iframe")) f.remove();
    });
    expect(await seriousAxeViolations(page)).toEqual([]);
  });

  it("has no horizontal scroll at 375 px inside the email", async () => {
    await page.goto(server.url, { waitUntil: "load" });
    const mobile = await frame("frame-mobile");
    const size = await mobile.evaluate(() => ({
      inner: window.innerWidth,
      scroll: document.documentElement.scrollWidth,
      client: document.documentElement.clientWidth,
    }));
    expect(size.inner).toBe(375);
    expect(size.scroll).toBeLessThanOrEqual(size.client);
    await screenshot(page.locator("#frame-mobile"), "preview-mobile");
  });

  it("renders the dark frame with prefers-color-scheme: dark, and only that frame", async () => {
    await page.goto(server.url, { waitUntil: "load" });
    const dark = await frame("frame-dark");
    const light = await frame("frame-desktop");
    const scheme = (f: Frame) => f.evaluate(() => matchMedia("(prefers-color-scheme: dark)").matches);
    expect(await scheme(dark)).toBe(true);
    expect(await scheme(light)).toBe(false);
    const cardBackground = (f: Frame) =>
      f.evaluate(() => getComputedStyle(document.querySelector(".dg-card") as DomElement).backgroundColor);
    expect(await cardBackground(dark)).toBe("rgb(22, 27, 34)");
    expect(await cardBackground(light)).toBe("rgb(255, 255, 255)");
    await screenshot(page.locator("#frame-dark"), "preview-dark");
  });

  it("shows one section set when chosen", async () => {
    await page.goto(server.url, { waitUntil: "load" });
    await page.check('#variant-form input[value="Science"]');
    await Promise.all([page.waitForURL(/section=Science/), page.click("#variant-form button")]);
    const desktop = await frame("frame-desktop");
    // The variant's lead (a Science story, its own h2), then the Science section.
    expect(await desktop.locator("h2").allTextContents()).toEqual([
      expect.stringMatching(/^Headline \d of the day$/),
      "Science",
    ]);
    expect(await page.isChecked('#variant-form input[value="Science"]')).toBe(true);
    expect(await page.textContent("#subject")).toMatch(/Headline \d of the day/);
  });

  it("sends a test: the real message through SES, into out/test/<email>.eml, marked [Test]", async () => {
    await page.goto(`${server.url}/?section=Culture`, { waitUntil: "load" });
    const before = stack.ses.messages.length;
    await page.fill("#test-to", "  Editor@Example.org ");
    await Promise.all([page.waitForURL(/sent=/), page.click("#test-form button")]);
    expect(await page.textContent("#send-result")).toBe("Test sent to editor@example.org.");

    const file = join(stack.dir, "out", "test", "editor@example.org.eml");
    const raw = await readFile(file);
    expect(stack.ses.messages.length).toBe(before + 1);
    expect(stack.ses.messages.at(-1)?.raw.equals(raw)).toBe(true);
    const mail = await simpleParser(raw);
    expect(mail.subject).toMatch(/^\[Test\] Headline \d of the day$/);
    expect(mail.to && "text" in mail.to ? mail.to.text : "").toBe("editor@example.org");
    // The Culture variant, as chosen on the page.
    // Culture's one story leads the variant, its section named above its headline.
    expect(mail.html).toContain(">Culture</span></p>");
    expect(mail.html).not.toContain(">World</h2>");
    expect(mail.text).toContain("Unsubscribe: https://digest.example.com/unsubscribe");
  });

  it("refuses an invalid test address and says why", async () => {
    await page.goto(server.url, { waitUntil: "load" });
    const before = stack.ses.messages.length;
    // Past the browser's own check (type=email), as a script or an old browser would post it.
    await page.evaluate(() => document.querySelector("#test-to")?.removeAttribute("required"));
    await page.fill("#test-to", "not-an-address");
    await page.evaluate(() => ((document.querySelector("#test-form") as DomElement).noValidate = true));
    await Promise.all([page.waitForURL(/send-test/), page.click("#test-form button")]);
    expect(await page.textContent("#send-result")).toBe(
      'Not sent: "not-an-address" is not a valid email address.',
    );
    expect(stack.ses.messages.length).toBe(before);
    expect(existsSync(join(stack.dir, "out", "test", "not-an-address.eml"))).toBe(false);
  });

  it("reloads when the template changes, and shows a template that does not compile", async () => {
    await page.goto(server.url, { waitUntil: "load" });
    const source = await readFile(join(templatesDir, "digest.mjml"), "utf8");
    // The chrome's words come from the message catalogue; the edit is to the template's own markup.
    expect(source).toContain("{{labels.viewInBrowser}}");
    // The page is connected to the event stream before the edit.
    await page.waitForSelector("body[data-live=connected]");

    let reload = page.waitForEvent("load");
    await writeFile(
      join(templatesDir, "digest.mjml"),
      source.replace("{{labels.viewInBrowser}}", "Read it on the web"),
    );
    await reload;
    const desktop = await frame("frame-desktop");
    expect(await desktop.textContent("body")).toContain("Read it on the web");

    reload = page.waitForEvent("load");
    await writeFile(
      join(templatesDir, "digest.mjml"),
      source.replace('<mj-column width="100%">', '<mj-column width="100%" padding="oops">'),
    );
    await reload;
    expect(await page.textContent("#template-error")).toMatch(
      /digest\.mjml: MJML validation failed:\s+line \d+: .*padding/,
    );
    // The frames keep the last version that compiled.
    expect(await (await frame("frame-desktop")).textContent("body")).toContain("Read it on the web");

    reload = page.waitForEvent("load");
    await writeFile(join(templatesDir, "digest.mjml"), source);
    await reload;
    expect(await page.locator("#template-error").count()).toBe(0);
  });
});

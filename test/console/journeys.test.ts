/**
 * The admin console in real Chromium over an in-process `digest serve` on dynalite and the SES
 * endpoint: sign in, add a subscriber (by mouse and keyboard only), import a CSV with bad rows and see
 * them by line, search and page subscribers, preview an edition in its views, axe on every page, the
 * 375 px layout. Screenshots go to test-results/console/.
 */
import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { AxeBuilder } from "@axe-core/playwright";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { composedEdition } from "../helpers/edition-setup.js";
import { adminRequest, type Serve, startServe, TEST_ADMIN_TOKEN } from "../helpers/serve.js";
import { startTestStack, story, type TestStack } from "../helpers/services.js";
import { collectErrors, type DomDocument, launchChromium } from "../preview/chromium.js";
import { ensureConsoleBuilt } from "./console-build.js";
import { consoleUrl, signIn } from "./sign-in.js";

declare function getComputedStyle(element: never): { backgroundColor: string };
declare const document: DomDocument & {
  activeElement: { textContent: string | null; tagName: string } | null;
};

const SHOTS = fileURLToPath(new URL("../../test-results/console/", import.meta.url));
const DAY = "2031-04-02";
const NAV = ["Overview", "Editions", "Stories", "Subscribers", "Feeds", "Team", "Audit log"];

let browser: Browser;
let stack: TestStack;
let serve: Serve;
let context: BrowserContext | undefined;

beforeAll(async () => {
  await ensureConsoleBuilt();
  await mkdir(SHOTS, { recursive: true });
  browser = await launchChromium();
  stack = await startTestStack({}, { DIGEST_SECTIONS: "World,Science,Culture" });
  // An edition composed (not sent) for DAY, with its readers, and 60 more to page through.
  const readers = Array.from({ length: 60 }, (_, i) => `reader-${String(i).padStart(3, "0")}@example.com`);
  const { rt } = await composedEdition(stack, DAY, ["ana@example.com", "ben@example.com", ...readers]);
  await rt.close();
  serve = await startServe(stack);
}, 180_000);

afterAll(async () => {
  await serve?.stop();
  await stack?.close();
  await browser?.close();
});

afterEach(async () => {
  await context?.close();
  context = undefined;
});

async function open(route: string, width = 1280): Promise<{ page: Page; errors: string[] }> {
  context = await browser.newContext({ viewport: { width, height: 900 } });
  await signIn(context, serve);
  const page = await context.newPage();
  const errors = collectErrors(page);
  await page.goto(consoleUrl(serve, route));
  await page.getByRole("navigation", { name: "Console" }).waitFor();
  return { page, errors };
}

const shot = (page: Page, name: string) =>
  page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });

async function seriousViolations(page: Page): Promise<string[]> {
  const result = await new AxeBuilder({ page }).analyze();
  return result.violations
    .filter((v) => v.impact === "serious" || v.impact === "critical")
    .map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(" ")).join(", ")})`);
}

/** Routes the console has, with the heading each shows. */
const PAGES: [string, string][] = [
  ["overview", "Overview"],
  ["editions", "Editions"],
  [`editions/${DAY}`, `Edition ${DAY}`],
  ["stories", "Stories"],
  ["subscribers", "Subscribers"],
  ["suppressions", "Suppressions"],
  ["feeds", "Feeds"],
  ["team", "Team"],
  ["audit", "Audit log"],
];

describe("the admin console", () => {
  it("serves its files with a strict CSP and config.json, and index.html below /console/", async () => {
    const index = await fetch(`${serve.url}/console/`);
    expect(index.status).toBe(200);
    expect(index.headers.get("content-type")).toBe("text/html; charset=utf-8");
    const csp = index.headers.get("content-security-policy") ?? "";
    expect(csp).toContain("default-src 'self'");
    expect(csp).toContain("script-src 'self';");
    expect(csp).toContain("connect-src 'self'");
    expect(csp).not.toMatch(/script-src[^;]*unsafe/);
    const html = await index.text();
    // No inline script: every script is a file.
    expect(html).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);
    const script = /src="(\/console\/assets\/[^"]+\.js)"/.exec(html)?.[1] as string;
    const js = await fetch(`${serve.url}${script}`);
    expect(js.headers.get("content-type")).toBe("text/javascript; charset=utf-8");
    expect(js.headers.get("cache-control")).toContain("immutable");
    const deep = await fetch(`${serve.url}/console/some/deep/link`);
    expect(deep.status).toBe(200);
    expect(await deep.text()).toBe(html);
    expect((await fetch(`${serve.url}/console/assets/gone-123.js`)).status).toBe(404);
    const config = await fetch(`${serve.url}/console/config.json`);
    expect(await config.json()).toEqual({ api: serve.url, auth: { kind: "local" } });
  });

  it("signs in, shows the caller's role and the navigation, with no serious axe finding on any page", async () => {
    const { page, errors } = await open("");
    const nav = page.getByRole("navigation", { name: "Console" });
    for (const name of NAV)
      await expect(nav.getByRole("link", { name, exact: true }).count()).resolves.toBe(1);
    expect(await page.locator(".who .role").textContent()).toBe("owner");
    for (const [route, heading] of PAGES) {
      await page.goto(consoleUrl(serve, route));
      await page.getByRole("heading", { level: 1, name: heading }).waitFor();
      // Wait for the page's first load to finish (a table filled, a note shown).
      await page.waitForLoadState("networkidle");
      expect(await seriousViolations(page), route).toEqual([]);
      await shot(page, `desktop-${route.replace("/", "-")}`);
    }
    // Routes this server does not have yet (team, audit, overview before the API lands) say so.
    expect(errors.filter((e) => !/404|Failed to load resource/.test(e))).toEqual([]);
  }, 240_000);

  it("trades a #signin=<code> link for a session token and drops the code from the URL", async () => {
    context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const exchanged: unknown[] = [];
    const probe = await adminRequest(serve, "POST", "/admin/session", {
      json: { code: "probe" },
      auth: null,
    });
    if (probe.status === 404) {
      // POST /admin/session comes with the team API; until then the browser answers it as the contract
      // says (a stand-in), with the admin token as the session's token.
      await context.route(/\/admin\/session$/, (route) => {
        exchanged.push(route.request().postDataJSON());
        return route.fulfill({
          status: 200,
          contentType: "application/json",
          body: JSON.stringify({
            token: TEST_ADMIN_TOKEN,
            member: { email: "owner@example.com", role: "owner" },
          }),
        });
      });
    }
    const page = await context.newPage();
    await page.goto(`${serve.url}/console/#signin=one-time-code`);
    await page.getByRole("navigation", { name: "Console" }).waitFor();
    expect(page.url()).toBe(`${serve.url}/console/#/`);
    if (probe.status === 404) expect(exchanged).toEqual([{ code: "one-time-code" }]);
    expect(
      await page.evaluate(
        () => (globalThis as never as { sessionStorage: { length: number } }).sessionStorage.length,
      ),
    ).toBe(1);
    // Without a session, the sign-in screen explains where the link comes from.
    const fresh = await context.newPage();
    await fresh.goto(`${serve.url}/console/`);
    await fresh.getByText("admin console:", { exact: true }).waitFor();
    expect(await fresh.getByLabel("API token").count()).toBe(1);
    await shot(fresh, "signed-out");
  });

  it("adds a subscriber", async () => {
    const { page } = await open("subscribers");
    await page.getByLabel("Email", { exact: true }).fill("New.Reader@Example.com");
    await page.getByLabel("Name", { exact: true }).first().fill("New Reader");
    await page.getByRole("button", { name: "Add subscriber" }).click();
    await page.getByText("Added new.reader@example.com (active).").waitFor();
    const stored = await adminRequest(serve, "GET", "/admin/subscribers/new.reader%40example.com");
    expect(stored.status).toBe(200);
    expect(stored.json).toMatchObject({
      email: "new.reader@example.com",
      name: "New Reader",
      status: "active",
    });
    // A second time: the API's answer is shown, nothing breaks.
    await page.getByLabel("Email", { exact: true }).fill("not an address");
    await page.getByRole("button", { name: "Add subscriber" }).click();
    expect(
      await page
        .getByLabel("Email", { exact: true })
        .evaluate((el) => (el as never as { validity: { valid: boolean } }).validity.valid),
    ).toBe(false);
    await shot(page, "subscriber-added");
  });

  it("imports a CSV and reports its bad rows by line", async () => {
    const { page } = await open("subscribers");
    const csv = [
      "email,name",
      "good.one@example.com,One",
      "not-an-address,Bad",
      "good.two@example.com,Two",
      ",Empty",
    ].join("\n");
    await page
      .getByLabel("CSV file")
      .setInputFiles({ name: "list.csv", mimeType: "text/csv", buffer: Buffer.from(csv) });
    await page.getByRole("button", { name: "Import", exact: true }).click();
    const problems = page.getByRole("table", { name: "Rows not imported" });
    await problems.waitFor();
    const rows = await problems
      .locator("tbody tr")
      .evaluateAll((trs) => trs.map((tr) => (tr as never as { textContent: string }).textContent));
    expect(rows).toHaveLength(2);
    expect(rows[0]).toMatch(/^3.*not-an-address/);
    expect(rows[1]).toMatch(/^5/);
    await page.getByText(/2 imported, 0 updated, \d+ skipped, 2 with errors\./).waitFor();
    expect(await page.locator("#import-progress").getAttribute("value")).toBe("100");
    expect((await adminRequest(serve, "GET", "/admin/subscribers/good.two%40example.com")).status).toBe(200);
    await shot(page, "subscriber-import");
  });

  it("searches subscribers by the start of the address and pages server-side", async () => {
    const { page } = await open("subscribers");
    const rows = page.locator("table tbody tr");
    await rows.first().waitFor();
    // 50 a page: 64 subscribers and more make at least two pages.
    expect(await rows.count()).toBe(50);
    await page.getByRole("button", { name: "Next page" }).click();
    await page.getByText("Page 2", { exact: true }).waitFor();
    await page.getByLabel("Search addresses").fill("reader-05");
    await page.getByRole("button", { name: "Search", exact: true }).click();
    await page.getByText("Page 1", { exact: true }).waitFor();
    await page.waitForLoadState("networkidle");
    const emails = await page.locator("table tbody td.mono").allTextContents();
    expect(emails.sort()).toEqual(Array.from({ length: 10 }, (_, i) => `reader-05${i}@example.com`));
    await shot(page, "subscriber-search");
  });

  it("previews an edition: desktop, mobile 375 px, dark and text", async () => {
    const { page } = await open(`editions/${DAY}`);
    await page.getByRole("heading", { level: 1, name: `Edition ${DAY}` }).waitFor();
    await page.getByRole("heading", { name: "Stories in order" }).waitFor();
    expect(await page.locator(".story-order li").allTextContents()).toEqual([
      "Science Story number 1 of the day",
    ]);
    const probe = await adminRequest(serve, "GET", `/admin/editions/${DAY}/preview?view=html`);
    if (probe.status === 404) {
      // Before GET /admin/editions/{id}/preview exists here (it comes with the editor API), the console
      // says so instead of breaking; then a stand-in answers that route in the browser (the one mock
      // here), so the view switching is still driven for real. After the merge the real route answers.
      await page.getByText("Not available on this server yet.").first().waitFor();
      await page.route(/\/admin\/editions\/[^/]+\/preview\?/, (route) => {
        const text = new URL(route.request().url()).searchParams.get("view") === "text";
        return route.fulfill({
          status: 200,
          contentType: text ? "text/plain; charset=utf-8" : "text/html; charset=utf-8",
          body: text
            ? "Story number 1 of the day\n\nhttps://news.example.org/story-1\n"
            : "<!doctype html><html><head><style>body{background:#ffffff;color:#111111}@media (prefers-color-scheme: dark){body{background:#111111;color:#eeeeee}}</style></head><body><h1>Story number 1 of the day</h1></body></html>",
        });
      });
      await page.reload();
    }
    const frame = page.locator("iframe[data-view]");
    await frame.waitFor();
    expect(await frame.getAttribute("data-view")).toBe("desktop");
    expect(await frame.getAttribute("sandbox")).not.toContain("allow-scripts");
    const inFrame = () => page.frames().find((f) => f !== page.mainFrame());
    await expect
      .poll(async () => inFrame()?.locator("h1").first().textContent())
      .toContain("Story number 1 of the day");
    await page.getByLabel("Mobile 375 px").check();
    const mobile = page.locator("iframe[data-view=mobile]");
    await mobile.waitFor();
    expect(await mobile.evaluate((el) => (el as never as { clientWidth: number }).clientWidth)).toBe(375);
    await shot(page, "edition-mobile");
    await page.getByLabel("Dark").check();
    await page.locator("iframe[data-view=dark]").waitFor();
    // The email's own dark-mode rules apply in the dark view, whatever the browser's setting.
    const bodyColour = () =>
      inFrame()?.evaluate(() => getComputedStyle(document.body as never).backgroundColor);
    const dark =
      probe.status === 404
        ? "rgb(17, 17, 17)"
        : expect.not.stringMatching(/^rgb\(255, 255, 255\)$|^rgba\(0, 0, 0, 0\)$/);
    await expect.poll(bodyColour).toEqual(dark);
    await expect.poll(async () => inFrame()?.locator("h1").first().textContent()).toContain("Story number 1");
    await shot(page, "edition-dark");
    await page.getByLabel("Text").check();
    await page.locator("pre[data-view=text]").waitFor();
    expect(await page.locator("pre[data-view=text]").textContent()).toContain("Story number 1 of the day");
    await page.getByLabel("Desktop").check();
    await expect.poll(bodyColour).toBe("rgb(255, 255, 255)");
    await shot(page, "edition-desktop");
  });

  it("adds a subscriber with the keyboard only", async () => {
    const { page } = await open("overview");
    const focused = () => page.evaluate(() => document.activeElement?.textContent?.trim() ?? "");
    const tabTo = async (want: (text: string, label: string) => boolean, what: string) => {
      for (let i = 0; i < 80; i++) {
        await page.keyboard.press("Tab");
        const label = await page.evaluate(() => {
          const el = document.activeElement as never as {
            id?: string;
            labels?: { textContent: string }[];
          } | null;
          return el?.labels?.[0]?.textContent?.trim() ?? "";
        });
        if (want(await focused(), label)) return;
      }
      throw new Error(`never reached ${what} with Tab`);
    };
    await tabTo((text) => text === "Subscribers", "the Subscribers link");
    await page.keyboard.press("Enter");
    await page.getByRole("heading", { level: 1, name: "Subscribers" }).waitFor();
    await tabTo((_t, label) => label === "Email", "the Email field");
    await page.keyboard.type("keys.only@example.com");
    await tabTo((text) => text === "Add subscriber", "the Add subscriber button");
    await page.keyboard.press("Enter");
    await page.getByText("Added keys.only@example.com (active).").waitFor();
    expect((await adminRequest(serve, "GET", "/admin/subscribers/keys.only%40example.com")).status).toBe(200);
  });

  it("shows an editor's role, hides subscriber writes, and shows the API's message when a call is refused", async () => {
    // Roles come with the team API (GET /admin/me, 403 naming the role): until it is on this server,
    // the browser answers those two calls with the contract's shapes (the only stand-ins here).
    context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    await signIn(context, serve);
    await context.route(/\/admin\/me$/, (route) =>
      route.fulfill({
        status: 200,
        contentType: "application/json",
        body: JSON.stringify({ email: "ed@example.com", role: "editor", via: "token" }),
      }),
    );
    const refusal = { error: "this needs the editor role; you are a viewer", need: "editor" };
    await context.route(/\/admin\/stories\/[^/]+$/, (route) =>
      route.request().method() === "PATCH"
        ? route.fulfill({ status: 403, contentType: "application/json", body: JSON.stringify(refusal) })
        : route.fallback(),
    );
    const NEXT = "2031-04-03";
    const imported = await adminRequest(serve, "POST", "/admin/stories", { json: [story(NEXT, 2)] });
    expect(imported.status).toBe(200);
    const page = await context.newPage();
    await page.goto(consoleUrl(serve, "subscribers"));
    await page.getByRole("heading", { level: 1, name: "Subscribers" }).waitFor();
    expect(await page.locator(".who").textContent()).toContain("ed@example.com");
    expect(await page.locator(".who .role").textContent()).toBe("editor");
    expect(await page.getByRole("button", { name: "Add subscriber" }).count()).toBe(0);
    expect(await page.getByLabel("CSV file").count()).toBe(0);
    await page.getByText("Adding subscribers needs the owner role.").waitFor();
    await page.goto(consoleUrl(serve, "stories"));
    await page.getByLabel("Day").fill(NEXT);
    await page.getByRole("button", { name: /^Hold Story number 2/ }).click();
    await page.getByRole("alert").filter({ hasText: refusal.error }).waitFor();
    expect(await page.getByRole("alert").first().textContent()).toBe(`Not allowed: ${refusal.error}`);
    await shot(page, "editor-refused");
  });

  it("draws the overview: today's edition, alerts, and the last 30 editions' rates", async () => {
    context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    await signIn(context, serve);
    const probe = await adminRequest(serve, "GET", "/admin/overview");
    if (probe.status === 404) {
      // GET /admin/overview comes with the editor API; until then the browser answers it with the
      // contract's shape (a stand-in), so the charts and table are still drawn and checked.
      const history = Array.from({ length: 30 }, (_, i) => {
        const sent = 1000 + i;
        return {
          id: `2031-03-${String(i + 1).padStart(2, "0")}`,
          day: `2031-03-${String(i + 1).padStart(2, "0")}`,
          sent,
          delivered: sent - 20,
          opened: 400 + i,
          clicked: 80,
          bounced: 10 + (i % 5),
          complained: i % 7 === 0 ? 1 : 0,
        };
      });
      const overview = {
        today: { edition: { id: DAY, status: "awaiting-approval" }, nextSendAt: "2031-04-02T06:00:00.000Z" },
        alerts: [{ kind: "feed", message: "https://feeds.example.org/world.xml failed: 503" }],
        history,
      };
      await context.route(/\/admin\/overview$/, (route) =>
        route.fulfill({ status: 200, contentType: "application/json", body: JSON.stringify(overview) }),
      );
    }
    const page = await context.newPage();
    const errors = collectErrors(page);
    await page.goto(consoleUrl(serve, "overview"));
    await page.getByRole("heading", { name: /^Last \d+ editions$/ }).waitFor();
    expect(await page.locator("figure.chart canvas").count()).toBe(2);
    expect(await page.getByRole("link", { name: DAY }).count()).toBeGreaterThan(0);
    expect(await seriousViolations(page)).toEqual([]);
    // GET /admin/me answers 404 until the team API is here (the console then knows the owner's token).
    expect(errors.filter((e) => !/status of 404/.test(e))).toEqual([]);
    await shot(page, "overview-charts");
  });

  it("fits 375 px: no page scrolls sideways (wide tables scroll in their box)", async () => {
    const { page } = await open("overview", 375);
    for (const [route, heading] of PAGES) {
      await page.goto(consoleUrl(serve, route));
      await page.getByRole("heading", { level: 1, name: heading }).waitFor();
      await page.waitForLoadState("networkidle");
      const width = await page.evaluate(() => document.documentElement.scrollWidth);
      const wide = await page.evaluate(() =>
        [...(document.querySelectorAll("body *") as Iterable<never>)]
          .map((el: { getBoundingClientRect(): { right: number }; tagName: string; className: string }) => [
            el.tagName,
            String(el.className),
            Math.round(el.getBoundingClientRect().right),
          ])
          .filter((x) => (x[2] as number) > 375)
          .slice(0, 8),
      );
      expect(width, `${route}: ${JSON.stringify(wide)}`).toBeLessThanOrEqual(375);
      await shot(page, `mobile-${route.replace("/", "-")}`);
    }
  });
});

/**
 * The admin console in real Chromium over an in-process `digest serve` on dynalite and the SES
 * endpoint, against the real /admin API: sign in with the printed link, add a subscriber (by mouse and
 * keyboard only), import a CSV with bad rows and see them by line, search and page subscribers, preview
 * an edition in its views, an editor refused what needs an owner, the overview over sent editions,
 * approve an edition and see it sent, the audit log showing those writes, axe on every page, the
 * 375 px layout. The tests run in order and later ones read what earlier ones wrote (the audit log).
 * Screenshots go to test-results/console/.
 */
import { join } from "node:path";
import { AxeBuilder } from "@axe-core/playwright";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterEach, describe, expect, it } from "vitest";
import { adminRequest, type Serve } from "../helpers/serve.js";
import { story, type TestStack } from "../helpers/services.js";
import { collectErrors, type DomDocument } from "../preview/chromium.js";
import { CONSOLE_SHOTS, consoleForSuite } from "./console-suite.js";
import { type ConsoleWorld, makeConsoleWorld } from "./console-world.js";
import { consoleUrl, printedConsoleLink, sessionTokenIn, signIn, signInWithToken } from "./sign-in.js";

declare function getComputedStyle(element: never): { backgroundColor: string };
declare const document: DomDocument & {
  activeElement: { textContent: string | null; tagName: string } | null;
};

const DAY = "2031-04-02";
const NAV = ["Overview", "Editions", "Stories", "Subscribers", "Feeds", "Team", "Audit log"];

let browser: Browser;
let stack: TestStack;
let serve: Serve;
let context: BrowserContext | undefined;
let world: ConsoleWorld;

// Approval required: today's edition waits for the approval journey (see console-world.ts).
consoleForSuite(
  { DIGEST_SECTIONS: "World,Science,Culture", DIGEST_APPROVAL: "required" },
  (started) => {
    ({ browser, stack, serve } = started);
  },
  async (s) => {
    world = await makeConsoleWorld(s, DAY);
  },
);

afterEach(async () => {
  await context?.close();
  context = undefined;
});

async function open(route: string, width = 1280): Promise<{ page: Page; errors: string[] }> {
  context = await browser.newContext({ viewport: { width, height: 900 } });
  await context.addInitScript(countFetchesInFlight);
  const page = await signIn(context, serve);
  const errors = collectErrors(page);
  await page.goto(consoleUrl(serve, route));
  await page.getByRole("navigation", { name: "Console" }).waitFor();
  return { page, errors };
}

/** Runs in the page: keeps the number of the console's API calls still unanswered in `__inFlight`. */
function countFetchesInFlight() {
  const w = globalThis as unknown as { __inFlight: number; fetch: typeof fetch };
  const real = w.fetch.bind(w);
  w.__inFlight = 0;
  w.fetch = (...args: Parameters<typeof fetch>) => {
    w.__inFlight++;
    return real(...args).finally(() => w.__inFlight--);
  };
}

/**
 * Waits until the page's loads are answered and drawn: no call in flight and nothing aria-busy, two
 * frames running (a page starts its loads in an effect, after its first paint). Playwright's
 * "networkidle" cannot do this: it is a load state, reached once and long ago on a hash route.
 */
async function settled(page: Page): Promise<void> {
  let quietFrames = 0;
  await expect
    .poll(
      async () => {
        const quiet = await page.evaluate(() => {
          const w = globalThis as unknown as {
            __inFlight: number;
            requestAnimationFrame(f: () => void): void;
            document: { querySelector(s: string): unknown };
          };
          return new Promise<boolean>((resolve) =>
            w.requestAnimationFrame(() =>
              resolve(w.__inFlight === 0 && w.document.querySelector('[aria-busy="true"]') === null),
            ),
          );
        });
        quietFrames = quiet ? quietFrames + 1 : 0;
        return quietFrames >= 2;
      },
      { timeout: 15_000, interval: 20 },
    )
    .toBe(true);
}

const shot = (page: Page, name: string) =>
  page.screenshot({ path: join(CONSOLE_SHOTS, `${name}.png`), fullPage: true });

/**
 * Serious axe findings on the console's own page. Legacy mode: axe runs in the top document only and
 * never waits on the edition preview's frame, a sandbox that runs no script (axe's frame messaging
 * would wait for it until the test times out). The email inside it is checked by the email tests.
 */
async function seriousViolations(page: Page): Promise<string[]> {
  const result = await new AxeBuilder({ page }).setLegacyMode().exclude("iframe[srcdoc]").analyze();
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

  it("signs in with the one-time `admin console:` link serve printed, and only once", async () => {
    const link = printedConsoleLink(serve);
    expect(link.startsWith(`${serve.url}/console/#signin=`)).toBe(true);
    context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    // The first sign-in on this server: signIn opens the printed link.
    const page = await signIn(context, serve);
    // The console dropped the code from the URL and keeps a personal session token (dgt_…).
    expect(page.url()).toBe(`${serve.url}/console/#/`);
    const token = await sessionTokenIn(page);
    expect(token).toMatch(/^dgt_/);
    expect(await page.locator(".who .role").textContent()).toBe("owner");
    const me = await adminRequest(serve, "GET", "/admin/me", { auth: `Bearer ${token}` });
    expect(me.json).toMatchObject({ role: "owner", via: "token" });
    // The code is spent: the link opened again signs no one in, and the console says why.
    const again = await context.newPage();
    await again.goto(link);
    await again.getByText(/this sign-in link was used or has expired/).waitFor();
    expect(again.url()).toBe(`${serve.url}/console/#/`);
    expect(await sessionTokenIn(again)).toBeNull();
    // The sign-in screen explains where the link comes from, and takes a pasted token.
    await again.getByText("admin console:", { exact: true }).waitFor();
    expect(await again.getByLabel("API token").count()).toBe(1);
    await shot(again, "signed-out");
  });

  it("signs in, shows the caller's role and the navigation, with no serious axe finding on any page", async () => {
    const { page, errors } = await open("");
    const failed: string[] = [];
    page.on("response", (res) => {
      if (res.status() >= 400) failed.push(`${res.status()} ${new URL(res.url()).pathname}`);
    });
    const nav = page.getByRole("navigation", { name: "Console" });
    for (const name of NAV)
      await expect(nav.getByRole("link", { name, exact: true }).count()).resolves.toBe(1);
    expect(await page.locator(".who .role").textContent()).toBe("owner");
    for (const [route, heading] of PAGES) {
      await page.goto(consoleUrl(serve, route));
      await page.getByRole("heading", { level: 1, name: heading }).waitFor();
      // Wait for the page's first load to finish (a table filled, a note shown).
      await settled(page);
      // No one added yet: the local owner is no member, and the page says so rather than show nothing.
      if (route === "team") await page.getByText(/^No members yet/).waitFor();
      expect(await seriousViolations(page), route).toEqual([]);
      await shot(page, `desktop-${route.replace("/", "-")}`);
    }
    // Every call answered.
    expect(failed).toEqual([]);
    expect(errors).toEqual([]);
  }, 240_000);

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

  it("searches subscribers by the start of the address (or name) and pages server-side", async () => {
    const { page } = await open("subscribers");
    const rows = page.locator("table tbody tr");
    await rows.first().waitFor();
    // 50 a page: 64 subscribers and more make at least two pages.
    expect(await rows.count()).toBe(50);
    await page.getByRole("button", { name: "Next page" }).click();
    await page.getByText("Page 2", { exact: true }).waitFor();
    await page.getByLabel("Search addresses or names").fill("reader-05");
    await page.getByRole("button", { name: "Search", exact: true }).click();
    await page.getByText("Page 1", { exact: true }).waitFor();
    // "Page 1" shows before the search's answer replaces page 2's rows (and "networkidle" is a load
    // state, reached long ago): wait for the rows themselves.
    await expect
      .poll(async () => (await page.locator("table tbody td.mono").allTextContents()).sort(), {
        timeout: 15_000,
      })
      .toEqual(Array.from({ length: 10 }, (_, i) => `reader-05${i}@example.com`));
    await shot(page, "subscriber-search");
  });

  it("previews an edition: desktop, mobile 375 px, dark and text", async () => {
    const { page } = await open(`editions/${DAY}`);
    await page.getByRole("heading", { level: 1, name: `Edition ${DAY}` }).waitFor();
    await page.getByRole("heading", { name: "Stories in order" }).waitFor();
    // Awaiting approval: each story offers its correction dialog (issue 17, story-correction.test.ts).
    expect(await page.locator(".story-order li").allTextContents()).toEqual([
      "Science Story number 1 of the day Correct Story number 1 of the day",
    ]);
    // The size against Gmail's clip, as GET …/preview/info counted the stored email's bytes.
    const info = await adminRequest(serve, "GET", `/admin/editions/${DAY}/preview/info`);
    expect(info.json).toMatchObject({ variant: "all", clipAt: 102 * 1024, clipped: false });
    const size = page.locator("[data-bytes]");
    await size.waitFor();
    expect(await size.getAttribute("data-bytes")).toBe(String(info.json.bytes));
    expect(await size.textContent()).toMatch(/^\d+(\.\d)? KB of HTML \(Gmail clips at 102 KB\)$/);
    const frame = page.locator("iframe[data-view]");
    await frame.waitFor();
    expect(await frame.getAttribute("data-view")).toBe("desktop");
    expect(await frame.getAttribute("sandbox")).not.toContain("allow-scripts");
    // The real route's email: no reader's signed link in it.
    expect(await frame.getAttribute("srcdoc")).not.toMatch(/[?&]t=/);
    const inFrame = () => page.frames().find((f) => f !== page.mainFrame());
    await expect
      // The real email: its brand is the first heading, the story a link below it.
      .poll(async () => inFrame()?.locator("body").textContent())
      .toContain("Story number 1 of the day");
    // The page around the email's card (mj-body, class dg-page): its colour in the light view.
    const pageColour = () =>
      inFrame()?.evaluate(
        () => getComputedStyle(document.querySelector(".dg-page") as never).backgroundColor,
      );
    const light = await pageColour();
    expect(light).toMatch(/^rgb\(/);
    await page.getByLabel("Mobile 375 px").check();
    const mobile = page.locator("iframe[data-view=mobile]");
    await mobile.waitFor();
    expect(await mobile.evaluate((el) => (el as never as { clientWidth: number }).clientWidth)).toBe(375);
    await shot(page, "edition-mobile");
    await page.getByLabel("Dark").check();
    await page.locator("iframe[data-view=dark]").waitFor();
    // The email's own dark-mode rules apply in the dark view, whatever the browser's setting.
    await expect.poll(pageColour).not.toBe(light);
    expect(await pageColour()).not.toMatch(/^rgba\(0, 0, 0, 0\)$/);
    await expect.poll(async () => inFrame()?.locator("body").textContent()).toContain("Story number 1");
    await shot(page, "edition-dark");
    await page.getByLabel("Text").check();
    await page.locator("pre[data-view=text]").waitFor();
    expect(await page.locator("pre[data-view=text]").textContent()).toContain("Story number 1 of the day");
    await page.getByLabel("Desktop").check();
    await expect.poll(pageColour).toBe(light);
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

  it("signs an editor in with a personal token: role shown, owner-only parts hidden, refusals say why", async () => {
    const EDITOR = "ed@example.com";
    const added = await adminRequest(serve, "POST", "/admin/team", {
      json: { email: EDITOR, role: "editor" },
    });
    expect(added.status).toBe(201);
    const made = await adminRequest(serve, "POST", `/admin/team/${encodeURIComponent(EDITOR)}/tokens`, {
      json: { label: "console journey" },
    });
    expect(made.status).toBe(201);
    const token = made.json.token as string;
    // The check: an editor's token gets 403 on the export, naming the role it needs.
    const exported = await adminRequest(serve, "GET", "/admin/subscribers/export", {
      auth: `Bearer ${token}`,
    });
    expect(exported.status).toBe(403);
    expect(exported.json).toEqual({ error: "this needs the owner role; you are an editor", need: "owner" });

    context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const page = await context.newPage();
    await signInWithToken(page, serve, token);
    expect(await page.locator(".who").textContent()).toContain(EDITOR);
    expect(await page.locator(".who .role").textContent()).toBe("editor");
    await page.goto(consoleUrl(serve, "subscribers"));
    await page.getByRole("heading", { level: 1, name: "Subscribers" }).waitFor();
    expect(await page.getByRole("button", { name: "Add subscriber" }).count()).toBe(0);
    expect(await page.getByLabel("CSV file").count()).toBe(0);
    expect(await page.getByRole("button", { name: "Export CSV" }).count()).toBe(0);
    await page.getByText("Adding subscribers needs the owner role.").waitFor();
    // What an editor may do works: hold a story of a day to come.
    const NEXT = "2031-04-03";
    const imported = await adminRequest(serve, "POST", "/admin/stories", { json: [story(NEXT, 2)] });
    expect(imported.status).toBe(200);
    await page.goto(consoleUrl(serve, "stories"));
    await page.getByLabel("Day").fill(NEXT);
    await page.getByRole("button", { name: /^Hold Story number 2/ }).click();
    await page.getByRole("button", { name: /^Release Story number 2/ }).waitFor();
    // An editor sends the edition to themselves as a test: the API's default recipient is the caller.
    await page.goto(consoleUrl(serve, `editions/${DAY}`));
    await page.getByRole("button", { name: "Send test" }).click();
    await page.getByText(`Test sent to ${EDITOR}.`).waitFor();
    const tests = stack.ses.messages.filter((m) => m.destinations.includes(EDITOR));
    expect(tests).toHaveLength(1);
    expect(tests[0]?.raw.toString("utf8")).toMatch(/^Subject: \[Test\] /m);
    // What needs an owner is refused by the API, and the console shows the API's own message.
    await page.goto(consoleUrl(serve, "team"));
    const refused = page.getByRole("alert").filter({ hasText: "this needs the owner role" });
    await refused.waitFor();
    expect(await refused.textContent()).toBe("Not allowed: this needs the owner role; you are an editor");
    await shot(page, "editor-refused");
  });

  it("draws the overview from sent editions: today's edition awaiting approval, its alert, the rates", async () => {
    const { page, errors } = await open("overview");
    const history = page.getByRole("heading", { name: /^Last \d+ editions$/ });
    await history.waitFor();
    // The three days sent and today's edition (awaiting approval) are the last editions.
    expect(await history.textContent()).toBe("Last 4 editions");
    expect(await page.locator("figure.chart canvas").count()).toBe(2);
    const today = page.getByRole("region", { name: "Today" });
    expect(await today.getByRole("link", { name: world.today }).count()).toBe(1);
    expect(await today.getByText("awaiting-approval").count()).toBeGreaterThan(0);
    await today.getByText(`edition ${world.today} awaits approval`).waitFor();
    const rows = page.getByRole("table", { name: "Delivery figures per edition" }).locator("tbody tr");
    const cells = await rows.evaluateAll((trs) =>
      trs.map((tr) =>
        [
          ...(
            tr as never as { querySelectorAll(s: string): Iterable<{ textContent: string }> }
          ).querySelectorAll("td"),
        ].map((td) => td.textContent),
      ),
    );
    // Edition, sent, delivered, opened, clicked, bounced, complaints: what the sends and the SES
    // events applied in console-world.ts counted (readers who opened and clicked).
    expect(cells).toEqual([
      [world.today, "0", "0", "0", "0", "0", "0"],
      [world.sentDays[2], "62", "60", "36", "10", "1", "0"],
      [world.sentDays[1], "62", "60", "28", "7", "1", "0"],
      [world.sentDays[0], "62", "60", "20", "4", "1", "1"],
    ]);
    expect(await seriousViolations(page)).toEqual([]);
    expect(errors).toEqual([]);
    await shot(page, "overview-charts");
  });

  it("approves today's edition and sees it sent", async () => {
    const { page } = await open(`editions/${world.today}`);
    const title = page.getByRole("heading", { level: 1, name: new RegExp(`^Edition ${world.today}`) });
    const approve = page.getByRole("button", { name: "Approve and send" });
    await approve.waitFor();
    expect(await title.textContent()).toContain("awaiting-approval");
    await approve.click();
    await page.getByText("Approved: the send starts.").waitFor();
    await expect.poll(() => title.textContent(), { timeout: 60_000 }).toContain("sent");
    expect(await page.getByRole("button", { name: "Approve and send" }).count()).toBe(0);
    const report = await adminRequest(serve, "GET", `/admin/editions/${world.today}`);
    expect(report.json.status).toBe("sent");
    expect(report.json.delivery.sent).toBeGreaterThanOrEqual(62);
    await shot(page, "edition-approved");
  }, 120_000);

  it("shows the audit log: the journeys' writes, newest first, who and how, filterable", async () => {
    const { page } = await open("audit");
    const table = page.getByRole("table", { name: "Audit log" });
    await table.locator("tbody tr").first().waitFor();
    await settled(page);
    const rows = await table
      .locator("tbody tr")
      .evaluateAll((trs) => trs.map((tr) => (tr as never as { textContent: string }).textContent));
    const has = (...parts: string[]) =>
      rows.some((r) => parts.every((p) => r.toLowerCase().includes(p.toLowerCase())));
    // The console's writes, by the local owner's console session (a personal token).
    expect(has("owner@localhost", "(token)", "subscriber.add", "new.reader@example.com")).toBe(true);
    expect(has("owner@localhost", "subscriber.import")).toBe(true);
    expect(has("owner@localhost", "edition.approve", world.today)).toBe(true);
    // The editor's hold, and the API calls made with the admin token.
    expect(has("ed@example.com", "story.hold")).toBe(true);
    expect(has("ed@example.com", "edition.test", DAY)).toBe(true);
    expect(has("(admin-token)", "team.add", "ed@example.com")).toBe(true);
    // Newest first, in the order the journeys wrote them.
    const at = (action: string) => rows.findIndex((r) => r.includes(action));
    expect(at("edition.approve")).toBeLessThan(at("story.hold"));
    expect(at("story.hold")).toBeLessThan(at("team.add"));
    expect(at("team.add")).toBeLessThan(at("subscriber.import"));
    await shot(page, "audit-log");
    // Filtered by action, by the API.
    await page.getByLabel("Action").fill("subscriber.add");
    await page.getByRole("button", { name: "Filter" }).click();
    await expect
      .poll(async () => (await table.locator("tbody td:nth-child(3)").allTextContents()).join(","))
      .toMatch(/^subscriber\.add(,subscriber\.add)*$/);
    expect(await seriousViolations(page)).toEqual([]);
    // The API's own shape, as the page read it.
    const api = await adminRequest(serve, "GET", "/admin/audit?limit=1");
    expect(Object.keys(api.json)).toEqual(expect.arrayContaining(["items", "nextCursor"]));
    expect(api.json.items[0]).toMatchObject({
      at: expect.any(String),
      actor: expect.any(String),
      via: expect.any(String),
      action: expect.any(String),
      target: expect.any(String),
      summary: expect.any(String),
    });
  });

  it("fits 375 px: no page scrolls sideways (wide tables scroll in their box)", async () => {
    const { page } = await open("overview", 375);
    for (const [route, heading] of PAGES) {
      await page.goto(consoleUrl(serve, route));
      await page.getByRole("heading", { level: 1, name: heading }).waitFor();
      await settled(page);
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

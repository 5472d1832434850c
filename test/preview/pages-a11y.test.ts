/**
 * axe-core in real Chromium over the public pages `digest serve` renders (sign-up form, "check your
 * inbox", the confirm result, the unsubscribe page, preferences, the archive list, an archived edition,
 * a hosted story), with the default look and with
 * a dark brand palette and a logo from the config: zero serious or critical violations, and the brand
 * colours and logo in place.
 */
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { linkIn, startWorld, type World } from "../api/public-helpers.js";
import {
  collectErrors,
  cssColorToHex,
  type DomDocument,
  type DomElement,
  type DomStyle,
  launchChromium,
  screenshot,
  seriousAxeViolations,
} from "./chromium.js";

// Browser globals of the page.evaluate callbacks (see chromium.ts).
declare const document: DomDocument;
declare function getComputedStyle(element: DomElement): DomStyle;

let browser: Browser;
let context: BrowserContext;
let world: World | undefined;

beforeAll(async () => {
  browser = await launchChromium();
}, 60_000);

afterAll(async () => {
  await browser?.close();
});

afterEach(async () => {
  await context?.close();
  await world?.close();
  world = undefined;
});

/**
 * Walks sign-up → confirm → unsubscribe page → (an edition goes out) archive → archived edition →
 * hosted story → preferences, checking each page with axe; returns the page on preferences.
 */
async function journey(label: string, email: string): Promise<Page> {
  const w = world as World;
  context = await browser.newContext({ viewport: { width: 800, height: 900 } });
  const page = await context.newPage();
  // Images from elsewhere (a configured logo on an invented host) are not fetched.
  await page.route(
    (url) => !url.href.startsWith(w.serve.url),
    (route) => route.abort(),
  );
  const errors = collectErrors(page);
  const check = async (name: string) => {
    expect(await seriousAxeViolations(page), `${name} page`).toEqual([]);
    await screenshot(page, `page-${label}-${name}`);
  };

  await page.goto(`${w.serve.url}/subscribe`);
  await check("subscribe");
  await page.fill("#email", email);
  await Promise.all([page.waitForURL(/\/subscribe$/), page.click("button[type=submit]")]);
  expect(await page.textContent("h1")).toBe("Check your inbox");
  await check("check-inbox");

  await page.goto(linkIn(await w.eml("confirm", email), "/confirm"));
  expect(await page.textContent("h1")).toBe("You're subscribed");
  await check("confirmed");

  const welcome = await w.eml("confirm", email);
  await page.goto(linkIn(welcome, "/unsubscribe"));
  expect(await page.textContent("h1")).toMatch(/^Unsubscribe from /);
  await check("unsubscribe");

  // The archive, once an edition went out to the new subscriber, and a story's hosted page.
  const day = new Date(Date.now() - 86_400_000).toISOString().slice(0, 10);
  expect((await w.sendDay(day)).out).toMatch(/sent=1 /);
  await page.goto(`${w.serve.url}/archive`);
  expect(await page.title()).toBe("Past editions of The Test Digest");
  await check("archive");
  await Promise.all([
    page.waitForURL(new RegExp(`/archive/${day}$`)),
    page.click(`a[href="/archive/${day}"]`),
  ]);
  expect(await page.title()).toMatch(/^\w+day \d+ \w+ \d{4} · The Test Digest$/);
  await check("archive-edition");
  const listed = await w.stack.digest(["stories", "list", "--date", day, "--json"]);
  const storyId = (JSON.parse(listed.out) as { id: string }[])[0]?.id as string;
  await page.goto(`${w.serve.url}/stories/${encodeURIComponent(storyId)}`);
  expect(await page.title()).toMatch(/ news of .* · The Test Digest$/);
  await check("story");
  // Every archive page leads back to the archive and to the sign-up form.
  for (const href of ["/archive", "/subscribe", "/archive/feed.xml"]) {
    expect(await page.locator(`a[href="${href}"]`).count(), href).toBeGreaterThan(0);
  }

  // Last: the caller inspects the preferences page's look.
  await page.goto(linkIn(welcome, "/preferences"));
  expect(await page.textContent("h1")).toBe("Your preferences");
  await check("preferences");

  // Failed loads of the aborted logo aside, the pages log nothing.
  expect(
    errors.filter((e) => !e.includes("net::ERR_FAILED") && !e.includes("Failed to load resource")),
  ).toEqual([]);
  return page;
}

describe("public pages under axe-core", () => {
  it("have no serious violations with the default look", async () => {
    world = await startWorld();
    await journey("default", "ana@example.com");
  }, 180_000);

  it("have no serious violations with a dark brand palette and a logo, which they show", async () => {
    world = await startWorld({
      DIGEST_ACCENT_COLOR: "#f9a8d4",
      DIGEST_TEXT_COLOR: "#f1f5f9",
      DIGEST_BACKGROUND_COLOR: "#1e1b4b",
      DIGEST_LOGO_URL: "https://cdn.example/test-digest-logo.png",
      DIGEST_LOGO_WIDTH: "160",
      DIGEST_LOGO_HEIGHT: "40",
    });
    const page = await journey("branded", "ben@example.com");
    const look = await page.evaluate(() => {
      const card = document.querySelector(".card") as DomElement;
      const button = document.querySelector(".card button:not(.secondary)") as DomElement;
      const logo = document.querySelector(".brand img") as DomElement;
      return {
        card: getComputedStyle(card).backgroundColor,
        text: getComputedStyle(card).color,
        button: getComputedStyle(button).backgroundColor,
        label: getComputedStyle(button).color,
        logo: {
          alt: logo.getAttribute("alt"),
          src: logo.getAttribute("src"),
          width: logo.getAttribute("width"),
        },
      };
    });
    expect(cssColorToHex(look.card)).toBe("#1e1b4b");
    expect(cssColorToHex(look.text)).toBe("#f1f5f9");
    // Buttons in the accent, labelled in the background colour: the pair the config checks.
    expect(cssColorToHex(look.button)).toBe("#f9a8d4");
    expect(cssColorToHex(look.label)).toBe("#1e1b4b");
    expect(look.logo).toEqual({
      alt: "The Test Digest",
      src: "https://cdn.example/test-digest-logo.png",
      width: "160",
    });
  }, 180_000);
});

/**
 * The pages share the email's look: in light and in dark (the reader's system), at desktop width and at
 * 375 px, each page passes axe (which measures text contrast as Chromium paints it), never scrolls
 * sideways, and wears the email's marks: Georgia headlines, the accent along the card's top, the
 * email's dark palette. Screenshots of each land in test-results/screenshots/page-look-*.
 */
describe("public pages in the email's look", () => {
  it("pass axe and fit 375 px in light and dark, in the email's type and colours", async () => {
    world = await startWorld();
    const w = world;
    const day = new Date(Date.now() - 86_400_000).toISOString().slice(0, 10);
    expect((await w.stack.digest(["subscribers", "add", "cy@example.com"])).code).toBe(0);
    expect((await w.sendDay(day)).out).toMatch(/sent=1 /);
    const listed = await w.stack.digest(["stories", "list", "--date", day, "--json"]);
    const storyId = (JSON.parse(listed.out) as { id: string }[])[0]?.id as string;
    const pages = {
      subscribe: "/subscribe",
      "archive-edition": `/archive/${day}`,
      archive: "/archive",
      story: `/stories/${encodeURIComponent(storyId)}`,
    };
    for (const scheme of ["light", "dark"] as const) {
      for (const width of [1280, 375]) {
        context = await browser.newContext({ viewport: { width, height: 900 }, colorScheme: scheme });
        const page = await context.newPage();
        await page.route(
          (url) => !url.href.startsWith(w.serve.url),
          (route) => route.abort(),
        );
        for (const [name, path] of Object.entries(pages)) {
          // At 375 px, the two pages the screenshots show (every page's layout is the same frame).
          if (width === 375 && name !== "subscribe" && name !== "archive-edition") continue;
          await page.goto(`${w.serve.url}${path}`);
          const label = `${name} (${scheme}, ${width} px)`;
          expect(await seriousAxeViolations(page), label).toEqual([]);
          const look = await page.evaluate(() => {
            const card = document.querySelector(".page .card") as DomElement;
            const heading = document.querySelector("h1") as DomElement;
            return {
              sideways: document.documentElement.scrollWidth > document.documentElement.clientWidth,
              cardTop: getComputedStyle(card).borderTopColor,
              cardBackground: getComputedStyle(card).backgroundColor,
              headingFont: getComputedStyle(heading).fontFamily,
            };
          });
          expect(look.sideways, label).toBe(false);
          expect(look.headingFont, label).toMatch(/^Georgia/);
          // The email's accent along the top of the card, on the email's card colour.
          expect(cssColorToHex(look.cardTop), label).toBe(scheme === "light" ? "#1d4ed8" : "#8ab4ff");
          expect(cssColorToHex(look.cardBackground), label).toBe(scheme === "light" ? "#ffffff" : "#161b22");
          if (name === "subscribe" || name === "archive-edition") {
            const file = `page-look-${name}-${scheme}-${width === 375 ? "375" : "desktop"}`;
            await screenshot(page, file);
          }
        }
        await context.close();
      }
    }
  }, 360_000);
});

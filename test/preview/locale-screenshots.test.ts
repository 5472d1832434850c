/**
 * A German email and a French preferences page in real Chromium: `<html lang>` as configured, axe-core
 * finds nothing serious, and a screenshot of each goes to test-results/screenshots/ (locale-*.png).
 */
import type { Browser } from "playwright-core";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { buildView } from "../../functions/core/edition/edition.js";
import { createRenderer } from "../../functions/core/edition/render.js";
import { parseConfig } from "../../functions/core/kernel/config.js";
import { loadTemplateSpec } from "../../functions/local/template-loader.js";
import { linkIn, signUpAndConfirm, startWorld, type World } from "../api/public-helpers.js";
import { type DomDocument, launchChromium, screenshot, seriousAxeViolations } from "./chromium.js";

declare const document: DomDocument;

let browser: Browser;
let world: World | undefined;

beforeAll(async () => {
  browser = await launchChromium();
}, 60_000);

afterAll(async () => {
  await browser?.close();
});

afterEach(async () => {
  await world?.close();
  world = undefined;
});

describe("in other languages, in Chromium", () => {
  it("a German email: lang de, German chrome, axe clean", async () => {
    const config = parseConfig({}, { DIGEST_LOCALE: "de", DIGEST_BRAND_NAME: "Der Morgen" });
    const view = buildView({
      config,
      date: "2026-11-27",
      leftOut: 2,
      stories: [
        {
          id: "a",
          headline: "Hafenstadt läuft eine Woche lang mit Gezeitenstrom",
          url: "https://tagesspiegel.example/wissen/gezeiten",
          source: "Tagesspiegel",
          section: "Wissen",
          byline: "Ana Ortiz",
          publishedAt: "2026-11-27T06:00:00.000Z",
          excerpt:
            "Sieben Tage lang kam der Strom in Wexmoor nur aus dem Meer, ein Versuch, der die Erwartungen übertraf.",
        },
        {
          id: "b",
          headline: "Stadtrat beschließt den Haushalt nach langer Nacht",
          url: "https://berliner.example/berlin/haushalt",
          source: "Berliner Zeitung",
          section: "Berlin",
          byline: "Ben Krause",
          publishedAt: "2026-11-27T05:00:00.000Z",
          excerpt: "Nach elf Stunden Debatte stimmte eine knappe Mehrheit für den Entwurf.",
        },
      ],
    });
    const html = createRenderer(await loadTemplateSpec()).html(view);
    const context = await browser.newContext({ viewport: { width: 700, height: 900 } });
    try {
      const page = await context.newPage();
      await page.setContent(html);
      expect(await page.evaluate(() => document.documentElement.lang)).toBe("de");
      const text = await page.evaluate(() => document.documentElement.textContent ?? "");
      expect(text).toContain("Weiterlesen bei Tagesspiegel");
      expect(text).toContain("Einstellungen verwalten");
      expect(text).toContain("Freitag, 27. November 2026");
      expect(await seriousAxeViolations(page)).toEqual([]);
      await screenshot(page, "locale-email-de");
    } finally {
      await context.close();
    }
  }, 60_000);

  it("a French preferences page: lang fr, French words, axe clean", async () => {
    world = await startWorld({ DIGEST_LOCALE: "fr", DIGEST_LOCALES: "fr,en" });
    const welcome = await signUpAndConfirm(world, "ana@example.com");
    const context = await browser.newContext({ viewport: { width: 800, height: 900 } });
    try {
      const page = await context.newPage();
      await page.goto(linkIn(welcome, "/preferences"));
      expect(await page.evaluate(() => document.documentElement.lang)).toBe("fr");
      const text = await page.evaluate(() => document.documentElement.textContent ?? "");
      expect(text).toContain("Vos préférences");
      expect(text).toContain("Enregistrer mes préférences");
      expect(await seriousAxeViolations(page)).toEqual([]);
      await screenshot(page, "locale-preferences-fr");
    } finally {
      await context.close();
    }
  }, 60_000);
});

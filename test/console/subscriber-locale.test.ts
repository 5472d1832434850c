import { join } from "node:path";
import type { Browser, BrowserContext } from "playwright-core";
import { afterAll, describe, expect, it } from "vitest";
import { adminRequest, type Serve } from "../helpers/serve.js";
import { collectErrors } from "../preview/chromium.js";
import { CONSOLE_SHOTS, consoleForSuite } from "./console-suite.js";
import { consoleUrl, signIn } from "./sign-in.js";

/**
 * The console's subscriber editor sets a reader's language (issue 18): a "Language" select of the
 * enabled locales (GET /admin/overview), saved through PATCH /admin/subscribers/{email}, shown in the list.
 */

let browser: Browser;
let serve: Serve;
let context: BrowserContext | undefined;

consoleForSuite({ DIGEST_SECTIONS: "World,Science", DIGEST_LOCALES: "fr,de" }, (started) => {
  ({ browser, serve } = started);
});

afterAll(async () => {
  await context?.close();
});

describe("console: a subscriber's language", () => {
  it("the editor's Language select offers the enabled locales, saves the choice, the list shows it", async () => {
    const added = await adminRequest(serve, "POST", "/admin/subscribers", {
      json: { email: "lea@example.com" },
    });
    expect(added.status).toBe(201);
    context = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: "en-US" });
    const page = await signIn(context, serve);
    const errors = collectErrors(page);
    await page.goto(consoleUrl(serve, "subscribers"));
    await page.getByRole("button", { name: "Edit lea@example.com" }).click();

    const select = page.getByLabel("Language");
    await select.waitFor();
    expect(await select.locator("option").allTextContents()).toEqual([
      "Newsletter default: English (en)",
      "French (fr)",
      "German (de)",
    ]);
    expect(await select.inputValue()).toBe("");
    await select.selectOption("fr");
    await page.getByRole("button", { name: "Save" }).click();
    await page.getByText("Saved.").waitFor();
    expect((await adminRequest(serve, "GET", "/admin/subscribers/lea%40example.com")).json.locale).toBe("fr");
    await page.screenshot({ path: join(CONSOLE_SHOTS, "subscriber-language.png"), fullPage: true });

    await page.getByRole("button", { name: "Close" }).last().click();
    const row = page.getByRole("row", { name: /lea@example\.com/ });
    await expect.poll(() => row.textContent()).toContain("language fr");
    expect(errors).toEqual([]);
  });
});

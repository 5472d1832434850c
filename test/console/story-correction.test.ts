import type { Browser, BrowserContext } from "playwright-core";
import { afterAll, describe, expect, it } from "vitest";
import { correctStory } from "../../functions/core/stories/story-correction.js";
import { openRuntime } from "../../functions/local/runtime.js";
import { seedDay } from "../helpers/edition-setup.js";
import { adminRequest, type Serve } from "../helpers/serve.js";
import type { TestStack } from "../helpers/services.js";
import { collectErrors } from "../preview/chromium.js";
import { CONSOLE_SHOTS, consoleForSuite } from "./console-suite.js";
import { consoleUrl, signIn } from "./sign-in.js";

/**
 * Issue 17, "preview → see a typo → correct → approve" in the console: the edition page of an edition
 * awaiting approval says when its preview predates a correction (made where no renderer is, as the
 * deployed story-import function does: compose's approval round renders it within a minute), and
 * offers each story's correction dialog; a correction saved there (`digest serve` renders at once)
 * shows in the preview.
 */

const DAY = "2025-04-02";
const FIRST_FIX = "Story number 1 of the day, corrected";
const SECOND_FIX = "Story number 1 of the day, corrected twice";

let browser: Browser;
let stack: TestStack;
let serve: Serve;
let context: BrowserContext | undefined;

consoleForSuite(
  { DIGEST_APPROVAL: "required" },
  (started) => {
    ({ browser, stack, serve } = started);
  },
  async (s) => {
    await seedDay(s, DAY, ["ana@example.com"]);
    expect((await s.digest(["compose", "--date", DAY])).out).toContain("status=awaiting-approval");
  },
);

afterAll(async () => {
  await context?.close();
});

describe("console: correcting a story of an edition awaiting approval", () => {
  it("says the preview is being rendered, then corrects from the edition page and shows it", async () => {
    // Corrected as the deployed story-import function does: no renderer, the copy is stale.
    const rt = await openRuntime({ env: stack.env });
    try {
      const deps = await rt.deps();
      const id = (await deps.stories.listDay(DAY))[0]?.id ?? "";
      expect(await correctStory(deps, id, { headline: FIRST_FIX }, new Date(), null)).toMatchObject({
        edition: { stale: true },
      });
    } finally {
      await rt.close();
    }

    context = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: "en-US" });
    const page = await signIn(context, serve);
    const errors = collectErrors(page);
    await page.goto(consoleUrl(serve, `editions/${DAY}`));
    const note = page.locator("[data-stale]");
    await note.waitFor();
    expect(await note.textContent()).toContain("the preview shows it within a minute");
    await page.screenshot({ path: `${CONSOLE_SHOTS}edition-stale.png` });

    await page.getByRole("button", { name: `Correct ${FIRST_FIX}` }).click();
    const headline = page.getByLabel("Headline");
    await headline.waitFor();
    expect(await headline.inputValue()).toBe(FIRST_FIX);
    await headline.fill(SECOND_FIX);
    await page.getByRole("button", { name: "Save" }).click();
    // Rendered at once by this process: the note goes, the frame shows the new headline.
    const inFrame = () => page.frames().find((f) => f !== page.mainFrame());
    await expect.poll(async () => inFrame()?.locator("body").textContent()).toContain(SECOND_FIX);
    expect(await note.count()).toBe(0);
    expect(await page.locator(".story-order li").allTextContents()).toEqual([
      expect.stringContaining(SECOND_FIX),
    ]);
    const info = await adminRequest(serve, "GET", `/admin/editions/${DAY}/preview/info`);
    expect(info.json).toMatchObject({ stale: false });
    expect(errors).toEqual([]);
  }, 120_000);
});

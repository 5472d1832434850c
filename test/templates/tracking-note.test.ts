import { beforeAll, describe, expect, it } from "vitest";
import { createRenderer, type DigestRenderer, trackingNote } from "../../functions/core/edition/render.js";
import { loadTemplateSpec } from "../../functions/local/template-loader.js";
import { sampleView } from "./sample-view.js";

/** The footer's one sentence about open and click tracking (config trackOpens / trackClicks). */

let renderer: DigestRenderer;

beforeAll(async () => {
  renderer = createRenderer(await loadTemplateSpec());
});

describe("the tracking sentence in the footer", () => {
  it("says what is counted, in one plain sentence, only when something is", () => {
    expect(trackingNote({ opens: true, clicks: true })).toBe(
      "We count opens and clicks to learn what readers like.",
    );
    expect(trackingNote({ opens: true, clicks: false })).toBe("We count opens to learn what readers like.");
    expect(trackingNote({ opens: false, clicks: true })).toBe(
      "We count link clicks to learn what readers like.",
    );
    expect(trackingNote({ opens: false, clicks: false })).toBeNull();
    expect(trackingNote(undefined)).toBeNull();
  });

  it.each([
    [{ opens: true, clicks: true }, "We count opens and clicks to learn what readers like."],
    [{ opens: false, clicks: true }, "We count link clicks to learn what readers like."],
    [{ opens: false, clicks: false }, null],
  ] as const)("renders %o in the HTML footer and the plain text", (tracking, sentence) => {
    const view = { ...sampleView(), tracking };
    const html = renderer.html(view);
    const text = renderer.text(view);
    if (sentence === null) {
      expect(html).not.toContain("We count");
      expect(text).not.toContain("We count");
      return;
    }
    // In the footer, after the subscription line and before the links.
    const footer = html.slice(html.indexOf("You are receiving this"));
    expect(footer.indexOf(sentence)).toBeGreaterThan(0);
    expect(footer.indexOf(sentence)).toBeLessThan(footer.indexOf("Manage preferences"));
    expect(html.split(sentence)).toHaveLength(2);
    expect(text).toMatch(new RegExp(`subscribed to The Lakeside Morning\\.\\n${sentence}\\n`));
  });
});

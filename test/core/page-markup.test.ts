import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

/**
 * The public pages build markup with the `html` tag, which escapes every value; `trusted()` is the one
 * way past it. Where it may stand is listed here, so a new use is a decision someone reviews.
 */
const pagesDir = join(resolve(dirname(fileURLToPath(import.meta.url)), "../.."), "functions/core/http/pages");

const TRUSTED_MAY_STAND_IN: Record<string, string> = {
  "style.ts": "the fixed stylesheet",
  "archive-sent.ts": "the fixed dark-mode rule around the archived email",
  "story.ts": "a story's stored HTML, sanitised on import",
};

describe("public pages: unescaped markup", () => {
  const files = readdirSync(pagesDir).filter((f) => f.endsWith(".ts"));

  it("reads the page files", () => {
    expect(files).toEqual(
      expect.arrayContaining(["layout.ts", "subscribe.ts", ...Object.keys(TRUSTED_MAY_STAND_IN)]),
    );
  });

  it.each(files)("%s uses trusted() only where listed", (file) => {
    const uses = readFileSync(join(pagesDir, file), "utf8").match(/\btrusted\(/g)?.length ?? 0;
    if (file in TRUSTED_MAY_STAND_IN) expect(uses).toBeGreaterThan(0);
    else expect(uses).toBe(0);
  });
});

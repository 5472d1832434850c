/**
 * Branding from config (item 5 of "Reader experience"): validation of colours and logo with precise
 * messages, WCAG contrast arithmetic, and the configured look reaching the rendered email (colours,
 * logo, CAN-SPAM postal address, View in browser).
 */
import { beforeAll, describe, expect, it } from "vitest";
import { buildView, type EditionStory } from "../../functions/core/edition/edition.js";
import { createRenderer, type DigestRenderer } from "../../functions/core/edition/render.js";
import { contrastRatio, formatRatio, lightPalette, normaliseHex } from "../../functions/core/kernel/brand.js";
import { CONFIG_ENV, parseConfig } from "../../functions/core/kernel/config.js";
import { loadTemplateSpec } from "../../functions/local/template-loader.js";

let renderer: DigestRenderer;

beforeAll(async () => {
  renderer = createRenderer(await loadTemplateSpec());
});

/** The message parseConfig throws for these settings (env first, then file), or null when valid. */
function configError(env: Record<string, string>, file: Record<string, unknown> = {}): string | null {
  try {
    parseConfig(file, env);
    return null;
  } catch (err) {
    return (err as Error).message;
  }
}

describe("WCAG contrast", () => {
  it("matches the reference values", () => {
    expect(contrastRatio("#000000", "#ffffff")).toBeCloseTo(21, 5);
    expect(contrastRatio("#ffffff", "#ffffff")).toBe(1);
    // The classic boundary: #767676 passes AA on white, #777777 does not.
    expect(contrastRatio("#767676", "#ffffff")).toBeGreaterThan(4.5);
    expect(contrastRatio("#777777", "#ffffff")).toBeLessThan(4.5);
    expect(contrastRatio("#777", "#fff")).toBe(contrastRatio("#ffffff", "#777777"));
    expect(formatRatio(4.4999)).toBe("4.49:1");
  });

  it("normalises hex colours and rejects anything else", () => {
    expect(normaliseHex(" #ABC ")).toBe("#aabbcc");
    expect(normaliseHex("#1D4ED8")).toBe("#1d4ed8");
    for (const bad of ["blue", "#12345", "1d4ed8", "#1d4ed8ff", "rgb(0,0,0)", "#ggg"])
      expect(normaliseHex(bad)).toBeNull();
  });

  it("derives a muted text colour that still reaches 4.5:1", () => {
    for (const [text, background] of [
      ["#1f2937", "#ffffff"],
      ["#f1f5f9", "#1e1b4b"],
      ["#595959", "#ffffff"],
    ] as const) {
      const palette = lightPalette({ accentColor: "#1d4ed8", textColor: text, backgroundColor: background });
      expect(contrastRatio(palette.muted, background)).toBeGreaterThanOrEqual(4.5);
    }
  });
});

describe("branding config", () => {
  it("has defaults that pass, and an environment variable for every key", () => {
    const config = parseConfig({}, {});
    expect(config).toMatchObject({
      accentColor: "#1d4ed8",
      textColor: "#1f2937",
      backgroundColor: "#ffffff",
    });
    expect(config.logoUrl).toBeUndefined();
    expect(CONFIG_ENV).toMatchObject({
      logoUrl: "DIGEST_LOGO_URL",
      logoWidth: "DIGEST_LOGO_WIDTH",
      logoHeight: "DIGEST_LOGO_HEIGHT",
      accentColor: "DIGEST_ACCENT_COLOR",
      textColor: "DIGEST_TEXT_COLOR",
      backgroundColor: "DIGEST_BACKGROUND_COLOR",
    });
  });

  it("accepts readable colours and a logo with its size, normalised", () => {
    const config = parseConfig(
      { logoUrl: "https://cdn.example/logo.png", logoWidth: 180, logoHeight: 40 },
      { DIGEST_ACCENT_COLOR: "#9A3412", DIGEST_TEXT_COLOR: "#000", DIGEST_BACKGROUND_COLOR: "#FFFBEB" },
    );
    expect(config).toMatchObject({
      accentColor: "#9a3412",
      textColor: "#000000",
      backgroundColor: "#fffbeb",
      logoUrl: "https://cdn.example/logo.png",
      logoWidth: 180,
      logoHeight: 40,
    });
  });

  it("rejects an accent or text colour under 4.5:1 on the background, saying the ratio", () => {
    expect(configError({ DIGEST_ACCENT_COLOR: "#60a5fa" })).toBe(
      "invalid configuration:\n  accentColor (DIGEST_ACCENT_COLOR): #60a5fa on backgroundColor #ffffff has a contrast of 2.54:1; at least 4.5:1 is needed (WCAG AA)",
    );
    // A dark background turns the default text colour unreadable: both problems are named.
    const message = configError({}, { backgroundColor: "#111827" }) ?? "";
    expect(message).toContain(
      "textColor (DIGEST_TEXT_COLOR): #1f2937 on backgroundColor #111827 has a contrast of 1.",
    );
    expect(message).toContain("accentColor (DIGEST_ACCENT_COLOR): #1d4ed8 on backgroundColor #111827");
    expect(configError({ DIGEST_TEXT_COLOR: "#777777" })).toContain("has a contrast of 4.47:1");
    expect(configError({ DIGEST_TEXT_COLOR: "#767676" })).toBeNull();
  });

  it("names a colour that is not hex", () => {
    expect(configError({ DIGEST_TEXT_COLOR: "navy" })).toBe(
      'invalid configuration:\n  textColor (DIGEST_TEXT_COLOR): expected a hex colour like #1d4ed8, got "navy"',
    );
  });

  it("takes a logo only over https, and only with its width and height", () => {
    expect(
      configError({
        DIGEST_LOGO_URL: "http://cdn.example/logo.png",
        DIGEST_LOGO_WIDTH: "100",
        DIGEST_LOGO_HEIGHT: "30",
      }),
    ).toBe("invalid configuration:\n  logoUrl (DIGEST_LOGO_URL): must be an https:// URL");
    expect(configError({ DIGEST_LOGO_URL: "https://cdn.example/logo.png" })).toBe(
      "invalid configuration:\n  logoWidth (DIGEST_LOGO_WIDTH): required with logoUrl\n  logoHeight (DIGEST_LOGO_HEIGHT): required with logoUrl",
    );
    expect(
      configError({
        DIGEST_LOGO_URL: "https://cdn.example/l.png",
        DIGEST_LOGO_WIDTH: "0",
        DIGEST_LOGO_HEIGHT: "30",
      }),
    ).toBe("invalid configuration:\n  logoWidth (DIGEST_LOGO_WIDTH): expected a whole number from 1 to 600");
  });
});

describe("the configured look in the rendered email", () => {
  const stories: EditionStory[] = [
    {
      id: "s1",
      headline: "Harbour ferry returns after winter refit",
      url: "https://harbour.example/ferry",
      source: "Harbour Times",
      section: "Local",
      byline: "Ana Ortiz",
      publishedAt: "2031-02-03T07:00:00Z",
      excerpt: "The ferry is back on the water.",
    },
  ];

  function render(env: Record<string, string>) {
    const config = parseConfig(
      {},
      { DIGEST_POSTAL_ADDRESS: "Harbour Digest\n4 Quay Lane\nPortsby PB1 2CD", ...env },
    );
    const view = buildView({ config, date: "2031-02-03", stories, leftOut: 0 });
    return { html: renderer.html(view), text: renderer.text(view) };
  }

  it("paints the email with the configured colours and shows the logo with the brand as alt text", () => {
    const { html } = render({
      DIGEST_BRAND_NAME: "Harbour Digest",
      DIGEST_ACCENT_COLOR: "#9a3412",
      DIGEST_TEXT_COLOR: "#1c1917",
      DIGEST_BACKGROUND_COLOR: "#fffbeb",
      DIGEST_LOGO_URL: "https://cdn.example/harbour.png",
      DIGEST_LOGO_WIDTH: "180",
      DIGEST_LOGO_HEIGHT: "40",
    });
    expect(html).toContain('bgcolor="#fffbeb"');
    expect(html).toContain("background-color:#fffbeb;");
    expect(html).toContain("border-top:4px solid #9a3412;");
    expect(html).toContain('href="https://harbour.example/ferry" style="color:#1c1917;');
    expect(html).toContain(
      `aria-label="Read more at Harbour Times: Harbour ferry returns after winter refit" style="color:#9a3412;`,
    );
    expect(html).toContain(
      '<img src="https://cdn.example/harbour.png" alt="Harbour Digest" width="180" height="40"',
    );
    // No default colour and no build sentinel is left.
    expect(html).not.toMatch(/#0b0a0\d/);
    expect(html).not.toContain("#1d4ed8");
  });

  it("keeps the default look and the brand name as heading without branding", () => {
    const { html } = render({});
    expect(html).toContain("border-top:4px solid #1d4ed8;");
    expect(html).toMatch(/<h1 [^>]*>The Morning Digest<\/h1>/);
    expect(html).not.toContain("<img");
  });

  it("carries the postal address (CAN-SPAM) and the View in browser link to the archive", () => {
    const { html, text } = render({ DIGEST_PUBLIC_BASE_URL: "https://news.example.org" });
    expect(html).toContain("Harbour Digest<br>4 Quay Lane<br>Portsby PB1 2CD</p>");
    expect(text).toMatch(/Harbour Digest\n4 Quay Lane\nPortsby PB1 2CD\n$/);
    expect(html).toContain(
      '<a href="https://news.example.org/archive/2031-02-03" style="color:#6d747d;">View this email in your browser</a>',
    );
  });
});

/**
 * The configured look on the public pages (subscribe, confirm, unsubscribe, preferences, archive):
 * a style block that repaints the shared layout with the brand colours, and the brand mark (logo or
 * name) at the top of the card. The default colours leave the layout's own palette untouched.
 */
import { DEFAULT_COLORS, lightPalette } from "../../kernel/brand.js";
import type { DigestConfig } from "../../kernel/config.js";
import { html, type SafeHtml, trusted } from "../../kernel/html.js";

export type PageBrandConfig = Pick<DigestConfig, "brandName"> &
  Partial<
    Pick<
      DigestConfig,
      "accentColor" | "textColor" | "backgroundColor" | "logoUrl" | "logoWidth" | "logoHeight"
    >
  >;

/**
 * A <style> element with the brand colours, or "" when they are the defaults. Text, links and
 * buttons use only colour pairs the config guarantees at 4.5:1 (text and accent on the background;
 * button labels in the background colour on the accent); notices keep their own light boxes.
 */
export function pageBrandStyle(config: PageBrandConfig): SafeHtml | "" {
  const colors = {
    accentColor: config.accentColor ?? DEFAULT_COLORS.accentColor,
    textColor: config.textColor ?? DEFAULT_COLORS.textColor,
    backgroundColor: config.backgroundColor ?? DEFAULT_COLORS.backgroundColor,
  };
  const isDefault = (Object.keys(colors) as (keyof typeof colors)[]).every(
    (k) => colors[k] === DEFAULT_COLORS[k],
  );
  if (isDefault) return "";
  const p = lightPalette(colors);
  // Values are validated #rrggbb (config.ts), so they are safe inside CSS.
  return trusted(`<style>
body{background:${p.page};color:${p.text}}
.card{background:${p.background};color:${p.text};border-color:${p.rule}}
.brand,h1,h2,label,legend{color:${p.text}}
.optional,.hint,.meta,footer{color:${p.muted}}
footer{background:${p.background};border-radius:8px;padding:.75rem 1rem}
a,a:hover{color:${p.accent}}
button,button:hover{background:${p.accent};border-color:${p.accent};color:${p.background}}
button.secondary,button.secondary:hover{background:${p.background};color:${p.accent}}
.notice,.alert{color:#18181b}
.notice a,.alert a{color:#1d4ed8}
</style>`);
}

/** The brand line of the page: the logo (alt text: the brand name) when configured, else the name. */
export function pageBrandMark(config: PageBrandConfig): SafeHtml {
  const { logoUrl, logoWidth, logoHeight } = config;
  if (logoUrl && logoWidth && logoHeight && logoUrl.startsWith("https://")) {
    return html`<img src="${logoUrl}" alt="${config.brandName}" width="${String(logoWidth)}" height="${String(logoHeight)}" style="display:block;max-width:100%;height:auto">`;
  }
  return html`${config.brandName}`;
}

/**
 * The configured look on the public pages (subscribe, confirm, unsubscribe, preferences, archive,
 * story): the palette the email is drawn with (style.ts paints the pages with it), and the brand mark
 * (logo or name) at the top of the card, as the email's masthead.
 */
import { DEFAULT_COLORS, lightPalette, type Palette } from "../../kernel/brand.js";
import type { DigestConfig } from "../../kernel/config.js";
import { html, type SafeHtml } from "../../kernel/html.js";

export type PageBrandConfig = Pick<DigestConfig, "brandName"> &
  Partial<
    Pick<
      DigestConfig,
      "accentColor" | "textColor" | "backgroundColor" | "logoUrl" | "logoWidth" | "logoHeight"
    >
  >;

/** The email's light palette of the configured colours (unset ones take the defaults, as the email). */
export function pagePalette(config: PageBrandConfig): Palette {
  return lightPalette({
    accentColor: config.accentColor ?? DEFAULT_COLORS.accentColor,
    textColor: config.textColor ?? DEFAULT_COLORS.textColor,
    backgroundColor: config.backgroundColor ?? DEFAULT_COLORS.backgroundColor,
  });
}

/** The brand line of the page: the logo (alt text: the brand name) when configured, else the name. */
export function pageBrandMark(config: PageBrandConfig): SafeHtml {
  const { logoUrl, logoWidth, logoHeight } = config;
  if (logoUrl && logoWidth && logoHeight && logoUrl.startsWith("https://")) {
    return html`<img src="${logoUrl}" alt="${config.brandName}" width="${String(logoWidth)}" height="${String(logoHeight)}">`;
  }
  return html`${config.brandName}`;
}

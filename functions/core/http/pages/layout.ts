import { ARCHIVE_FEED_PATH } from "../../edition/archive-feed.js";
import type { DigestConfig } from "../../kernel/config.js";
import { html, type SafeHtml } from "../../kernel/html.js";
import { DEFAULT_LOCALE, t } from "../../kernel/i18n/index.js";
import { htmlResponse } from "../types.js";
import { type PageBrandConfig, pageBrandMark, pagePalette } from "./brand.js";
import { pageStyle } from "./style.js";

/**
 * The public pages: small server-rendered HTML in one shared layout, no scripts, no third-party
 * anything, usable without CSS. Every dynamic value goes through the `html` template tag, which
 * escapes it. Links and form actions are relative, so they work on whatever host serves the page.
 */

export type PageConfig = Pick<DigestConfig, "brandName"> &
  Partial<Pick<DigestConfig, "postalAddress" | "locale" | "locales">> &
  PageBrandConfig;

/** The language a page is written in (`<html lang>`): the config's, or the reader's own (readerLocale). */
export const pageLocale = (config: Pick<PageConfig, "locale">): string => config.locale ?? DEFAULT_LOCALE;

export interface LayoutOptions {
  title: string;
  body: SafeHtml;
  /** Shown under the heading, as a status message (role="status"). */
  notice?: string | null;
  /**
   * A public reading page (archive, hosted story): announces the archive's Atom feed in the head and
   * may be indexed by search engines. Every other page (sign-up steps, tokens in the address) is noindex.
   */
  feed?: boolean;
}

/** The shared page: brand, one h1, the body, the postal address. */
export function layout(config: PageConfig, { title, body, notice, feed }: LayoutOptions): string {
  const postal = config.postalAddress?.split(/\s*(?:\n| · )\s*/).filter(Boolean) ?? [];
  return html`<!doctype html>
<html lang="${pageLocale(config)}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
${feed ? "" : html`<meta name="robots" content="noindex">`}
<title>${title.includes(config.brandName) ? title : `${title} · ${config.brandName}`}</title>
<style>${pageStyle(pagePalette(config), { document: true })}</style>
${feed ? html`<link rel="alternate" type="application/atom+xml" title="${t(pageLocale(config), "page.feedTitle", { brand: config.brandName })}" href="${ARCHIVE_FEED_PATH}">` : ""}
</head>
<body>
<div class="page">
<main class="card">
<p class="brand">${pageBrandMark(config)}</p>
<h1>${title}</h1>
${notice ? html`<div class="notice" role="status"><p>${notice}</p></div>` : ""}
${body}
</main>
${postal.length > 0 ? html`<footer><p>${postal.map((line, i) => html`${i > 0 ? html`<br>` : ""}${line}`)}</p></footer>` : ""}
</div>
</body>
</html>
`.value;
}

export const page = (
  status: number,
  config: PageConfig,
  options: LayoutOptions,
  headers: Record<string, string> = {},
) => htmlResponse(status, layout(config, options), headers);

import { html } from "../../kernel/html.js";
import { t } from "../../kernel/i18n/index.js";
import type { HttpResponse } from "../types.js";
import { type PageConfig, page, pageLocale } from "./layout.js";

/** Mail to the address is blocked after bounces or complaints; only the sender can lift that. */
export function blockedPage(config: PageConfig, status: number): HttpResponse {
  const l = pageLocale(config);
  return page(status, config, {
    title: t(l, "blocked.title"),
    body: html`<p>${t(l, "blocked.why", { brand: config.brandName })}</p>
<p>${t(l, "blocked.mistake")}</p>`,
  });
}

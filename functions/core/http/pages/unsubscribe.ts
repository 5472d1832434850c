import { html } from "../../kernel/html.js";
import { t } from "../../kernel/i18n/index.js";
import type { HttpResponse } from "../types.js";
import { type PageConfig, page, pageLocale } from "./layout.js";

/** GET /unsubscribe?t=: one button (a POST, so link scanners that prefetch GETs unsubscribe nobody). */
export function unsubscribeConfirmPage(
  config: PageConfig,
  actionUrl: string,
  preferencesUrl: string,
): HttpResponse {
  const l = pageLocale(config);
  const brand = config.brandName;
  return page(200, config, {
    title: t(l, "unsubscribe.title", { brand }),
    body: html`<p>${t(l, "unsubscribe.explain", { brand })}</p>
<form method="post" action="${actionUrl}">
<input type="hidden" name="List-Unsubscribe" value="One-Click">
<div class="actions"><button type="submit">${t(l, "unsubscribe.button")}</button></div>
</form>
<p>${t(l, "unsubscribe.tooMuch")} <a href="${preferencesUrl}">${t(l, "unsubscribe.fewer")}</a>.</p>`,
  });
}

/** After an unsubscribe (one-click or the button), also when repeated. */
export function unsubscribedPage(config: PageConfig, preferencesUrl: string | null): HttpResponse {
  const l = pageLocale(config);
  return page(200, config, {
    title: t(l, "unsubscribed.title"),
    body: preferencesUrl
      ? html`<p>${t(l, "unsubscribed.noMore", { brand: config.brandName })}</p>
<p>${t(l, "unsubscribed.changedMind")} <a href="${preferencesUrl}">${t(l, "unsubscribed.subscribeAgain")}</a>.</p>`
      : html`<p>${t(l, "unsubscribed.nothingMore")}</p>`,
  });
}

/** GET /unsubscribe or /preferences without a token (e.g. from the outbox's digest.html). */
export function linkNeededPage(config: PageConfig, what: "unsubscribe" | "preferences"): HttpResponse {
  const l = pageLocale(config);
  const unsubscribe = what === "unsubscribe";
  return page(200, config, {
    title: t(l, unsubscribe ? "linkNeeded.unsubscribeTitle" : "linkNeeded.preferencesTitle"),
    body: html`<p>${t(l, unsubscribe ? "linkNeeded.unsubscribe" : "linkNeeded.preferences", { brand: config.brandName })}</p>
<p>${t(l, "linkNeeded.notYet")} <a href="/subscribe">${t(l, "linkNeeded.subscribeHere")}</a>.</p>`,
  });
}

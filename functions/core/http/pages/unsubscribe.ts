import { html } from "../../kernel/html.js";
import type { HttpResponse } from "../types.js";
import { type PageConfig, page } from "./layout.js";

/** GET /unsubscribe?t=: one button (a POST, so link scanners that prefetch GETs unsubscribe nobody). */
export function unsubscribeConfirmPage(
  config: PageConfig,
  actionUrl: string,
  preferencesUrl: string,
): HttpResponse {
  return page(200, config, {
    title: `Unsubscribe from ${config.brandName}?`,
    body: html`<p>Press the button and we'll stop sending you ${config.brandName}. No further steps.</p>
<form method="post" action="${actionUrl}">
<input type="hidden" name="List-Unsubscribe" value="One-Click">
<div class="actions"><button type="submit">Unsubscribe</button></div>
</form>
<p>Getting too much? You can <a href="${preferencesUrl}">choose fewer sections or pause instead</a>.</p>`,
  });
}

/** After an unsubscribe (one-click or the button), also when repeated. */
export function unsubscribedPage(config: PageConfig, preferencesUrl: string | null): HttpResponse {
  return page(200, config, {
    title: "You're unsubscribed",
    body: preferencesUrl
      ? html`<p>You won't receive ${config.brandName} any more.</p>
<p>Changed your mind? <a href="${preferencesUrl}">Subscribe again on your preferences page</a>.</p>`
      : html`<p>We won't send you anything more.</p>`,
  });
}

/** GET /unsubscribe or /preferences without a token (e.g. from the outbox's digest.html). */
export function linkNeededPage(config: PageConfig, what: "unsubscribe" | "preferences"): HttpResponse {
  return page(200, config, {
    title: what === "unsubscribe" ? "Unsubscribe" : "Your preferences",
    body: html`<p>To ${what === "unsubscribe" ? "unsubscribe" : "change your preferences"}, use the
“${what === "unsubscribe" ? "Unsubscribe" : "Preferences"}” link at the bottom of any email from ${config.brandName}:
it is personal to you, so no password is needed.</p>
<p>Not subscribed yet? <a href="/subscribe">Subscribe here</a>.</p>`,
  });
}

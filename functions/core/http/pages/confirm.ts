import { html } from "../../kernel/html.js";
import type { HttpResponse } from "../types.js";
import { type PageConfig, page } from "./layout.js";

/** GET /confirm: subscribed (now or before). */
export function confirmedPage(config: PageConfig, preferencesUrl: string, already: boolean): HttpResponse {
  return page(200, config, {
    title: "You're subscribed",
    body: html`<p>${
      already
        ? `Your subscription to ${config.brandName} was already confirmed. Nothing more to do.`
        : `Thank you for confirming. ${config.brandName} will arrive in your inbox with the next edition.`
    }</p>
<p><a href="${preferencesUrl}">Choose your sections, time zone or a pause</a> whenever you like.</p>`,
  });
}

/** GET /confirm with an expired link, or for a sign-up that is gone. */
export function confirmGonePage(config: PageConfig, reason: "expired" | "gone"): HttpResponse {
  return page(410, config, {
    title: reason === "expired" ? "This link has expired" : "This link is no longer valid",
    body: html`<p>${
      reason === "expired"
        ? "Confirmation links work for 7 days, and this one is older."
        : "This sign-up is no longer waiting for confirmation."
    } Please <a href="/subscribe">sign up again</a> and use the link in the new email.</p>`,
  });
}

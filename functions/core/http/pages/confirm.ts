import { html } from "../../kernel/html.js";
import { t } from "../../kernel/i18n/index.js";
import { TOKEN_MAX_AGE_SECONDS } from "../../subscribers/tokens.js";
import type { HttpResponse } from "../types.js";
import { type PageConfig, page, pageLocale } from "./layout.js";

const CONFIRM_DAYS = Math.round((TOKEN_MAX_AGE_SECONDS.confirm ?? 0) / 86_400);

/** GET /confirm: subscribed (now or before). */
export function confirmedPage(config: PageConfig, preferencesUrl: string, already: boolean): HttpResponse {
  const l = pageLocale(config);
  const brand = config.brandName;
  return page(200, config, {
    title: t(l, "confirm.title"),
    body: html`<p>${already ? t(l, "confirm.already", { brand }) : t(l, "confirm.thanks", { brand })}</p>
<p><a href="${preferencesUrl}">${t(l, "confirm.preferencesLink")}</a> ${t(l, "confirm.whenever")}</p>`,
  });
}

/** GET /confirm with an expired link, or for a sign-up that is gone. */
export function confirmGonePage(config: PageConfig, reason: "expired" | "gone"): HttpResponse {
  const l = pageLocale(config);
  return page(410, config, {
    title: t(l, reason === "expired" ? "confirmGone.expiredTitle" : "confirmGone.goneTitle"),
    body: html`<p>${
      reason === "expired" ? t(l, "confirmGone.expired", { days: CONFIRM_DAYS }) : t(l, "confirmGone.gone")
    } ${t(l, "confirmGone.please")} <a href="/subscribe">${t(l, "confirmGone.signUpAgain")}</a> ${t(l, "confirmGone.useNewLink")}</p>`,
  });
}

import type { DigestConfig } from "../../kernel/config.js";
import { html } from "../../kernel/html.js";
import { t, tn } from "../../kernel/i18n/index.js";
import { MAX_NAME_LENGTH } from "../../subscribers/subscriber-input.js";
import { TOKEN_MAX_AGE_SECONDS } from "../../subscribers/tokens.js";
import type { HttpResponse } from "../types.js";
import {
  described,
  errorSummary,
  type FieldErrors,
  fieldError,
  languageSelect,
  sectionsField,
  timeZoneSelect,
} from "./form-fields.js";
import { type PageConfig, page, pageLocale } from "./layout.js";

export interface SubscribeValues {
  email?: string;
  name?: string;
  sections?: string[];
  timezone?: string | null;
  locale?: string | null;
}

/** Days a confirmation link works. */
const CONFIRM_DAYS = Math.round((TOKEN_MAX_AGE_SECONDS.confirm ?? 0) / 86_400);

/** GET /subscribe, and the same form again (400) with the user's values and what was wrong. */
export function subscribePage(
  config: PageConfig & Pick<DigestConfig, "sections" | "timeZone">,
  values: SubscribeValues = {},
  errors: FieldErrors = {},
  status = 200,
): HttpResponse {
  const l = pageLocale(config);
  const optional = html`<span class="optional">${t(l, "form.optional")}</span>`;
  const body = html`${errorSummary(errors, l)}
<p>${t(l, "subscribe.intro")}</p>
<form method="post" action="/subscribe" novalidate>
<label for="email">${t(l, "form.email")}</label>
<input type="email" id="email" name="email" autocomplete="email" required value="${values.email ?? ""}"${described(errors, "email", false)}>
${fieldError(errors, "email")}
<label for="name">${t(l, "form.name")} ${optional}</label>
<input type="text" id="name" name="name" autocomplete="name" maxlength="${MAX_NAME_LENGTH}" value="${values.name ?? ""}"${described(errors, "name", false)}>
${fieldError(errors, "name")}
${config.sections.length > 0 ? sectionsField(config.sections, values.sections ?? [], errors, l) : ""}
${timeZoneSelect(values.timezone ?? null, config.timeZone, errors, l)}
${languageSelect(config.locales, values.locale ?? l, errors, l)}
<div class="actions"><button type="submit">${t(l, "subscribe.button")}</button></div>
</form>
<p class="hint">${t(l, "subscribe.anyTime")}</p>`;
  return page(status, config, {
    title: t(l, "subscribe.title", { brand: config.brandName }),
    body,
  });
}

/** 202 after a sign-up: the same whatever the address's state. */
export function checkInboxPage(config: PageConfig): HttpResponse {
  const l = pageLocale(config);
  return page(202, config, {
    title: t(l, "checkInbox.title"),
    body: html`<p>${t(l, "checkInbox.sent", { brand: config.brandName })}</p>
<p>${t(l, "checkInbox.validity", { days: CONFIRM_DAYS })} <a href="/subscribe">${t(l, "checkInbox.tryAgain")}</a>.</p>`,
  });
}

/** 429: too many sign-up emails to one address. */
export function rateLimitedPage(config: PageConfig, retryAfterSeconds: number): HttpResponse {
  const l = pageLocale(config);
  const hours = Math.max(1, Math.ceil(retryAfterSeconds / 3600));
  return page(
    429,
    config,
    {
      title: t(l, "rateLimited.title"),
      body: html`<p>${tn(l, "rateLimited.body", hours)}</p>`,
    },
    { "retry-after": String(retryAfterSeconds) },
  );
}

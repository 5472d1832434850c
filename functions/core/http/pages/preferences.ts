import type { DigestConfig } from "../../kernel/config.js";
import { html } from "../../kernel/html.js";
import { type MessageKey, t } from "../../kernel/i18n/index.js";
import type { PreferenceAction } from "../../subscribers/preferences.js";
import type { Subscriber } from "../../subscribers/subscribers.js";
import type { HttpResponse } from "../types.js";
import {
  deliveryHourSelect,
  errorSummary,
  type FieldErrors,
  languageSelect,
  sectionsField,
  timeZoneSelect,
} from "./form-fields.js";
import { type PageConfig, page, pageLocale } from "./layout.js";

const NOTICES: Record<PreferenceAction, MessageKey> = {
  save: "preferences.saved",
  pause: "preferences.paused",
  resume: "preferences.resumed",
  unsubscribe: "preferences.unsubscribed",
  resubscribe: "preferences.resubscribed",
};

const STATUS_TEXT: Record<Subscriber["status"], MessageKey> = {
  active: "preferences.statusActive",
  paused: "preferences.statusPaused",
  unsubscribed: "preferences.statusUnsubscribed",
  pending: "preferences.statusPending",
  suppressed: "preferences.statusSuppressed",
};

/**
 * GET /preferences?t= (and the same page with errors, 400). `actionUrl` carries the token. The page
 * is in `config.locale`: the route passes the reader's own language there.
 */
export function preferencesPage(
  config: PageConfig &
    Pick<DigestConfig, "sections" | "timeZone"> &
    Partial<Pick<DigestConfig, "deliveryMode" | "deliveryHour">>,
  subscriber: Pick<Subscriber, "email" | "status" | "sections" | "timezone" | "deliveryHour">,
  opts: {
    actionUrl: string;
    saved?: PreferenceAction | null;
    errors?: FieldErrors;
    values?: { sections?: string[]; timezone?: string | null };
    status?: number;
  },
): HttpResponse {
  const l = pageLocale(config);
  const errors = opts.errors ?? {};
  const sections = opts.values?.sections ?? subscriber.sections;
  const timezone = opts.values?.timezone !== undefined ? opts.values.timezone : subscriber.timezone;
  const s = subscriber.status;
  const stateButton =
    s === "active"
      ? html`<button type="submit" name="action" value="pause" class="secondary">${t(l, "preferences.pause")}</button>`
      : s === "paused"
        ? html`<button type="submit" name="action" value="resume">${t(l, "preferences.resume")}</button>`
        : html`<button type="submit" name="action" value="resubscribe">${t(l, s === "pending" ? "preferences.subscribe" : "preferences.subscribeAgain")}</button>`;
  const body = html`${errorSummary(errors, l)}
<p>${t(l, "preferences.for")} <strong>${subscriber.email}</strong>.</p>
<h2>${t(l, "preferences.subscription")}</h2>
<p>${t(l, STATUS_TEXT[s])}</p>
<form method="post" action="${opts.actionUrl}" class="inline"><div class="actions">${stateButton}</div></form>
<h2>${t(l, "preferences.whatYouReceive")}</h2>
<form method="post" action="${opts.actionUrl}" novalidate>
${sectionsField(config.sections, sections, errors, l)}
${timeZoneSelect(timezone, config.timeZone, errors, l)}
${config.deliveryMode === "local" ? deliveryHourSelect(subscriber.deliveryHour ?? null, config.deliveryHour ?? 7, errors, l) : ""}
${languageSelect(config.locales, l, errors, l)}
<div class="actions"><button type="submit" name="action" value="save">${t(l, "preferences.save")}</button></div>
</form>
${
  s === "active" || s === "paused"
    ? html`<h2>${t(l, "preferences.unsubscribeHeading")}</h2>
<p>${t(l, "preferences.unsubscribeExplain", { brand: config.brandName })}</p>
<form method="post" action="${opts.actionUrl}"><div class="actions"><button type="submit" name="action" value="unsubscribe" class="secondary">${t(l, "preferences.unsubscribeButton")}</button></div></form>`
    : ""
}`;
  return page(opts.status ?? 200, config, {
    title: t(l, "preferences.title"),
    notice: opts.saved ? t(l, NOTICES[opts.saved]) : null,
    body,
  });
}

/** The subscription behind a preferences link no longer exists (erased). */
export function preferencesGonePage(config: PageConfig): HttpResponse {
  const l = pageLocale(config);
  return page(410, config, {
    title: t(l, "preferencesGone.title"),
    body: html`<p>${t(l, "preferencesGone.body")}</p>
<p>${t(l, "preferencesGone.again", { brand: config.brandName })} <a href="/subscribe">${t(l, "preferencesGone.subscribeHere")}</a>.</p>`,
  });
}

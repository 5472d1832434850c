import type { DigestConfig } from "../../kernel/config.js";
import { html } from "../../kernel/html.js";
import type { PreferenceAction } from "../../subscribers/preferences.js";
import type { Subscriber } from "../../subscribers/subscribers.js";
import type { HttpResponse } from "../types.js";
import {
  deliveryHourSelect,
  errorSummary,
  type FieldErrors,
  sectionsField,
  timeZoneSelect,
} from "./form-fields.js";
import { type PageConfig, page } from "./layout.js";

const NOTICES: Record<PreferenceAction, string> = {
  save: "Your preferences are saved.",
  pause: "Your subscription is paused. Resume it here whenever you like.",
  resume: "Welcome back: the digest arrives again from the next edition.",
  unsubscribe: "You're unsubscribed. You won't receive the digest any more.",
  resubscribe: "You're subscribed again: the digest arrives from the next edition.",
};

const STATUS_TEXT: Record<Subscriber["status"], string> = {
  active: "You're subscribed.",
  paused: "Your subscription is paused: we won't send the digest until you resume it.",
  unsubscribed: "You're unsubscribed: we don't send you the digest.",
  pending: "You're not subscribed yet: your sign-up is waiting for confirmation.",
  suppressed: "Email to this address is blocked.",
};

/** GET /preferences?t= (and the same page with errors, 400). `actionUrl` carries the token. */
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
  const errors = opts.errors ?? {};
  const sections = opts.values?.sections ?? subscriber.sections;
  const timezone = opts.values?.timezone !== undefined ? opts.values.timezone : subscriber.timezone;
  const s = subscriber.status;
  const stateButton =
    s === "active"
      ? html`<button type="submit" name="action" value="pause" class="secondary">Pause the digest</button>`
      : s === "paused"
        ? html`<button type="submit" name="action" value="resume">Resume the digest</button>`
        : html`<button type="submit" name="action" value="resubscribe">${s === "pending" ? "Subscribe" : "Subscribe again"}</button>`;
  const body = html`${errorSummary(errors)}
<p>For <strong>${subscriber.email}</strong>.</p>
<h2>Your subscription</h2>
<p>${STATUS_TEXT[s]}</p>
<form method="post" action="${opts.actionUrl}" class="inline"><div class="actions">${stateButton}</div></form>
<h2>What you receive</h2>
<form method="post" action="${opts.actionUrl}" novalidate>
${sectionsField(config.sections, sections, errors)}
${timeZoneSelect(timezone, config.timeZone, errors)}
${config.deliveryMode === "local" ? deliveryHourSelect(subscriber.deliveryHour ?? null, config.deliveryHour ?? 7, errors) : ""}
<div class="actions"><button type="submit" name="action" value="save">Save preferences</button></div>
</form>
${
  s === "active" || s === "paused"
    ? html`<h2>Unsubscribe</h2>
<p>Stop receiving ${config.brandName} altogether. You can subscribe again here later.</p>
<form method="post" action="${opts.actionUrl}"><div class="actions"><button type="submit" name="action" value="unsubscribe" class="secondary">Unsubscribe</button></div></form>`
    : ""
}`;
  return page(opts.status ?? 200, config, {
    title: "Your preferences",
    notice: opts.saved ? NOTICES[opts.saved] : null,
    body,
  });
}

/** The subscription behind a preferences link no longer exists (erased). */
export function preferencesGonePage(config: PageConfig): HttpResponse {
  return page(410, config, {
    title: "This subscription no longer exists",
    body: html`<p>We no longer hold a subscription for this link, and we won't send anything more to it.</p>
<p>To read ${config.brandName} again, <a href="/subscribe">subscribe here</a>.</p>`,
  });
}

import type { DigestConfig } from "../../kernel/config.js";
import { html } from "../../kernel/html.js";
import { MAX_NAME_LENGTH } from "../../subscribers/subscriber-input.js";
import type { HttpResponse } from "../types.js";
import {
  described,
  errorSummary,
  type FieldErrors,
  fieldError,
  sectionsField,
  timeZoneSelect,
} from "./form-fields.js";
import { type PageConfig, page } from "./layout.js";

export interface SubscribeValues {
  email?: string;
  name?: string;
  sections?: string[];
  timezone?: string | null;
}

/** GET /subscribe, and the same form again (400) with the user's values and what was wrong. */
export function subscribePage(
  config: PageConfig & Pick<DigestConfig, "sections" | "timeZone">,
  values: SubscribeValues = {},
  errors: FieldErrors = {},
  status = 200,
): HttpResponse {
  const body = html`${errorSummary(errors)}
<p>One email a day with the day's stories. We'll send you a link to confirm your address first.</p>
<form method="post" action="/subscribe" novalidate>
<label for="email">Email address</label>
<input type="email" id="email" name="email" autocomplete="email" required value="${values.email ?? ""}"${described(errors, "email", false)}>
${fieldError(errors, "email")}
<label for="name">Name <span class="optional">(optional)</span></label>
<input type="text" id="name" name="name" autocomplete="name" maxlength="${MAX_NAME_LENGTH}" value="${values.name ?? ""}"${described(errors, "name", false)}>
${fieldError(errors, "name")}
${config.sections.length > 0 ? sectionsField(config.sections, values.sections ?? [], errors) : ""}
${timeZoneSelect(values.timezone ?? null, config.timeZone, errors)}
<div class="actions"><button type="submit">Subscribe</button></div>
</form>
<p class="hint">You can unsubscribe or change what you get at any time, with the links in every email.</p>`;
  return page(status, config, {
    title: `Subscribe to ${config.brandName}`,
    body,
  });
}

/** 202 after a sign-up: the same whatever the address's state. */
export function checkInboxPage(config: PageConfig): HttpResponse {
  return page(202, config, {
    title: "Check your inbox",
    body: html`<p>If the address you entered can receive ${config.brandName}, an email is on its way to it.
Open it and follow the link inside to confirm your subscription.</p>
<p>The link works for 7 days. Nothing arrived? Look in your spam folder, or <a href="/subscribe">try again</a>.</p>`,
  });
}

/** 429: too many sign-up emails to one address. */
export function rateLimitedPage(config: PageConfig, retryAfterSeconds: number): HttpResponse {
  const hours = Math.max(1, Math.ceil(retryAfterSeconds / 3600));
  return page(
    429,
    config,
    {
      title: "Please wait a little",
      body: html`<p>We have already sent several emails to this address today, so we won't send another one yet.
Look for the latest one in your inbox (and your spam folder), or try again in about ${hours} hour${hours === 1 ? "" : "s"}.</p>`,
    },
    { "retry-after": String(retryAfterSeconds) },
  );
}

import type { ArchivedEdition, ArchiveEntry } from "../edition/archive.js";
import { ARCHIVE_FEED_PATH } from "../edition/archive-feed.js";
import type { DigestConfig } from "../kernel/config.js";
import { html, type SafeHtml, trusted } from "../kernel/html.js";
import type { SectionView, Story, StoryView } from "../kernel/types.js";
import { safeHttpUrl } from "../stories/canonical-url.js";
import type { PreferenceAction } from "../subscribers/preferences.js";
import { MAX_NAME_LENGTH } from "../subscribers/subscriber-admin.js";
import type { Subscriber } from "../subscribers/subscribers.js";
import { type PageBrandConfig, pageBrandMark, pageBrandStyle } from "./page-brand.js";
import { type HttpResponse, htmlResponse } from "./types.js";

/**
 * The public pages: small server-rendered HTML in one shared layout, no scripts, no third-party
 * anything, usable without CSS. Every dynamic value goes through the `html` template tag, which
 * escapes it. Links and form actions are relative, so they work on whatever host serves the page.
 */

export type PageConfig = Pick<DigestConfig, "brandName"> &
  Partial<Pick<DigestConfig, "postalAddress">> &
  PageBrandConfig;

/** Colours meet WCAG AA (4.5:1) against their backgrounds; focus is always visible. */
const STYLE = trusted(`
:root{color-scheme:light}
*{box-sizing:border-box}
body{margin:0;background:#f4f4f5;color:#18181b;font:1rem/1.55 system-ui,-apple-system,"Segoe UI",Roboto,Helvetica,Arial,sans-serif}
.page{max-width:36rem;margin:0 auto;padding:1.5rem 1rem 3rem}
.card{background:#fff;border:1px solid #d4d4d8;border-radius:8px;padding:1.5rem}
.brand{margin:0 0 1rem;font-weight:700;color:#3f3f46}
h1{font-size:1.6rem;line-height:1.25;margin:0 0 1rem}
h2{font-size:1.15rem;margin:2rem 0 .5rem}
a{color:#1d4ed8}
a:hover{color:#1e3a8a}
:focus-visible{outline:3px solid #b45309;outline-offset:2px}
label,legend{display:block;font-weight:600;margin:1rem 0 .3rem}
.optional{font-weight:400;color:#52525b}
input[type=email],input[type=text],select{width:100%;padding:.55rem .6rem;font:inherit;color:#18181b;background:#fff;border:1px solid #71717a;border-radius:4px}
input[aria-invalid=true],select[aria-invalid=true]{border:2px solid #b91c1c}
fieldset{border:0;margin:0;padding:0}
.check{display:flex;gap:.5rem;align-items:center;margin:.3rem 0}
.check label{display:inline;margin:0;font-weight:400}
.check input{width:1.15rem;height:1.15rem;margin:0}
.hint{margin:.25rem 0 0;color:#52525b;font-size:.9rem}
.field-error{margin:.25rem 0 0;color:#b91c1c;font-weight:600}
.actions{margin-top:1.5rem;display:flex;flex-wrap:wrap;gap:.75rem;align-items:center}
button{font:inherit;font-weight:600;padding:.6rem 1.2rem;border-radius:6px;border:2px solid #1d4ed8;background:#1d4ed8;color:#fff;cursor:pointer}
button:hover{background:#1e3a8a;border-color:#1e3a8a}
button.secondary{background:#fff;color:#1d4ed8}
button.secondary:hover{background:#eff6ff}
form.inline{display:inline}
.notice,.alert{margin:0 0 1.25rem;padding:.75rem 1rem;border-left:4px solid;border-radius:4px}
.notice{border-color:#15803d;background:#f0fdf4}
.alert{border-color:#b91c1c;background:#fef2f2}
.alert h2{margin:0 0 .25rem;font-size:1rem}
.alert p,.notice p{margin:0}
footer{margin-top:1.5rem;color:#52525b;font-size:.85rem;text-align:center}
.lead{font-size:1.05rem;font-weight:600}
.meta{margin:.15rem 0 .4rem;color:#52525b;font-size:.9rem}
.stories{list-style:none;margin:0;padding:0}
.stories>li{margin:0 0 1.25rem}
.stories h3,.stories h4{font-size:1.05rem;margin:0}
.stories p{margin:.25rem 0}
.archive{list-style:none;margin:0;padding:0}
.archive>li{margin:0 0 1rem}
.story-body img{max-width:100%;height:auto}
.story-body pre{overflow-x:auto}
.visually-hidden{position:absolute;width:1px;height:1px;margin:-1px;padding:0;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap;border:0}
.pager{display:flex;flex-wrap:wrap;gap:1rem;margin-top:1.5rem}
`);

interface LayoutOptions {
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
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
${feed ? "" : html`<meta name="robots" content="noindex">`}
<title>${title.includes(config.brandName) ? title : `${title} · ${config.brandName}`}</title>
<style>${STYLE}</style>
${pageBrandStyle(config)}
${feed ? html`<link rel="alternate" type="application/atom+xml" title="${config.brandName}: past editions" href="${ARCHIVE_FEED_PATH}">` : ""}
</head>
<body>
<div class="page">
<main class="card">
<p class="brand">${pageBrandMark(config)}</p>
<h1>${title}</h1>
${notice ? html`<div class="notice" role="status"><p>${notice}</p></div>` : ""}
${body}
</main>
${postal.length > 0 ? html`<footer><p>${postal.map((line, i) => html`${i > 0 ? trusted("<br>") : ""}${line}`)}</p></footer>` : ""}
</div>
</body>
</html>
`.value;
}

const page = (
  status: number,
  config: PageConfig,
  options: LayoutOptions,
  headers: Record<string, string> = {},
) => htmlResponse(status, layout(config, options), headers);

/** A small accessible error page (also used by the router for 404s and 500s of public routes). */
export function errorPage(config: PageConfig, status: number, message: string): HttpResponse {
  const title =
    status === 404
      ? "Page not found"
      : status === 410
        ? "This link has expired"
        : status >= 500
          ? "Something went wrong"
          : status === 429
            ? "Too many requests"
            : "This link did not work";
  const sentence = message.charAt(0).toUpperCase() + message.slice(1);
  return page(status, config, {
    title,
    body: html`<p>${/[.!?]$/.test(sentence) ? sentence : `${sentence}.`}</p>`,
  });
}

// ---------------------------------------------------------------------------------------------------
// Form parts

export type FieldErrors = Partial<
  Record<"email" | "name" | "sections" | "timezone" | "deliveryHour" | "action", string>
>;

let zones: string[] | null = null;
/** IANA zones this runtime knows, with UTC first. */
function timeZones(): string[] {
  zones ??= ["UTC", ...Intl.supportedValuesOf("timeZone").filter((z) => z !== "UTC")];
  return zones;
}

/** aria-describedby (the hint, then the error) and aria-invalid of a field. */
function described(errors: FieldErrors, field: keyof FieldErrors, hint: boolean): SafeHtml {
  const ids = [hint ? `${field}-hint` : "", errors[field] ? `${field}-error` : ""].filter(Boolean);
  return html`${ids.length > 0 ? html` aria-describedby="${ids.join(" ")}"` : ""}${errors[field] ? trusted(' aria-invalid="true"') : ""}`;
}

const fieldError = (errors: FieldErrors, field: keyof FieldErrors) =>
  errors[field] ? html`<p class="field-error" id="${field}-error">${errors[field]}</p>` : "";

function errorSummary(errors: FieldErrors): SafeHtml | "" {
  const entries = Object.entries(errors).filter(([, message]) => message);
  if (entries.length === 0) return "";
  return html`<div class="alert" role="alert"><h2>Please check the form</h2>${entries.map(
    ([field, message]) =>
      html`<p>${field === "action" ? message : html`<a href="#${field}">${FIELD_LABELS[field] ?? field}</a>: ${message}`}</p>`,
  )}</div>`;
}

const FIELD_LABELS: Record<string, string> = {
  email: "Email address",
  name: "Name",
  sections: "Sections",
  timezone: "Time zone",
  deliveryHour: "Delivery time",
};

/** Local delivery only: the hour the digest arrives, in the reader's zone. */
function deliveryHourSelect(current: number | null, defaultHour: number, errors: FieldErrors): SafeHtml {
  const label = (h: number) => `${String(h).padStart(2, "0")}:00`;
  const hours = Array.from({ length: 24 }, (_, h) => h);
  return html`<label for="deliveryHour">Delivery time</label>
<select id="deliveryHour" name="deliveryHour"${described(errors, "deliveryHour", true)}>
<option value=""${current === null ? trusted(" selected") : ""}>The usual time (${label(defaultHour)})</option>
${hours.map(
  (h) => html`<option value="${String(h)}"${h === current ? trusted(" selected") : ""}>${label(h)}</option>
`,
)}</select>
<p class="hint" id="deliveryHour-hint">When the digest arrives, in your time zone.</p>
${fieldError(errors, "deliveryHour")}`;
}

function timeZoneSelect(current: string | null, defaultZone: string, errors: FieldErrors): SafeHtml {
  const list = current && !timeZones().includes(current) ? [current, ...timeZones()] : timeZones();
  return html`<label for="timezone">Time zone <span class="optional">(optional)</span></label>
<select id="timezone" name="timezone"${described(errors, "timezone", true)}>
<option value=""${current ? "" : trusted(" selected")}>No preference (the edition follows ${defaultZone})</option>
${list.map((z) => html`<option${z === current ? trusted(" selected") : ""}>${z}</option>\n`)}</select>
<p class="hint" id="timezone-hint">Where you read the digest.</p>
${fieldError(errors, "timezone")}`;
}

/**
 * Section choice: checkboxes when sections are configured (all ticked means all sections, also those
 * added later), a comma-separated text field when any section name is allowed.
 */
function sectionsField(known: readonly string[], chosen: readonly string[], errors: FieldErrors): SafeHtml {
  if (known.length === 0) {
    return html`<label for="sections">Sections <span class="optional">(optional)</span></label>
<input type="text" id="sections" name="sections" value="${chosen.join(", ")}"${described(errors, "sections", true)}>
<p class="hint" id="sections-hint">Separate names with commas. Leave empty to get every section.</p>
${fieldError(errors, "sections")}`;
  }
  const all = chosen.length === 0;
  const ticked = new Set(chosen.map((c) => c.toLowerCase()));
  return html`<fieldset id="sections" aria-describedby="sections-hint${errors.sections ? " sections-error" : ""}">
<legend>Sections</legend>
<p class="hint" id="sections-hint">Untick what you don't want to read. All ticked means every section, including new ones.</p>
${known.map(
  (name, i) =>
    html`<div class="check"><input type="checkbox" id="section-${i}" name="sections" value="${name}"${
      all || ticked.has(name.toLowerCase()) ? trusted(" checked") : ""
    }><label for="section-${i}">${name}</label></div>\n`,
)}${fieldError(errors, "sections")}
</fieldset>`;
}

// ---------------------------------------------------------------------------------------------------
// Sign-up and confirmation

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

/** Mail to the address is blocked after bounces or complaints; only the sender can lift that. */
export function blockedPage(config: PageConfig, status: number): HttpResponse {
  return page(status, config, {
    title: "We can't send email to this address",
    body: html`<p>Email to this address was blocked because earlier messages bounced or were reported as spam.
While the block is in place we won't send ${config.brandName} there, and it cannot be switched back on from this page.</p>
<p>If you think this is a mistake, reply to any of our emails or contact the sender, and we'll look into it.</p>`,
  });
}

// ---------------------------------------------------------------------------------------------------
// Unsubscribe

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

// ---------------------------------------------------------------------------------------------------
// Preferences

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

// ---------------------------------------------------------------------------------------------------
// Web archive and hosted stories (public, cacheable: no personal link or token on any of them)

/** An href for a stored URL: only absolute http(s) without credentials, else null (shown as text). */
function safeHref(raw: string | null): string | null {
  if (!raw) return null;
  const href = safeHttpUrl(raw);
  if (href === null) return null;
  const { username, password } = new URL(href);
  return username === "" && password === "" ? href : null;
}

function storyItem(story: StoryView, heading: "h3" | "h4"): SafeHtml {
  const href = safeHref(story.url);
  const headline = href ? html`<a href="${href}">${story.headline}</a>` : html`${story.headline}`;
  const readMore = safeHref(story.readMoreUrl);
  return html`<li>
${heading === "h3" ? html`<h3>${headline}</h3>` : html`<h4>${headline}</h4>`}
<p class="meta">${story.source}${story.byline.trim() ? ` · ${story.byline}` : ""}</p>
${story.excerpt.trim() ? html`<p>${story.excerpt}</p>` : ""}
${readMore ? html`<p><a href="${readMore}">Read more<span class="visually-hidden">: ${story.headline}</span></a></p>` : ""}
</li>
`;
}

function sectionList(sections: readonly SectionView[], level: "h2" | "h3"): SafeHtml {
  const story = level === "h2" ? "h3" : "h4";
  return html`${sections.map(
    (section) => html`${level === "h2" ? html`<h2>${section.name}</h2>` : html`<h3>${section.name}</h3>`}
<ul class="stories">
${section.stories.map((s) => storyItem(s, story))}</ul>
`,
  )}`;
}

const subscribeInvite = (config: PageConfig) =>
  html`<p>Like what you read? <a href="/subscribe">Subscribe to ${config.brandName}</a> and get each edition in your inbox.</p>`;

/** The archive's way around: all editions, the feed, subscribing. */
const archiveNav = (label: string, first: SafeHtml | "" = "") =>
  html`<nav class="pager" aria-label="${label}">${first}<a href="/archive">All past editions</a><a href="${ARCHIVE_FEED_PATH}">Atom feed</a><a href="/subscribe">Subscribe</a></nav>`;

/**
 * GET /archive/{date}: the edition as the all-sections email showed it (same stories, sections and
 * order), then the stories the email's cap left out (#more, where "N more stories" points). In place
 * of the email's personal unsubscribe and preferences links: a public subscribe link.
 */
export function archiveEditionPage(
  config: PageConfig,
  edition: ArchivedEdition,
  headers: Record<string, string> = {},
): HttpResponse {
  const { view, more } = edition;
  const moreCount = more.reduce((n, s) => n + s.stories.length, 0);
  const body = html`<p class="lead">${view.subject}</p>
${
  edition.status === "cancelled"
    ? html`<div class="notice" role="note"><p>This edition was stopped while it was being sent, so not every subscriber received it.</p></div>`
    : ""
}
${sectionList(view.sections, "h2")}
${
  moreCount > 0
    ? html`<h2 id="more">More stories from this day</h2>
<p>${moreCount === 1 ? "This story" : `These ${moreCount} stories`} did not fit in the email.</p>
${sectionList(more, "h3")}`
    : ""
}
${subscribeInvite(config)}
${archiveNav("The archive")}`;
  return page(200, config, { title: view.dateLabel, body, feed: true }, headers);
}

/** GET /archive: editions that went out, newest first, with "Older editions" while there are more. */
export function archiveListPage(
  config: PageConfig,
  list: { items: ArchiveEntry[]; nextBefore: string | null; before: string | null },
  headers: Record<string, string> = {},
): HttpResponse {
  const { items, nextBefore, before } = list;
  const entries = items.map(
    (e) => html`<li><a href="/archive/${e.date}"><time datetime="${e.date}">${e.dateLabel}</time></a>
<p class="meta">${e.subject} · ${e.stories} ${e.stories === 1 ? "story" : "stories"}${e.status === "cancelled" ? " · stopped before reaching everyone" : ""}</p></li>
`,
  );
  const body = html`${
    items.length > 0
      ? html`<ul class="archive">
${entries}</ul>`
      : html`<p>${before ? "No older editions." : "No editions have gone out yet."}</p>`
  }
${
  nextBefore || before
    ? html`<nav class="pager" aria-label="More editions">${before ? html`<a href="/archive">Newest editions</a>` : ""}${
        nextBefore ? html`<a href="/archive?before=${nextBefore}">Older editions</a>` : ""
      }</nav>`
    : ""
}
${subscribeInvite(config)}
<p>Follow new editions in a feed reader: <a href="${ARCHIVE_FEED_PATH}">Atom feed</a>.</p>`;
  return page(200, config, { title: `Past editions of ${config.brandName}`, body, feed: true }, headers);
}

/** "14 March 2031, 09:05 CET" in the configured zone; the raw value when it is not a date. */
export function storyDate(iso: string, timeZone: string): string {
  const at = new Date(iso);
  if (Number.isNaN(at.getTime())) return iso;
  const parts = new Intl.DateTimeFormat("en-GB", {
    day: "numeric",
    month: "long",
    year: "numeric",
    hour: "2-digit",
    minute: "2-digit",
    hourCycle: "h23",
    timeZoneName: "short",
    timeZone,
  }).formatToParts(at);
  const part = (type: Intl.DateTimeFormatPartTypes) => parts.find((p) => p.type === type)?.value ?? "";
  // Assembled from parts: ICU versions disagree on the words between date and time.
  return `${part("day")} ${part("month")} ${part("year")}, ${part("hour")}:${part("minute")} ${part("timeZoneName")}`;
}

/**
 * The story's body: its sanitised HTML when it has some (headings demoted below the page's h1),
 * else the plain text, one escaped paragraph per blank-line-separated block.
 */
function storyBody(story: Pick<Story, "body" | "html" | "excerpt">): SafeHtml {
  if (story.html?.trim()) {
    // Stored HTML went through the allow-list sanitiser on import (see Story.html); the page's CSP
    // (no scripts at all) is the second line of defence.
    return trusted(story.html.replace(/<(\/?)h1\b/gi, "<$1h2"));
  }
  const paragraphs = (story.body.trim() || story.excerpt)
    .split(/\r?\n\s*\r?\n/)
    .map((p) => p.trim())
    .filter(Boolean);
  return html`${paragraphs.map((p) => html`<p>${p}</p>\n`)}`;
}

/** GET /stories/{id}: the hosted copy of a story ("Read more" of stories without a URL). */
export function storyPage(
  config: PageConfig & Pick<DigestConfig, "timeZone">,
  story: Story,
  headers: Record<string, string> = {},
): HttpResponse {
  const original = safeHref(story.url);
  const body = html`<p class="meta">${story.source}${story.byline.trim() ? ` · ${story.byline}` : ""}<br>
<time datetime="${story.publishedAt}">${storyDate(story.publishedAt, config.timeZone)}</time></p>
<div class="story-body">
${storyBody(story)}</div>
${original ? html`<p><a href="${original}">Read it at ${story.source || "the source"}</a></p>` : ""}
${subscribeInvite(config)}
${archiveNav("More to read")}`;
  return page(200, config, { title: story.headline, body, feed: true }, headers);
}

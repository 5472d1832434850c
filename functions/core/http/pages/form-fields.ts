import { html, type SafeHtml } from "../../kernel/html.js";
import { DEFAULT_LOCALE, languageName, type MessageKey, t } from "../../kernel/i18n/index.js";

/**
 * The parts of the sign-up and preferences forms: fields with their hints and errors, and the error
 * summary at the top of a form sent back. Labels and hints are in the page's language (`locale`).
 */

export type FieldErrors = Partial<
  Record<"email" | "name" | "sections" | "timezone" | "deliveryHour" | "locale" | "action", string>
>;

let zones: string[] | null = null;
/** IANA zones this runtime knows, with UTC first. */
function timeZones(): string[] {
  zones ??= ["UTC", ...Intl.supportedValuesOf("timeZone").filter((z) => z !== "UTC")];
  return zones;
}

/** aria-describedby (the hint, then the error) and aria-invalid of a field. */
export function described(errors: FieldErrors, field: keyof FieldErrors, hint: boolean): SafeHtml {
  const ids = [hint ? `${field}-hint` : "", errors[field] ? `${field}-error` : ""].filter(Boolean);
  return html`${ids.length > 0 ? html` aria-describedby="${ids.join(" ")}"` : ""}${errors[field] ? html` aria-invalid="true"` : ""}`;
}

export const fieldError = (errors: FieldErrors, field: keyof FieldErrors) =>
  errors[field] ? html`<p class="field-error" id="${field}-error">${errors[field]}</p>` : "";

const FIELD_LABELS: Record<Exclude<keyof FieldErrors, "action">, MessageKey> = {
  email: "form.email",
  name: "form.name",
  sections: "form.sections",
  timezone: "form.timezone",
  deliveryHour: "form.deliveryHour",
  locale: "form.language",
};

export function errorSummary(errors: FieldErrors, locale: string = DEFAULT_LOCALE): SafeHtml | "" {
  const entries = Object.entries(errors).filter(([, message]) => message);
  if (entries.length === 0) return "";
  const label = (field: string) => {
    const key = FIELD_LABELS[field as keyof typeof FIELD_LABELS];
    return key ? t(locale, key) : field;
  };
  return html`<div class="alert" role="alert"><h2>${t(locale, "form.checkTheForm")}</h2>${entries.map(
    ([field, message]) =>
      html`<p>${field === "action" ? message : html`<a href="#${field}">${label(field)}</a>: ${message}`}</p>`,
  )}</div>`;
}

const optional = (locale: string) => html`<span class="optional">${t(locale, "form.optional")}</span>`;

/** Local delivery only: the hour the digest arrives, in the reader's zone. */
export function deliveryHourSelect(
  current: number | null,
  defaultHour: number,
  errors: FieldErrors,
  locale: string = DEFAULT_LOCALE,
): SafeHtml {
  const label = (h: number) => `${String(h).padStart(2, "0")}:00`;
  const hours = Array.from({ length: 24 }, (_, h) => h);
  return html`<label for="deliveryHour">${t(locale, "form.deliveryHour")}</label>
<select id="deliveryHour" name="deliveryHour"${described(errors, "deliveryHour", true)}>
<option value=""${current === null ? html` selected` : ""}>${t(locale, "form.deliveryHourDefault", { time: label(defaultHour) })}</option>
${hours.map(
  (h) => html`<option value="${String(h)}"${h === current ? html` selected` : ""}>${label(h)}</option>
`,
)}</select>
<p class="hint" id="deliveryHour-hint">${t(locale, "form.deliveryHourHint")}</p>
${fieldError(errors, "deliveryHour")}`;
}

export function timeZoneSelect(
  current: string | null,
  defaultZone: string,
  errors: FieldErrors,
  locale: string = DEFAULT_LOCALE,
): SafeHtml {
  const list = current && !timeZones().includes(current) ? [current, ...timeZones()] : timeZones();
  return html`<label for="timezone">${t(locale, "form.timezone")} ${optional(locale)}</label>
<select id="timezone" name="timezone"${described(errors, "timezone", true)}>
<option value=""${current ? "" : html` selected`}>${t(locale, "form.timezoneDefault", { zone: defaultZone })}</option>
${list.map((z) => html`<option${z === current ? html` selected` : ""}>${z}</option>\n`)}</select>
<p class="hint" id="timezone-hint">${t(locale, "form.timezoneHint")}</p>
${fieldError(errors, "timezone")}`;
}

/**
 * The reader's language, when more than one is enabled (config `locales`); each named in itself
 * and marked with its own `lang`, so a screen reader says "Deutsch" in German. Nothing otherwise.
 */
export function languageSelect(
  locales: readonly string[] | undefined,
  current: string,
  errors: FieldErrors,
  locale: string = DEFAULT_LOCALE,
): SafeHtml | "" {
  if (!locales || locales.length < 2) return "";
  return html`<label for="locale">${t(locale, "form.language")}</label>
<select id="locale" name="locale"${described(errors, "locale", true)}>
${locales.map(
  (tag) =>
    html`<option value="${tag}" lang="${tag}"${tag === current ? html` selected` : ""}>${languageName(tag)}</option>\n`,
)}</select>
<p class="hint" id="locale-hint">${t(locale, "form.languageHint")}</p>
${fieldError(errors, "locale")}`;
}

/**
 * Section choice: checkboxes when sections are configured (all ticked means all sections, also those
 * added later), a comma-separated text field when any section name is allowed.
 */
export function sectionsField(
  known: readonly string[],
  chosen: readonly string[],
  errors: FieldErrors,
  locale: string = DEFAULT_LOCALE,
): SafeHtml {
  if (known.length === 0) {
    return html`<label for="sections">${t(locale, "form.sections")} ${optional(locale)}</label>
<input type="text" id="sections" name="sections" value="${chosen.join(", ")}"${described(errors, "sections", true)}>
<p class="hint" id="sections-hint">${t(locale, "form.sectionsTypedHint")}</p>
${fieldError(errors, "sections")}`;
  }
  const all = chosen.length === 0;
  const ticked = new Set(chosen.map((c) => c.toLowerCase()));
  return html`<fieldset id="sections" aria-describedby="sections-hint${errors.sections ? " sections-error" : ""}">
<legend>${t(locale, "form.sections")}</legend>
<p class="hint" id="sections-hint">${t(locale, "form.sectionsHint")}</p>
${known.map(
  (name, i) =>
    html`<div class="check"><input type="checkbox" id="section-${i}" name="sections" value="${name}"${
      all || ticked.has(name.toLowerCase()) ? html` checked` : ""
    }><label for="section-${i}">${name}</label></div>\n`,
)}${fieldError(errors, "sections")}
</fieldset>`;
}

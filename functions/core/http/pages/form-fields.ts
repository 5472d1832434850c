import { html, type SafeHtml } from "../../kernel/html.js";

/**
 * The parts of the sign-up and preferences forms: fields with their hints and errors, and the error
 * summary at the top of a form sent back.
 */

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
export function described(errors: FieldErrors, field: keyof FieldErrors, hint: boolean): SafeHtml {
  const ids = [hint ? `${field}-hint` : "", errors[field] ? `${field}-error` : ""].filter(Boolean);
  return html`${ids.length > 0 ? html` aria-describedby="${ids.join(" ")}"` : ""}${errors[field] ? html` aria-invalid="true"` : ""}`;
}

export const fieldError = (errors: FieldErrors, field: keyof FieldErrors) =>
  errors[field] ? html`<p class="field-error" id="${field}-error">${errors[field]}</p>` : "";

export function errorSummary(errors: FieldErrors): SafeHtml | "" {
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
export function deliveryHourSelect(
  current: number | null,
  defaultHour: number,
  errors: FieldErrors,
): SafeHtml {
  const label = (h: number) => `${String(h).padStart(2, "0")}:00`;
  const hours = Array.from({ length: 24 }, (_, h) => h);
  return html`<label for="deliveryHour">Delivery time</label>
<select id="deliveryHour" name="deliveryHour"${described(errors, "deliveryHour", true)}>
<option value=""${current === null ? html` selected` : ""}>The usual time (${label(defaultHour)})</option>
${hours.map(
  (h) => html`<option value="${String(h)}"${h === current ? html` selected` : ""}>${label(h)}</option>
`,
)}</select>
<p class="hint" id="deliveryHour-hint">When the digest arrives, in your time zone.</p>
${fieldError(errors, "deliveryHour")}`;
}

export function timeZoneSelect(current: string | null, defaultZone: string, errors: FieldErrors): SafeHtml {
  const list = current && !timeZones().includes(current) ? [current, ...timeZones()] : timeZones();
  return html`<label for="timezone">Time zone <span class="optional">(optional)</span></label>
<select id="timezone" name="timezone"${described(errors, "timezone", true)}>
<option value=""${current ? "" : html` selected`}>No preference (the edition follows ${defaultZone})</option>
${list.map((z) => html`<option${z === current ? html` selected` : ""}>${z}</option>\n`)}</select>
<p class="hint" id="timezone-hint">Where you read the digest.</p>
${fieldError(errors, "timezone")}`;
}

/**
 * Section choice: checkboxes when sections are configured (all ticked means all sections, also those
 * added later), a comma-separated text field when any section name is allowed.
 */
export function sectionsField(
  known: readonly string[],
  chosen: readonly string[],
  errors: FieldErrors,
): SafeHtml {
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
      all || ticked.has(name.toLowerCase()) ? html` checked` : ""
    }><label for="section-${i}">${name}</label></div>\n`,
)}${fieldError(errors, "sections")}
</fieldset>`;
}

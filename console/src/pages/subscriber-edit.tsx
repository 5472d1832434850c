import { useEffect, useState } from "preact/hooks";
import { call } from "../api";
import { useAction, useLoad } from "../hooks";
import { Badge, Confirm, Dialog, Done, ErrorNote, Field, formatTime, Select, useCan } from "../ui";

interface Detail {
  email: string;
  name: string | null;
  status: string;
  sections: string[];
  timezone: string | null;
  /** Their chosen language; null: the newsletter's default. */
  locale: string | null;
  createdAt: string;
  confirmedAt: string | null;
  consent?: { method?: string; at?: string; source?: string } | null;
  suppression?: { reason: string; at: string } | null;
}

const path = (email: string) => `/admin/subscribers/${encodeURIComponent(email)}`;

/** The languages a subscriber may have, the default first (GET /admin/overview); asked once a session. */
let enabledLocales: Promise<string[]> | null = null;
function loadLocales(): Promise<string[]> {
  enabledLocales ??= call<{ locales?: string[] }>("/admin/overview").then(
    (o) => o.locales ?? [],
    (err) => {
      enabledLocales = null;
      throw err;
    },
  );
  return enabledLocales;
}

/** "fr" → "French (fr)" in the browser's language; the tag alone where Intl does not know it. */
function languageName(tag: string): string {
  try {
    const name = new Intl.DisplayNames([navigator.language, "en"], { type: "language" }).of(tag);
    return name && name !== tag ? `${name} (${tag})` : tag;
  } catch {
    return tag;
  }
}

/** The language select's choices: the default (empty), the other enabled ones, and a stored one no longer enabled. */
function localeOptions(locales: string[], stored: string | null): [string, string][] {
  const [fallback, ...others] = locales;
  const options: [string, string][] = [
    ["", `Newsletter default${fallback ? `: ${languageName(fallback)}` : ""}`],
  ];
  for (const tag of others) options.push([tag, languageName(tag)]);
  if (stored && !locales.includes(stored))
    options.push([stored, `${languageName(stored)}, no longer enabled`]);
  return options;
}

/** One subscriber in a dialog: details, and for owners edit, pause/resume, unsubscribe, erase. */
export function SubscriberEditor(props: {
  email: string | null;
  onClose: () => void;
  onChanged: () => void;
}) {
  return (
    <Dialog open={props.email !== null} title={props.email ?? ""} onClose={props.onClose}>
      {props.email ? <Editor {...props} email={props.email} /> : null}
    </Dialog>
  );
}

function Editor({
  email,
  onClose,
  onChanged,
}: {
  email: string;
  onClose: () => void;
  onChanged: () => void;
}) {
  const canWrite = useCan("owner");
  const detail = useLoad(() => call<Detail>(path(email)), [email]);
  const locales = useLoad(loadLocales, []);
  const [form, setForm] = useState({ name: "", sections: "", timezone: "", locale: "", deliveryHour: "" });
  const [erasing, setErasing] = useState(false);
  const action = useAction();
  const d = detail.data;
  useEffect(() => {
    if (d)
      setForm({
        name: d.name ?? "",
        sections: d.sections.join(", "),
        timezone: d.timezone ?? "",
        locale: d.locale ?? "",
        deliveryHour: "",
      });
  }, [d]);

  const change = (json: Record<string, unknown>, said: string) =>
    action.run(async () => {
      await call(path(email), { method: "PATCH", json });
      detail.reload();
      onChanged();
      return said;
    });

  if (!d) return detail.error ? <ErrorNote error={detail.error} /> : <p role="status">Loading…</p>;
  return (
    <>
      <dl class="facts">
        <dt>Status</dt>
        <dd>
          <Badge value={d.status} />
          {d.suppression ? ` (suppressed: ${d.suppression.reason})` : ""}
        </dd>
        <dt>Added</dt>
        <dd>{formatTime(d.createdAt)}</dd>
        <dt>Confirmed</dt>
        <dd>{formatTime(d.confirmedAt)}</dd>
        <dt>Consent</dt>
        <dd>{d.consent ? `${d.consent.method ?? ""} — ${d.consent.source ?? ""}` : "—"}</dd>
      </dl>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          const hour = form.deliveryHour.trim();
          void change(
            {
              name: form.name.trim() || null,
              sections: form.sections,
              timezone: form.timezone.trim() || null,
              // Sent only when changed: a stored language that is no longer enabled stays as it is.
              ...(form.locale !== (d.locale ?? "") ? { locale: form.locale || null } : {}),
              ...(hour ? { deliveryHour: Number(hour) } : {}),
            },
            "Saved.",
          );
        }}
      >
        <fieldset disabled={!canWrite}>
          <legend class="visually-hidden">Subscription</legend>
          <Field
            label="Name"
            input={{ value: form.name, onInput: (e) => setForm({ ...form, name: e.currentTarget.value }) }}
          />
          <Field
            label="Sections"
            hint="Separated by commas; empty for all sections."
            input={{
              value: form.sections,
              onInput: (e) => setForm({ ...form, sections: e.currentTarget.value }),
            }}
          />
          <Field
            label="Time zone"
            hint="e.g. Europe/Berlin; empty for the newsletter's."
            input={{
              value: form.timezone,
              onInput: (e) => setForm({ ...form, timezone: e.currentTarget.value }),
            }}
          />
          {(locales.data?.length ?? 0) > 1 || d.locale ? (
            <Select
              label="Language"
              value={form.locale}
              options={localeOptions(locales.data ?? [], d.locale)}
              onChange={(locale) => setForm({ ...form, locale })}
            />
          ) : null}
          <Field
            label="Delivery hour"
            hint="0–23 in their time zone; empty keeps it."
            input={{
              type: "number",
              min: 0,
              max: 23,
              value: form.deliveryHour,
              onInput: (e) => setForm({ ...form, deliveryHour: e.currentTarget.value }),
            }}
          />
          <div class="actions">
            <button type="submit" class="primary" disabled={action.busy}>
              Save
            </button>
            {d.status === "active" ? (
              <button type="button" onClick={() => change({ status: "paused" }, "Paused.")}>
                Pause
              </button>
            ) : null}
            {d.status === "paused" ? (
              <button type="button" onClick={() => change({ status: "active" }, "Resumed.")}>
                Resume
              </button>
            ) : null}
            {d.status !== "unsubscribed" ? (
              <button
                type="button"
                onClick={() =>
                  action.run(async () => {
                    await call(path(email), { method: "DELETE" });
                    detail.reload();
                    onChanged();
                    return "Unsubscribed.";
                  })
                }
              >
                Unsubscribe
              </button>
            ) : null}
            <button type="button" class="danger" onClick={() => setErasing(true)}>
              Erase…
            </button>
          </div>
        </fieldset>
      </form>
      <ErrorNote error={action.error} />
      <Done message={action.done} />
      <div class="actions">
        <button type="button" onClick={onClose}>
          Close
        </button>
      </div>
      <Confirm
        open={erasing}
        title={`Erase ${email}?`}
        message="Their record, consent evidence and delivery history are erased (GDPR). This cannot be undone."
        confirmLabel="Erase"
        danger
        busy={action.busy}
        error={action.error}
        onCancel={() => setErasing(false)}
        onConfirm={async () => {
          const ok = await action.run(async () => {
            await call(path(email), { method: "DELETE", query: { erase: true } });
          });
          if (ok) {
            setErasing(false);
            onChanged();
            onClose();
          }
        }}
      />
    </>
  );
}

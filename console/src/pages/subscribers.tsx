import { useState } from "preact/hooks";
import { call, type Page } from "../api";
import { useAction, useCursorPages, useLoad } from "../hooks";
import {
  Badge,
  DataTable,
  Done,
  ErrorNote,
  Field,
  formatTime,
  needs,
  Pager,
  PageTitle,
  Select,
  useCan,
} from "../ui";
import { SubscriberEditor } from "./subscriber-edit";
import { SubscriberExport, SubscriberImport } from "./subscriber-transfer";

/**
 * Subscribers: search by the start of an address or of a name (q=: the API's keyed search), filter
 * by status and section, one page at a time
 * from the API (its nextCursor; the list is never loaded whole); add, edit, import, export.
 */

export interface SubscriberRow {
  email: string;
  name: string | null;
  status: string;
  sections: string[];
  timezone: string | null;
  /** Their chosen language; null: the newsletter's default. */
  locale?: string | null;
  createdAt: string;
  confirmedAt: string | null;
}

const STATUSES: [string, string][] = [
  ["", "Any status"],
  ["active", "active"],
  ["pending", "pending"],
  ["paused", "paused"],
  ["unsubscribed", "unsubscribed"],
  ["suppressed", "suppressed"],
];

const PAGE_SIZE = 50;

export function SubscribersPage() {
  const canWrite = useCan("owner");
  const [filter, setFilter] = useState({ q: "", status: "", section: "" });
  const [draft, setDraft] = useState(filter);
  const pages = useCursorPages();
  const { cursor } = pages;
  const list = useLoad(
    () =>
      call<Page<SubscriberRow>>("/admin/subscribers", {
        query: { ...filter, cursor, limit: PAGE_SIZE },
      }),
    [filter, cursor],
  );
  const [editing, setEditing] = useState<string | null>(null);
  const refresh = () => list.reload();

  return (
    <>
      <PageTitle>Subscribers</PageTitle>
      <form
        class="toolbar"
        onSubmit={(e) => {
          e.preventDefault();
          setFilter(draft);
          pages.first();
        }}
      >
        <Field
          label="Search addresses or names"
          hint="The start of an address or a name, e.g. ana@exa or Zoë (accents and case do not matter)"
          input={{
            type: "search",
            value: draft.q,
            autocomplete: "off",
            spellcheck: false,
            onInput: (e) => setDraft({ ...draft, q: e.currentTarget.value }),
          }}
        />
        <Select
          label="Status"
          value={draft.status}
          options={STATUSES}
          onChange={(status) => setDraft({ ...draft, status })}
        />
        <Field
          label="Section"
          input={{
            value: draft.section,
            onInput: (e) => setDraft({ ...draft, section: e.currentTarget.value }),
          }}
        />
        <button type="submit">Search</button>
      </form>
      <ErrorNote error={list.error} />
      <DataTable
        caption={`Subscribers, page ${pages.page}`}
        columns={[
          { label: "Address" },
          { label: "Name", class: "opt" },
          { label: "Status" },
          { label: "Sections", class: "opt" },
          { label: "Added", class: "opt" },
          { label: "Actions", hidden: true },
        ]}
        busy={list.loading}
        empty={
          list.data && list.data.items.length === 0
            ? `No subscribers match${list.data.nextCursor ? " on this page (there are more pages)" : ""}.`
            : null
        }
      >
        {list.data?.items.map((s) => (
          <tr key={s.email}>
            <td class="mono">{s.email}</td>
            <td class="opt">{s.name ?? ""}</td>
            <td>
              <Badge value={s.status} />
            </td>
            <td class="opt">
              {s.sections.length ? s.sections.join(", ") : <span class="muted">all</span>}
              {s.locale ? (
                <span class="muted">
                  {" · "}
                  <span class="visually-hidden">language </span>
                  {s.locale}
                </span>
              ) : null}
            </td>
            <td class="nowrap opt">{formatTime(s.createdAt)}</td>
            <td>
              <button type="button" class="small" onClick={() => setEditing(s.email)}>
                {canWrite ? "Edit" : "Details"}
                <span class="visually-hidden"> {s.email}</span>
              </button>
            </td>
          </tr>
        ))}
      </DataTable>
      <Pager pages={pages} nextCursor={list.data?.nextCursor} />
      <SubscriberEditor email={editing} onClose={() => setEditing(null)} onChanged={refresh} />
      <div class="columns">
        {canWrite ? (
          <AddSubscriber onAdded={refresh} />
        ) : (
          <p class="muted">Adding subscribers {needs("owner")}.</p>
        )}
        {canWrite ? <SubscriberImport onImported={refresh} /> : null}
      </div>
      {canWrite ? <SubscriberExport filter={filter} /> : null}
    </>
  );
}

function AddSubscriber({ onAdded }: { onAdded: () => void }) {
  const empty = { email: "", name: "", sections: "", pending: false };
  const [form, setForm] = useState(empty);
  const action = useAction();
  return (
    <section class="panel" aria-labelledby="add-subscriber">
      <h2 id="add-subscriber">Add a subscriber</h2>
      <form
        onSubmit={async (e) => {
          e.preventDefault();
          const ok = await action.run(async () => {
            const added = await call<{ email: string; status: string }>("/admin/subscribers", {
              method: "POST",
              json: {
                email: form.email,
                ...(form.name.trim() ? { name: form.name.trim() } : {}),
                ...(form.sections.trim() ? { sections: form.sections } : {}),
                status: form.pending ? "pending" : "active",
              },
            });
            return `Added ${added.email} (${added.status}).`;
          });
          if (ok) {
            setForm(empty);
            onAdded();
          }
        }}
      >
        <Field
          label="Email"
          input={{
            type: "email",
            required: true,
            autocomplete: "off",
            value: form.email,
            onInput: (e) => setForm({ ...form, email: e.currentTarget.value }),
          }}
        />
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
        <label class="check">
          <input
            type="checkbox"
            checked={form.pending}
            onChange={(e) => setForm({ ...form, pending: e.currentTarget.checked })}
          />
          Ask them to confirm first (sends a confirmation email)
        </label>
        <button type="submit" class="primary" disabled={action.busy}>
          Add subscriber
        </button>
        <ErrorNote error={action.error} />
        <Done message={action.done} />
      </form>
    </section>
  );
}

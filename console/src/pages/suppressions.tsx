import { useState } from "preact/hooks";
import { call, type Page } from "../api";
import { useAction, useCursorPages, useLoad } from "../hooks";
import { DataTable, Done, ErrorNote, Field, formatTime, Pager, PageTitle, useCan } from "../ui";

interface Suppression {
  email: string;
  reason: string;
  at: string;
  detail?: string | null;
}

/** Addresses never mailed (bounces, complaints, by hand): search by prefix, page by page; add, remove. */
export function SuppressionsPage() {
  const canWrite = useCan("owner");
  const [prefix, setPrefix] = useState("");
  const [draft, setDraft] = useState("");
  const pages = useCursorPages();
  const { cursor } = pages;
  const list = useLoad(
    () => call<Page<Suppression>>("/admin/suppressions", { query: { prefix, cursor } }),
    [prefix, cursor],
  );
  const action = useAction();
  const [form, setForm] = useState({ email: "", reason: "" });
  return (
    <>
      <PageTitle>Suppressions</PageTitle>
      <form
        class="toolbar"
        onSubmit={(e) => {
          e.preventDefault();
          setPrefix(draft.trim());
          pages.first();
        }}
      >
        <Field
          label="Search suppressed addresses"
          input={{ type: "search", value: draft, onInput: (e) => setDraft(e.currentTarget.value) }}
        />
        <button type="submit">Search</button>
      </form>
      <ErrorNote error={list.error} />
      <ErrorNote error={action.error} />
      <Done message={action.done} />
      <DataTable
        caption="Suppressed addresses"
        columns={[
          { label: "Address" },
          { label: "Reason" },
          { label: "Since" },
          { label: "Actions", hidden: true },
        ]}
      >
        {list.data?.items.map((s) => (
          <tr key={s.email}>
            <td class="mono">{s.email}</td>
            <td>
              {s.reason}
              {s.detail ? <span class="muted"> — {s.detail}</span> : null}
            </td>
            <td class="nowrap">{formatTime(s.at)}</td>
            <td>
              {canWrite ? (
                <button
                  type="button"
                  class="small"
                  onClick={() =>
                    action.run(async () => {
                      await call(`/admin/suppressions/${encodeURIComponent(s.email)}`, {
                        method: "DELETE",
                      });
                      list.reload();
                      return `${s.email} may be mailed again.`;
                    })
                  }
                >
                  Remove<span class="visually-hidden"> {s.email}</span>
                </button>
              ) : null}
            </td>
          </tr>
        ))}
      </DataTable>
      <Pager pages={pages} nextCursor={list.data?.nextCursor} />
      {canWrite ? (
        <section class="panel" aria-labelledby="add-suppression">
          <h2 id="add-suppression">Suppress an address</h2>
          <form
            onSubmit={async (e) => {
              e.preventDefault();
              const ok = await action.run(async () => {
                await call("/admin/suppressions", { method: "POST", json: form });
                list.reload();
                return `${form.email} is suppressed.`;
              });
              if (ok) setForm({ email: "", reason: "" });
            }}
          >
            <Field
              label="Address"
              input={{
                type: "email",
                required: true,
                value: form.email,
                onInput: (e) => setForm({ ...form, email: e.currentTarget.value }),
              }}
            />
            <Field
              label="Reason"
              input={{
                required: true,
                value: form.reason,
                onInput: (e) => setForm({ ...form, reason: e.currentTarget.value }),
              }}
            />
            <button type="submit" class="primary" disabled={action.busy}>
              Suppress
            </button>
          </form>
        </section>
      ) : null}
    </>
  );
}

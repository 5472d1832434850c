import { useState } from "preact/hooks";
import type { AuditEntry } from "../../../functions/core/team/ports";
import { call, type Page } from "../api";
import { useAction, useCursorPages, useLoad } from "../hooks";
import { DataTable, download, ErrorNote, Field, formatTime, Pager, PageTitle, useCan } from "../ui";

const EMPTY = { actor: "", action: "", target: "", from: "", to: "" };

/** Every write by anyone (console, API, CLI), newest first; filtered and paged by the API. */
export function AuditPage() {
  const [filter, setFilter] = useState(EMPTY);
  const [draft, setDraft] = useState(EMPTY);
  const pages = useCursorPages();
  const { cursor } = pages;
  const list = useLoad(
    () => call<Page<AuditEntry>>("/admin/audit", { query: { ...filter, cursor, limit: 50 } }),
    [filter, cursor],
  );
  const canExport = useCan("owner");
  const exporting = useAction();
  const set = (key: keyof typeof EMPTY) => (e: { currentTarget: HTMLInputElement }) =>
    setDraft({ ...draft, [key]: e.currentTarget.value });
  return (
    <>
      <PageTitle
        actions={
          canExport ? (
            <button
              type="button"
              disabled={exporting.busy}
              onClick={() =>
                exporting.run(async () => {
                  const csv = await call<string>("/admin/audit/export", {
                    query: { format: "csv" },
                    text: true,
                  });
                  download(`audit-${new Date().toISOString().slice(0, 10)}.csv`, csv, "text/csv");
                })
              }
            >
              Export CSV
            </button>
          ) : null
        }
      >
        Audit log
      </PageTitle>
      <ErrorNote error={exporting.error} />
      <form
        class="toolbar"
        onSubmit={(e) => {
          e.preventDefault();
          setFilter(draft);
          pages.first();
        }}
      >
        <Field label="Who" input={{ value: draft.actor, onInput: set("actor") }} />
        <Field
          label="Action"
          hint="e.g. subscriber.add"
          input={{ value: draft.action, onInput: set("action") }}
        />
        <Field label="Target" input={{ value: draft.target, onInput: set("target") }} />
        <Field label="From" input={{ type: "date", value: draft.from, onInput: set("from") }} />
        <Field label="To" input={{ type: "date", value: draft.to, onInput: set("to") }} />
        <button type="submit">Filter</button>
      </form>
      <ErrorNote error={list.error} />
      <DataTable
        caption="Audit log"
        columns={[
          { label: "When" },
          { label: "Who" },
          { label: "Action" },
          { label: "Target" },
          { label: "Change" },
        ]}
        empty={list.data?.items.length === 0 ? "Nothing recorded matches." : null}
      >
        {list.data?.items.map((a) => (
          <tr key={a.id}>
            <td class="nowrap">{formatTime(a.at)}</td>
            <td>
              {a.actor}
              {a.via ? <span class="muted"> ({a.via})</span> : null}
            </td>
            <td class="mono">{a.action}</td>
            <td class="mono">{a.target ?? ""}</td>
            <td>{a.summary ?? ""}</td>
          </tr>
        ))}
      </DataTable>
      <Pager pages={pages} nextCursor={list.data?.nextCursor} />
    </>
  );
}

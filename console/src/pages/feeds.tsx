import { useState } from "preact/hooks";
import { call } from "../api";
import { useAction, useLoad } from "../hooks";
import { Done, ErrorNote, Field, formatTime, needs, PageTitle, useCan } from "../ui";

interface Feed {
  id?: string;
  url: string;
  section?: string | null;
  lastPolledAt?: string | null;
  lastError?: string | null;
}

const feedId = (f: Feed) => encodeURIComponent(f.id ?? f.url);

/** The feeds stories come from: status and last error; add, remove, poll now. */
export function FeedsPage() {
  const canEdit = useCan("editor");
  const list = useLoad(() => call<{ items: Feed[] }>("/admin/feeds"), []);
  const action = useAction();
  const [form, setForm] = useState({ url: "", section: "" });
  const act = (f: Feed, how: "poll" | "remove") =>
    action.run(async () => {
      if (how === "poll") await call(`/admin/feeds/${feedId(f)}/poll`, { method: "POST" });
      else await call(`/admin/feeds/${feedId(f)}`, { method: "DELETE" });
      list.reload();
      return how === "poll" ? `Polled ${f.url}.` : `Removed ${f.url}.`;
    });
  return (
    <>
      <PageTitle>Feeds</PageTitle>
      <ErrorNote error={list.error} />
      <ErrorNote error={action.error} />
      <Done message={action.done} />
      <div class="table-wrap">
        <table>
          <caption class="visually-hidden">Feeds</caption>
          <thead>
            <tr>
              <th scope="col">Feed</th>
              <th scope="col">Section</th>
              <th scope="col">Last polled</th>
              <th scope="col">Last error</th>
              <th scope="col">
                <span class="visually-hidden">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {list.data?.items.map((f) => (
              <tr key={f.url}>
                <td class="mono">{f.url}</td>
                <td>{f.section ?? <span class="muted">from the feed</span>}</td>
                <td class="nowrap">{formatTime(f.lastPolledAt)}</td>
                <td>
                  {f.lastError ? (
                    <span class="error-text">{f.lastError}</span>
                  ) : (
                    <span class="muted">none</span>
                  )}
                </td>
                <td class="row-actions">
                  <button
                    type="button"
                    class="small"
                    disabled={!canEdit}
                    title={canEdit ? undefined : needs("editor")}
                    onClick={() => act(f, "poll")}
                  >
                    Poll now<span class="visually-hidden"> {f.url}</span>
                  </button>
                  <button
                    type="button"
                    class="small"
                    disabled={!canEdit}
                    title={canEdit ? undefined : needs("editor")}
                    onClick={() => act(f, "remove")}
                  >
                    Remove<span class="visually-hidden"> {f.url}</span>
                  </button>
                </td>
              </tr>
            ))}
            {list.data?.items.length === 0 ? (
              <tr>
                <td colSpan={5} class="muted">
                  No feeds yet.
                </td>
              </tr>
            ) : null}
          </tbody>
        </table>
      </div>
      {canEdit ? (
        <section class="panel" aria-labelledby="add-feed">
          <h2 id="add-feed">Add a feed</h2>
          <form
            onSubmit={async (e) => {
              e.preventDefault();
              const ok = await action.run(async () => {
                await call("/admin/feeds", {
                  method: "POST",
                  json: { url: form.url, ...(form.section.trim() ? { section: form.section.trim() } : {}) },
                });
                list.reload();
                return `Added ${form.url}.`;
              });
              if (ok) setForm({ url: "", section: "" });
            }}
          >
            <Field
              label="Feed URL"
              input={{
                type: "url",
                required: true,
                value: form.url,
                onInput: (e) => setForm({ ...form, url: e.currentTarget.value }),
              }}
            />
            <Field
              label="Section"
              hint="Empty: the section each item names."
              input={{
                value: form.section,
                onInput: (e) => setForm({ ...form, section: e.currentTarget.value }),
              }}
            />
            <button type="submit" class="primary" disabled={action.busy}>
              Add feed
            </button>
          </form>
        </section>
      ) : null}
    </>
  );
}

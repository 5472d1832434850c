import { useState } from "preact/hooks";
import { call } from "../api";
import { useAction, useLoad } from "../hooks";
import { Badge, DataTable, Done, ErrorNote, Field, formatTime, needs, PageTitle, useCan } from "../ui";

interface Feed {
  /** A hash of the feed's canonical URL: how the routes name it. */
  id: string;
  url: string;
  section: string | null;
  title: string | null;
  lastPolledAt: string | null;
  lastStatus: "ok" | "not-modified" | "error" | null;
  lastError: string | null;
  consecutiveFailures: number;
}

/** What POST /admin/feeds/{id}/poll answers. */
interface PollReport {
  url: string;
  status: "ok" | "not-modified" | "error";
  error: string | null;
  imported: number;
  updated: number;
  invalid: number;
}

const feedPath = (f: Feed) => `/admin/feeds/${encodeURIComponent(f.id)}`;

/** The poll's outcome in a sentence; a feed that failed is the action's error. */
function describePoll(f: Feed, r: PollReport): string {
  if (r.status === "error") throw new Error(`Polled ${f.url}: ${r.error ?? "failed"}`);
  if (r.status === "not-modified") return `Polled ${f.url}: not modified since the last poll.`;
  const invalid = r.invalid ? `, ${r.invalid} not imported` : "";
  return `Polled ${f.url}: ${r.imported} new, ${r.updated} updated${invalid}.`;
}

/** The feeds stories come from: status and last error; add, remove, poll now. */
export function FeedsPage() {
  const canEdit = useCan("editor");
  const list = useLoad(() => call<{ items: Feed[] }>("/admin/feeds"), []);
  const action = useAction();
  const [form, setForm] = useState({ url: "", section: "" });
  const act = (f: Feed, how: "poll" | "remove") =>
    action.run(async () => {
      if (how === "remove") {
        await call(feedPath(f), { method: "DELETE" });
        list.reload();
        return `Removed ${f.url}.`;
      }
      const report = await call<PollReport>(`${feedPath(f)}/poll`, { method: "POST" });
      list.reload();
      return describePoll(f, report);
    });
  return (
    <>
      <PageTitle>Feeds</PageTitle>
      <ErrorNote error={list.error} />
      <ErrorNote error={action.error} />
      <Done message={action.done} />
      <DataTable
        caption="Feeds"
        columns={[
          { label: "Feed" },
          { label: "Section" },
          { label: "Last polled" },
          { label: "Status" },
          { label: "Last error" },
          { label: "Actions", hidden: true },
        ]}
        empty={list.data?.items.length === 0 ? "No feeds yet." : null}
      >
        {list.data?.items.map((f) => (
          <tr key={f.id}>
            <td>
              <span class="mono">{f.url}</span>
              {f.title ? <div class="muted">{f.title}</div> : null}
            </td>
            <td>{f.section ?? <span class="muted">from the feed</span>}</td>
            <td class="nowrap">{formatTime(f.lastPolledAt)}</td>
            <td>
              {f.lastStatus ? <Badge value={f.lastStatus} /> : <span class="muted">never polled</span>}
              {f.consecutiveFailures > 1 ? (
                <div class="muted">{f.consecutiveFailures} failures in a row</div>
              ) : null}
            </td>
            <td>
              {f.lastError ? <span class="error-text">{f.lastError}</span> : <span class="muted">none</span>}
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
      </DataTable>
      {canEdit ? (
        <section class="panel" aria-labelledby="add-feed">
          <h2 id="add-feed">Add a feed</h2>
          <form
            onSubmit={async (e) => {
              e.preventDefault();
              const ok = await action.run(async () => {
                const answer = await call<{ added: boolean; feed: Feed }>("/admin/feeds", {
                  method: "POST",
                  json: { url: form.url, ...(form.section.trim() ? { section: form.section.trim() } : {}) },
                });
                list.reload();
                return answer.added ? `Added ${answer.feed.url}.` : `${answer.feed.url} was already there.`;
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

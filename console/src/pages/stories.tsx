import { useState } from "preact/hooks";
import { call, type Page } from "../api";
import { useAction, useLoad } from "../hooks";
import {
  Badge,
  DataTable,
  Dialog,
  Done,
  ErrorNote,
  Field,
  formatTime,
  needs,
  PageTitle,
  useCan,
} from "../ui";
import { StoryImport } from "./story-import";

export interface StoryRow {
  id: string;
  headline: string;
  url: string | null;
  source: string;
  section: string;
  publishedAt: string;
  excerpt: string | null;
  editionId?: string | null;
  held: boolean;
  leadPickedAt?: string;
  rank?: number;
  /** An editor's correction: headline and excerpt above show it; `imported` is what the source says. */
  correction?: { headline?: string; excerpt?: string; imported: { headline: string; excerpt: string } };
}

const today = () => new Date().toISOString().slice(0, 10);

/** The stories of a day: search, hold/release, pick the lead, correct a headline or excerpt, import. */
export function StoriesPage() {
  const canEdit = useCan("editor");
  const [day, setDay] = useState(today());
  const [search, setSearch] = useState("");
  const list = useLoad(() => call<Page<StoryRow>>("/admin/stories", { query: { date: day } }), [day]);
  const action = useAction();
  const [editing, setEditing] = useState<StoryRow | null>(null);
  const words = search.toLowerCase().split(/\s+/).filter(Boolean);
  const shown = (list.data?.items ?? []).filter((s) =>
    words.every((w) => `${s.headline} ${s.source} ${s.section} ${s.excerpt ?? ""}`.toLowerCase().includes(w)),
  );
  const patch = (s: StoryRow, json: Record<string, unknown>, said: string) =>
    action.run(async () => {
      await call(`/admin/stories/${encodeURIComponent(s.id)}`, { method: "PATCH", json });
      list.reload();
      return said;
    });
  const why = canEdit ? undefined : needs("editor");

  return (
    <>
      <PageTitle>Stories</PageTitle>
      <div class="toolbar">
        <Field
          label="Day"
          input={{ type: "date", value: day, onChange: (e) => setDay(e.currentTarget.value || today()) }}
        />
        <Field
          label="Search stories"
          input={{ type: "search", value: search, onInput: (e) => setSearch(e.currentTarget.value) }}
        />
      </div>
      <ErrorNote error={list.error} />
      <ErrorNote error={action.error} />
      <Done message={action.done} />
      <DataTable
        caption={`Stories of ${day}`}
        columns={[
          { label: "Headline" },
          { label: "Section" },
          { label: "Source" },
          { label: "Published" },
          { label: "State" },
          { label: "Actions", hidden: true },
        ]}
        empty={
          list.data && shown.length === 0 ? `No stories${words.length ? " match" : " on this day"}.` : null
        }
      >
        {shown.map((s) => {
          const frozen = Boolean(s.editionId);
          return (
            <tr key={s.id}>
              <td>
                {s.leadPickedAt ? <strong>Lead · </strong> : null}
                {s.url ? (
                  <a href={s.url} target="_blank" rel="noreferrer noopener">
                    {s.headline}
                  </a>
                ) : (
                  s.headline
                )}
                {s.excerpt ? <div class="muted clamp">{s.excerpt}</div> : null}
              </td>
              <td>{s.section}</td>
              <td>{s.source}</td>
              <td class="nowrap">{formatTime(s.publishedAt)}</td>
              <td>
                {s.held ? <Badge value="held" /> : null}
                {s.correction ? <Badge value="corrected" /> : null}
                {frozen ? <span class="muted">in {s.editionId}</span> : null}
              </td>
              <td class="row-actions">
                <button
                  type="button"
                  class="small"
                  disabled={!canEdit || frozen}
                  title={why}
                  onClick={() => patch(s, { held: !s.held }, s.held ? "Released." : "Held back.")}
                >
                  {s.held ? "Release" : "Hold"}
                  <span class="visually-hidden"> {s.headline}</span>
                </button>
                <button
                  type="button"
                  class="small"
                  disabled={!canEdit || frozen}
                  title={why}
                  onClick={() =>
                    patch(
                      s,
                      { lead: !s.leadPickedAt },
                      s.leadPickedAt ? "No longer the lead." : "Pinned as lead.",
                    )
                  }
                >
                  {s.leadPickedAt ? "Unpin lead" : "Pin lead"}
                  <span class="visually-hidden"> {s.headline}</span>
                </button>
                <button
                  type="button"
                  class="small"
                  // A story in an edition may still be corrected while that edition awaits approval
                  // (the API refuses it, saying why, once the edition was released).
                  disabled={!canEdit}
                  title={why}
                  onClick={() => setEditing(s)}
                >
                  Edit<span class="visually-hidden"> {s.headline}</span>
                </button>
              </td>
            </tr>
          );
        })}
      </DataTable>
      <StoryEditor story={editing} onClose={() => setEditing(null)} onSaved={() => list.reload()} />
      {canEdit ? <StoryImport onImported={() => list.reload()} /> : null}
    </>
  );
}

/** The correction dialog of a story (also the edition page's, for a story of an edition awaiting approval). */
export function StoryEditor(props: { story: StoryRow | null; onClose: () => void; onSaved: () => void }) {
  const s = props.story;
  return (
    <Dialog open={s !== null} title="Correct the story" onClose={props.onClose}>
      {s ? <StoryForm key={s.id} story={s} onClose={props.onClose} onSaved={props.onSaved} /> : null}
    </Dialog>
  );
}

function StoryForm({
  story,
  onClose,
  onSaved,
}: {
  story: StoryRow;
  onClose: () => void;
  onSaved: () => void;
}) {
  const [headline, setHeadline] = useState(story.headline);
  const [excerpt, setExcerpt] = useState(story.excerpt ?? "");
  const action = useAction();
  const imported = story.correction?.imported;
  return (
    <form
      onSubmit={async (e) => {
        e.preventDefault();
        // Only what changed: an unchanged field must not become a correction that outlives the source's edits.
        const json: Record<string, string | null> = {};
        if (headline !== story.headline) json.headline = headline;
        if (excerpt !== (story.excerpt ?? "")) json.excerpt = excerpt.trim() ? excerpt : null;
        const ok = await action.run(async () => {
          if (Object.keys(json).length === 0) return;
          await call(`/admin/stories/${encodeURIComponent(story.id)}`, { method: "PATCH", json });
        });
        if (ok) {
          onSaved();
          onClose();
        }
      }}
    >
      <Field
        label="Headline"
        hint={
          imported && story.correction?.headline !== undefined
            ? `Corrected; the source says: ${imported.headline}`
            : "A correction stays when the source updates the story."
        }
        input={{ value: headline, required: true, onInput: (e) => setHeadline(e.currentTarget.value) }}
      />
      <div class="field">
        <label for="story-excerpt">Excerpt</label>
        <textarea
          id="story-excerpt"
          rows={5}
          value={excerpt}
          aria-describedby="story-excerpt-hint"
          onInput={(e) => setExcerpt(e.currentTarget.value)}
        />
        <small id="story-excerpt-hint" class="muted">
          Empty: the excerpt the source gives.
          {imported && story.correction?.excerpt !== undefined
            ? ` Corrected; the source says: ${imported.excerpt}`
            : ""}
        </small>
      </div>
      {story.editionId ? (
        <p class="note info">
          In edition {story.editionId}: while it awaits approval, its preview and the email take the
          correction; once it is sent, what went out stays as it went.
        </p>
      ) : null}
      <ErrorNote error={action.error} />
      <div class="actions">
        <button type="button" onClick={onClose}>
          Cancel
        </button>
        <button type="submit" class="primary" disabled={action.busy}>
          Save
        </button>
      </div>
    </form>
  );
}

import { useState } from "preact/hooks";
import { call, type Page } from "../api";
import { useAction, useLoad } from "../hooks";
import { Badge, Done, ErrorNote, Field, Loading, needs, PageTitle, percent, useCan } from "../ui";
import { EditionPreview } from "./edition-preview";
import { StoryEditor, type StoryRow } from "./stories";

interface EditionDetail {
  id: string;
  date: string;
  status: string;
  haltedBecause: string | null;
  stories: { id: string; headline: string; section: string; source: string; url: string | null }[];
  leftOut: number;
  counts: Record<string, number>;
  delivery?: {
    sent: number;
    delivered: number;
    bounced: number;
    complained: number;
    opened: number | null;
    clicked: number | null;
  };
}

const FINISHED = new Set(["sent", "cancelled"]);

/** One edition: preview, its stories in order, its figures; approve, cancel, resend failed, test send. */
export function EditionPage({ id }: { id: string }) {
  const canEdit = useCan("editor");
  const path = `/admin/editions/${encodeURIComponent(id)}`;
  const edition = useLoad(() => call<EditionDetail>(path), [id]);
  const action = useAction();
  const [testTo, setTestTo] = useState("");
  const e = edition.data;
  // A typo seen in the preview: the story's correction dialog (its text as the day's list has it).
  const [correcting, setCorrecting] = useState<StoryRow | null>(null);
  const [previewRound, setPreviewRound] = useState(0);
  const correct = (day: string, storyId: string) =>
    action.run(async () => {
      const listed = await call<Page<StoryRow>>("/admin/stories", { query: { date: day } });
      const row = listed.items.find((s) => s.id === storyId);
      if (!row) throw new Error(`story ${storyId} is not among the stories of ${day}`);
      setCorrecting(row);
    });
  const act = (suffix: string, said: string, query?: Record<string, string>) =>
    action.run(async () => {
      await call(`${path}/${suffix}`, { method: "POST", query });
      edition.reload();
      return said;
    });

  return (
    <>
      <PageTitle
        actions={
          e ? (
            <>
              {e.status === "awaiting-approval" ? (
                <button
                  type="button"
                  class="primary"
                  disabled={!canEdit || action.busy}
                  title={canEdit ? undefined : needs("editor")}
                  onClick={() => act("approve", "Approved: the send starts.")}
                >
                  Approve and send
                </button>
              ) : null}
              {!FINISHED.has(e.status) ? (
                <button
                  type="button"
                  disabled={!canEdit || action.busy}
                  title={canEdit ? undefined : needs("editor")}
                  onClick={() => act("cancel", "Cancelled.")}
                >
                  Cancel edition
                </button>
              ) : null}
              {(e.counts.failed ?? 0) > 0 ? (
                <button
                  type="button"
                  disabled={!canEdit || action.busy}
                  onClick={() => act("resend-failed", "Failed recipients sent again.")}
                >
                  Resend failed
                </button>
              ) : null}
            </>
          ) : null
        }
      >
        Edition {id} {e ? <Badge value={e.status} /> : null}
      </PageTitle>
      <p>
        <a href="#/editions">← All editions</a>
      </p>
      <ErrorNote error={edition.error} />
      <ErrorNote error={action.error} />
      <Done message={action.done} />
      {edition.loading && !e ? <Loading what="the edition" /> : null}
      {e ? (
        <div class="edition">
          <div class="edition-side">
            {e.haltedBecause ? <p class="note error">Halted: {e.haltedBecause}</p> : null}
            <section aria-labelledby="figures">
              <h2 id="figures">Figures</h2>
              <dl class="facts">
                {Object.entries(e.counts)
                  .filter(([, n]) => n > 0)
                  .map(([state, n]) => [<dt key={`t${state}`}>{state}</dt>, <dd key={`d${state}`}>{n}</dd>])}
                {e.delivery ? (
                  <>
                    <dt>delivered</dt>
                    <dd>
                      {e.delivery.delivered} ({percent(e.delivery.delivered, e.delivery.sent)})
                    </dd>
                    <dt>bounced</dt>
                    <dd>
                      {e.delivery.bounced} ({percent(e.delivery.bounced, e.delivery.sent)})
                    </dd>
                    <dt>complaints</dt>
                    <dd>{e.delivery.complained}</dd>
                    <dt>opened</dt>
                    <dd>{e.delivery.opened ?? "not tracked"}</dd>
                    <dt>clicked</dt>
                    <dd>{e.delivery.clicked ?? "not tracked"}</dd>
                  </>
                ) : null}
              </dl>
            </section>
            <section aria-labelledby="stories-in-order">
              <h2 id="stories-in-order">Stories in order</h2>
              <ol class="story-order">
                {e.stories.map((s) => (
                  <li key={s.id}>
                    <span class="muted">{s.section}</span> {s.headline}
                    {e.status === "awaiting-approval" ? (
                      <>
                        {" "}
                        <button
                          type="button"
                          class="small"
                          disabled={!canEdit || action.busy}
                          title={canEdit ? undefined : needs("editor")}
                          onClick={() => correct(e.date, s.id)}
                        >
                          Correct<span class="visually-hidden"> {s.headline}</span>
                        </button>
                      </>
                    ) : null}
                  </li>
                ))}
              </ol>
              {e.leftOut ? <p class="muted">{e.leftOut} more left out by the cap.</p> : null}
            </section>
            <section aria-labelledby="test-send">
              <h2 id="test-send">Send a test</h2>
              <form
                onSubmit={(ev) => {
                  ev.preventDefault();
                  const to = testTo.split(/[\s,;]+/).filter(Boolean);
                  void action.run(async () => {
                    // No address given: the API sends it to the signed-in member's own address.
                    const answer = await call<{ sent: string[] }>(`${path}/test`, {
                      method: "POST",
                      json: to.length ? { to } : {},
                    });
                    return `Test sent to ${answer.sent.join(", ")}.`;
                  });
                }}
              >
                <Field
                  label="Test recipients"
                  hint="Up to 5 addresses, separated by commas; empty: your own address."
                  input={{
                    value: testTo,
                    type: "text",
                    onInput: (ev) => setTestTo(ev.currentTarget.value),
                  }}
                />
                <button
                  type="submit"
                  disabled={!canEdit || action.busy}
                  title={canEdit ? undefined : needs("editor")}
                >
                  Send test
                </button>
              </form>
            </section>
          </div>
          <EditionPreview key={previewRound} id={id} />
        </div>
      ) : null}
      <StoryEditor
        story={correcting}
        onClose={() => setCorrecting(null)}
        onSaved={() => {
          edition.reload();
          setPreviewRound((n) => n + 1);
        }}
      />
    </>
  );
}

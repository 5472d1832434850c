import { useState } from "preact/hooks";
import { call } from "../api";
import { useAction } from "../hooks";
import { Done, ErrorNote, Field } from "../ui";

interface ImportAnswer {
  imported: number;
  updated: number;
  skipped: number;
  invalid: number;
  problems: { line: number; reason: string }[];
}

/** What a file's name says its content is, for POST /admin/stories. */
function typeOf(name: string): string {
  if (/\.ndjson$|\.jsonl$/i.test(name)) return "application/x-ndjson";
  if (/\.json$/i.test(name)) return "application/json";
  if (/\.html?$/i.test(name)) return "text/html";
  if (/\.(xml|rss|atom)$/i.test(name)) return "application/xml";
  return "text/plain";
}

/**
 * Import stories: an article's page (pasted text or HTML) with its URL, or a file (JSON, NDJSON,
 * RSS/Atom, HTML, text). The API never fetches a URL itself (no server-side requests to addresses an
 * admin types): the page's content is sent, the URL fills the story's link.
 */
export function StoryImport({ onImported }: { onImported: () => void }) {
  const [url, setUrl] = useState("");
  const [page, setPage] = useState("");
  const [file, setFile] = useState<File | null>(null);
  const action = useAction();
  const [problems, setProblems] = useState<ImportAnswer["problems"]>([]);
  return (
    <section class="panel" aria-labelledby="import-stories">
      <h2 id="import-stories">Import a story</h2>
      <form
        onSubmit={async (e) => {
          e.preventDefault();
          setProblems([]);
          await action.run(async () => {
            const body = file ?? page;
            const type = file ? typeOf(file.name) : /^\s*</.test(page) ? "text/html" : "text/plain";
            const answer = await call<ImportAnswer>("/admin/stories", {
              method: "POST",
              body,
              type,
              query: { url: url.trim() || undefined },
            });
            setProblems(answer.problems);
            onImported();
            return `${answer.imported} imported, ${answer.updated} updated, ${answer.skipped} skipped, ${answer.invalid} with errors.`;
          });
        }}
      >
        <Field
          label="Article URL"
          input={{ type: "url", value: url, onInput: (e) => setUrl(e.currentTarget.value) }}
        />
        <div class="field">
          <label for="story-page">Article text or HTML</label>
          <textarea id="story-page" rows={4} value={page} onInput={(e) => setPage(e.currentTarget.value)} />
        </div>
        <div class="field">
          <label for="story-file">Or a file</label>
          <input
            id="story-file"
            type="file"
            accept=".json,.ndjson,.jsonl,.html,.htm,.xml,.rss,.atom,.txt"
            onChange={(e) => setFile(e.currentTarget.files?.[0] ?? null)}
          />
        </div>
        <button type="submit" class="primary" disabled={action.busy || (!file && !page.trim())}>
          Import story
        </button>
      </form>
      <ErrorNote error={action.error} />
      <Done message={action.done} />
      {problems.length ? (
        <ul>
          {problems.map((p) => (
            <li key={`${p.line}:${p.reason}`}>
              Line {p.line}: {p.reason}
            </li>
          ))}
        </ul>
      ) : null}
    </section>
  );
}

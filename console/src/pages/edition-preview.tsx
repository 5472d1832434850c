import { useEffect, useState } from "preact/hooks";
import { call } from "../api";
import { useLoad } from "../hooks";
import { ErrorNote, Loading, Select } from "../ui";

/**
 * The edition's email as readers get it (GET /admin/editions/{id}/preview, no personal links): in a
 * sandboxed frame (no script, no same origin) at desktop width, 375 px, in dark mode, or as its text part;
 * its size against Gmail's clip and the stored variants from GET …/preview/info.
 */

type View = "desktop" | "mobile" | "dark" | "text";
const VIEWS: [View, string][] = [
  ["desktop", "Desktop"],
  ["mobile", "Mobile 375 px"],
  ["dark", "Dark"],
  ["text", "Text"],
];
/** GET /admin/editions/{id}/preview/info */
interface PreviewInfo {
  variant: string;
  variants: string[];
  subject: string;
  bytes: number;
  clipAt: number;
  clipped: boolean;
  /** A correction is not in this copy yet: it is rendered again (deployed, within a minute). */
  stale?: boolean;
}

/** How often the preview is read again while a correction is being rendered. */
const STALE_RELOAD_MS = 20_000;

/**
 * Dark mode as a mail app in dark mode shows it: the email's own `prefers-color-scheme: dark` rules
 * applied (a frame follows the browser's setting, not the console's switch).
 */
function darkened(html: string): string {
  return html.replace(/prefers-color-scheme\s*:\s*dark/g, "min-width: 0px");
}

export function EditionPreview({ id }: { id: string }) {
  const [view, setView] = useState<View>("desktop");
  const [variant, setVariant] = useState("all");
  const base = `/admin/editions/${encodeURIComponent(id)}/preview`;
  const info = useLoad(() => call<PreviewInfo>(`${base}/info`, { query: { variant } }), [id, variant]);
  const html = useLoad(
    () => call<string>(base, { query: { view: "html", variant }, text: true }),
    [id, variant],
  );
  const text = useLoad(
    () =>
      view === "text"
        ? call<string>(base, { query: { view: "text", variant }, text: true })
        : Promise.resolve(null),
    [id, variant, view === "text"],
  );
  const size = info.data;
  const stale = size?.stale === true;
  const reload = () => {
    info.reload();
    html.reload();
    text.reload();
  };
  // Deployed, compose's next approval round renders the correction: look again until it has.
  useEffect(() => {
    if (!stale) return;
    const timer = setTimeout(reload, STALE_RELOAD_MS);
    return () => clearTimeout(timer);
  }, [stale, size]);
  return (
    <section class="preview" aria-labelledby="preview-title">
      <div class="preview-head">
        <h2 id="preview-title">Preview</h2>
        <fieldset class="segmented">
          <legend class="visually-hidden">View</legend>
          {VIEWS.map(([value, label]) => (
            <label key={value} class={view === value ? "on" : undefined}>
              <input
                type="radio"
                name="preview-view"
                value={value}
                checked={view === value}
                onChange={() => setView(value)}
              />
              {label}
            </label>
          ))}
        </fieldset>
        {(size?.variants.length ?? 0) > 1 ? (
          <Select
            label="Variant"
            value={variant}
            options={(size?.variants ?? []).map((v) => [v, v === "all" ? "All sections" : v])}
            onChange={setVariant}
          />
        ) : null}
        {size ? (
          <span class={size.clipped ? "note error" : "muted"} data-bytes={size.bytes}>
            {(size.bytes / 1024).toFixed(size.bytes < 10_240 ? 1 : 0)} KB of HTML
            {size.clipped
              ? `: Gmail clips it (${size.clipAt / 1024} KB)`
              : ` (Gmail clips at ${size.clipAt / 1024} KB)`}
          </span>
        ) : null}
      </div>
      {stale ? (
        <p class="note info" role="status" data-stale="true">
          A correction is being rendered: the preview shows it within a minute. Nothing is sent before it
          does.{" "}
          <button type="button" class="small" onClick={reload}>
            Reload preview
          </button>
        </p>
      ) : null}
      <ErrorNote error={html.error} />
      {view === "text" ? (
        text.data !== null ? (
          <pre class="preview-text" data-view="text">
            {text.data}
          </pre>
        ) : (
          <>
            <ErrorNote error={text.error} />
            {text.loading ? <Loading what="the text part" /> : null}
          </>
        )
      ) : html.data ? (
        <div class={`frame-box ${view}`}>
          <iframe
            title={`Edition ${id}, ${view} view`}
            data-view={view}
            sandbox="allow-popups allow-popups-to-escape-sandbox"
            srcdoc={view === "dark" ? darkened(html.data) : html.data}
          />
        </div>
      ) : html.loading ? (
        <Loading what="the preview" />
      ) : null}
    </section>
  );
}

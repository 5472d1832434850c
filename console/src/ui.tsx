import type { ComponentChildren, InputHTMLAttributes, LooseInputHTMLAttributes } from "preact";
import { createContext } from "preact";
import { useContext, useEffect, useId, useRef } from "preact/hooks";
import { ApiError, describeError, type Role } from "./api";
import type { CursorPages } from "./hooks";
import { allows, type Me } from "./session";

/** Small accessible building blocks: native elements, labelled, nothing the browser already does. */

export const MeContext = createContext<Me>({ email: null, role: "viewer", via: "" });

/** Whether the signed-in person may do what needs `need` (the API checks again; this only hides). */
export function useCan(need: Role): boolean {
  return allows(useContext(MeContext).role, need);
}

/** Why a control is disabled, for its title: the role it needs. */
export function needs(role: Role): string {
  return `needs the ${role} role`;
}

export function PageTitle({
  children,
  actions,
}: {
  children: ComponentChildren;
  actions?: ComponentChildren;
}) {
  return (
    <div class="page-head">
      <h1 tabIndex={-1}>{children}</h1>
      {actions ? <div class="actions">{actions}</div> : null}
    </div>
  );
}

export function ErrorNote({ error }: { error: unknown }) {
  if (!error) return null;
  // A feature this server does not have yet is information, not an alarm.
  if (error instanceof ApiError && error.unavailable) {
    return (
      <p class="note info" role="status">
        {describeError(error)}
      </p>
    );
  }
  return (
    <p class="note error" role="alert">
      {typeof error === "string" ? error : describeError(error)}
    </p>
  );
}

export function Done({ message }: { message: string | null }) {
  return (
    <p class="note ok" role="status">
      {message ?? ""}
    </p>
  );
}

export function Loading({ what }: { what: string }) {
  return (
    <p class="muted" role="status">
      Loading {what}…
    </p>
  );
}

const STATUS_TONE: Record<string, string> = {
  active: "good",
  sent: "good",
  done: "good",
  composed: "info",
  sending: "info",
  running: "info",
  queued: "info",
  "awaiting-approval": "warn",
  pending: "warn",
  paused: "warn",
  halted: "bad",
  failed: "bad",
  cancelled: "muted",
  unsubscribed: "muted",
  suppressed: "bad",
  held: "warn",
  // A feed's last poll.
  ok: "good",
  "not-modified": "good",
  error: "bad",
  corrected: "info",
};

export function Badge({ value }: { value: string }) {
  return <span class={`badge ${STATUS_TONE[value] ?? "muted"}`}>{value}</span>;
}

export function Field(props: {
  label: string;
  hint?: string;
  children?: ComponentChildren;
  input?: LooseInputHTMLAttributes<HTMLInputElement>;
}) {
  const id = useId();
  const hintId = props.hint ? `${id}-hint` : undefined;
  return (
    <div class="field">
      <label for={id}>{props.label}</label>
      {props.children ?? (
        // Any text-like input: the loose attribute type is what callers write, the strict one what JSX checks.
        <input id={id} aria-describedby={hintId} {...(props.input as InputHTMLAttributes)} />
      )}
      {props.hint ? (
        <small id={hintId} class="muted">
          {props.hint}
        </small>
      ) : null}
    </div>
  );
}

export function Select(props: {
  label: string;
  value: string;
  options: [string, string][];
  onChange: (value: string) => void;
}) {
  const id = useId();
  return (
    <div class="field">
      <label for={id}>{props.label}</label>
      <select id={id} value={props.value} onChange={(e) => props.onChange(e.currentTarget.value)}>
        {props.options.map(([value, label]) => (
          <option key={value} value={value}>
            {label}
          </option>
        ))}
      </select>
    </div>
  );
}

/**
 * A modal <dialog> (focus is trapped and Escape closes it: the browser's own), open while `open`.
 * `onClose` runs however it closes.
 */
export function Dialog(props: {
  open: boolean;
  title: string;
  onClose: () => void;
  children: ComponentChildren;
}) {
  const ref = useRef<HTMLDialogElement>(null);
  const titleId = useId();
  useEffect(() => {
    const dialog = ref.current;
    if (!dialog) return;
    if (props.open && !dialog.open) dialog.showModal();
    if (!props.open && dialog.open) dialog.close();
  }, [props.open]);
  return (
    <dialog ref={ref} aria-labelledby={titleId} onClose={props.onClose}>
      <h2 id={titleId} class="dialog-title">
        {props.title}
      </h2>
      {props.open ? props.children : null}
    </dialog>
  );
}

/** A yes/no question in a dialog before something that cannot be undone. */
export function Confirm(props: {
  open: boolean;
  title: string;
  message: ComponentChildren;
  confirmLabel: string;
  danger?: boolean;
  busy?: boolean;
  error?: string | null;
  onConfirm: () => void;
  onCancel: () => void;
}) {
  return (
    <Dialog open={props.open} title={props.title} onClose={props.onCancel}>
      <div class="dialog-body">{props.message}</div>
      <ErrorNote error={props.error} />
      <div class="actions">
        <button type="button" onClick={props.onCancel}>
          Cancel
        </button>
        <button
          type="button"
          class={props.danger ? "danger" : "primary"}
          disabled={props.busy}
          onClick={props.onConfirm}
        >
          {props.confirmLabel}
        </button>
      </div>
    </Dialog>
  );
}

/** Paging by cursor: the API's nextCursor, never the whole list. */
export function Pager({ pages, nextCursor }: { pages: CursorPages; nextCursor: string | null | undefined }) {
  return (
    <nav class="pager" aria-label="Pages">
      <button type="button" disabled={pages.page === 1} onClick={pages.first}>
        First page
      </button>
      <span class="muted">Page {pages.page}</span>
      <button type="button" disabled={!nextCursor} onClick={() => pages.next(nextCursor ?? null)}>
        Next page
      </button>
    </nav>
  );
}

export function formatTime(iso: string | null | undefined): string {
  if (!iso) return "—";
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return d.toLocaleString(undefined, { dateStyle: "medium", timeStyle: "short" });
}

export function percent(part: number | null | undefined, whole: number | null | undefined): string {
  if (!whole || part === null || part === undefined) return "—";
  return `${((100 * part) / whole).toFixed(1)} %`;
}

/** Saves `text` as a file the browser downloads (an export fetched with the bearer token). */
export function download(name: string, text: string, type: string): void {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const a = document.createElement("a");
  a.href = url;
  a.download = name;
  a.click();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

/** A table column: its heading; `hidden` keeps it for screen readers only (an actions column); `class`: num, opt. */
export interface Column {
  label: string;
  class?: string;
  hidden?: boolean;
}

/**
 * The console's tables: in a box of their own that scrolls sideways at 375 px, a caption for screen
 * readers, the column headings, the rows (`children`), and `empty`, when given, as one row across every
 * column (the page passes it only once it knows there are no rows).
 */
export function DataTable({
  caption,
  columns,
  busy,
  empty,
  children,
}: {
  caption: ComponentChildren;
  columns: Column[];
  busy?: boolean;
  empty?: ComponentChildren;
  children: ComponentChildren;
}) {
  return (
    <div class="table-wrap">
      <table aria-busy={busy}>
        <caption class="visually-hidden">{caption}</caption>
        <thead>
          <tr>
            {columns.map((c) => (
              <th key={c.label} scope="col" class={c.class}>
                {c.hidden ? <span class="visually-hidden">{c.label}</span> : c.label}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {children}
          {empty ? (
            <tr>
              <td colSpan={columns.length} class="muted">
                {empty}
              </td>
            </tr>
          ) : null}
        </tbody>
      </table>
    </div>
  );
}

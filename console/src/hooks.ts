import { useCallback, useEffect, useRef, useState } from "preact/hooks";
import { describeError } from "./api";

/** Loads with `load` whenever `deps` change; `reload()` loads again. Stale answers are dropped. */
export function useLoad<T>(load: () => Promise<T>, deps: unknown[]) {
  const [data, setData] = useState<T | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [loading, setLoading] = useState(true);
  const [tick, setTick] = useState(0);
  const latest = useRef(0);
  // The caller lists what `load` reads in `deps`.
  useEffect(() => {
    const id = ++latest.current;
    setLoading(true);
    load().then(
      (value) => {
        if (id !== latest.current) return;
        setData(value);
        setError(null);
        setLoading(false);
      },
      (err) => {
        if (id !== latest.current) return;
        setError(err);
        setLoading(false);
      },
    );
  }, [...deps, tick]);
  const reload = useCallback(() => setTick((t) => t + 1), []);
  return { data, error, loading, reload };
}

/**
 * Pages read one at a time with the API's `nextCursor` (never the whole list): this page's cursor
 * (null for the first), its number from 1, and the moves of the Pager.
 */
export function useCursorPages() {
  // The cursor of each page read so far; the first page has none.
  const [cursors, setCursors] = useState<(string | null)[]>([null]);
  return {
    cursor: cursors[cursors.length - 1] ?? null,
    page: cursors.length,
    first: () => setCursors([null]),
    next: (cursor: string | null) => setCursors([...cursors, cursor]),
  };
}

export type CursorPages = ReturnType<typeof useCursorPages>;

/**
 * Runs one action at a time (a button's click): `busy` while it runs, its error's message after.
 * Returns true when the action went through.
 */
export function useAction() {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [done, setDone] = useState<string | null>(null);
  const run = useCallback(async (action: () => Promise<unknown>) => {
    setBusy(true);
    setError(null);
    setDone(null);
    try {
      const message = await action();
      setDone(typeof message === "string" ? message : null);
      return true;
    } catch (err) {
      setError(describeError(err));
      return false;
    } finally {
      setBusy(false);
    }
  }, []);
  return { busy, error, done, run, setError };
}

/** The URL fragment's route, e.g. "#/editions/2026-12-06" → ["editions", "2026-12-06"]. */
export function useRoute(): string[] {
  const read = () =>
    location.hash
      .replace(/^#\/?/, "")
      .split("?")[0]
      ?.split("/")
      .filter(Boolean)
      .map((s) => decodeURIComponent(s)) ?? [];
  const [route, setRoute] = useState(read);
  useEffect(() => {
    const onChange = () => setRoute(read());
    addEventListener("hashchange", onChange);
    return () => removeEventListener("hashchange", onChange);
  }, []);
  return route;
}

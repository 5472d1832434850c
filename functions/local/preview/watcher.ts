import { type FSWatcher, watch } from "node:fs";

/**
 * Watches a template directory (fs.watch, not recursive: the templates sit at its top level) and
 * calls `onChange` once per burst of changes to .mjml files (editors write a file in several steps;
 * `settleMs` of quiet ends a burst). Returns a function that stops watching.
 */
export function watchTemplates(dir: string, onChange: () => void, settleMs = 120): () => void {
  let timer: NodeJS.Timeout | null = null;
  const watcher: FSWatcher = watch(dir, (_event, filename) => {
    // Some platforms report no file name: treat that as a change too.
    if (filename && !String(filename).endsWith(".mjml")) return;
    if (timer) clearTimeout(timer);
    timer = setTimeout(() => {
      timer = null;
      onChange();
    }, settleMs);
  });
  // A watched directory that disappears must not bring the preview down.
  watcher.on("error", () => {});
  return () => {
    if (timer) clearTimeout(timer);
    watcher.close();
  };
}

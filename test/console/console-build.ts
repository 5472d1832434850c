import { execFile } from "node:child_process";
import { readdir, stat } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";
import { projectRoot } from "../../functions/local/build-templates.js";
import { consoleDistDir } from "../../functions/local/console-assets.js";

/**
 * The built console for the tests that drive it: `npm test` builds it first (pretest:
 * build:console); a test file run on its own rebuilds it here when a source is newer than the build.
 */

const consoleDir = join(projectRoot, "console");

async function newestSource(dir: string): Promise<number> {
  let newest = 0;
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    if (entry.name === "dist" || entry.name === "node_modules") continue;
    const path = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? await newestSource(path) : (await stat(path)).mtimeMs);
  }
  return newest;
}

export async function ensureConsoleBuilt(): Promise<void> {
  const built = await stat(join(consoleDistDir, "index.html")).then(
    (s) => s.mtimeMs,
    () => 0,
  );
  if (built > (await newestSource(consoleDir))) return;
  const vite = join(projectRoot, "node_modules", "vite", "bin", "vite.js");
  await promisify(execFile)(
    process.execPath,
    [vite, "build", "--config", join(consoleDir, "vite.config.ts")],
    {
      cwd: projectRoot,
      // Vitest sets NODE_ENV=test, with which Vite would build a development bundle: test what ships.
      env: { ...process.env, NODE_ENV: "production" },
    },
  );
}

import { rm } from "node:fs/promises";

/**
 * Folders a test file made that outlive a single test (a synthesized cloud assembly read later in the
 * file): registered here, removed once the file's tests are done by test/setup/remove-scratch.ts.
 * No vitest import, so code outside the suite (bench/) can share the helpers that register.
 */
const folders = new Set<string>();

/** Registers `dir` for removal after the current test file; returns it. */
export function removeAfterFile(dir: string): string {
  folders.add(dir);
  return dir;
}

/** Removes every registered folder (vitest setup file's afterAll). */
export async function removeScratch(): Promise<void> {
  const all = [...folders];
  folders.clear();
  await Promise.all(all.map((dir) => rm(dir, { recursive: true, force: true })));
}

import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { TestProject } from "vitest/node";

declare module "vitest" {
  export interface ProvidedContext {
    /** The run's folder for assemblies synthesized once and shared (test/twin/bundled-assembly.ts). */
    bundledAssemblies: string;
  }
}

/**
 * Once per `vitest run`: a folder under the project's cdk.out (git-ignored) where the first test file
 * that needs the stack synthesized with bundling puts it for the others; removed when the run ends.
 * Nothing is synthesized here: a run of files that need no bundles pays nothing.
 */
export default function setup(project: TestProject): () => void {
  const cdkOut = fileURLToPath(new URL("../../cdk.out/", import.meta.url));
  mkdirSync(cdkOut, { recursive: true });
  const dir = mkdtempSync(join(cdkOut, "test-run-"));
  project.provide("bundledAssemblies", dir);
  return () => rmSync(dir, { recursive: true, force: true });
}

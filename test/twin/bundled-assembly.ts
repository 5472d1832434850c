import { createHash } from "node:crypto";
import { mkdir, readFile, rename, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { synthQuietly } from "./synth-quietly.js";
import type { CfnTemplate } from "./template.js";

/**
 * The stack synthesized with real esbuild bundling, once per test run for every test file that needs
 * it (the deployed-stack twin, the bench smoke): bundling all five functions is the costliest step of
 * the suite's set-up (tens of seconds on 2 cores). The first caller in the run synthesizes into the
 * run's folder (made and removed by test/setup/global-setup.ts); a caller in another worker meanwhile
 * waits for it to finish, then reads the same assembly. One synth per context: a different context is
 * a different template (environment values), so it gets its own.
 */

/** The context of the twin's deployed day (and what the bench smoke asks for, so both share one synth). */
export const TWIN_CONTEXT = {
  // The fixture feed server is on 127.0.0.1: the ingest function may poll it only with this.
  "digest:feedsAllowPrivate": true,
};

export interface BundledAssembly {
  /** The cloud assembly folder (asset folders below it, named by the template's aws:asset:path). */
  outdir: string;
  template: CfnTemplate;
}

const TEMPLATE = "synthesized-template.json";
const FAILED = "synth-failed.txt";

/**
 * Synthesizes (or waits for) the bundled stack with `context` in the run folder `runDir`. A context
 * other than TWIN_CONTEXT changes the template (environment values, schedules), never the functions'
 * code (infra/lambda-function.ts bundles each handler the same whatever the context): its template is
 * synthesized without bundling and its Node.js functions run the twin context's bundles, so the run
 * bundles the functions once. A function the twin context's stack does not have is bundled after all.
 */
export async function sharedBundledAssembly(
  runDir: string,
  context: Record<string, unknown>,
): Promise<BundledAssembly> {
  if (JSON.stringify(context) === JSON.stringify(TWIN_CONTEXT)) return synthOnce(runDir, context);
  const base = await synthOnce(runDir, TWIN_CONTEXT);
  const key = createHash("sha256").update(JSON.stringify(context)).digest("hex").slice(0, 12);
  const outdir = join(runDir, `unbundled-${key}-${process.pid}`);
  const template = synthQuietly(outdir, { ...context, "aws:cdk:bundling-stacks": [] });
  for (const [id, resource] of Object.entries(template.Resources)) {
    if (resource.Type !== "AWS::Lambda::Function") continue;
    if (!String(resource.Properties?.Runtime ?? "").startsWith("nodejs")) continue;
    const bundled = base.template.Resources[id]?.Metadata?.["aws:asset:path"];
    if (typeof bundled !== "string") return synthOnce(runDir, context);
    resource.Metadata = { ...resource.Metadata, "aws:asset:path": bundled };
  }
  return { outdir: base.outdir, template };
}

async function synthOnce(runDir: string, context: Record<string, unknown>): Promise<BundledAssembly> {
  const key = createHash("sha256").update(JSON.stringify(context)).digest("hex").slice(0, 12);
  const dir = join(runDir, `bundled-${key}`);
  const outdir = join(dir, "assembly");
  let owner = true;
  try {
    await mkdir(dir); // atomic: exactly one caller of the run creates it and synthesizes
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
    owner = false;
  }
  if (owner) {
    try {
      const template = synthQuietly(outdir, context);
      // Written whole, then renamed: a waiting caller never reads half a file.
      await writeFile(join(dir, `${TEMPLATE}.partial`), JSON.stringify(template));
      await rename(join(dir, `${TEMPLATE}.partial`), join(dir, TEMPLATE));
      return { outdir, template };
    } catch (err) {
      await writeFile(join(dir, FAILED), String((err as Error).stack ?? err));
      throw err;
    }
  }
  // Another test file is synthesizing: its result, once there (the caller's hook timeout bounds the wait).
  for (;;) {
    const template = await readFile(join(dir, TEMPLATE), "utf8").catch(() => null);
    if (template !== null) return { outdir, template: JSON.parse(template) as CfnTemplate };
    const failed = await readFile(join(dir, FAILED), "utf8").catch(() => null);
    if (failed !== null) throw new Error(`the shared synth in another test file failed:\n${failed}`);
    await sleep(250);
  }
}

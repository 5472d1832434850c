/**
 * Stage `bundles`: each Lambda bundle `cdk deploy` would upload, its size and its cold import time. The
 * stack is synthesised with real esbuild bundling (test/infra/synth.ts) into the project's cdk.out (so
 * the bundles' external `@aws-sdk/*` imports resolve to node_modules, as they resolve to the runtime's
 * copy in Lambda); each function's index.mjs is then imported in a fresh `node` process, `runs` times,
 * with the environment the template gives it, after one unmeasured import that warms the OS file cache.
 * "Cold import" is loading and evaluating the module only: no Lambda init, no handler call, no process
 * start.
 */
import { execFile } from "node:child_process";
import { readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { fileURLToPath, pathToFileURL } from "node:url";
import { promisify } from "node:util";
import { gzipSync } from "node:zlib";
import { median, round } from "./stats.js";

const run = promisify(execFile);

export interface BundleFigures {
  name: string;
  memoryMb: number;
  /** index.mjs, bytes. */
  codeBytes: number;
  /** index.mjs gzipped (level 9): about what the deployment zip holds for the code. */
  codeGzipBytes: number;
  /** Every file of the asset (index.mjs + its source map), bytes. */
  assetBytes: number;
  /** Cold import of index.mjs in a fresh process: median and each run, ms. */
  importMs: number;
  importRunsMs: number[];
}

export interface BundlesResult {
  /** Synth with bundling, ms; null when the bundles came from a given assembly (--assembly). */
  synthMs: number | null;
  bundles: BundleFigures[];
}

interface TemplateResource {
  Type: string;
  Metadata?: Record<string, string>;
  Properties: Record<string, unknown>;
}

/** The template's environment with its CloudFormation references (ARNs, URLs) left out. */
function literalEnvironment(props: Record<string, unknown>): Record<string, string> {
  const vars = (props.Environment as { Variables?: Record<string, unknown> } | undefined)?.Variables ?? {};
  return Object.fromEntries(
    Object.entries(vars).filter((e): e is [string, string] => typeof e[1] === "string"),
  );
}

async function coldImportMs(file: string, env: Record<string, string>): Promise<number> {
  const code = `const t0 = performance.now(); await import(${JSON.stringify(pathToFileURL(file).href)}); console.log(JSON.stringify(performance.now() - t0));`;
  const { stdout } = await run(process.execPath, ["--input-type=module", "-e", code], {
    env: {
      PATH: process.env.PATH ?? "",
      AWS_REGION: "us-east-1",
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true",
      ...env,
      // The template sets --enable-source-maps; that costs only when an error is printed.
      NODE_OPTIONS: "",
    },
    timeout: 60_000,
  });
  return Number(stdout.trim().split("\n").at(-1));
}

/** The stack synthesized with bundling into `outdir`: its template and how long synth took. */
async function synthesize(outdir: string): Promise<{ template: unknown; synthMs: number }> {
  // Loaded here, not at the top: aws-cdk-lib is large and only this stage needs it.
  const { synthStack } = await import("../test/infra/synth.js");
  const t0 = performance.now();
  const { app } = synthStack({ bundle: true, outdir, context: { "aws:cdk:enable-asset-metadata": true } });
  const assembly = app.synth();
  return { template: assembly.stacks[0]?.template, synthMs: performance.now() - t0 };
}

/** The template of an assembly synthesized before (the one stack's *.template.json in it). */
function readAssembly(dir: string): { template: unknown; synthMs: null } {
  const file = readdirSync(dir).find((f) => f.endsWith(".template.json"));
  if (!file) throw new Error(`--assembly ${dir}: no *.template.json (not a cloud assembly?)`);
  return { template: JSON.parse(readFileSync(join(dir, file), "utf8")), synthMs: null };
}

export async function benchBundles(opts: { runs: number; assembly?: string }): Promise<BundlesResult> {
  const root = fileURLToPath(new URL("..", import.meta.url));
  const outdir = opts.assembly ?? join(root, "cdk.out", `bench-bundles-${process.pid}`);
  try {
    const synthesized = opts.assembly ? readAssembly(opts.assembly) : await synthesize(outdir);
    const { synthMs } = synthesized;
    const template = synthesized.template as { Resources: Record<string, TemplateResource> };
    const bundles: BundleFigures[] = [];
    for (const [logicalId, resource] of Object.entries(template.Resources)) {
      if (resource.Type !== "AWS::Lambda::Function") continue;
      const assetPath = resource.Metadata?.["aws:asset:path"];
      if (!assetPath) continue;
      const dir = join(outdir, assetPath);
      const file = join(dir, "index.mjs");
      const env = literalEnvironment(resource.Properties);
      // One unmeasured import first, so the OS file cache holds the bundle and node_modules/@aws-sdk,
      // as a Lambda host's disk holds its runtime; each measured import is still a fresh process.
      await coldImportMs(file, env);
      const runs: number[] = [];
      for (let i = 0; i < opts.runs; i++) runs.push(await coldImportMs(file, env));
      bundles.push({
        name: logicalId.replace(/Function[0-9A-F]{8}$/, ""),
        memoryMb: Number(resource.Properties.MemorySize ?? 128),
        codeBytes: statSync(file).size,
        codeGzipBytes: gzipSync(readFileSync(file), { level: 9 }).length,
        assetBytes: readdirSync(dir).reduce((n, f) => n + statSync(join(dir, f)).size, 0),
        importMs: round(median(runs), 1),
        importRunsMs: runs.map((ms) => round(ms, 1)),
      });
    }
    bundles.sort((a, b) => a.name.localeCompare(b.name));
    return { synthMs: synthMs === null ? null : round(synthMs, 0), bundles };
  } finally {
    if (!opts.assembly) rmSync(outdir, { recursive: true, force: true });
  }
}

/**
 * Stage `bundles`: each Lambda bundle `cdk deploy` would upload, its size and its cold import time. The
 * stack is synthesised with real esbuild bundling (test/infra/synth.ts) into the project's cdk.out (so
 * the bundles' external `@aws-sdk/*` imports resolve to node_modules, as they resolve to the runtime's
 * copy in Lambda); each function's index.mjs is then imported in a fresh `node` process, `runs` times,
 * with the environment the template gives it, after one unmeasured import that warms the OS file cache;
 * its wall time and its CPU time (the latter steadier on a shared machine).
 * "Cold import" is loading and evaluating the module only: no Lambda init, no handler call, no process
 * start.
 *
 * Beside each bundle, its baseline: a bundle that only imports the `@aws-sdk/*` modules that function's
 * bundle imports (read from its index.mjs), built by esbuild with the stack's own bundling options
 * (lambda-function.ts) and imported the same way, in alternation with the function's own. The SDK is
 * what any function calling these services loads anyway; the ratio of the two imports is what our
 * code and its dependencies add on top.
 */
import { execFile } from "node:child_process";
import { mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { fileURLToPath, pathToFileURL } from "node:url";
import { promisify } from "node:util";
import { gzipSync } from "node:zlib";
import { build } from "esbuild";
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
  /**
   * CPU time of the same imports (user + system of the importing process, median, ms): what the import
   * costs whatever else the machine runs, where wall time also holds the wait for a core.
   */
  importCpuMs: number;
  /** The `@aws-sdk/*` modules the bundle imports (external: the runtime's copy). */
  sdkModules: string[];
  /** The baseline bundle: only those SDK imports, bundled the same way. */
  baseline: { codeBytes: number; importMs: number; importRunsMs: number[]; importCpuMs: number };
  /** importMs / baseline.importMs: how much longer the function's import takes than its SDK's alone. */
  importRatio: number;
  /** The same ratio of CPU times. */
  importCpuRatio: number;
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

/** The `@aws-sdk/*` modules a bundle imports (static, dynamic, or through the banner's require). */
export function sdkModulesOf(code: string): string[] {
  const found = new Set<string>();
  for (const m of code.matchAll(/(?:\bfrom|\bimport|\brequire)\s*\(?\s*["'](@aws-sdk\/[^"']+)["']/g))
    found.add(m[1] as string);
  return [...found].sort();
}

/**
 * Bundles a module that imports only `modules`, with the stack's esbuild options (lambda-function.ts:
 * ESM, node24, minified, `@aws-sdk/*` external, the same banner), into `dir`/index.mjs.
 */
async function buildBaseline(dir: string, modules: string[]): Promise<string> {
  mkdirSync(dir, { recursive: true });
  const entry = join(dir, "entry.mjs");
  const lines = modules.map((m, i) => `export * as sdk${i} from ${JSON.stringify(m)};`);
  writeFileSync(entry, `${lines.join("\n")}\nexport const handler = async () => ${modules.length};\n`);
  const outfile = join(dir, "index.mjs");
  await build({
    entryPoints: [entry],
    outfile,
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node24",
    minify: true,
    mainFields: ["module", "main"],
    external: ["@aws-sdk/*"],
    banner: { js: "import { createRequire } from 'module'; const require = createRequire(import.meta.url);" },
    logLevel: "error",
  });
  return outfile;
}

interface ColdImport {
  wallMs: number;
  cpuMs: number;
}

async function coldImport(file: string, env: Record<string, string>): Promise<ColdImport> {
  const code =
    "const t0 = performance.now(); const c0 = process.cpuUsage(); " +
    `await import(${JSON.stringify(pathToFileURL(file).href)}); ` +
    "const c = process.cpuUsage(c0); " +
    "console.log(JSON.stringify({ wallMs: performance.now() - t0, cpuMs: (c.user + c.system) / 1000 }));";
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
  return JSON.parse(stdout.trim().split("\n").at(-1) ?? "") as ColdImport;
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

/**
 * `warmUp` (default true) imports each bundle and its baseline once, unmeasured, before the measured
 * runs; the quick smoke run (`--quick`) skips it: its figures are only checked for shape.
 */
export async function benchBundles(opts: {
  runs: number;
  assembly?: string;
  warmUp?: boolean;
}): Promise<BundlesResult> {
  const root = fileURLToPath(new URL("..", import.meta.url));
  const outdir = opts.assembly ?? join(root, "cdk.out", `bench-bundles-${process.pid}`);
  try {
    const synthesized = opts.assembly ? readAssembly(opts.assembly) : await synthesize(outdir);
    const { synthMs } = synthesized;
    const template = synthesized.template as { Resources: Record<string, TemplateResource> };
    const bundles: BundleFigures[] = [];
    for (const [logicalId, resource] of Object.entries(template.Resources)) {
      if (resource.Type !== "AWS::Lambda::Function") continue;
      // Ours are Node bundles; CDK's own BucketDeployment function (Python) is not one of them.
      if (!String(resource.Properties?.Runtime ?? "").startsWith("nodejs")) continue;
      const assetPath = resource.Metadata?.["aws:asset:path"];
      if (!assetPath) continue;
      const dir = join(outdir, assetPath);
      const file = join(dir, "index.mjs");
      const env = literalEnvironment(resource.Properties);
      const sdkModules = sdkModulesOf(readFileSync(file, "utf8"));
      const baselineFile = await buildBaseline(join(outdir, `baseline-${logicalId}`), sdkModules);
      // One unmeasured import of each first, so the OS file cache holds the bundles and
      // node_modules/@aws-sdk, as a Lambda host's disk holds its runtime; each measured import is still
      // a fresh process. The two alternate, so load on the machine weighs on both alike.
      if (opts.warmUp !== false) {
        await coldImport(file, env);
        await coldImport(baselineFile, env);
      }
      const runs: ColdImport[] = [];
      const baselineRuns: ColdImport[] = [];
      for (let i = 0; i < opts.runs; i++) {
        runs.push(await coldImport(file, env));
        baselineRuns.push(await coldImport(baselineFile, env));
      }
      const importMs = median(runs.map((r) => r.wallMs));
      const baselineMs = median(baselineRuns.map((r) => r.wallMs));
      const cpuMs = median(runs.map((r) => r.cpuMs));
      const baselineCpuMs = median(baselineRuns.map((r) => r.cpuMs));
      bundles.push({
        name: logicalId.replace(/Function[0-9A-F]{8}$/, ""),
        memoryMb: Number(resource.Properties.MemorySize ?? 128),
        codeBytes: statSync(file).size,
        codeGzipBytes: gzipSync(readFileSync(file), { level: 9 }).length,
        assetBytes: readdirSync(dir).reduce((n, f) => n + statSync(join(dir, f)).size, 0),
        importMs: round(importMs, 1),
        importRunsMs: runs.map((r) => round(r.wallMs, 1)),
        importCpuMs: round(cpuMs, 1),
        sdkModules,
        baseline: {
          codeBytes: statSync(baselineFile).size,
          importMs: round(baselineMs, 1),
          importRunsMs: baselineRuns.map((r) => round(r.wallMs, 1)),
          importCpuMs: round(baselineCpuMs, 1),
        },
        importRatio: round(importMs / baselineMs, 2),
        importCpuRatio: round(cpuMs / baselineCpuMs, 2),
      });
    }
    bundles.sort((a, b) => a.name.localeCompare(b.name));
    return { synthMs: synthMs === null ? null : round(synthMs, 0), bundles };
  } finally {
    if (!opts.assembly) rmSync(outdir, { recursive: true, force: true });
  }
}

import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";
import ts from "typescript";
import { describe, expect, it } from "vitest";

/**
 * The one rule between the layers: the core (functions/core/) is the product's logic and runs the same
 * in Lambda, the CLI and the tests, so it imports only itself and plain libraries. It never imports the
 * AWS SDK, Powertools, Node's I/O modules, or the adapters, handlers and local runtime that wire it to
 * the world (they import the core, never the other way round). Reads the sources, so a new file is
 * checked without being listed.
 */

const root = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const coreDir = join(root, "functions", "core");

/** Packages that talk to AWS or belong to the Lambda runtime: adapters and handlers only. */
const FORBIDDEN_PACKAGES = [/^@aws-sdk\//, /^@aws-lambda-powertools\//, /^@smithy\//, /^aws-cdk-lib(\/|$)/];

/**
 * Node's modules that do I/O (files, network, processes, threads). The core uses node:crypto,
 * node:stream, node:string_decoder and node:url: computation on values it is handed, no I/O.
 */
const IO_MODULES = new Set([
  "fs",
  "fs/promises",
  "net",
  "http",
  "https",
  "http2",
  "dns",
  "dns/promises",
  "dgram",
  "tls",
  "child_process",
  "cluster",
  "worker_threads",
  "readline",
  "repl",
  "inspector",
  "os",
]);

/**
 * Imports that break the rule today, each with the reason it stands and how it goes. A listed import
 * that no longer exists fails the test too, so the list only shrinks.
 */
const EXCEPTIONS: ReadonlyArray<{ file: string; imports: string; reason: string }> = [];

const toPosix = (p: string) => p.split(sep).join("/");

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return /\.(ts|js|mts|cts|mjs|cjs)$/.test(entry.name) ? [path] : [];
  });
}

/** Every module specifier a file names: static and type imports, re-exports, import(), require(). */
function specifiers(source: string): string[] {
  return ts.preProcessFile(source, true, true).importedFiles.map((f) => f.fileName);
}

/** Why `specifier`, imported by `file`, breaks the rule, or null when it keeps it. */
function violation(file: string, specifier: string): string | null {
  if (specifier.startsWith(".")) {
    const target = resolve(dirname(file), specifier);
    const inCore = !relative(coreDir, target).startsWith("..");
    return inCore ? null : `imports ${toPosix(relative(root, target))}, outside functions/core`;
  }
  if (FORBIDDEN_PACKAGES.some((p) => p.test(specifier))) return `imports ${specifier} (AWS/Lambda runtime)`;
  const builtin = specifier.replace(/^node:/, "");
  if (IO_MODULES.has(builtin)) return `imports ${specifier} (I/O)`;
  return null;
}

interface Found {
  file: string;
  imports: string;
  why: string;
}

function scanCore(): Found[] {
  return sourceFiles(coreDir).flatMap((path) =>
    specifiers(readFileSync(path, "utf8")).flatMap((specifier) => {
      const why = violation(path, specifier);
      if (why === null) return [];
      const target = specifier.startsWith(".")
        ? toPosix(relative(root, resolve(dirname(path), specifier))).replace(/\.js$/, ".ts")
        : specifier;
      return [{ file: toPosix(relative(root, path)), imports: target, why }];
    }),
  );
}

const isException = (f: Found) => EXCEPTIONS.some((e) => e.file === f.file && e.imports === f.imports);

describe("layers: functions/core imports no AWS, no I/O, no outer layer", () => {
  const found = scanCore();

  it("reads the core's sources (a scan that finds nothing would pass for the wrong reason)", () => {
    const files = sourceFiles(coreDir);
    expect(files.length).toBeGreaterThan(50);
    expect(files.flatMap((f) => specifiers(readFileSync(f, "utf8"))).length).toBeGreaterThan(200);
  });

  it("no core file breaks the rule outside the listed exceptions", () => {
    const breaking = found.filter((f) => !isException(f)).map((f) => `${f.file} ${f.why}`);
    expect(breaking).toEqual([]);
  });

  it("every listed exception still exists (fix one, then delete its entry)", () => {
    const stale = EXCEPTIONS.filter((e) => !found.some((f) => f.file === e.file && f.imports === e.imports));
    expect(stale.map((e) => `${e.file} -> ${e.imports}`)).toEqual([]);
  });

  it.each([
    ["@aws-sdk/client-sesv2", "AWS"],
    ["@aws-lambda-powertools/logger", "AWS"],
    ["node:fs", "I/O"],
    ["fs/promises", "I/O"],
    ["node:http", "I/O"],
    ["../../adapters/ses-mailer.js", "outside"],
    ["../../handlers/env.js", "outside"],
    ["../../local/cli.js", "outside"],
  ])("recognises %s as a break", (specifier, kind) => {
    expect(violation(join(coreDir, "delivery", "x.ts"), specifier)).toContain(kind);
  });

  it.each(["node:crypto", "node:stream", "zod", "../kernel/ports.js", "./edition.js"])(
    "lets %s through",
    (specifier) => {
      expect(violation(join(coreDir, "delivery", "x.ts"), specifier)).toBeNull();
    },
  );
});

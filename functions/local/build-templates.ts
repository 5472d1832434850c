/**
 * Build step for the email template: templates/digest.mjml → MJML → HTML → Handlebars.precompile →
 * templates/build/digest.js (an ES module exporting `sourceHash` and `spec`). Runs locally (tsx,
 * tests, CI); Lambda bundles only import the generated module, never mjml.
 */
import { createHash } from "node:crypto";
import { realpathSync } from "node:fs";
import { mkdir, readFile, rename, stat, writeFile } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import Handlebars from "handlebars";
import type mjml2htmlType from "mjml";

/** Project root, computed from this file's location (functions/local/). */
export const projectRoot = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
/** The MJML source of the digest email. */
export const digestSourcePath = join(projectRoot, "templates", "digest.mjml");
/** The generated ES module (git-ignored). */
export const digestBuildPath = join(projectRoot, "templates", "build", "digest.js");

/**
 * Options used for every compile of the digest, by the build and by the test comparing it with a direct
 * MJML render. strict: a misspelt or missing field throws instead of rendering empty; knownHelpersOnly:
 * only the built-in helpers (if, each, unless, with), so the runtime needs no registration.
 */
export const handlebarsOptions = { strict: true, knownHelpersOnly: true } as const;

/**
 * Identifies the builder; part of the up-to-date check so that a change of options or tool versions
 * rebuilds even when the .mjml source did not change. Bump when the build output changes shape.
 */
const BUILDER_KEY = `digest-template-v2 handlebars@${Handlebars.VERSION}`;

/**
 * The sentinel colours templates/digest.mjml paints with, and the palette slot each stands for. MJML
 * validates colour attributes (a mustache is not a colour), so the MJML carries these and the build
 * swaps them for Handlebars slots in the compiled HTML. Chosen to be colours no one would pick.
 */
export const BRAND_COLOR_SLOTS = {
  "#0b0a01": "accent",
  "#0b0a02": "text",
  "#0b0a03": "muted",
  "#0b0a04": "background",
  "#0b0a05": "rule",
  "#0b0a06": "page",
} as const;

const SENTINEL = /#0b0a0[1-6]\b/gi;

/** Replaces each sentinel colour of compiled template HTML by its slot, `{{@root.brand.accent}}` and so on (the root: slots also sit inside each-blocks). */
export function brandSlots(html: string): string {
  return html.replace(
    SENTINEL,
    (c) => `{{@root.brand.${BRAND_COLOR_SLOTS[c.toLowerCase() as keyof typeof BRAND_COLOR_SLOTS]}}}`,
  );
}

/**
 * Compiles MJML template source all the way to what Handlebars compiles: MJML → compacted HTML →
 * brand colour slots. Returns that HTML; throws like compileTemplate on invalid MJML.
 */
export async function compileTemplateSource(mjmlSource: string): Promise<string> {
  return brandSlots((await compileTemplate(mjmlSource)).html);
}

/**
 * mjml2html options: strict validation, no comments, no web fonts (system font stack), and neither
 * minification nor beautification (compactHtml does a modest, deterministic compaction instead).
 */
export const mjmlOptions = {
  validationLevel: "strict",
  keepComments: false,
  minify: false,
  beautify: false,
  fonts: {},
} as const;

interface MjmlValidationErrorLike {
  line?: number;
  tagName?: string;
  message?: string;
  formattedMessage?: string;
}

/**
 * Compiles MJML source to HTML with strict validation.
 * Returns the HTML; throws an Error listing each MJML error with its line number when the source is invalid.
 */
export async function compileTemplate(mjmlSource: string): Promise<{ html: string }> {
  // Loaded only when a build is needed: mjml costs ~0.6 s to import, and most runs find the build fresh.
  const { default: mjml2html } = await import("mjml");
  let result: Awaited<ReturnType<typeof mjml2htmlType>>;
  try {
    result = await mjml2html(mjmlSource, mjmlOptions);
  } catch (err) {
    const errors = (err as { errors?: MjmlValidationErrorLike[] }).errors;
    if (Array.isArray(errors) && errors.length > 0) {
      throw new Error(`MJML validation failed:\n${formatMjmlErrors(errors)}`, { cause: err });
    }
    throw new Error(`MJML compilation failed: ${err instanceof Error ? err.message : String(err)}`, {
      cause: err,
    });
  }
  if (result.errors.length > 0) {
    throw new Error(`MJML validation failed:\n${formatMjmlErrors(result.errors)}`);
  }
  return { html: compactHtml(result.html) };
}

/**
 * A modest, deterministic minification of mjml's indented output (about 20% of a digest's size):
 * - whitespace that contains a line break and sits between two tags (or a tag and a Handlebars
 *   mustache) is removed — in the template, never rely on a line break for a space between inline
 *   elements;
 * - line breaks and indentation inside a tag become one space, and a space before its `>` is dropped.
 * Text content, CSS and whitespace within a line are left alone.
 */
export function compactHtml(html: string): string {
  return html
    .replace(/<[a-zA-Z][^<>]*>/g, (tag) => tag.replace(/\s*\n\s*/g, " ").replace(/\s+(\/?>)$/, "$1"))
    .replace(/(>|\}\})\s*\n\s*(?=<|\{\{)/g, "$1")
    .trim();
}

function formatMjmlErrors(errors: MjmlValidationErrorLike[]): string {
  return errors
    .map(
      (e) =>
        `  line ${e.line ?? "?"}: ${e.tagName ? `<${e.tagName}> ` : ""}${e.message ?? e.formattedMessage}`,
    )
    .join("\n");
}

function sha256(text: string): string {
  return createHash("sha256").update(text).digest("hex");
}

/**
 * Builds templates/build/digest.js (and digest.d.ts) from templates/digest.mjml.
 * Returns the path of digest.js. Skips the work when the existing file was built from the same source
 * by the same builder, unless `force`. The file is written atomically (temp file + rename), so
 * concurrent builds (parallel test workers) never expose a partial file.
 */
export async function buildTemplates(opts: { force?: boolean } = {}): Promise<string> {
  const source = await readFile(digestSourcePath, "utf8");
  const sourceHash = sha256(source);
  const header = [
    "// Generated by functions/local/build-templates.ts from templates/digest.mjml. Do not edit.",
    `export const builder = ${JSON.stringify(BUILDER_KEY)};`,
    `export const sourceHash = ${JSON.stringify(sourceHash)};`,
  ].join("\n");

  if (!opts.force) {
    const existing = await readFile(digestBuildPath, "utf8").catch(() => null);
    if (existing?.startsWith(`${header}\n`)) return digestBuildPath;
  }

  const spec = Handlebars.precompile(await compileTemplateSource(source), handlebarsOptions);
  const js = `${header}\nexport const spec = ${String(spec)};\n`;
  const dts = [
    "// Generated by functions/local/build-templates.ts. Do not edit.",
    "export declare const builder: string;",
    "/** sha256 (hex) of templates/digest.mjml. */",
    "export declare const sourceHash: string;",
    "/** Precompiled Handlebars template spec: pass to createRenderer() from functions/core/edition/render.ts. */",
    "export declare const spec: unknown;",
    "",
  ].join("\n");

  await mkdir(dirname(digestBuildPath), { recursive: true });
  await writeAtomically(digestBuildPath.replace(/\.js$/, ".d.ts"), dts);
  await writeAtomically(digestBuildPath, js);
  return digestBuildPath;
}

async function writeAtomically(path: string, content: string): Promise<void> {
  const tmp = `${path}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
  await writeFile(tmp, content, "utf8");
  await rename(tmp, path);
}

/** Builds templates/build/digest.js unless it is already up to date with templates/digest.mjml. */
export async function ensureTemplatesBuilt(): Promise<void> {
  await buildTemplates();
}

function isMainModule(): boolean {
  const entry = process.argv[1];
  if (!entry) return false;
  try {
    return realpathSync(entry) === realpathSync(fileURLToPath(import.meta.url));
  } catch {
    return false;
  }
}

if (isMainModule()) {
  try {
    const path = await buildTemplates({ force: true });
    const { size } = await stat(path);
    console.log(`${path} (${size} bytes)`);
  } catch (err) {
    console.error(err instanceof Error ? err.message : err);
    process.exitCode = 1;
  }
}

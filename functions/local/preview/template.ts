/**
 * The digest template compiled at run time, for the preview: the same steps as the build
 * (build-templates.ts: MJML → compacted HTML → brand colour slots) but compiled with the full
 * Handlebars instead of precompiled, from a template directory of the caller's choosing.
 */
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import Handlebars from "handlebars";
import {
  type DigestRenderer,
  type DigestTemplateContext,
  rendererFromTemplate,
} from "../../core/edition/render.js";
import { compileTemplateSource, handlebarsOptions } from "../build-templates.js";

/** The template file the preview reads inside its template directory. */
export const DIGEST_TEMPLATE_FILE = "digest.mjml";

/**
 * Compiles `<dir>/digest.mjml` and returns a renderer for it. Throws an Error naming the file (with
 * MJML's line numbers) when it cannot be read or compiled.
 */
export async function compileDigestTemplate(dir: string): Promise<DigestRenderer> {
  const path = join(dir, DIGEST_TEMPLATE_FILE);
  let source: string;
  try {
    source = await readFile(path, "utf8");
  } catch (err) {
    throw new Error(`cannot read ${path}: ${(err as Error).message}`);
  }
  try {
    const html = await compileTemplateSource(source);
    const template = Handlebars.create().compile<DigestTemplateContext>(html, handlebarsOptions);
    return rendererFromTemplate(template);
  } catch (err) {
    throw new Error(`${path}: ${(err as Error).message}`);
  }
}

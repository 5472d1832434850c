/**
 * Local (non-Lambda) access to the precompiled digest template: builds it when missing or stale,
 * then imports it. Lambda bundles import templates/build/digest.js statically instead.
 */
import { createHash } from "node:crypto";
import { readFile } from "node:fs/promises";
import { pathToFileURL } from "node:url";
import { digestBuildPath, ensureTemplatesBuilt } from "./build-templates.js";

/**
 * Returns the precompiled digest template spec (pass it to createRenderer from functions/core/edition/render.ts),
 * building templates/build/digest.js first when it is missing or out of date with templates/digest.mjml.
 */
export async function loadTemplateSpec(): Promise<unknown> {
  await ensureTemplatesBuilt();
  // The query string names the file's content, so a template rebuilt while this process runs is
  // imported afresh instead of being served from the ESM module cache.
  const content = await readFile(digestBuildPath, "utf8");
  const version = createHash("sha256").update(content).digest("hex").slice(0, 16);
  const mod = (await import(`${pathToFileURL(digestBuildPath).href}?v=${version}`)) as { spec: unknown };
  return mod.spec;
}

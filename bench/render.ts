/**
 * Stage 1: rendering one edition variant. The precompiled path (what the sender runs: buildView +
 * renderer.html + renderer.text over templates/build/digest.js) against a runtime MJML render of the
 * same data (Handlebars over templates/digest.mjml, then mjml2html) for comparison.
 */
import { readFile } from "node:fs/promises";
import Handlebars from "handlebars";
import mjml2html from "mjml";
import { buildView, type EditionStory } from "../functions/core/edition/edition.js";
import { createRenderer, type DigestRenderer, templateContext } from "../functions/core/edition/render.js";
import type { DigestConfig } from "../functions/core/kernel/config.js";
import type { EditionView } from "../functions/core/kernel/types.js";
import { digestSourcePath, handlebarsOptions, mjmlOptions } from "../functions/local/build-templates.js";
import { loadTemplateSpec } from "../functions/local/template-loader.js";
import { BENCH_DAY, benchEditionStories } from "./fixtures.js";
import { median, percentile, round, sample } from "./stats.js";

export interface RenderCase {
  stories: number;
  runs: number;
  medianMs: number;
  p95Ms: number;
  htmlBytes: number;
  textBytes: number;
}

export interface MjmlCase {
  stories: number;
  runs: number;
  medianMs: number;
  htmlBytes: number;
}

export interface RenderResult {
  precompiled: RenderCase[];
  mjml: MjmlCase[];
  /** Handlebars.compile of the MJML source plus its first fill, done once before the mjml runs (ms). */
  mjmlTemplateCompileMs: number;
  htmlBytes40: number;
}

const viewOf = (config: DigestConfig, stories: readonly EditionStory[]): EditionView =>
  buildView({ config, date: BENCH_DAY, stories, leftOut: 0 });

export async function benchRender(
  config: DigestConfig,
  opts: { sizes: number[]; runs: number; warmup: number; mjmlRuns: number; mjmlWarmup: number },
): Promise<RenderResult> {
  const renderer: DigestRenderer = createRenderer(await loadTemplateSpec());
  const precompiled: RenderCase[] = [];
  for (const size of opts.sizes) {
    const stories = benchEditionStories(size);
    const once = () => {
      const view = viewOf(config, stories);
      return { html: renderer.html(view), text: renderer.text(view) };
    };
    const out = once();
    const times = await sample(opts.runs, opts.warmup, once);
    precompiled.push({
      stories: size,
      runs: opts.runs,
      medianMs: round(median(times)),
      p95Ms: round(percentile(times, 95)),
      htmlBytes: Buffer.byteLength(out.html),
      textBytes: Buffer.byteLength(out.text),
    });
  }

  const source = await readFile(digestSourcePath, "utf8");
  const t0 = performance.now();
  const fill = Handlebars.compile(source, handlebarsOptions);
  // Handlebars compiles lazily, on the first call: include that call in the one-off compile figure.
  fill(templateContext(viewOf(config, benchEditionStories(1))));
  const mjmlTemplateCompileMs = performance.now() - t0;
  const mjml: MjmlCase[] = [];
  for (const size of opts.sizes) {
    const stories = benchEditionStories(size);
    let htmlBytes = 0;
    const once = async () => {
      const view = viewOf(config, stories);
      const result = await mjml2html(fill(templateContext(view)), mjmlOptions);
      if (result.errors.length > 0) throw new Error(`mjml: ${JSON.stringify(result.errors[0])}`);
      htmlBytes = Buffer.byteLength(result.html);
      renderer.text(view);
    };
    const times = await sample(opts.mjmlRuns, opts.mjmlWarmup, once);
    mjml.push({ stories: size, runs: opts.mjmlRuns, medianMs: round(median(times)), htmlBytes });
  }
  const at40 = precompiled.find((c) => c.stories === 40) ?? precompiled[precompiled.length - 1];
  return {
    precompiled,
    mjml,
    mjmlTemplateCompileMs: round(mjmlTemplateCompileMs),
    htmlBytes40: at40?.htmlBytes ?? 0,
  };
}

import type { DigestConfig } from "../kernel/config.js";
import type { EditionRecord, RenderedVariant } from "../kernel/ports.js";
import type { EditionView } from "../kernel/types.js";
import { ALL_SECTIONS, buildView, personalSlots, sectionsOfVariant } from "./edition.js";

/**
 * The variants of an edition, one per set of sections subscribers chose: their views and their rendered
 * HTML and text.
 */

export interface Renderer {
  html(view: EditionView): string;
  text(view: EditionView): string;
}

/** What rendering a variant reads: the settings and the compiled template. */
export interface RenderDeps {
  config: DigestConfig;
  renderer: Renderer;
}

/**
 * Renders one variant (a set of sections) of an edition. Pure given the edition, so a rerun or a
 * different process renders the same bytes.
 */
export function renderVariant(
  deps: RenderDeps,
  edition: Pick<EditionRecord, "date" | "stories" | "sections" | "leftOutBySection" | "slotNonce">,
  key: string,
): RenderedVariant {
  const view = variantView(deps, edition, key);
  return { key, subject: view.subject, html: deps.renderer.html(view), text: deps.renderer.text(view) };
}

/**
 * The rendering model of one variant: its sections' stories in email order, subject, preheader, and the
 * edition's own personal-link markers.
 */
export function variantView(
  deps: { config: DigestConfig },
  edition: Pick<EditionRecord, "date" | "stories" | "sections" | "leftOutBySection" | "slotNonce">,
  key: string,
): EditionView {
  const sections = new Set(sectionsOfVariant(key, edition.sections).map((s) => s.toLowerCase()));
  const stories = edition.stories.filter((s) => sections.has(s.section.toLowerCase()));
  const leftOut = Object.entries(edition.leftOutBySection)
    .filter(([section]) => key === ALL_SECTIONS || sections.has(section.toLowerCase()))
    .reduce((n, [, count]) => n + count, 0);
  const slots = personalSlots(edition.slotNonce);
  return buildView({ config: deps.config, date: edition.date, stories, leftOut, slots });
}

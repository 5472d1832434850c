import type { DigestConfig } from "../kernel/config.js";
import { canonicalLocale } from "../kernel/i18n/index.js";
import type { EditionRecord, RenderedVariant } from "../kernel/ports.js";
import type { EditionView } from "../kernel/types.js";
import { ALL_SECTIONS, buildView, personalSlots, sectionsOfVariant } from "./edition.js";

/**
 * The variants of an edition, one per language and set of sections subscribers chose: their views and
 * their rendered HTML and text. A variant's key is its section key ("all", "Science|World"), followed
 * by "@<locale>" when its language is not the configured `locale` ("all@es"), so a one-language
 * installation keeps its keys and every variant is stored and loaded by its key alone.
 */

/** The key of the variant in `locale` of section key `sectionKey`. */
export function localeVariantKey(sectionKey: string, locale: string, defaultLocale: string): string {
  return locale === defaultLocale ? sectionKey : `${sectionKey}@${locale}`;
}

/**
 * A variant key's section key and language (null: the configured `locale`). A trailing "@<tag>" is a
 * language only when it is a shipped BCP 47 tag; a section named "x@de" would be read as one, so
 * section names ending that way are best avoided.
 */
export function splitVariantKey(key: string): { sectionKey: string; locale: string | null } {
  const at = key.lastIndexOf("@");
  if (at > 0) {
    const locale = canonicalLocale(key.slice(at + 1));
    if (locale !== null && locale === key.slice(at + 1)) return { sectionKey: key.slice(0, at), locale };
  }
  return { sectionKey: key, locale: null };
}

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
  const { sectionKey, locale } = splitVariantKey(key);
  const sections = new Set(sectionsOfVariant(sectionKey, edition.sections).map((s) => s.toLowerCase()));
  const stories = edition.stories.filter((s) => sections.has(s.section.toLowerCase()));
  const leftOut = Object.entries(edition.leftOutBySection)
    .filter(([section]) => sectionKey === ALL_SECTIONS || sections.has(section.toLowerCase()))
    .reduce((n, [, count]) => n + count, 0);
  const slots = personalSlots(edition.slotNonce);
  return buildView({
    config: deps.config,
    date: edition.date,
    stories,
    leftOut,
    slots,
    ...(locale ? { locale } : {}),
  });
}

/**
 * Choosing an edition's stories from the day's candidates: rank, cap so the HTML stays under Gmail's
 * clip, and leave out, with a note, any story that cannot be rendered or encoded, so that one bad
 * story never costs the day. Used by composeEdition (compose.ts), and so by the dry run and the
 * preview.
 */

import { prepareVariant } from "../delivery/message.js";
import type { DroppedStory, EditionRecord } from "../kernel/ports.js";
import {
  ALL_SECTIONS,
  capStories,
  type EditionStory,
  HTML_BUDGET_BYTES,
  personalSlots,
  rankStories,
} from "./edition.js";
import { type RenderDeps, renderVariant } from "./variant.js";

export interface Selection {
  /** In rank order: what the edition carries. */
  kept: EditionStory[];
  /** What the cap left out, in rank order. */
  leftOut: EditionStory[];
  /** What could not be rendered, with the reason. */
  dropped: DroppedStory[];
}

/** What an edition of `stories` is rendered from: the fields renderVariant reads. */
function draftEdition(
  day: string,
  stories: readonly EditionStory[],
  slotNonce: string | undefined,
): Pick<EditionRecord, "date" | "stories" | "sections" | "leftOutBySection" | "slotNonce"> {
  const sections = [...new Set(stories.map((s) => s.section))];
  return { date: day, stories: [...stories], sections, leftOutBySection: {}, slotNonce };
}

/**
 * Renders the all-sections variant of `stories` and encodes it as a message would be (subject header
 * and parts): what a send does with it. Throws what rendering or encoding throws.
 */
function renderAndEncode(
  deps: RenderDeps,
  day: string,
  stories: readonly EditionStory[],
  slotNonce?: string,
) {
  const rendered = renderVariant(deps, draftEdition(day, stories, slotNonce), ALL_SECTIONS);
  prepareVariant(rendered.subject, rendered.html, rendered.text, personalSlots(slotNonce));
  return rendered;
}

const describe = (err: unknown) => (err instanceof Error ? `${err.name}: ${err.message}` : String(err));

/**
 * The stories of `candidates` that fail to render (or encode) in an edition of their own, with the
 * reason. Empty when they all render: then a failure is not any one story's doing.
 */
function unrenderable(
  deps: RenderDeps,
  day: string,
  candidates: readonly EditionStory[],
  slotNonce: string | undefined,
): DroppedStory[] {
  const dropped: DroppedStory[] = [];
  for (const story of candidates) {
    try {
      renderAndEncode(deps, day, [story], slotNonce);
    } catch (err) {
      dropped.push({
        id: story.id,
        headline: story.headline,
        section: story.section,
        reason: `render: ${describe(err)}`,
      });
    }
  }
  return dropped;
}

/**
 * Ranks and caps `candidates` (see rankStories and capStories: `maxStories`, and the HTML within
 * HTML_BUDGET_BYTES), then renders and encodes the result once as a send would. When that fails, each
 * candidate is tried alone: those that fail are left out (`dropped`, with the reason) and the rest
 * selected again. Throws the failure when no story fails alone (a broken template, not a bad story)
 * or when every candidate fails (nothing would be left to send: that is not one bad story either).
 */
export function selectStories(
  deps: RenderDeps,
  day: string,
  candidates: readonly EditionStory[],
  slotNonce?: string,
): Selection {
  let pool = [...candidates];
  const dropped: DroppedStory[] = [];
  for (;;) {
    try {
      const ranked = rankStories(pool, deps.config.sections);
      const fits = (subset: readonly EditionStory[]) =>
        Buffer.byteLength(renderVariant(deps, draftEdition(day, subset, slotNonce), ALL_SECTIONS).html) <=
        HTML_BUDGET_BYTES;
      const kept = capStories(ranked, deps.config.maxStories, fits);
      renderAndEncode(deps, day, kept, slotNonce);
      const keptIds = new Set(kept.map((s) => s.id));
      return { kept, leftOut: ranked.filter((s) => !keptIds.has(s.id)), dropped };
    } catch (err) {
      const bad = unrenderable(deps, day, pool, slotNonce);
      if (bad.length === 0 || bad.length === pool.length) throw err;
      dropped.push(...bad);
      const badIds = new Set(bad.map((d) => d.id));
      pool = pool.filter((s) => !badIds.has(s.id));
    }
  }
}

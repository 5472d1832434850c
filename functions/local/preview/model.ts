/**
 * What the preview shows of a day: the edition as compose would build it (or as it was frozen, when
 * it already exists), rendered for one section set exactly as a subscriber receives it, without
 * storing or sending anything.
 */

import type { EditionDeps } from "../../core/delivery/edition-sender.js";
import { composeEdition } from "../../core/edition/compose.js";
import {
  ALL_SECTIONS,
  type EditionStory,
  fillPersonalSlots,
  type PersonalSlots,
  personalSlots,
  rankStories,
  sectionsOfVariant,
  toEditionStory,
  variantKey,
} from "../../core/edition/edition.js";
import { renderVariant } from "../../core/edition/variant.js";

export { GMAIL_CLIP_BYTES } from "../../core/edition/edition-preview.js";

export interface PreviewModel {
  day: string;
  /** Why there is nothing to show (no stories, cancelled edition); null when there is an edition. */
  empty: string | null;
  /** "draft" (not composed yet: what compose would freeze now) or the stored edition's status. */
  status: string;
  /** Every section of the edition, in email order. */
  sections: string[];
  /** The section set shown: ALL_SECTIONS or "A|B". */
  variant: string;
  /** The sections the shown variant carries. */
  variantSections: string[];
  subject: string;
  preheader: string;
  /** The HTML part, personal links filled with the generic pages (as in the outbox's digest.html). */
  html: string;
  /** The HTML part exactly as rendered (with the personal-link markers), for a test send. */
  rawHtml: string;
  /** The edition's personal-link markers in `rawHtml` and `rawText` (absent: the fixed PERSONAL_SLOTS). */
  slots?: PersonalSlots;
  text: string;
  rawText: string;
  /** UTF-8 bytes of `html`. */
  htmlBytes: number;
  storyCount: number;
  /** Stories of the shown sections the cap left out, in the order the cap ranked them. */
  leftOut: EditionStory[];
}

/**
 * Builds the preview of `day` for the sections `chosen` (empty: all). Uses composeEdition's dry run,
 * so the cap, the ranking and the rendering are compose's own; a stored edition is shown as stored.
 */
export async function previewEdition(
  deps: EditionDeps,
  day: string,
  chosen: readonly string[] = [],
): Promise<PreviewModel> {
  const composed = await composeEdition(deps, day, { dryRun: true });
  if (composed.kind !== "edition") {
    const reason =
      composed.kind === "empty" ? composed.reason : `the edition of ${day} was cancelled: nothing to show`;
    return emptyModel(day, reason);
  }
  const { edition } = composed;
  const key = variantKey(chosen, edition.sections) ?? ALL_SECTIONS;
  const variantSections = sectionsOfVariant(key, edition.sections);
  const rendered = renderVariant(deps, edition, key);
  const generic = {
    unsubscribeUrl: `${deps.config.publicBaseUrl}/unsubscribe`,
    preferencesUrl: `${deps.config.publicBaseUrl}/preferences`,
  };
  const slots = personalSlots(edition.slotNonce);
  const html = fillPersonalSlots(rendered.html, generic, slots);
  const view = new Set(variantSections.map((s) => s.toLowerCase()));
  const storyCount = edition.stories.filter((s) => view.has(s.section.toLowerCase())).length;
  return {
    day,
    empty: null,
    status: edition.status === "building" ? "draft" : edition.status,
    sections: edition.sections,
    variant: key,
    variantSections,
    subject: rendered.subject,
    preheader: preheaderOf(rendered.html),
    html,
    rawHtml: rendered.html,
    slots,
    text: fillPersonalSlots(rendered.text, generic, slots),
    rawText: rendered.text,
    htmlBytes: Buffer.byteLength(html, "utf8"),
    storyCount,
    leftOut: await leftOutStories(deps, edition, view),
  };
}

/**
 * The stories the cap left out of the given sections: the day's candidates in the cap's order that
 * the edition does not carry, as many per section as the edition counted as left out.
 */
async function leftOutStories(
  deps: EditionDeps,
  edition: {
    editionId: string;
    date: string;
    stories: EditionStory[];
    leftOutBySection: Record<string, number>;
  },
  sections: Set<string>,
): Promise<EditionStory[]> {
  const counts = new Map(
    Object.entries(edition.leftOutBySection).map(([section, n]) => [section.toLowerCase(), n]),
  );
  if ([...counts.values()].every((n) => n === 0)) return [];
  const kept = new Set(edition.stories.map((s) => s.id));
  const candidates = (await deps.stories.listDay(edition.date))
    .filter((s) => (s.editionId === null || s.editionId === edition.editionId) && !kept.has(s.id))
    .map(toEditionStory);
  const out: EditionStory[] = [];
  for (const story of rankStories(candidates, deps.config.sections)) {
    const section = story.section.toLowerCase();
    const left = counts.get(section) ?? 0;
    if (left <= 0 || !sections.has(section)) continue;
    counts.set(section, left - 1);
    out.push(story);
  }
  return out;
}

/** The preheader as the template put it in the hidden preview block (what inboxes show). */
function preheaderOf(html: string): string {
  const block = /<div style="display:none;[^"]*">([\s\S]*?)<\/div>/.exec(html)?.[1] ?? "";
  return decodeEntities(block.replace(/<[^>]*>/g, "")).trim();
}

function decodeEntities(text: string): string {
  const named: Record<string, string> = { amp: "&", lt: "<", gt: ">", quot: '"', nbsp: "\u00a0" };
  return text.replace(/&(#x[0-9a-f]+|#\d+|\w+);/gi, (whole, code: string) => {
    if (code[0] === "#") {
      const n = code[1]?.toLowerCase() === "x" ? Number.parseInt(code.slice(2), 16) : Number(code.slice(1));
      return Number.isFinite(n) ? String.fromCodePoint(n) : whole;
    }
    return named[code.toLowerCase()] ?? whole;
  });
}

function emptyModel(day: string, reason: string): PreviewModel {
  return {
    day,
    empty: reason,
    status: "none",
    sections: [],
    variant: ALL_SECTIONS,
    variantSections: [],
    subject: "",
    preheader: "",
    html: "",
    rawHtml: "",
    text: "",
    rawText: "",
    htmlBytes: 0,
    storyCount: 0,
    leftOut: [],
  };
}

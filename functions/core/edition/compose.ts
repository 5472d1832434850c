import type { EditionRecord, EditionStore, StoryStore } from "../kernel/ports.js";
import { approvalFor } from "./approval.js";
import {
  ALL_SECTIONS,
  type EditionStory,
  newSlotNonce,
  sectionComparator,
  toEditionStory,
} from "./edition.js";
import { selectStories } from "./story-selection.js";
import { type RenderDeps, renderVariant } from "./variant.js";

/**
 * Composing the edition of a day: select, dedupe, rank, cap and freeze the day's stories. Delivering
 * it is delivery/send-edition.ts.
 */

export type ComposeResult =
  | {
      kind: "edition";
      edition: EditionRecord;
      /** Set when this call chose the stories: those the cap left out, in rank order. */
      leftOut?: EditionStory[];
      /** This call composed and stored it (not a rerun returning the stored edition, nor a dry run). */
      composedNow?: true;
    }
  | { kind: "empty"; reason: string }
  | { kind: "cancelled"; edition: EditionRecord };

/**
 * What composing reads and writes: the day's stories, the editions, and the renderer that checks what
 * fits.
 */
export interface ComposeDeps extends RenderDeps {
  stories: StoryStore;
  editions: EditionStore;
  clock?: () => Date;
}

const now = (deps: ComposeDeps) => (deps.clock ?? (() => new Date()))();

/**
 * Left-out story ids an edition records at most (the archive's "more stories"). Ids are 24 hex
 * characters, so 500 add ~14 KB to the edition's item, beside ~26 KB of stories: far from 400 KB.
 */
export const MAX_RECORDED_LEFT_OUT = 500;

/** Edition id of a day: the day itself (one edition a day). */
export const editionIdFor = (day: string) => day;

function canonicalSection(section: string, known: readonly string[]): string {
  return known.find((k) => k.toLowerCase() === section.toLowerCase()) ?? section;
}

/**
 * Selects the day's stories not yet sent in another edition and not held back by an editor, ranks
 * and caps them so the HTML stays under Gmail's clip (a story that cannot be rendered is left out and
 * noted in `dropped`: see selectStories), and freezes the result as the edition, with the nonce of its
 * personal-link markers. An edition that already exists past "building" is returned as stored: a
 * rerun sends exactly what the first run chose.
 */
export async function composeEdition(
  deps: ComposeDeps,
  day: string,
  opts: { dryRun?: boolean } = {},
): Promise<ComposeResult> {
  const editionId = editionIdFor(day);
  const existing = await deps.editions.get(editionId);
  if (existing?.status === "cancelled") return { kind: "cancelled", edition: existing };
  if (existing && existing.status !== "building") return { kind: "edition", edition: existing };

  const known = deps.config.sections;
  const candidates = (await deps.stories.listDay(day))
    .filter((s) => (s.editionId === null || s.editionId === editionId) && !s.held)
    .map((s) => ({ ...toEditionStory(s), section: canonicalSection(s.section, known) }));
  if (candidates.length === 0) return { kind: "empty", reason: `no stories for ${day}: nothing to send` };

  const slotNonce = existing?.slotNonce ?? newSlotNonce();
  const { kept, leftOut, dropped } = selectStories(deps, day, candidates, slotNonce);
  const keptIds = new Set(kept.map((s) => s.id));
  const leftOutBySection: Record<string, number> = {};
  for (const s of leftOut) leftOutBySection[s.section] = (leftOutBySection[s.section] ?? 0) + 1;
  const at = now(deps).toISOString();
  const frozen: EditionRecord = {
    editionId,
    date: day,
    status: "building",
    stories: kept,
    leftOutBySection,
    leftOutIds: leftOut.slice(0, MAX_RECORDED_LEFT_OUT).map((s) => s.id),
    sections: [...new Set(kept.map((s) => s.section))].sort(sectionComparator(known)),
    createdAt: existing?.createdAt ?? at,
    updatedAt: at,
    slotNonce,
    // Only a building edition is composed again, and a building one has no ledger entries yet.
    ledgerCounted: true,
    ...(dropped.length > 0 ? { dropped } : {}),
  };
  // The all-sections email, rendered once here with this moment's settings and template: the senders
  // send this copy (they render only the other section sets), and the web archive shows it, so a
  // later change of brand, order or template never rewrites what went out.
  const allSections = renderVariant(deps, frozen, ALL_SECTIONS);
  const edition: EditionRecord = { ...frozen, subject: allSections.subject };
  if (opts.dryRun) return { kind: "edition", edition, leftOut };

  // building → copy stored, stories marked → sending (or awaiting-approval: config approval,
  // edition/approval.ts): a crash in between leaves "building", which a rerun redoes (replacing the copy).
  await deps.editions.replace(edition);
  await deps.editions.putVariant(editionId, allSections);
  await deps.stories.markInEdition([...keptIds], editionId);
  const approval = approvalFor(deps.config.approval, day, deps.config.timeZone);
  const composed: EditionRecord = {
    ...edition,
    status: approval ? "awaiting-approval" : "sending",
    updatedAt: now(deps).toISOString(),
    ...(approval ? { approval } : {}),
  };
  await deps.editions.replace(composed);
  return { kind: "edition", edition: composed, composedNow: true };
}

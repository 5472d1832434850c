/**
 * Editorial control over stored stories, shared by `digest stories list|remove|hold|release` and the
 * admin API (`GET /admin/stories`, `PATCH|DELETE /admin/stories/{id}`): what a story looks like in a
 * listing, removing one, holding one back from editions, picking the lead and its order. Importing a
 * request body is in story-body-import.ts and correcting a headline in story-correction.ts: they need
 * the story parsers, which these never load.
 */
import { type EditionStory, toEditionStory } from "../edition/edition.js";
import type { StoryStore } from "../kernel/ports.js";
import type { Story } from "../kernel/types.js";

/**
 * A story as `digest stories list --json` and `GET /admin/stories` show it; `correction` only on a
 * story an editor corrected (its headline and excerpt already show the correction).
 */
export type StoryListItem = EditionStory & {
  editionId: string | null;
  held: boolean;
  correction?: Story["correction"];
};

export function storyListItem(s: Story): StoryListItem {
  return {
    ...toEditionStory(s),
    editionId: s.editionId,
    held: s.held === true,
    ...(s.correction ? { correction: s.correction } : {}),
  };
}

/** The stories of a day, newest first, as listed. */
export async function listStoriesOfDay(store: StoryStore, day: string): Promise<StoryListItem[]> {
  const stories = await store.listDay(day);
  stories.sort((a, b) => b.publishedAt.localeCompare(a.publishedAt) || a.id.localeCompare(b.id));
  return stories.map(storyListItem);
}

export type RemoveResult =
  | { outcome: "removed"; story: Story }
  | { outcome: "not-found" }
  | { outcome: "in-edition"; story: Story; editionId: string };

/**
 * Removes a story unless it went out (or is going out) in an edition: then it is kept, because the
 * emails and the archive link to it. A removed story stays removed: importing it again, or a feed
 * that still carries it, skips it.
 */
export async function removeStory(store: StoryStore, id: string): Promise<RemoveResult> {
  const story = await store.get(id);
  if (!story) return { outcome: "not-found" };
  const removal = await store.remove(id);
  if (removal.outcome === "in-edition") return { outcome: "in-edition", story, editionId: removal.editionId };
  if (removal.outcome === "not-found") return { outcome: "not-found" };
  return { outcome: "removed", story };
}

export type HoldResult =
  | { outcome: "changed" | "unchanged"; story: Story }
  | { outcome: "not-found" }
  | { outcome: "in-edition"; story: Story; editionId: string };

/**
 * Holds a story back from editions (`held` true) or releases it. Holding a story that is already in an
 * edition changes nothing for that edition, so it is refused ("in-edition"); releasing is always
 * allowed. "unchanged" when it already was in that state.
 */
export async function setStoryHeld(store: StoryStore, id: string, held: boolean): Promise<HoldResult> {
  const story = await store.get(id);
  if (!story) return { outcome: "not-found" };
  if (held && story.editionId) return { outcome: "in-edition", story, editionId: story.editionId };
  if ((story.held === true) === held) return { outcome: "unchanged", story };
  const updated = await store.setHeld(id, held);
  return updated ? { outcome: "changed", story: updated } : { outcome: "not-found" };
}

/** The editor's change to a story: pick it as its day's lead (true) or unpick it (false); set or clear its order. */
export interface PickChange {
  lead?: boolean;
  /** 1 first within its section; null clears it. */
  rank?: number | null;
}

/** Largest editor's order a story may be given. */
export const MAX_RANK = 999;

/**
 * Picks a story as its day's lead or unpicks it, and sets or clears its order within its section
 * (`digest stories lead|rank`, `PATCH /admin/stories/{id}`). A pick is a time (`now`): of several
 * stories picked for one day, the latest leads, so picking one needs no write to the others. A story
 * already in an edition is refused ("in-edition"): that edition is frozen and would not change.
 * Throws RangeError for a rank that is not a whole number from 1 to MAX_RANK.
 */
export async function setStoryPick(
  store: StoryStore,
  id: string,
  change: PickChange,
  now: Date,
): Promise<HoldResult> {
  const { rank } = change;
  if (rank !== undefined && rank !== null && (!Number.isInteger(rank) || rank < 1 || rank > MAX_RANK)) {
    throw new RangeError(`rank must be a whole number from 1 to ${MAX_RANK}, or null`);
  }
  const story = await store.get(id);
  if (!story) return { outcome: "not-found" };
  if (story.editionId) return { outcome: "in-edition", story, editionId: story.editionId };
  const leadChanges = change.lead !== undefined && change.lead !== (story.leadPickedAt !== undefined);
  // Picking again moves the pick to now: the latest pick leads.
  const repick = change.lead === true && story.leadPickedAt !== undefined;
  const rankChanges = rank !== undefined && rank !== (story.rank ?? null);
  if (!leadChanges && !repick && !rankChanges) return { outcome: "unchanged", story };
  const updated = await store.setPick(id, {
    ...(change.lead !== undefined ? { leadPickedAt: change.lead ? now.toISOString() : null } : {}),
    ...(rankChanges ? { rank } : {}),
  });
  return updated ? { outcome: "changed", story: updated } : { outcome: "not-found" };
}

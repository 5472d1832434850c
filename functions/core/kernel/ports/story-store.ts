import type { Story, StoryCorrection } from "../types.js";

export type UpsertOutcome = "imported" | "updated" | "skipped";

export interface StoryStore {
  /** Inserts or updates by id, keeping the edition that already carried it. Unchanged content → "skipped". */
  upsert(story: Omit<Story, "editionId">, day: string): Promise<UpsertOutcome>;
  /** One story by id, or null. */
  get(id: string): Promise<Story | null>;
  /** The stories of one local day, newest first (one Query). */
  listDay(day: string): Promise<Story[]>;
  /** Records that the stories went out in `editionId`; a story already in another edition is left alone. */
  markInEdition(storyIds: readonly string[], editionId: string): Promise<void>;
  /**
   * Removes a story that has gone out in no edition. What stays is a tombstone under its id, so a
   * re-import or the next feed poll does not bring it back (`upsert` then answers "skipped").
   * Returns "removed", "not-found" (no such story, or removed already) or the edition that carried it
   * (then nothing is removed: sent emails link to it).
   */
  remove(id: string): Promise<StoryRemoval>;
  /** Holds a story back from editions (true) or releases it (false); returns the story, or null when there is none. */
  setHeld(id: string, held: boolean): Promise<Story | null>;
  /**
   * Sets (a value) or clears (null) the editor's lead pick and order of a story; an absent key is left
   * alone. Returns the story, or null when there is none.
   */
  setPick(id: string, pick: StoryPick): Promise<Story | null>;
  /**
   * Records an editor's correction of the headline or excerpt (null: none, the imported text shows),
   * unless the story is in an edition by now (other than `opts.inEdition`: the edition awaiting
   * approval the correction was written into first). A later `upsert` updates the imported text and
   * leaves the correction alone. Returns the story as corrected, or "in-edition" / null (no such story).
   */
  setCorrection(
    id: string,
    correction: StoredCorrection | null,
    opts?: { inEdition?: string },
  ): Promise<Story | "in-edition" | null>;
}

/** A correction as stored: the corrected fields, when and by whom (the imported text stays where it was). */
export type StoredCorrection = Omit<StoryCorrection, "imported">;

/** The editor's choices about one story: when it was picked as its day's lead, its order in its section. */
export interface StoryPick {
  leadPickedAt?: string | null;
  rank?: number | null;
}

export type StoryRemoval =
  | { outcome: "removed" | "not-found" }
  | { outcome: "in-edition"; editionId: string };

/**
 * An editor's correction of a story's headline or excerpt (`PATCH /admin/stories/{id}`), cleaned and
 * capped exactly as imported text is (storyHeadline, storyExcerpt: the finaliser's own steps). Apart
 * from story-admin.ts because it loads the story parsers (the HTML reading of a headline): deployed,
 * the story-import function answers it, never the api function.
 */
import type { EditionStatus, EditionStore, StoredCorrection, StoryStore } from "../kernel/ports.js";
import type { Story } from "../kernel/types.js";
import { storyExcerpt, storyHeadline } from "./stories.js";

/** What an editor sends: a corrected text, or null to take the correction back (the imported text shows). */
export interface CorrectionChange {
  headline?: string | null;
  excerpt?: string | null;
}

/** The stories, and the editions a story awaiting approval is corrected in too. */
export interface CorrectionDeps {
  stories: StoryStore;
  editions: Pick<EditionStore, "get" | "correctStory">;
}

export type CorrectionResult =
  | {
      outcome: "changed" | "unchanged";
      story: Story;
      /** The headline and excerpt the story showed before. */
      before: { headline: string; excerpt: string };
      /** What was cut to fit, as an import says it ("headline: 503 characters, cut to 300"). */
      notices: string[];
      /**
       * Set for a story of an edition awaiting approval: `stale` while the edition's stored copy
       * predates the correction (it is rendered again before anything is sent).
       */
      edition?: { id: string; stale: boolean };
    }
  | { outcome: "not-found" }
  | { outcome: "in-edition"; story: Story; editionId: string; status: EditionStatus | null }
  | { outcome: "invalid"; field: "headline" | "excerpt"; error: string };

/**
 * Corrects (or takes back the correction of) a story's headline and excerpt. Each text is read as an
 * import reads it: markup to plain text, character references decoded, one line, the headline cut at
 * a word to its cap, the excerpt at a sentence; what was cut is in `notices`. A text equal to the
 * imported one is no correction (a later change by the source then shows).
 *
 * A story in an edition awaiting approval is corrected in that edition too: its snapshot first, in one
 * write conditional on the edition still waiting (which marks it stale: edition/edition-rerender.ts),
 * then the story. A story of an edition in any other state is refused ("in-edition"): what went out
 * (or is going out) stays as it went, and a correction the release overtook writes nothing.
 */
export async function correctStory(
  deps: CorrectionDeps,
  id: string,
  change: CorrectionChange,
  now: Date,
  by: string | null,
): Promise<CorrectionResult> {
  const notices: string[] = [];
  const cleaned: { headline?: string | null; excerpt?: string | null } = {};
  if (change.headline !== undefined) {
    const headline = change.headline === null ? null : storyHeadline(change.headline, notices);
    if (headline !== null && typeof headline !== "string") return invalid("headline", headline.error);
    cleaned.headline = headline;
  }
  if (change.excerpt !== undefined) {
    const excerpt = change.excerpt === null ? null : storyExcerpt(change.excerpt);
    if (excerpt !== null && typeof excerpt !== "string") return invalid("excerpt", excerpt.error);
    if (excerpt === "")
      return invalid("excerpt", "excerpt: nothing left to show (null takes the correction back)");
    cleaned.excerpt = excerpt;
  }
  // Twice at most: a story the day's compose froze between the read and the write is tried again as
  // a story of that edition.
  for (let attempt = 0; ; attempt++) {
    const result = await applyCorrection(deps, id, cleaned, notices, now, by);
    if (result !== "frozen-meanwhile") return result;
    if (attempt > 0) {
      const story = await deps.stories.get(id);
      if (!story) return { outcome: "not-found" };
      return { outcome: "in-edition", story, editionId: story.editionId ?? "", status: null };
    }
  }
}

async function applyCorrection(
  deps: CorrectionDeps,
  id: string,
  cleaned: { headline?: string | null; excerpt?: string | null },
  notices: string[],
  now: Date,
  by: string | null,
): Promise<CorrectionResult | "frozen-meanwhile"> {
  const story = await deps.stories.get(id);
  if (!story) return { outcome: "not-found" };
  const editionId = story.editionId;
  const refused = async (): Promise<CorrectionResult> => {
    const status = editionId ? ((await deps.editions.get(editionId))?.status ?? null) : null;
    return { outcome: "in-edition", story, editionId: editionId ?? "", status };
  };
  // Where the story stands in the edition's list: the edition's write names that place.
  let position = -1;
  if (editionId) {
    const edition = await deps.editions.get(editionId);
    position = edition?.stories.findIndex((s) => s.id === id) ?? -1;
    if (edition?.status !== "awaiting-approval" || position < 0)
      return { outcome: "in-edition", story, editionId, status: edition?.status ?? null };
  }
  const before = { headline: story.headline, excerpt: story.excerpt };
  const imported = story.correction?.imported ?? before;
  const fields = { headline: story.correction?.headline, excerpt: story.correction?.excerpt };
  for (const field of ["headline", "excerpt"] as const) {
    const value = cleaned[field];
    if (value === undefined) continue;
    // null, or the imported text itself: no correction of that field.
    fields[field] = value === null || value === imported[field] ? undefined : value;
  }
  if (fields.headline === story.correction?.headline && fields.excerpt === story.correction?.excerpt) {
    return { outcome: "unchanged", story, before, notices };
  }
  const correction: StoredCorrection | null =
    fields.headline === undefined && fields.excerpt === undefined
      ? null
      : {
          ...(fields.headline !== undefined ? { headline: fields.headline } : {}),
          ...(fields.excerpt !== undefined ? { excerpt: fields.excerpt } : {}),
          at: now.toISOString(),
          by,
        };
  if (editionId) {
    // The edition first: its conditional write decides whether the correction lands before the
    // release. Only the fields this change names: a source's later re-import stays out of the snapshot.
    const text: { headline?: string; excerpt?: string } = {};
    for (const field of ["headline", "excerpt"] as const)
      if (cleaned[field] !== undefined) text[field] = fields[field] ?? imported[field];
    if (!(await deps.editions.correctStory(editionId, { id, position }, text, now.toISOString())))
      return refused();
  }
  const updated = await deps.stories.setCorrection(id, correction, editionId ? { inEdition: editionId } : {});
  if (updated === null) return { outcome: "not-found" };
  if (updated === "in-edition") return "frozen-meanwhile";
  return {
    outcome: "changed",
    story: updated,
    before,
    notices,
    ...(editionId ? { edition: { id: editionId, stale: true } } : {}),
  };
}

const invalid = (field: "headline" | "excerpt", error: string): CorrectionResult => ({
  outcome: "invalid",
  field,
  error,
});

/** `headline: "old" → "new"; excerpt: "old…" → "new…"`: what changed, each text cut to `max` characters. */
export function correctionSummary(
  before: { headline: string; excerpt: string },
  after: { headline: string; excerpt: string },
  max = 60,
): string {
  const quote = (s: string) => JSON.stringify(s.length > max ? `${s.slice(0, max - 1)}…` : s);
  return (["headline", "excerpt"] as const)
    .filter((f) => before[f] !== after[f])
    .map((f) => `${f}: ${quote(before[f])} → ${quote(after[f])}`)
    .join("; ");
}

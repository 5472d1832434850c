/**
 * An editor's correction of a story's headline or excerpt (`PATCH /admin/stories/{id}`), cleaned and
 * capped exactly as imported text is (storyHeadline, storyExcerpt: the finaliser's own steps). Apart
 * from story-admin.ts because it loads the story parsers (the HTML reading of a headline): deployed,
 * the story-import function answers it, never the api function.
 */
import type { StoredCorrection, StoryStore } from "../kernel/ports.js";
import type { Story } from "../kernel/types.js";
import { storyExcerpt, storyHeadline } from "./stories.js";

/** What an editor sends: a corrected text, or null to take the correction back (the imported text shows). */
export interface CorrectionChange {
  headline?: string | null;
  excerpt?: string | null;
}

export type CorrectionResult =
  | {
      outcome: "changed" | "unchanged";
      story: Story;
      /** The headline and excerpt the story showed before. */
      before: { headline: string; excerpt: string };
      /** What was cut to fit, as an import says it ("headline: 503 characters, cut to 300"). */
      notices: string[];
    }
  | { outcome: "not-found" }
  | { outcome: "in-edition"; story: Story; editionId: string }
  | { outcome: "invalid"; field: "headline" | "excerpt"; error: string };

/**
 * Corrects (or takes back the correction of) a story's headline and excerpt. Each text is read as an
 * import reads it: markup to plain text, character references decoded, one line, the headline cut at
 * a word to its cap, the excerpt at a sentence; what was cut is in `notices`. A text equal to the
 * imported one is no correction (a later change by the source then shows). A story already in an
 * edition is refused ("in-edition"): that edition is frozen, and what went out stays as it went.
 */
export async function correctStory(
  store: StoryStore,
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
  const story = await store.get(id);
  if (!story) return { outcome: "not-found" };
  if (story.editionId) return { outcome: "in-edition", story, editionId: story.editionId };
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
  const updated = await store.setCorrection(id, correction);
  if (updated === null) return { outcome: "not-found" };
  if (updated === "in-edition") {
    const current = (await store.get(id)) ?? story;
    return { outcome: "in-edition", story: current, editionId: current.editionId ?? "" };
  }
  return { outcome: "changed", story: updated, before, notices };
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

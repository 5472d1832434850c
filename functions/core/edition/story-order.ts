/**
 * The order of an edition: which story leads, in which order the sections follow, and the order of
 * the stories within each. One function, used by the cap (rankStories), the email (buildView) and the
 * archive, so they never disagree.
 *
 * - The lead is the editor's pick (of several picks, the latest), else the best story of the first
 *   section.
 * - Within a section: the editor's order (`rank`, 1 first), then newest first, then id.
 * - Sections: with a configured order, that order (sections it does not name after it); without one,
 *   or among those it does not name, by their best story, newest first. The picked lead's section
 *   goes first either way when nothing is configured, so the email reads from its lead on.
 */

/** What ordering reads of a story. */
export interface Orderable {
  id: string;
  section: string;
  publishedAt: string;
  rank?: number;
  leadPickedAt?: string;
}

export interface EditionOrder<T> {
  /** The story the edition opens with; null only when there is none. */
  lead: T | null;
  /** The other stories by section, in email order; sections left empty by the lead are left out. */
  sections: Array<{ name: string; stories: T[] }>;
}

/** Within a section: the editor's order first (lower rank first), then newest first, then id. */
export function storyOrder(a: Orderable, b: Orderable): number {
  const ra = a.rank ?? Number.POSITIVE_INFINITY;
  const rb = b.rank ?? Number.POSITIVE_INFINITY;
  if (ra !== rb) return ra < rb ? -1 : 1;
  return b.publishedAt.localeCompare(a.publishedAt) || a.id.localeCompare(b.id);
}

/** The editor's pick among `stories`: the latest picked, or undefined when none was. */
export function pickedLead<T extends Orderable>(stories: readonly T[]): T | undefined {
  let best: T | undefined;
  for (const s of stories) {
    if (!s.leadPickedAt) continue;
    if (!best || s.leadPickedAt > (best.leadPickedAt as string)) best = s;
  }
  return best;
}

/** Orders `stories` as the email shows them (see the file's comment). */
export function orderEdition<T extends Orderable>(
  stories: readonly T[],
  sectionOrder: readonly string[],
): EditionOrder<T> {
  const bySection = new Map<string, T[]>();
  for (const s of stories) {
    const list = bySection.get(s.section) ?? [];
    list.push(s);
    bySection.set(s.section, list);
  }
  for (const list of bySection.values()) list.sort(storyOrder);
  const picked = pickedLead(stories);
  const configured = new Map(sectionOrder.map((name, i) => [name.toLowerCase(), i]));
  const position = (name: string) => {
    if (picked && configured.size === 0 && name === picked.section) return -1;
    return configured.get(name.toLowerCase()) ?? Number.MAX_SAFE_INTEGER;
  };
  const best = (name: string) => (bySection.get(name) as T[])[0] as T;
  const names = [...bySection.keys()].sort(
    (a, b) =>
      position(a) - position(b) ||
      best(b).publishedAt.localeCompare(best(a).publishedAt) ||
      a.localeCompare(b),
  );
  const first = names[0];
  const lead = picked ?? (first === undefined ? null : best(first));
  const sections = names
    .map((name) => ({ name, stories: (bySection.get(name) as T[]).filter((s) => s !== lead) }))
    .filter((section) => section.stories.length > 0);
  return { lead, sections };
}

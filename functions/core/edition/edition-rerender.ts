import type { EditionRecord, EditionStore } from "../kernel/ports.js";
import { ALL_SECTIONS } from "./edition.js";
import { type RenderDeps, renderVariant } from "./variant.js";

/**
 * An edition corrected while it awaited approval (stories/story-correction.ts) carries the correction
 * in its stories at once, but its stored all-sections copy (the preview, the archive "as sent", what
 * the senders send) and its subject were rendered before. This renders them again. It runs where the
 * renderer is: right after the correction locally (`digest serve`, the CLI), deployed in compose's
 * approval round, and always before an edition is fanned out or sent (compose's release, the local
 * send, the sending engine itself), so a stale copy never goes out. The other variants (one per
 * section set and language) are rendered by the senders on first use and record the revision they
 * were rendered from: a copy older than the edition's revision is rendered again (edition-sender.ts).
 */

export interface RerenderDeps extends RenderDeps {
  editions: Pick<EditionStore, "get" | "putVariant" | "markRendered">;
}

/** Renderings in a row before giving up when corrections keep landing while one renders. */
const MAX_RENDERINGS = 5;

/** Whether the edition's stored copy predates a correction. */
export const isStale = (edition: Pick<EditionRecord, "staleSince">): boolean =>
  edition.staleSince !== undefined;

/**
 * Renders the all-sections copy of edition `editionId` again when a correction made it stale, stores
 * it with its revision and clears the mark; returns the edition as it is then (null: none). A
 * correction landing meanwhile keeps it stale: rendered again, a few times at most, then it throws
 * (the next caller tries again; nothing is sent from a stale copy).
 */
export async function rerenderIfStale(deps: RerenderDeps, editionId: string): Promise<EditionRecord | null> {
  for (let rendering = 0; rendering < MAX_RENDERINGS; rendering++) {
    const edition = await deps.editions.get(editionId);
    if (!edition || !isStale(edition)) return edition;
    const revision = edition.revision ?? 0;
    const all = { ...renderVariant(deps, edition, ALL_SECTIONS), revision };
    // A newer copy stored meanwhile (another rendering of a later revision) wins; marking below then
    // fails too, unless that newer one already cleared the mark.
    await deps.editions.putVariant(editionId, all);
    if (await deps.editions.markRendered(editionId, revision, all.subject)) {
      const { staleSince: _rendered, ...current } = edition;
      return { ...current, subject: all.subject };
    }
  }
  throw new Error(`edition ${editionId}: corrections kept arriving while it was rendered again; try again`);
}

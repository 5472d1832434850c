import type { DigestConfig } from "../kernel/config.js";
import { dayInZone, isDay, nextDay, parseDay } from "../kernel/dates.js";
import type { EditionRecord, EditionStatus, EditionStore, SendLedger, StoryStore } from "../kernel/ports.js";
import type { EditionView, SectionView, Story } from "../kernel/types.js";
import { editionIdFor } from "./compose.js";
import {
  ALL_SECTIONS,
  buildView,
  type EditionStory,
  fillPersonalSlots,
  groupBySection,
  personalSlots,
  rankStories,
  toEditionStory,
} from "./edition.js";

/**
 * The public web archive: editions that went out, newest first, and each one's full content: the
 * all-sections email as it was rendered when the edition was composed (stored beside it), its
 * personal-link markers replaced by the generic pages, so no reader's link can reach a public page.
 * An edition without that copy (composed before it was stored, and never sent) is rebuilt from the
 * stories it froze, with today's settings.
 */

export interface ArchiveDeps {
  editions: EditionStore;
  stories: StoryStore;
  /** Read only for cancelled editions: did any message go out before the cancel? */
  ledger: Pick<SendLedger, "list">;
  config: DigestConfig;
  clock: () => Date;
}

/** Editions that reached (or are reaching) subscribers; "building" ones never are public. */
export const ARCHIVED_STATUSES: readonly EditionStatus[] = ["sending", "sent", "partial"];

/** Ledger entries read per page while looking for one that was sent. */
const LEDGER_PAGE = 1000;

/**
 * True when the ledger holds at least one recipient the edition was sent to. Stops at the first page
 * that has one: an edition that reached readers has mostly "sent" entries, one that reached nobody
 * has few entries at all (only the batches that were in flight), so this reads little either way.
 */
export async function ledgerShowsSent(ledger: Pick<SendLedger, "list">, editionId: string): Promise<boolean> {
  let cursor: string | null = null;
  do {
    const page = await ledger.list(editionId, ["sent"], cursor, LEDGER_PAGE);
    if (page.items.length > 0) return true;
    cursor = page.nextCursor;
  } while (cursor);
  return false;
}

/**
 * Whether the edition belongs in the public archive: one that is going or went out, and a cancelled
 * one that reached at least one reader (recorded when it was cancelled, or found in the send ledger:
 * messages in flight at the cancel still go out), whose readers' "View in browser" links must keep
 * working. A cancelled edition that reached nobody, and one still being composed, are not public.
 */
export async function isArchived(deps: Pick<ArchiveDeps, "ledger">, e: EditionRecord): Promise<boolean> {
  if (ARCHIVED_STATUSES.includes(e.status)) return true;
  if (e.status !== "cancelled") return false;
  return e.reachedReaders === true || (await ledgerShowsSent(deps.ledger, e.editionId));
}

/**
 * True when a story may be shown publicly (GET /stories/{id}): not held back, and either past its
 * publication time or carried by an edition that is archived ({@link isArchived}: it went out, or is
 * going out). So a story dated ahead (an embargo) stays unseen until its time or its edition, whoever
 * knows its id (a hash of its URL, which anyone can compute).
 */
export async function isStoryPublic(
  deps: Pick<ArchiveDeps, "editions" | "ledger" | "clock">,
  story: Pick<Story, "held" | "publishedAt" | "editionId">,
): Promise<boolean> {
  if (story.held) return false;
  if (Date.parse(story.publishedAt) <= deps.clock().getTime()) return true;
  if (story.editionId === null) return false;
  // The status alone answers for all but a cancelled edition (the small read first).
  const status = await deps.editions.getStatus(story.editionId);
  if (status === null) return false;
  if (ARCHIVED_STATUSES.includes(status)) return true;
  if (status !== "cancelled") return false;
  const edition = await deps.editions.get(story.editionId);
  return edition !== null && (await isArchived(deps, edition));
}

/** Editions on one archive page. */
export const ARCHIVE_PAGE_SIZE = 20;
/** Days in a row without an edition that end the archive (a longer pause hides what came before). */
export const ARCHIVE_GAP_DAYS = 62;
/** Days one archive request reads at most (one GetItem each). */
export const ARCHIVE_MAX_DAYS_PER_PAGE = 200;

export interface ArchiveEntry {
  date: string;
  /** "Friday 14 March 2031" */
  dateLabel: string;
  subject: string;
  /** Stories the archive page shows: those in the email and those the cap left out. */
  stories: number;
  /** Headlines of the email's first stories, in the email's order (at most three). */
  headlines: string[];
  /** When the edition was composed (ISO 8601). */
  createdAt: string;
  /** The edition's last change of status (ISO 8601). */
  updatedAt: string;
  status: EditionStatus;
}

const DAY_MS = 86_400_000;

function dayBefore(day: string): string {
  const [y, m, d] = parseDay(day);
  return new Date(Date.UTC(y, m - 1, d) - DAY_MS).toISOString().slice(0, 10);
}

const leftOutCount = (e: EditionRecord) =>
  e.leftOutIds?.length ?? Object.values(e.leftOutBySection).reduce((a, b) => a + b, 0);

/** The email's view of the edition's all-sections variant (subject, sections, links), as sent. */
function editionView(deps: Pick<ArchiveDeps, "config">, edition: EditionRecord): EditionView {
  return buildView({
    config: deps.config,
    date: edition.date,
    stories: edition.stories,
    leftOut: leftOutCount(edition),
  });
}

/**
 * One page of the archive, newest first: editions that went out on days before `before` (default:
 * up to and including today in the configured zone), a few reads at a time. The archive ends where
 * ARCHIVE_GAP_DAYS days in a row hold no such edition; one request reads at most
 * ARCHIVE_MAX_DAYS_PER_PAGE days. `nextBefore` continues the list, or is null at its end.
 */
export async function listArchive(
  deps: ArchiveDeps,
  opts: { before?: string; limit?: number } = {},
): Promise<{ items: ArchiveEntry[]; nextBefore: string | null }> {
  const limit = Math.max(1, opts.limit ?? ARCHIVE_PAGE_SIZE);
  let day = opts.before ? dayBefore(opts.before) : dayInZone(deps.clock(), deps.config.timeZone);
  const items: ArchiveEntry[] = [];
  let looked = 0;
  let sinceLast = 0;
  while (sinceLast < ARCHIVE_GAP_DAYS && looked < ARCHIVE_MAX_DAYS_PER_PAGE) {
    const days: string[] = [];
    const batch = Math.min(8, ARCHIVE_GAP_DAYS - sinceLast, ARCHIVE_MAX_DAYS_PER_PAGE - looked);
    for (; days.length < batch; looked++) {
      days.push(day);
      day = dayBefore(day);
    }
    const found = await Promise.all(days.map((d) => deps.editions.get(editionIdFor(d))));
    const shown = await Promise.all(found.map(async (e) => (e && (await isArchived(deps, e)) ? e : null)));
    for (const edition of shown) {
      if (!edition) {
        sinceLast++;
        continue;
      }
      sinceLast = 0;
      const view = editionView(deps, edition);
      items.push({
        date: edition.date,
        dateLabel: view.dateLabel,
        subject: edition.subject ?? view.subject,
        stories: edition.stories.length + leftOutCount(edition),
        headlines: [...(view.lead ? [view.lead] : []), ...view.sections.flatMap((s) => s.stories)]
          .slice(0, 3)
          .map((s) => s.headline),
        createdAt: edition.createdAt,
        updatedAt: edition.updatedAt,
        status: edition.status,
      });
      if (items.length === limit) return { items, nextBefore: edition.date };
    }
  }
  // Stopped by the per-request bound inside the archive: `day` is the first day not looked at.
  return { items, nextBefore: sinceLast < ARCHIVE_GAP_DAYS ? nextDay(day) : null };
}

/** One archived edition: the email's content without its personal links, and what the cap left out. */
export interface ArchivedEdition {
  status: EditionStatus;
  /**
   * The all-sections email as it went out (a whole HTML document), its unsubscribe and preferences
   * links pointing at the generic pages (ARCHIVE_GENERIC_LINKS); null for an edition stored without it.
   */
  sentHtml: string | null;
  /** The subject it went out with (or, without a stored copy, today's). */
  subject: string;
  /**
   * The all-sections variant's model, rebuilt with today's settings: what is shown when `sentHtml`
   * is null. Its personal-link fields are placeholders, never rendered.
   */
  view: EditionView;
  /** The day's stories the email's cap left out, by section (the "N more stories" the email promised). */
  more: SectionView[];
}

/** The configured spelling of a section, as composing an edition uses it. */
const canonicalSection = (section: string, known: readonly string[]) =>
  known.find((k) => k.toLowerCase() === section.toLowerCase()) ?? section;

const fold = (s: string) =>
  s
    .normalize("NFKD")
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]+/gu, " ")
    .trim();

/**
 * The stories the edition's cap left out, in rank order. From the ids the edition recorded when it
 * was composed: exactly those, minus any an editor has since held back or deleted. An edition
 * composed before the ids were recorded falls back to rebuilding the list from the day's stories:
 * those carried by no other edition, not held back, and not a copy of one the email showed (same id,
 * or same headline from the same source) — which also lists a story imported for the day later.
 */
async function leftOutStories(deps: ArchiveDeps, edition: EditionRecord): Promise<EditionStory[]> {
  const day = (await deps.stories.listDay(edition.date)).filter((s) => !s.held);
  const asEdition = (s: Story): EditionStory => ({
    ...toEditionStory(s),
    section: canonicalSection(s.section, deps.config.sections),
  });
  if (edition.leftOutIds) {
    const byId = new Map(day.map((s) => [s.id, s]));
    return edition.leftOutIds.flatMap((id) => {
      const s = byId.get(id);
      return s ? [asEdition(s)] : [];
    });
  }
  const shown = new Set(
    edition.stories.flatMap((s) => [`id:${s.id}`, `hl:${fold(s.source)}|${fold(s.headline)}`]),
  );
  const extra = day
    .filter((s) => s.editionId === null || s.editionId === edition.editionId)
    .map(asEdition)
    .filter((s) => !shown.has(`id:${s.id}`) && !shown.has(`hl:${fold(s.source)}|${fold(s.headline)}`));
  return rankStories(extra, deps.config.sections);
}

/**
 * The archived edition of `date`, or null when no edition of that day is public (see isArchived):
 * the email's stories as sent, then those the cap left out (see leftOutStories).
 */
export async function archivedEdition(deps: ArchiveDeps, date: string): Promise<ArchivedEdition | null> {
  if (!isDay(date)) return null;
  const edition = await deps.editions.get(editionIdFor(date));
  if (!edition || !(await isArchived(deps, edition))) return null;
  const [sent, extra] = await Promise.all([
    deps.editions.getVariant(edition.editionId, ALL_SECTIONS),
    leftOutStories(deps, edition),
  ]);
  const view = editionView(deps, edition);
  const more = extra.length ? groupBySection(extra, deps.config.sections, deps.config.publicBaseUrl) : [];
  return {
    status: edition.status,
    sentHtml: sent
      ? fillPersonalSlots(sent.html, ARCHIVE_GENERIC_LINKS, personalSlots(edition.slotNonce))
      : null,
    subject: sent?.subject ?? edition.subject ?? view.subject,
    view,
    more,
  };
}

/**
 * Where the archived email's unsubscribe and preferences links lead: the pages that ask a visitor to
 * use the link in their own email (relative, like every link of the public pages).
 */
export const ARCHIVE_GENERIC_LINKS = { unsubscribeUrl: "/unsubscribe", preferencesUrl: "/preferences" };

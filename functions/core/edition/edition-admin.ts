import type { DigestConfig } from "../kernel/config.js";
import { dayInZone, parseDay } from "../kernel/dates.js";
import type {
  DroppedStory,
  EditionRecord,
  EditionStat,
  EditionStatus,
  EditionStore,
  LedgerCounts,
  LedgerState,
  SendLedger,
} from "../kernel/ports.js";
import { editionIdFor } from "./compose.js";
import { ledgerCountsOf } from "./ledger-counts.js";

/**
 * What an admin sees of editions, shared by `digest editions list|show` and `GET /admin/editions[/{id}]`.
 */

export interface EditionAdminDeps {
  editions: EditionStore;
  ledger: SendLedger;
  config: Pick<DigestConfig, "timeZone">;
  clock: () => Date;
}

/** One edition in a list. */
export interface EditionListItem {
  id: string;
  date: string;
  status: EditionStatus;
  /** Stories in the edition. */
  stories: number;
  /** Stories of the day the cap left out. */
  leftOut: number;
  createdAt: string;
  updatedAt: string;
}

/** Days looked at per list page at most. */
export const MAX_EDITION_DAYS = 100;
export const DEFAULT_EDITION_DAYS = 30;

const DAY_MS = 86_400_000;

function dayBefore(day: string, n = 1): string {
  const [y, m, d] = parseDay(day);
  return new Date(Date.UTC(y, m - 1, d) - n * DAY_MS).toISOString().slice(0, 10);
}

const sum = (counts: Record<string, number>) => Object.values(counts).reduce((a, b) => a + b, 0);

function listItem(e: EditionRecord): EditionListItem {
  return {
    id: e.editionId,
    date: e.date,
    status: e.status,
    stories: e.stories.length,
    leftOut: sum(e.leftOutBySection),
    createdAt: e.createdAt,
    updatedAt: e.updatedAt,
  };
}

/**
 * The editions of one day: those in the store's per-day index (any id that starts with the day, such
 * as one with a zone or variant suffix) and the one whose id is the day itself (editions stored
 * before the index existed are found that way), in id order.
 */
async function editionsOfDay(editions: EditionStore, day: string): Promise<EditionRecord[]> {
  const [indexed, plain] = await Promise.all([editions.idsOfDay(day), editions.get(editionIdFor(day))]);
  const others = indexed.filter((id) => id !== plain?.editionId);
  const rest = await Promise.all(others.map((id) => editions.get(id)));
  return [plain, ...rest]
    .filter((e): e is EditionRecord => e !== null)
    .sort((a, b) => a.editionId.localeCompare(b.editionId));
}

/**
 * Editions of the `days` days up to `to` (default: today in the configured zone), newest day first:
 * per day one Query of the store's per-day index and one GetItem (see editionsOfDay), no scan of the
 * editions table. `nextCursor` is the day to continue from, or null when this window held no edition
 * (a window without any ends the listing; pass an older `to` to look further back).
 */
export async function listEditions(
  deps: EditionAdminDeps,
  opts: { to?: string; days?: number } = {},
): Promise<{ items: EditionListItem[]; nextCursor: string | null }> {
  const to = opts.to ?? dayInZone(deps.clock(), deps.config.timeZone);
  const days = Math.min(Math.max(1, opts.days ?? DEFAULT_EDITION_DAYS), MAX_EDITION_DAYS);
  const dayList = Array.from({ length: days }, (_, i) => dayBefore(to, i));
  const found: EditionRecord[][] = new Array(days).fill([]);
  // A few days at a time: a 100-day window is 100 small Queries and 100 small GetItems.
  let next = 0;
  await Promise.all(
    Array.from({ length: 8 }, async () => {
      while (next < dayList.length) {
        const i = next++;
        found[i] = await editionsOfDay(deps.editions, dayList[i] as string);
      }
    }),
  );
  const items = found.flat().map(listItem);
  return { items, nextCursor: items.length > 0 ? dayBefore(to, days) : null };
}

/** Everything about one edition: status, stories, what the cap left out, ledger counts and SES stats. */
export interface EditionReport {
  id: string;
  date: string;
  status: EditionStatus;
  /** Why the send stopped itself (bounce or complaint rate), when it did. */
  haltedBecause: string | null;
  sections: string[];
  stories: { id: string; headline: string; section: string; source: string; url: string | null }[];
  leftOut: number;
  leftOutBySection: Record<string, number>;
  /** Stories left out because they could not be rendered, with the reason. */
  dropped: DroppedStory[];
  /** Recipients per send-ledger state; `queued` is the same as `sending` (claimed, not yet sent). */
  counts: Record<LedgerState, number> & { queued: number };
  /**
   * Where `counts` came from: "counters", kept as the ledger changes (a few small reads at any size),
   * or "entries", read from every ledger entry (an edition sent before the counters existed; `digest
   * editions recount <id>` moves it to counters).
   */
  countedFrom: "counters" | "entries";
  /** Counters from SES events (delivered, bounced, complained, opened, clicked). */
  stats: Partial<Record<EditionStat, number>>;
  createdAt: string;
  updatedAt: string;
}

/** The report of one edition, or null when there is no edition with that id. */
export async function editionReport(deps: EditionAdminDeps, id: string): Promise<EditionReport | null> {
  const edition = await deps.editions.get(id);
  if (!edition) return null;
  const [counts, stats] = await Promise.all([
    ledgerCountsOf(deps.ledger, edition),
    deps.editions.getStats(id),
  ]);
  return {
    id: edition.editionId,
    date: edition.date,
    status: edition.status,
    haltedBecause: edition.haltedBecause ?? null,
    sections: edition.sections,
    stories: edition.stories.map((s) => ({
      id: s.id,
      headline: s.headline,
      section: s.section,
      source: s.source,
      url: s.url,
    })),
    leftOut: sum(edition.leftOutBySection),
    leftOutBySection: edition.leftOutBySection,
    dropped: edition.dropped ?? [],
    counts: { queued: counts.sending, ...counts },
    countedFrom: edition.ledgerCounted ? "counters" : "entries",
    stats,
    createdAt: edition.createdAt,
    updatedAt: edition.updatedAt,
  };
}

export type CancelResult =
  | { outcome: "cancelled" | "already-cancelled"; report: EditionReport }
  | { outcome: "not-found" }
  | { outcome: "refused"; reason: string };

/**
 * Cancels an edition that has not gone out to everyone: building, sending or partial (stopped by the
 * quota or the safety pause) → "cancelled". Senders check the status before every queue message, so
 * the send stops within one message per consumer; recipients not reached get nothing and the ledger
 * keeps only what really happened. `digest send` never resumes a cancelled edition. Refused for an
 * edition that was sent to everyone; cancelling a cancelled one is a no-op ("already-cancelled").
 */
export async function cancelEdition(deps: EditionAdminDeps, id: string): Promise<CancelResult> {
  const edition = await deps.editions.get(id);
  if (!edition) return { outcome: "not-found" };
  if (edition.status === "sent") {
    return { outcome: "refused", reason: `edition ${id} was already sent to everyone: nothing to cancel` };
  }
  const already = edition.status === "cancelled";
  // Keep why the safety pause halted it, if it did: the report still says so. The store refuses the
  // change when the last sender marked it sent in the meantime.
  if (!already && !(await deps.editions.setStatus(id, "cancelled", edition.haltedBecause))) {
    return { outcome: "refused", reason: `edition ${id} was already sent to everyone: nothing to cancel` };
  }
  const report = await editionReport(deps, id);
  if (!report) return { outcome: "not-found" };
  // Readers who got it follow its "View in browser" link: the archive keeps it for them, also once
  // the ledger's entries have expired (the archive reads the ledger too, for messages still in flight).
  if (report.counts.sent > 0 && !edition.reachedReaders) await deps.editions.markReachedReaders(id);
  return { outcome: already ? "already-cancelled" : "cancelled", report };
}

export type RecountResult =
  | { outcome: "not-found" }
  | { outcome: "refused"; reason: string }
  | { outcome: "recounted"; counts: LedgerCounts };

/**
 * `digest editions recount <id>`: counts the edition's ledger entries (one Query of its whole
 * partition, page by page: minutes at a million, which is why it is a CLI command and no API route),
 * replaces its counters with the result and marks it counted, so its report reads the counters from
 * then on. For an edition sent before the counters existed, or one whose counters a crashed sender
 * left short. Refused while the edition may still write entries (building or sending): a change
 * counted meanwhile would be overwritten.
 */
export async function recountEdition(
  deps: Pick<EditionAdminDeps, "editions" | "ledger">,
  id: string,
): Promise<RecountResult> {
  const edition = await deps.editions.get(id);
  if (!edition) return { outcome: "not-found" };
  if (edition.status === "building" || edition.status === "sending") {
    return {
      outcome: "refused",
      reason: `edition ${id} is ${edition.status}: recount it once it is over (or cancel it first)`,
    };
  }
  const counts = await deps.ledger.recount(id);
  await deps.editions.markLedgerCounted(id);
  return { outcome: "recounted", counts };
}

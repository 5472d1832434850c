import {
  type EditionAdminDeps,
  type EditionListItem,
  type EditionReport,
  editionReport,
  listEditions,
} from "./edition-admin.js";
import { type DeliveryStats, deliveryStats } from "./edition-stats.js";

/**
 * The edition list and report with their delivery figures, as `digest editions list|show` and
 * GET /admin/editions[/{id}] answer them.
 */

export interface EditionReportWithStats extends EditionReport {
  /** Sent, delivered, bounced, complained, opened, clicked; rates against SES's thresholds; verdict. */
  delivery: DeliveryStats;
}

export interface EditionListItemWithStats extends EditionListItem {
  delivery: DeliveryStats;
}

/** The report of one edition with its delivery figures, or null when there is no such edition. */
export async function editionReportWithStats(
  deps: EditionAdminDeps,
  id: string,
): Promise<EditionReportWithStats | null> {
  const report = await editionReport(deps, id);
  if (!report) return null;
  return { ...report, delivery: deliveryStats(report.counts.sent, report.stats) };
}

/** Editions read at once while adding figures to a list (each: the small counters item and a ledger count). */
const LIST_CONCURRENCY = 4;

/**
 * listEditions with each edition's delivery figures: its counters item and its send ledger's count
 * of messages sent (one Query of the edition's ledger partition each, the cost of the list).
 */
export async function listEditionsWithStats(
  deps: EditionAdminDeps,
  opts: { to?: string; days?: number } = {},
): Promise<{ items: EditionListItemWithStats[]; nextCursor: string | null }> {
  const { items, nextCursor } = await listEditions(deps, opts);
  const withStats: EditionListItemWithStats[] = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(LIST_CONCURRENCY, items.length) }, async () => {
      while (next < items.length) {
        const i = next++;
        const item = items[i] as EditionListItem;
        const [counters, counts] = await Promise.all([
          deps.editions.getStats
            ? deps.editions.getStats(item.id)
            : deps.editions.get(item.id).then((e) => e?.stats ?? {}),
          deps.ledger.counts(item.id),
        ]);
        withStats[i] = { ...item, delivery: deliveryStats(counts.sent, counters) };
      }
    }),
  );
  return { items: withStats, nextCursor };
}

import {
  type EditionAdminDeps,
  type EditionListItem,
  type EditionReport,
  editionReport,
  listEditions,
} from "../edition/edition-admin.js";
import type { DigestConfig } from "../kernel/config.js";
import { type DeliveryStats, deliveryStats, type Tracking } from "./edition-stats.js";

/**
 * The edition list and report with their delivery figures, as `digest editions list|show` and
 * GET /admin/editions[/{id}] answer them.
 */

export interface EditionStatsDeps extends EditionAdminDeps {
  /** trackOpens / trackClicks: untracked figures show as "not tracked" (both tracked when absent). */
  config: EditionAdminDeps["config"] & Partial<Pick<DigestConfig, "trackOpens" | "trackClicks">>;
}

const trackingOf = (deps: EditionStatsDeps): Partial<Tracking> => ({
  opens: deps.config.trackOpens,
  clicks: deps.config.trackClicks,
});

export interface EditionReportWithStats extends EditionReport {
  /** Sent, delivered, bounced (hard and soft), complained, opens and clicks (events and readers); rates against SES's thresholds; verdict. */
  delivery: DeliveryStats;
}

export interface EditionListItemWithStats extends EditionListItem {
  delivery: DeliveryStats;
}

/**
 * The report of one edition with its delivery figures, or null when there is no such edition. `sent`
 * is the ledger's count (its counters, or its entries for an edition sent before them), beside the
 * counter's.
 */
export async function editionReportWithStats(
  deps: EditionStatsDeps,
  id: string,
): Promise<EditionReportWithStats | null> {
  const report = await editionReport(deps, id);
  if (!report) return null;
  const delivery = deliveryStats(report.stats, {
    ledgerSent: report.counts.sent,
    tracking: trackingOf(deps),
  });
  return { ...report, delivery };
}

/** Editions read at once while adding figures to a list (each: its small counters item). */
const LIST_CONCURRENCY = 4;

/**
 * listEditions with each edition's delivery figures, from its counters item alone: `sent` is the
 * counter the send path keeps, so the list reads no ledger (at 100k subscribers an edition's ledger
 * partition is megabytes). An edition with no `sent` counter (sent before it was kept) is counted
 * from its ledger instead.
 */
export async function listEditionsWithStats(
  deps: EditionStatsDeps,
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
        const counters = await deps.editions.getStats(item.id);
        const ledgerSent =
          counters.sent === undefined ? (await deps.ledger.countEntries(item.id)).sent : undefined;
        withStats[i] = {
          ...item,
          delivery: deliveryStats(counters, { ledgerSent, tracking: trackingOf(deps) }),
        };
      }
    }),
  );
  return { items: withStats, nextCursor };
}

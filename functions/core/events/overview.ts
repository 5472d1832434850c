import { releaseTime } from "../edition/approval.js";
import { type EditionAdminDeps, listEditions } from "../edition/edition-admin.js";
import { dayInZone, nextDailyRun } from "../kernel/dates.js";
import type { EditionStatus } from "../kernel/ports.js";

/**
 * GET /admin/overview (the console's first page): today's edition and its status, when an edition
 * next goes out (an approval deadline, else the deployed daily schedule), alerts (today's edition halted by its bounce or
 * complaint rate, or awaiting approval; quota and feed alerts are not read here yet), and the last
 * 30 days' editions with their figures. Figures come from each edition's counters items only (never a ledger): an edition sent
 * before counters were kept shows what its counters hold.
 */

export interface OverviewAlert {
  kind: "halted" | "awaiting-approval";
  message: string;
}

export interface Overview {
  today: {
    edition: { id: string; status: EditionStatus; stories: number } | null;
    /**
     * When an edition next goes out by itself: today's approval deadline, else the daily schedule's
     * next run (deployed; a day whose edition exists is done); null when nothing here runs on a schedule.
     */
    nextSendAt: string | null;
  };
  alerts: OverviewAlert[];
  history: {
    id: string;
    day: string;
    status: EditionStatus;
    sent: number;
    delivered: number;
    opened: number;
    clicked: number;
    bounced: number;
    complained: number;
  }[];
}

export const OVERVIEW_DAYS = 30;

export async function overview(deps: EditionAdminDeps & { sendHour?: number | null }): Promise<Overview> {
  const today = dayInZone(deps.clock(), deps.config.timeZone);
  const { items } = await listEditions(deps, { to: today, days: OVERVIEW_DAYS });
  const history = await Promise.all(
    items.map(async (item) => {
      const c = await deps.editions.getStats(item.id);
      return {
        id: item.id,
        day: item.date,
        status: item.status,
        sent: c.sent ?? 0,
        delivered: c.delivered ?? 0,
        opened: c.uniqueOpened ?? 0,
        clicked: c.uniqueClicked ?? 0,
        bounced: c.bounced ?? 0,
        complained: c.complained ?? 0,
      };
    }),
  );
  const todays = items.find((i) => i.date === today) ?? null;
  const record = todays ? await deps.editions.get(todays.id) : null;
  const alerts: OverviewAlert[] = [];
  if (record?.haltedBecause) {
    alerts.push({
      kind: "halted",
      message: `edition ${record.editionId} is halted: ${record.haltedBecause}`,
    });
  }
  if (record?.status === "awaiting-approval") {
    alerts.push({ kind: "awaiting-approval", message: `edition ${record.editionId} awaits approval` });
  }
  const release = record ? releaseTime(record) : null;
  const scheduled =
    deps.sendHour == null
      ? null
      : nextDailyRun(deps.clock(), deps.sendHour, deps.config.timeZone, todays ? today : null);
  return {
    today: {
      edition: todays ? { id: todays.id, status: todays.status, stories: todays.stories } : null,
      nextSendAt: (release ?? scheduled)?.toISOString() ?? null,
    },
    alerts,
    history,
  };
}

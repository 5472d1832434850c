import { releaseTime } from "../edition/approval.js";
import { type EditionAdminDeps, listEditions } from "../edition/edition-admin.js";
import { dayInZone, nextDailyRun } from "../kernel/dates.js";
import type { DailyQuota, EditionStatus, Mailer } from "../kernel/ports.js";
import { FEED_FAILING_AFTER, failingFeeds } from "../stories/feed-health.js";
import type { FeedStore } from "../stories/feeds.js";

/**
 * GET /admin/overview (the console's first page): today's edition and its status, when an edition
 * next goes out (an approval deadline, else the deployed daily schedule), alerts (today's edition halted by its bounce or
 * complaint rate, or awaiting approval; the SES 24-hour quota used up or nearly; a feed failing), and the last
 * 30 days' editions with their figures. Figures come from each edition's counters items only (never a ledger): an edition sent
 * before counters were kept shows what its counters hold.
 */

export interface OverviewAlert {
  kind: "halted" | "awaiting-approval" | "quota" | "feed-failing";
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

/** Share of the 24-hour quota from which the overview warns that it is nearly used up. */
export const QUOTA_WARN_SHARE = 0.9;

export interface OverviewDeps extends EditionAdminDeps {
  sendHour?: number | null;
  /** The mail service, for its 24-hour quota (SES GetAccount); absent: not known here. */
  mailer?: Pick<Mailer, "dailyQuota"> | null;
  /** The subscribed feeds and their last polls; absent: no feed alerts. */
  feedStore?: Pick<FeedStore, "list"> | null;
}

/** What is said of the account's 24-hour quota: used up, nearly, or nothing. */
export function quotaAlert(quota: DailyQuota | null): OverviewAlert | null {
  if (!quota || !(quota.max24HourSend > 0)) return null;
  const { sentLast24Hours: sent, max24HourSend: max } = quota;
  const figures = `${sent.toLocaleString("en")} of ${max.toLocaleString("en")} messages in the last 24 hours`;
  if (sent >= max) return { kind: "quota", message: `the SES sending quota is used up: ${figures}` };
  if (sent >= max * QUOTA_WARN_SHARE) {
    return { kind: "quota", message: `the SES sending quota is nearly used up: ${figures}` };
  }
  return null;
}

export async function overview(deps: OverviewDeps): Promise<Overview> {
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
  const [quota, feeds] = await Promise.all([
    deps.mailer?.dailyQuota?.() ?? Promise.resolve(null),
    deps.feedStore?.list() ?? Promise.resolve([]),
  ]);
  const quotaNote = quotaAlert(quota);
  if (quotaNote) alerts.push(quotaNote);
  for (const feed of failingFeeds(feeds)) {
    alerts.push({
      kind: "feed-failing",
      message: `feed ${feed.url} failed its last ${feed.consecutiveFailures} polls (at least ${FEED_FAILING_AFTER}): ${feed.lastError ?? "no error recorded"}`,
    });
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

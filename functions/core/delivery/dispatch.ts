import { editionIdFor } from "../edition/compose.js";
import type { DigestConfig } from "../kernel/config.js";
import { dayInZone } from "../kernel/dates.js";
import type { EditionRecord, EditionStore, RecipientQueue, SubscriberStore } from "../kernel/ports.js";
import { enqueueGroup, groupsOf, roundToJoin, settleIfComplete } from "./edition-delivery.js";
import { MESSAGES_PER_ENQUEUE, RECIPIENTS_PER_MESSAGE } from "./fan-out.js";

/**
 * Local morning delivery: instead of fanning everyone out when the edition is composed, an hourly
 * dispatch enqueues the active subscribers whose own hour has come in their own time zone. It changes
 * only when each copy goes out, never what the edition holds; the send ledger keeps it once each.
 *
 * The edition's delivery round (edition-delivery.ts) is a "dispatch" round: each hour's pages join
 * it, and its fan-out is done once every hour of the day had its turn (the run 23 hours after the
 * first: 24 hourly runs cover every zone's every hour) or the next day's edition takes over. Then its
 * last message to settle sets the edition "sent" or "partial".
 */

/** From the first dispatch of an edition to the one that completes its day: 24 hourly runs. */
const DISPATCH_SPAN_MS = 23 * 3_600_000;

/** One formatter per zone, made once: building an Intl.DateTimeFormat costs far more than using it. */
const hourFormats = new Map<string, Intl.DateTimeFormat>();
function localHour(zone: string, at: Date): number {
  let format = hourFormats.get(zone);
  if (!format) {
    format = new Intl.DateTimeFormat("en-GB", { hour: "numeric", hourCycle: "h23", timeZone: zone });
    hourFormats.set(zone, format);
  }
  return Number(format.format(at));
}

/** Every zone a subscriber's record can carry (canonical IANA names, as validateSubscriberInput stores them). */
export function allZones(): string[] {
  return [...new Set([...Intl.supportedValuesOf("timeZone"), "UTC"])];
}

/**
 * The delivery slots due at `at` (see deliverySlot): each zone at its current local hour, the zone
 * with an empty hour where that hour is the default, and the empty zone (the edition's) likewise.
 */
export function dueSlots(
  at: Date,
  config: Pick<DigestConfig, "timeZone" | "deliveryHour">,
  zones: readonly string[] = allZones(),
): string[] {
  const slots: string[] = [];
  for (const zone of zones) {
    const hour = localHour(zone, at);
    slots.push(`${zone}|${hour}`);
    if (hour === config.deliveryHour) slots.push(`${zone}|`);
  }
  const editionHour = localHour(config.timeZone, at);
  slots.push(`|${editionHour}`);
  if (editionHour === config.deliveryHour) slots.push("|");
  return slots;
}

const previousDay = (day: string) => {
  const d = new Date(`${day}T12:00:00Z`);
  d.setUTCDate(d.getUTCDate() - 1);
  return d.toISOString().slice(0, 10);
};

/**
 * The edition a subscriber due now should get: the newest one composed for today or yesterday (in the
 * edition's zone) that is going out. A reader far east of the edition's zone reaches their morning
 * before today's edition exists and gets yesterday's, once.
 */
export async function currentEdition(
  editions: EditionStore,
  at: Date,
  timeZone: string,
): Promise<EditionRecord | null> {
  const today = dayInZone(at, timeZone);
  for (const day of [today, previousDay(today)]) {
    const edition = await editions.get(day);
    if (edition && ["sending", "sent", "partial"].includes(edition.status) && !edition.haltedBecause)
      return edition;
  }
  return null;
}

export interface DispatchSummary {
  editionId: string | null;
  slots: number;
  recipients: number;
  messages: number;
}

/** Enqueues the subscribers whose delivery hour is now, in batches of ≤ 50, for the current edition. */
export async function dispatchDue(
  deps: { config: DigestConfig; subscribers: SubscriberStore; editions: EditionStore; queue: RecipientQueue },
  at: Date,
  opts: { concurrency?: number; zones?: readonly string[] } = {},
): Promise<DispatchSummary> {
  const edition = await currentEdition(deps.editions, at, deps.config.timeZone);
  const slots = dueSlots(at, deps.config, opts.zones);
  const summary: DispatchSummary = {
    editionId: edition?.editionId ?? null,
    slots: slots.length,
    recipients: 0,
    messages: 0,
  };
  if (!edition) return summary;
  const editionId = edition.editionId;
  const today = dayInZone(at, deps.config.timeZone);
  // Today's edition took over: yesterday's had its last hour, its round's fan-out is done.
  if (edition.date === today) await finishDispatch(deps.editions, editionIdFor(previousDay(today)));
  const { round } = await roundToJoin(deps.editions, editionId, "dispatch", { startedAt: at.toISOString() });
  let next = 0;
  const worker = async () => {
    while (next < slots.length) {
      const slot = slots[next++] as string;
      let cursor: string | null = null;
      do {
        const page = await deps.subscribers.listSlot(
          slot,
          cursor,
          RECIPIENTS_PER_MESSAGE * MESSAGES_PER_ENQUEUE,
        );
        for (const group of groupsOf(editionId, page.items, RECIPIENTS_PER_MESSAGE, MESSAGES_PER_ENQUEUE)) {
          await enqueueGroup(deps, editionId, round.round, group);
          summary.messages += group.length;
        }
        summary.recipients += page.items.length;
        cursor = page.nextCursor;
      } while (cursor);
    }
  };
  await Promise.all(Array.from({ length: opts.concurrency ?? 16 }, worker));
  if (round.kind === "dispatch" && at.getTime() - Date.parse(round.startedAt) >= DISPATCH_SPAN_MS) {
    await finishDispatch(deps.editions, editionId);
  }
  return summary;
}

/** Marks an edition's dispatch round's fan-out done (when it is one and not done yet). */
async function finishDispatch(editions: EditionStore, editionId: string): Promise<void> {
  const round = await editions.getDelivery(editionId);
  if (round?.kind !== "dispatch" || round.fannedOut) return;
  await settleIfComplete(
    editions,
    editionId,
    await editions.recordGroup(editionId, round.round, { done: true }),
  );
}

import { dayInZone } from "../core/dates.js";
import { composeEdition, deliverEdition, type SendSummary } from "../core/send-edition.js";
import { lambdaDeps, logger } from "./runtime.js";

/** The scheduled event (EventBridge Scheduler); `date` lets an operator rerun a given day. */
export interface DailyEvent {
  date?: string;
}

export type DailyResult =
  | { status: "empty" | "cancelled"; date: string; message: string }
  | ({ status: "sent" } & SendSummary);

/** Composes the day's edition and sends it: the same core as `digest send`, on real AWS. */
export async function handler(event: DailyEvent = {}): Promise<DailyResult> {
  const deps = lambdaDeps();
  const date =
    event.date && /^\d{4}-\d{2}-\d{2}$/.test(event.date)
      ? event.date
      : dayInZone(new Date(), deps.config.timeZone);
  const composed = await composeEdition(deps, date);
  if (composed.kind === "empty") {
    logger.info(composed.reason, { date });
    return { status: "empty", date, message: composed.reason };
  }
  if (composed.kind === "cancelled") {
    logger.info("edition cancelled: nothing sent", { date });
    return { status: "cancelled", date, message: "edition cancelled" };
  }
  const summary = await deliverEdition(deps, composed.edition);
  logger.info("edition delivered", { ...summary });
  if (summary.failed > 0 || summary.stoppedBecause)
    logger.warn("edition incomplete: rerun resumes", { ...summary });
  return { status: "sent", ...summary };
}

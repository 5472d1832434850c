import { TWIN_CONTEXT } from "../bundled-assembly.js";
import { startTwin, type Twin } from "../twin.js";

/**
 * What the twin's cases share: the one twin of the test file (every case runs on this one, in order),
 * the day, and the edition the day composed.
 * Live bindings: set by the test file's beforeAll and by the day's compose case.
 */
export let twin: Twin;
export let day: string;
export let editionId: string;

export const SUBSCRIBERS = ["ana", "ben", "cy", "dee", "eve", "fay", "gus", "hal"].map(
  (n) => `${n}@example.com`,
);
/** SES refuses mail to this one for good (MessageRejected): the ledger holds it as rejected. */
export const REJECTED = "rex@example.com";
/** The addresses SES refuses (a case takes REJECTED out for a day with no refusal). */
export const refusedBySes = new Set([REJECTED]);
const recipientsOf = (raw: string) => /^To:(.*)$/im.exec(raw)?.[1] ?? "";

export async function startDayTwin(): Promise<Twin> {
  twin = await startTwin({
    context: TWIN_CONTEXT,
    ses: {
      reject: (raw) =>
        [...refusedBySes].some((email) => recipientsOf(raw).includes(email))
          ? "Email address is not verified."
          : null,
    },
  });
  return twin;
}

/**
 * The day after `day`: taken from the day, not from the clock, since the twin's clock skips ahead
 * (visibility timeouts) and would cross midnight on a late run.
 */
export const dayAfter = (value: string) =>
  new Date(Date.parse(`${value}T12:00:00Z`) + 86_400_000).toISOString().slice(0, 10);

export function setDay(value: string): void {
  day = value;
}

export function setEditionId(value: string): void {
  editionId = value;
}

export const mailTo = (email: string, edition: string) =>
  twin.mail.filter((m) => m.destinations.includes(email) && m.tags.edition?.[0] === edition);

export async function status(email: string): Promise<string> {
  return (await twin.admin<{ status: string }>("GET", `/admin/subscribers/${encodeURIComponent(email)}`))
    .status;
}

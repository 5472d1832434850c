import type { Subscriber } from "../subscribers/subscribers.js";
import type { EditionDeps, EditionSender } from "./edition-sender.js";
import { RecipientSendError } from "./recipient-send-error.js";
import { countOutcome, type RecipientOutcome, type SendSummary } from "./send-summary.js";

/** What became of each address of a queue message; "inactive": no longer an active subscriber. */
export type BatchOutcomes = Map<string, RecipientOutcome | "inactive">;

/** What `sendToRecipients` did: the outcome per address, and the unexpected errors among them. */
export interface RecipientsResult {
  outcomes: BatchOutcomes;
  /** Recipients whose send ended in an error other than a MailError (each also in `outcomes`). */
  errors: RecipientSendError[];
}

/**
 * Sends one queue message's addresses through `sender`: each is looked up again, so someone who
 * unsubscribed or was suppressed after fan-out is not mailed, and counted into `tally` (whose
 * `recipients` grows by the active ones). Returns once every recipient is settled (never while a
 * send is still in flight, whatever failed): the outcome per address and the unexpected errors,
 * which the caller must surface.
 */
export async function sendToRecipients(
  deps: Pick<EditionDeps, "subscribers" | "suppressions">,
  sender: EditionSender,
  emails: readonly string[],
  tally: SendSummary,
): Promise<RecipientsResult> {
  const outcomes: BatchOutcomes = new Map();
  const unique = [...new Set(emails)];
  const { subscribers } = deps;
  const found = subscribers.getMany
    ? await subscribers.getMany(unique)
    : new Map(
        (await Promise.all(unique.map((email) => subscribers.get(email)))).flatMap((s) =>
          s ? [[s.email, s] as const] : [],
        ),
      );
  const active: Subscriber[] = [];
  for (const email of unique) {
    const sub = found.get(email);
    if (sub?.status === "active") active.push(sub);
    else outcomes.set(email, "inactive");
  }
  tally.recipients += active.length;
  const errors: RecipientSendError[] = [];
  if (active.length === 0) return { outcomes, errors };
  const suppressed = await deps.suppressions.suppressed(active.map((s) => s.email));
  // allSettled, not all: a rejection must not return while the other recipients are still in flight.
  const settled = await Promise.allSettled(
    active.map((sub) => sender.deliverOne(sub, suppressed.has(sub.email), tally)),
  );
  settled.forEach((result, i) => {
    const email = (active[i] as Subscriber).email;
    if (result.status === "fulfilled") {
      outcomes.set(email, result.value);
      return;
    }
    let error = result.reason;
    if (!(error instanceof RecipientSendError)) {
      // Not from deliverOne's own accounting (it wraps everything): count it here.
      error = new RecipientSendError(email, "failed", error);
      countOutcome(tally, "failed");
    }
    outcomes.set(email, error.outcome);
    errors.push(error);
  });
  return { outcomes, errors };
}

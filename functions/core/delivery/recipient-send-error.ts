import type { RecipientOutcome } from "./send-summary.js";

/** The message of anything thrown: an Error's "Name: message" (a plain Error's message alone). */
export function errorText(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  return err.name && err.name !== "Error" ? `${err.name}: ${err.message}` : err.message;
}

/**
 * Thrown by `deliverOne` when sending to a recipient ended in an error that is not a MailError (a bug,
 * an SDK or a store failure), once that recipient is settled: counted as `outcome` ("failed" unless
 * it got further), and its ledger claim released so a retry claims it at once. `cause` is the error;
 * the message is the cause's.
 */
export class RecipientSendError extends Error {
  override name = "RecipientSendError";
  constructor(
    readonly email: string,
    readonly outcome: RecipientOutcome,
    override readonly cause: unknown,
  ) {
    super(cause instanceof Error ? cause.message : String(cause), { cause });
  }

  /** One line for the errors of a call: each distinct message once, the first in full. */
  static summarise(errors: readonly RecipientSendError[]): string {
    const distinct = [...new Set(errors.map((e) => e.message))];
    const first = distinct[0] ?? "unexpected error";
    return distinct.length > 1 ? `${first} (and ${distinct.length - 1} other error(s))` : first;
  }
}

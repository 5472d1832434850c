/**
 * "Send a test to…": the previewed variant as a real MIME message (the same encoder as the edition's
 * sends) through the configured Mailer, to any valid address, subject prefixed "[Test]". Kept apart
 * from the edition: no ledger, no subscriber, and locally the copy lands in out/test/<email>.eml.
 */

import type { PersonalSlots } from "../edition/edition.js";
import { MailError } from "../kernel/ports.js";
import { normalizeEmail } from "../subscribers/subscribers.js";
import type { EditionDeps } from "./edition-sender.js";
import { composeMessage, prepareVariant } from "./message.js";

/** Outbox folder and SES edition tag of test sends (design.md: out/test/<email>.eml). */
export const TEST_OUTBOX = "test";
/** Prefix of a test's subject, so nobody takes it for the real edition. */
export const TEST_SUBJECT_PREFIX = "[Test] ";

/** What a test send sends: a rendered variant with the edition's personal-link markers still in it. */
export interface TestMail {
  subject: string;
  rawHtml: string;
  rawText: string;
  /** The markers in `rawHtml` and `rawText` (absent: the fixed PERSONAL_SLOTS). */
  slots?: PersonalSlots;
}

export type TestSendOutcome = { ok: true; to: string; messageId: string } | { ok: false; error: string };

/**
 * Sends the previewed variant to `rawTo`. Returns the normalised address and the provider's MessageId,
 * or why it was not sent (an invalid address, or the mailer's refusal); never throws for those.
 * The personal links lead to the generic unsubscribe and preferences pages: a test reader is nobody's
 * subscription.
 */
export async function sendTest(
  deps: Pick<EditionDeps, "config" | "mailer" | "outbox">,
  model: TestMail,
  rawTo: string,
): Promise<TestSendOutcome> {
  const address = normalizeEmail(rawTo);
  if ("error" in address) return { ok: false, error: `Not sent: ${address.error}.` };
  const to = address.email;
  const { config } = deps;
  const domain = config.senderAddress.split("@")[1] ?? "localhost";
  const variant = prepareVariant(
    `${TEST_SUBJECT_PREFIX}${model.subject}`,
    model.rawHtml,
    model.rawText,
    model.slots,
  );
  const raw = composeMessage(
    variant,
    {
      from: { name: config.senderName, address: config.senderAddress },
      to: { name: null, address: to },
      replyTo: config.replyTo,
      listId: config.listId,
      feedbackId: `${TEST_OUTBOX}:preview:digest:${domain}`,
      unsubscribeMailto: config.unsubscribeMailto,
    },
    {
      unsubscribeUrl: `${config.publicBaseUrl}/unsubscribe`,
      preferencesUrl: `${config.publicBaseUrl}/preferences`,
    },
  );
  try {
    const messageId = await deps.mailer.sendRaw(raw, { to, editionId: TEST_OUTBOX });
    await deps.outbox?.writeMessage(TEST_OUTBOX, to, raw);
    return { ok: true, to, messageId };
  } catch (err) {
    if (err instanceof MailError) return { ok: false, error: `Not sent: ${err.message}` };
    throw err;
  }
}

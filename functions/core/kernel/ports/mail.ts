export type MailErrorKind = "throttled" | "transient" | "permanent" | "quota";

/** A failed send, classified for the retry policy. */
export class MailError extends Error {
  override name = "MailError";
  constructor(
    readonly kind: MailErrorKind,
    message: string,
  ) {
    super(message);
  }
}

/** The account's rolling 24-hour sending quota (SES GetAccount SendQuota), in recipients. */
export interface DailyQuota {
  /** Recipients the account may send to in any 24 hours (Max24HourSend). */
  max24HourSend: number;
  /** Recipients sent to in the last 24 hours (SentLast24Hours). */
  sentLast24Hours: number;
}

export interface Mailer {
  /** Messages per second the service allows (SES GetAccount MaxSendRate), or null when it cannot say. */
  maxSendRate(): Promise<number | null>;
  /**
   * The 24-hour quota and how much of it is used, or null when the service cannot say or sets no
   * limit. Absent or null: a run stops only once the service refuses a message for the quota.
   */
  dailyQuota?(): Promise<DailyQuota | null>;
  /** Sends raw MIME; resolves with the provider's MessageId or throws MailError. */
  sendRaw(raw: Buffer, opts: { to: string; editionId: string }): Promise<string>;
}

/** Keeps a copy of each accepted message (local runs: the out/ folder). */
export interface Outbox {
  writeMessage(editionId: string, email: string, raw: Buffer): Promise<void>;
  writeEdition(editionId: string, html: string, text: string): Promise<void>;
  /**
   * GDPR erasure: removes every copy kept for this address (each edition's, confirmations, test
   * sends, half-written temporary files); returns how many files went. Optional: an outbox that
   * cannot tell leaves nothing to erase.
   */
  eraseRecipient?(email: string): Promise<number>;
}

import {
  GetAccountCommand,
  type GetAccountCommandOutput,
  SESv2Client,
  type SESv2ClientConfig,
  SendEmailCommand,
} from "@aws-sdk/client-sesv2";
import { type DailyQuota, MailError, type MailErrorKind, type Mailer } from "../core/kernel/ports.js";

const PERMANENT = new Set([
  "MessageRejected",
  "MailFromDomainNotVerifiedException",
  "BadRequestException",
  "NotFoundException",
]);
/** Account-level refusals: nothing else will go out either, so the run stops and a rerun resumes. */
const HALTING = new Set(["SendingPausedException", "AccountSuspendedException", "LimitExceededException"]);
/** GetAccount answers are reused this long: the rate and the quota come from one call. */
const ACCOUNT_REUSE_MS = 1000;

/** Maps an SESv2 SDK error to the retry policy's kinds. */
export function classifySesError(err: unknown): MailErrorKind {
  const e = err as {
    name?: string;
    message?: string;
    $fault?: string;
    $metadata?: { httpStatusCode?: number };
  };
  const name = e.name ?? "";
  // SES reports the daily quota as a throttling error whose message names it.
  if (/daily message quota/i.test(e.message ?? "") || HALTING.has(name)) return "quota";
  if (name === "TooManyRequestsException" || e.$metadata?.httpStatusCode === 429) return "throttled";
  if (PERMANENT.has(name)) return "permanent";
  const status = e.$metadata?.httpStatusCode;
  if (e.$fault === "server" || (status !== undefined && status >= 500) || status === undefined)
    return "transient";
  return "permanent";
}

/**
 * Sends raw MIME through SESv2 SendEmail. The SDK's own retries are off (maxAttempts 1): the sender
 * paces and retries itself, so throttling is seen, counted and never hidden.
 */
export class SesMailer implements Mailer {
  readonly client: SESv2Client;

  constructor(
    config: SESv2ClientConfig,
    private readonly opts: { configurationSet?: string } = {},
  ) {
    this.client = new SESv2Client({ ...config, maxAttempts: 1 });
  }

  private account: { at: number; value: Promise<GetAccountCommandOutput | null> } | null = null;

  /**
   * GetAccount, or null when it fails (no permission, an endpoint without it). One call serves the
   * rate and the quota read together at the start of an edition.
   */
  private getAccount(): Promise<GetAccountCommandOutput | null> {
    const now = Date.now();
    if (this.account && now - this.account.at < ACCOUNT_REUSE_MS) return this.account.value;
    const value = this.client.send(new GetAccountCommand({})).catch(() => null);
    this.account = { at: now, value };
    return value;
  }

  async maxSendRate(): Promise<number | null> {
    const rate = (await this.getAccount())?.SendQuota?.MaxSendRate;
    return rate && rate > 0 ? rate : null;
  }

  /** Max24HourSend and SentLast24Hours; null when unreadable or unlimited (SES reports -1 then). */
  async dailyQuota(): Promise<DailyQuota | null> {
    const quota = (await this.getAccount())?.SendQuota;
    const max = quota?.Max24HourSend;
    if (max === undefined || max < 0) return null;
    return { max24HourSend: max, sentLast24Hours: Math.max(0, quota?.SentLast24Hours ?? 0) };
  }

  async sendRaw(raw: Buffer, opts: { to: string; editionId: string }): Promise<string> {
    try {
      const res = await this.client.send(
        new SendEmailCommand({
          Destination: { ToAddresses: [opts.to] },
          Content: { Raw: { Data: raw } },
          ConfigurationSetName: this.opts.configurationSet,
          EmailTags: [{ Name: "edition", Value: opts.editionId.replace(/[^A-Za-z0-9_-]/g, "_") }],
        }),
      );
      if (!res.MessageId) throw new MailError("transient", "SES returned no MessageId");
      return res.MessageId;
    } catch (err) {
      if (err instanceof MailError) throw err;
      const e = err as Error;
      throw new MailError(classifySesError(err), `${e.name}: ${e.message}`);
    }
  }
}

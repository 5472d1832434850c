import { randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import { parseAddressList, parseHeaders } from "../../functions/local/mime-headers.js";

/**
 * What SES would publish about the mail the functions sent: each accepted SendEmail (seen by the SDK
 * hook: its tags, configuration set and MessageId) becomes a SentMail; `sesEventFor` turns one into
 * the EventBridge event SES emits for a delivery, bounce, complaint, open or click, with the type's
 * own part taken from the SES Developer Guide's examples (test/fixtures/ses/event-*.json).
 */

export interface SentMail {
  messageId: string;
  /** The function that sent it. */
  sentBy: string;
  from: string;
  fromHeader: string;
  subject: string;
  destinations: string[];
  /** EmailTags of the SendEmail, as SES reports them (name → [value]). */
  tags: Record<string, string[]>;
  configurationSet?: string;
  raw: Buffer;
  sentAt: Date;
}

/** The SES event kinds, with the name an event destination's MatchingEventTypes uses. */
export const SES_EVENT_KINDS = {
  send: { eventType: "Send", detailType: "Email Sent", destinationType: "send", fixture: "event-send" },
  delivery: {
    eventType: "Delivery",
    detailType: "Email Delivered",
    destinationType: "delivery",
    fixture: "event-delivery",
  },
  bounce: {
    eventType: "Bounce",
    detailType: "Email Bounced",
    destinationType: "bounce",
    fixture: "event-bounce",
  },
  softBounce: {
    eventType: "Bounce",
    detailType: "Email Bounced",
    destinationType: "bounce",
    fixture: "event-bounce-transient",
  },
  complaint: {
    eventType: "Complaint",
    detailType: "Email Complaint Received",
    destinationType: "complaint",
    fixture: "event-complaint",
  },
  open: { eventType: "Open", detailType: "Email Opened", destinationType: "open", fixture: "event-open" },
  click: {
    eventType: "Click",
    detailType: "Email Clicked",
    destinationType: "click",
    fixture: "event-click",
  },
  deliveryDelay: {
    eventType: "DeliveryDelay",
    detailType: "Email Delivery Delayed",
    destinationType: "deliveryDelay",
    fixture: "event-delivery-delay",
  },
} as const;

export type SesEventKind = keyof typeof SES_EVENT_KINDS;

/** A SentMail from a SendEmail request and its answer. */
export function sentMailFrom(
  sentBy: string,
  input: Record<string, unknown>,
  output: { MessageId?: string },
): SentMail | null {
  if (!output.MessageId) return null;
  const data = (
    (input.Content as Record<string, unknown> | undefined)?.Raw as { Data?: Uint8Array } | undefined
  )?.Data;
  const raw = data ? Buffer.from(data) : Buffer.alloc(0);
  const headers = parseHeaders(raw);
  const fromHeader =
    typeof input.FromEmailAddress === "string" ? input.FromEmailAddress : (headers.get("from") ?? "");
  const destination = input.Destination as { ToAddresses?: string[] } | undefined;
  return {
    messageId: output.MessageId,
    sentBy,
    from: parseAddressList(fromHeader)[0] ?? fromHeader,
    fromHeader,
    subject: headers.get("subject") ?? "",
    destinations: destination?.ToAddresses ?? parseAddressList(headers.get("to") ?? ""),
    tags: Object.fromEntries(
      ((input.EmailTags as { Name: string; Value: string }[] | undefined) ?? []).map((t) => [
        t.Name,
        [t.Value],
      ]),
    ),
    configurationSet: typeof input.ConfigurationSetName === "string" ? input.ConfigurationSetName : undefined,
    raw,
    sentAt: new Date(),
  };
}

const fixtures = new Map<string, Record<string, unknown>>();
function fixture(name: string): Record<string, unknown> {
  let f = fixtures.get(name);
  if (!f) {
    f = JSON.parse(readFileSync(new URL(`../fixtures/ses/${name}.json`, import.meta.url), "utf8")) as Record<
      string,
      unknown
    >;
    fixtures.set(name, f);
  }
  return structuredClone(f);
}

/** Replaces the docs' recipient address with ours wherever the type's part names it. */
function readdress(part: unknown, recipient: string): unknown {
  if (Array.isArray(part)) return part.map((p) => readdress(p, recipient));
  if (part && typeof part === "object") {
    return Object.fromEntries(Object.entries(part).map(([k, v]) => [k, readdress(v, recipient)] as const));
  }
  return part === "recipient@example.com" ? recipient : part;
}

export interface SesEventOptions {
  account: string;
  region: string;
  /** The recipient the event is about (default: the first destination). */
  recipient?: string;
  /** The sender's role session name (ses:caller-identity). */
  callerIdentity?: string;
  at?: Date;
}

/** The EventBridge event SES publishes for `kind` on this mail (source aws.ses, detail = the event record). */
export function sesEventFor(
  mail: SentMail,
  kind: SesEventKind,
  opts: SesEventOptions,
): Record<string, unknown> {
  const spec = SES_EVENT_KINDS[kind];
  const at = opts.at ?? new Date();
  const recipient = opts.recipient ?? mail.destinations[0] ?? "";
  const domain = mail.from.slice(mail.from.lastIndexOf("@") + 1);
  const record = fixture(spec.fixture);
  const key = Object.keys(record).find((k) => k !== "eventType" && k !== "mail") as string;
  const part = readdress(record[key], recipient) as Record<string, unknown>;
  if ("timestamp" in part) part.timestamp = at.toISOString();
  if (kind === "delivery") part.recipients = [recipient];
  if ("feedbackId" in part) part.feedbackId = `0100${randomUUID()}-000000`;
  const tags: Record<string, string[]> = {
    ...(mail.configurationSet ? { "ses:configuration-set": [mail.configurationSet] } : {}),
    "ses:source-ip": ["192.0.2.10"],
    "ses:from-domain": [domain],
    "ses:caller-identity": [opts.callerIdentity ?? mail.sentBy],
    ...mail.tags,
  };
  const detail = {
    eventType: spec.eventType,
    mail: {
      timestamp: mail.sentAt.toISOString(),
      source: mail.fromHeader,
      sourceArn: `arn:aws:ses:${opts.region}:${opts.account}:identity/${domain}`,
      sendingAccountId: opts.account,
      messageId: mail.messageId,
      destination: mail.destinations,
      headersTruncated: false,
      headers: [
        { name: "From", value: mail.fromHeader },
        { name: "To", value: mail.destinations.join(", ") },
        { name: "Subject", value: mail.subject },
      ],
      commonHeaders: {
        from: [mail.fromHeader],
        to: mail.destinations,
        messageId: mail.messageId,
        subject: mail.subject,
      },
      tags,
    },
    [key]: part,
  };
  return {
    version: "0",
    id: randomUUID(),
    "detail-type": spec.detailType,
    source: "aws.ses",
    account: opts.account,
    time: at.toISOString().replace(/\.\d{3}Z$/, "Z"),
    region: opts.region,
    resources: mail.configurationSet
      ? [`arn:aws:ses:${opts.region}:${opts.account}:configuration-set/${mail.configurationSet}`]
      : [],
    detail,
  };
}

import type { EditionStat, RecipientMark } from "../kernel/ports.js";
import { normalizeEmail } from "../subscribers/subscribers.js";

/**
 * Amazon SES feedback, parsed from every shape it reaches us in and turned into decisions: which
 * addresses to suppress, which soft bounces to count, which counters of which edition to bump.
 * Pure (no I/O, no AWS): suppression-admin.ts applies a decision through the stores.
 *
 * Shapes accepted, at any nesting SES and AWS produce:
 * - an SES record itself: identity feedback notifications carry `notificationType` (Bounce, Complaint,
 *   Delivery; never message tags), configuration-set event publishing carries `eventType` (also Send,
 *   Reject, Open, Click, Rendering Failure, DeliveryDelay, Subscription; with the message's tags);
 * - an SNS notification (`Type: "Notification"`, `Message` = the record as a JSON string), as an SNS
 *   HTTP/S or SQS subscription delivers it;
 * - a Lambda SNS event (`Records[].Sns.Message`) or SQS event (`Records[].body`, holding an SNS
 *   notification, a raw record with raw message delivery, or an EventBridge event);
 * - an EventBridge event from SES (`source: "aws.ses"`, `detail-type` such as "Email Bounced",
 *   `detail` = the event publishing record);
 * - a JSON array of any of these (local files).
 */

export const SES_EVENT_TYPES = [
  "Bounce",
  "Complaint",
  "Delivery",
  "Send",
  "Reject",
  "Open",
  "Click",
  "RenderingFailure",
  "DeliveryDelay",
  "Subscription",
] as const;
export type SesEventType = (typeof SES_EVENT_TYPES)[number];

/** The message tag SesMailer puts on every message (EmailTags): the edition it belongs to. */
export const EDITION_TAG = "edition";

export interface SesRecipient {
  /** Normalised address. */
  email: string;
  /** What the receiving side said (diagnostic code or DSN status), when it said anything. */
  detail: string | null;
}

/** One SES event, normalised across shapes. */
export interface SesEvent {
  type: SesEventType;
  /** Identity feedback notification (`notificationType`) or configuration-set event publishing (`eventType`). */
  publishing: "notification" | "event";
  /** SES's MessageId of the message the event is about. */
  messageId: string | null;
  /** The edition the message belonged to (its `edition` tag); null for untagged mail. */
  editionId: string | null;
  /** When it happened: the bounce/complaint/delivery/open/click time, else the send time. */
  at: string;
  /** SES's id of the feedback (bounces and complaints). */
  feedbackId: string | null;
  /** The recipients it concerns: bounced, complained, delivered or delayed ones; else the message's destination. */
  recipients: SesRecipient[];
  bounceType?: string;
  bounceSubType?: string;
  complaintFeedbackType?: string | null;
  complaintSubType?: string | null;
}

/** Where a record came from: a Lambda SNS or SQS event, an EventBridge event, or a bare payload. */
export type SesOrigin = "sns" | "sqs" | "eventbridge" | "direct";

/**
 * One incoming record, parsed. `recordId` is the SQS messageId (for partial batch responses) or the
 * SNS MessageId / EventBridge id (for logs). Malformed records are reported, never thrown.
 */
export type SesRecord =
  | { kind: "event"; origin: SesOrigin; recordId: string | null; event: SesEvent }
  | { kind: "ignored"; origin: SesOrigin; recordId: string | null; reason: string }
  | { kind: "malformed"; origin: SesOrigin; recordId: string | null; error: string };

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === "object" && v !== null && !Array.isArray(v);
const str = (v: unknown): string | null => (typeof v === "string" && v.trim() !== "" ? v : null);

/** EventBridge detail-type of each SES email sending event. */
const DETAIL_TYPES: Record<string, SesEventType> = {
  "Email Bounced": "Bounce",
  "Email Complaint Received": "Complaint",
  "Email Delivered": "Delivery",
  "Email Sent": "Send",
  "Email Rejected": "Reject",
  "Email Opened": "Open",
  "Email Clicked": "Click",
  "Email Rendering Failed": "RenderingFailure",
  "Email Delivery Delayed": "DeliveryDelay",
  "Email Subscribed": "Subscription",
};

/** "Rendering Failure", "RenderingFailure", "renderingFailure" → RenderingFailure. */
function eventType(raw: string): SesEventType | null {
  const key = raw.replace(/[^a-z]/gi, "").toLowerCase();
  return SES_EVENT_TYPES.find((t) => t.toLowerCase() === key) ?? null;
}

class Malformed extends Error {}
class Ignored extends Error {}

function parseJson(text: string, what: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    const preview = text.length > 40 ? `${text.slice(0, 40)}…` : text;
    throw new Malformed(`${what} is not JSON (${JSON.stringify(preview)})`);
  }
}

/**
 * Parses whatever SES, SNS, SQS or EventBridge delivered (or a file of it) into one record per
 * notification. Never throws: a record that cannot be understood comes back as "malformed".
 */
export function parseSesNotifications(input: unknown): SesRecord[] {
  if (Array.isArray(input)) return input.flatMap((item) => parseSesNotifications(item));
  if (isObject(input) && Array.isArray(input.Records)) {
    return input.Records.map((record) => parseLambdaRecord(record));
  }
  return [parseOne(input, "direct", null)];
}

/** One entry of a Lambda SNS or SQS event. */
function parseLambdaRecord(record: unknown): SesRecord {
  if (isObject(record) && isObject(record.Sns)) {
    const id = str(record.Sns.MessageId);
    const message = record.Sns.Message;
    if (typeof message !== "string")
      return { kind: "malformed", origin: "sns", recordId: id, error: "SNS record without a Message" };
    return parseOne(message, "sns", id);
  }
  if (isObject(record) && (record.eventSource === "aws:sqs" || typeof record.body === "string")) {
    const id = str(record.messageId);
    if (typeof record.body !== "string")
      return { kind: "malformed", origin: "sqs", recordId: id, error: "SQS record without a body" };
    return parseOne(record.body, "sqs", id);
  }
  return {
    kind: "malformed",
    origin: "direct",
    recordId: null,
    error: "a record that is neither SNS nor SQS",
  };
}

function parseOne(payload: unknown, origin: SesOrigin, recordId: string | null): SesRecord {
  let id = recordId;
  let from = origin;
  try {
    let value = typeof payload === "string" ? parseJson(payload, "the message") : payload;
    // Peel envelopes: SNS notification (from SQS or HTTP), EventBridge event; SES records sit inside.
    for (let depth = 0; depth < 4; depth++) {
      if (!isObject(value)) throw new Malformed("not a JSON object");
      if (typeof value.Type === "string" && ("TopicArn" in value || "MessageId" in value)) {
        if (value.Type !== "Notification") throw new Ignored(`SNS ${value.Type} message`);
        if (typeof value.Message !== "string") throw new Malformed("SNS notification without a Message");
        id ??= str(value.MessageId);
        value = parseJson(value.Message, "the SNS Message");
        continue;
      }
      if (typeof value["detail-type"] === "string" && "detail" in value) {
        const detailType = value["detail-type"];
        id ??= str(value.id);
        if (from === "direct") from = "eventbridge";
        if (value.source !== "aws.ses") throw new Ignored(`EventBridge event from ${String(value.source)}`);
        const type = DETAIL_TYPES[detailType];
        if (!type) throw new Ignored(`SES "${detailType}" is not an email sending event`);
        if (!isObject(value.detail)) throw new Malformed(`"${detailType}" without a detail object`);
        value = { eventType: type, ...value.detail };
        continue;
      }
      break;
    }
    return { kind: "event", origin: from, recordId: id, event: toSesEvent(value) };
  } catch (err) {
    if (err instanceof Ignored) return { kind: "ignored", origin: from, recordId: id, reason: err.message };
    if (err instanceof Malformed)
      return { kind: "malformed", origin: from, recordId: id, error: err.message };
    throw err;
  }
}

/** "Jane <jane@example.com>" or "jane@example.com" → normalised address, or null. */
function address(raw: unknown): string | null {
  const text = str(raw);
  if (!text) return null;
  const bracketed = text.match(/<([^<>]+)>\s*$/);
  const normalized = normalizeEmail(bracketed ? (bracketed[1] as string) : text);
  return "email" in normalized ? normalized.email : null;
}

function recipientList(list: unknown, what: string, required: boolean): SesRecipient[] {
  if (!Array.isArray(list)) {
    if (required) throw new Malformed(`no ${what}`);
    return [];
  }
  const recipients: SesRecipient[] = [];
  for (const item of list) {
    const email = address(isObject(item) ? item.emailAddress : item);
    if (!email) continue;
    const detail = isObject(item) ? (str(item.diagnosticCode) ?? str(item.status)) : null;
    if (!recipients.some((r) => r.email === email)) recipients.push({ email, detail });
  }
  if (required && recipients.length === 0) throw new Malformed(`no valid address in ${what}`);
  return recipients;
}

function toSesEvent(value: unknown): SesEvent {
  if (!isObject(value)) throw new Malformed("not a JSON object");
  const rawType = str(value.eventType) ?? str(value.notificationType);
  if (!rawType) throw new Malformed("neither eventType nor notificationType: not an SES notification");
  // SES's test message when an identity's topic is set up: {"notificationType":"AmazonSnsSubscriptionSucceeded",...}
  if (/subscriptionsucceeded/i.test(rawType)) throw new Ignored(`SES ${rawType} message`);
  const type = eventType(rawType);
  if (!type) throw new Ignored(`unknown SES event type "${rawType}"`);
  const mail = value.mail;
  if (!isObject(mail)) throw new Malformed(`${type} without a mail object`);
  const tags = isObject(mail.tags) ? mail.tags : {};
  const editionTag = tags[EDITION_TAG];
  const editionId = Array.isArray(editionTag) ? str(editionTag[0]) : str(editionTag);
  const destination = () => recipientList(mail.destination, "mail.destination", false);
  const section = (name: string): Json => {
    const obj = value[name];
    if (!isObject(obj)) throw new Malformed(`${type} without a ${name} object`);
    return obj;
  };
  const base = {
    type,
    publishing: (str(value.eventType) ? "event" : "notification") as SesEvent["publishing"],
    messageId: str(mail.messageId),
    editionId,
    at: str(mail.timestamp) ?? "",
    feedbackId: null as string | null,
  };
  switch (type) {
    case "Bounce": {
      const b = section("bounce");
      return {
        ...base,
        at: str(b.timestamp) ?? base.at,
        feedbackId: str(b.feedbackId),
        recipients: recipientList(b.bouncedRecipients, "bounce.bouncedRecipients", true),
        bounceType: str(b.bounceType) ?? "Undetermined",
        bounceSubType: str(b.bounceSubType) ?? "Undetermined",
      };
    }
    case "Complaint": {
      const c = section("complaint");
      return {
        ...base,
        at: str(c.timestamp) ?? base.at,
        feedbackId: str(c.feedbackId),
        recipients: recipientList(c.complainedRecipients, "complaint.complainedRecipients", true),
        complaintFeedbackType: str(c.complaintFeedbackType),
        complaintSubType: str(c.complaintSubType),
      };
    }
    case "Delivery": {
      const d = section("delivery");
      const recipients = recipientList(d.recipients, "delivery.recipients", false);
      return {
        ...base,
        at: str(d.timestamp) ?? base.at,
        recipients: recipients.length ? recipients : destination(),
      };
    }
    case "DeliveryDelay": {
      const d = isObject(value.deliveryDelay) ? value.deliveryDelay : {};
      const recipients = recipientList(d.delayedRecipients, "deliveryDelay.delayedRecipients", false);
      return {
        ...base,
        at: str(d.timestamp) ?? base.at,
        recipients: recipients.length ? recipients : destination(),
      };
    }
    case "Open":
    case "Click": {
      const o = isObject(value[type.toLowerCase()]) ? (value[type.toLowerCase()] as Json) : {};
      return { ...base, at: str(o.timestamp) ?? base.at, recipients: destination() };
    }
    default:
      return { ...base, recipients: destination() };
  }
}

/** What an event means: addresses to suppress, soft bounces to count, counters to add. */
export interface SesDecision {
  /** The edition whose counters `stats` adds to; null when the message carried no edition tag. */
  editionId: string | null;
  stats: Partial<Record<EditionStat, number>>;
  /** Hard bounces and complaints: on the suppression list at once. */
  suppress: { email: string; reason: "bounce" | "complaint"; detail: string; at: string }[];
  /** Transient and undetermined bounces: counted per subscriber, suppressed after the configured number. */
  softBounces: { email: string; detail: string; at: string }[];
  /** Delivered recipients: their soft-bounce count starts again from zero. */
  delivered: string[];
  /**
   * Readers who opened or clicked (tagged events only): the first open / click of each recipient of
   * the edition adds to `uniqueOpened` / `uniqueClicked`, once however often the event is repeated.
   */
  firsts: { email: string; mark: Extract<RecipientMark, "opened" | "clicked">; at: string }[];
  /** One line saying what the event is and what follows from it (for logs and the CLI). */
  summary: string;
}

const describeBounce = (e: SesEvent, r: SesRecipient) =>
  `${e.bounceType}/${e.bounceSubType}${r.detail ? `: ${r.detail}` : ""}`;

/**
 * Decides what an SES event means. Rules:
 * - Bounce with bounceType "Permanent" (any subtype, SES's own suppression lists included) → suppress
 *   each bounced recipient (reason "bounce"), count `bounced`.
 * - Bounce "Transient" or "Undetermined" (or a type SES may add later) → a soft bounce per recipient;
 *   not counted in `bounced` (SES's bounce rate counts hard bounces only).
 * - Complaint → suppress each complained recipient (reason "complaint"), count `complained`; except a
 *   feedback report of type "not-spam", which withdraws a spam verdict and changes nothing.
 * - Delivery → count `delivered`, reset the recipients' soft-bounce counts.
 * - Open / Click → count `opened` / `clicked` (every event, redeliveries included) and name the
 *   recipient in `firsts`, so that their first open / click of the edition counts as a unique reader.
 * - Soft bounces are counted in `softBounced` when applied: once per recipient and edition.
 * - Send, Reject, RenderingFailure, DeliveryDelay, Subscription → nothing (the ledger knows what was
 *   sent; a delay is not a bounce; rejects and rendering failures do not reach a mailbox).
 * Counters need the edition tag: untagged events (identity notifications, other mail) only suppress.
 */
export function decideSesEvent(event: SesEvent): SesDecision {
  const decision: SesDecision = {
    editionId: event.editionId,
    stats: {},
    suppress: [],
    softBounces: [],
    delivered: [],
    firsts: [],
    summary: "",
  };
  const who = event.recipients.map((r) => r.email).join(", ") || "nobody";
  let uncounted = false;
  const count = (stat: EditionStat, n: number) => {
    if (n <= 0) return;
    if (event.editionId) decision.stats[stat] = n;
    else uncounted = true;
  };
  switch (event.type) {
    case "Bounce":
      if (event.bounceType === "Permanent") {
        for (const r of event.recipients) {
          decision.suppress.push({
            email: r.email,
            reason: "bounce",
            detail: describeBounce(event, r),
            at: event.at,
          });
        }
        count("bounced", event.recipients.length);
        decision.summary = `hard bounce (${event.bounceSubType}) for ${who}`;
      } else {
        for (const r of event.recipients) {
          decision.softBounces.push({ email: r.email, detail: describeBounce(event, r), at: event.at });
        }
        decision.summary = `soft bounce (${event.bounceType}/${event.bounceSubType}) for ${who}`;
      }
      break;
    case "Complaint": {
      const kind = event.complaintFeedbackType ?? "no feedback report";
      if (kind.toLowerCase() === "not-spam") {
        decision.summary = `complaint feedback "not-spam" for ${who}: nothing to do`;
        break;
      }
      const detail = event.complaintSubType ? `${kind} (${event.complaintSubType})` : kind;
      for (const r of event.recipients) {
        decision.suppress.push({ email: r.email, reason: "complaint", detail, at: event.at });
      }
      count("complained", event.recipients.length);
      decision.summary = `complaint (${detail}) from ${who}`;
      break;
    }
    case "Delivery":
      decision.delivered = event.recipients.map((r) => r.email);
      count("delivered", event.recipients.length);
      decision.summary = `delivered to ${who}`;
      break;
    case "Open":
    case "Click": {
      const mark = event.type === "Open" ? "opened" : "clicked";
      count(mark, 1);
      if (event.editionId) {
        for (const r of event.recipients) decision.firsts.push({ email: r.email, mark, at: event.at });
      }
      decision.summary = `${event.type === "Open" ? "opened" : "link clicked"} by ${who}`;
      break;
    }
    default:
      decision.summary = `${event.type} for ${who}: not counted`;
  }
  if (uncounted) decision.summary += " (no edition tag: not counted)";
  return decision;
}

/**
 * The SendEmail request of the local SES endpoint (ses-endpoint.ts), parsed and validated as SESv2
 * does: Raw content (sender and recipients from its headers unless given) or Simple content (turned
 * into a MIME message), and the errors SESv2 answers a bad request with.
 */
import { randomUUID } from "node:crypto";
import { parseAddressList, parseHeaders } from "./mime-headers.js";
import type { SentMessage, SesEndpoint } from "./ses-endpoint.js";

/** SES accepts at most 50 recipients per message. */
const MAX_RECIPIENTS = 50;

export class SesError extends Error {
  constructor(
    readonly status: number,
    readonly type: string,
    message: string,
    readonly stat?: keyof SesEndpoint["stats"],
  ) {
    super(message);
  }
}

export type ParsedSend = Omit<SentMessage, "messageId" | "receivedAt">;

export function parseSendEmail(body: unknown, maxMessageBytes: number): ParsedSend {
  const req = asRecord(body);
  const content = asRecord(req.Content);
  const fromEmailAddress = optString(req.FromEmailAddress, "FromEmailAddress");
  const configurationSetName = optString(req.ConfigurationSetName, "ConfigurationSetName");
  const replyTo = stringList(req.ReplyToAddresses, "ReplyToAddresses");
  const dest = req.Destination === undefined ? undefined : asRecord(req.Destination);
  const explicit = dest
    ? [
        ...stringList(dest.ToAddresses, "Destination.ToAddresses"),
        ...stringList(dest.CcAddresses, "Destination.CcAddresses"),
        ...stringList(dest.BccAddresses, "Destination.BccAddresses"),
      ]
    : [];

  let raw: Buffer;
  let from = fromEmailAddress;
  let destinations = explicit;
  if (content.Raw !== undefined) {
    const data = asRecord(content.Raw).Data;
    if (typeof data !== "string" || data.length === 0) {
      throw badRequest("Content.Raw.Data is required and must be a non-empty base64-encoded message.");
    }
    raw = Buffer.from(data, "base64");
    if (raw.length === 0) throw badRequest("Content.Raw.Data is empty.");
    checkSize(raw, maxMessageBytes);
    const headers = parseHeaders(raw);
    const headerFrom = headers.get("from");
    if (!from && !headerFrom) throw badRequest("Missing required header 'From'.");
    from ??= headerFrom ? parseAddressList(headerFrom)[0] : undefined;
    if (!dest) {
      destinations = ["to", "cc", "bcc"].flatMap((h) => parseAddressList(headers.get(h) ?? ""));
    }
  } else if (content.Simple !== undefined) {
    if (!from) throw badRequest("FromEmailAddress is required for Simple content.");
    raw = synthesizeSimple(asRecord(content.Simple), from, dest, replyTo);
    checkSize(raw, maxMessageBytes);
  } else if (content.Template !== undefined) {
    throw badRequest("Template content is not supported by the local SES endpoint.");
  } else {
    throw badRequest("Content must specify Raw or Simple.");
  }

  if (destinations.length === 0) throw badRequest("Missing required parameter: no recipients specified.");
  if (destinations.length > MAX_RECIPIENTS) {
    throw badRequest(`Recipient count exceeds ${MAX_RECIPIENTS}.`);
  }
  return { raw, from, destinations, configurationSetName };
}

function checkSize(raw: Buffer, max: number): void {
  if (raw.length > max) {
    throw new SesError(
      400,
      "MessageRejected",
      `Message length is more than ${max} bytes long: '${raw.length}'.`,
      "rejected",
    );
  }
}

function synthesizeSimple(
  simple: Record<string, unknown>,
  from: string,
  dest: Record<string, unknown> | undefined,
  replyTo: string[],
): Buffer {
  const text = (v: unknown): string | undefined => {
    if (v === undefined) return undefined;
    const d = asRecord(v).Data;
    if (typeof d !== "string") throw badRequest("Content.Simple Data must be a string.");
    return d;
  };
  const subject = text(simple.Subject) ?? "";
  const body = simple.Body === undefined ? {} : asRecord(simple.Body);
  const html = text(body.Html);
  const plain = text(body.Text);
  const lines = [`From: ${from}`];
  const to = dest ? stringList(dest.ToAddresses, "Destination.ToAddresses") : [];
  const cc = dest ? stringList(dest.CcAddresses, "Destination.CcAddresses") : [];
  if (to.length) lines.push(`To: ${to.join(", ")}`);
  if (cc.length) lines.push(`Cc: ${cc.join(", ")}`);
  if (replyTo.length) lines.push(`Reply-To: ${replyTo.join(", ")}`);
  lines.push(`Subject: ${subject}`, "MIME-Version: 1.0");
  const part = (type: string, data: string) => [
    `Content-Type: ${type}; charset=UTF-8`,
    "Content-Transfer-Encoding: base64",
    "",
    Buffer.from(data, "utf8").toString("base64"),
  ];
  if (html !== undefined && plain !== undefined) {
    const boundary = `=_local_${randomUUID()}`;
    lines.push(`Content-Type: multipart/alternative; boundary="${boundary}"`, "");
    lines.push(`--${boundary}`, ...part("text/plain", plain), `--${boundary}`, ...part("text/html", html));
    lines.push(`--${boundary}--`);
  } else {
    lines.push(...part(html !== undefined ? "text/html" : "text/plain", html ?? plain ?? ""));
  }
  return Buffer.from(`${lines.join("\r\n")}\r\n`, "utf8");
}

export function badRequest(message: string): SesError {
  return new SesError(400, "BadRequestException", message, "rejected");
}

function asRecord(v: unknown): Record<string, unknown> {
  if (typeof v !== "object" || v === null || Array.isArray(v)) {
    throw badRequest("Expected a JSON object.");
  }
  return v as Record<string, unknown>;
}

function optString(v: unknown, name: string): string | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== "string") throw badRequest(`${name} must be a string.`);
  return v;
}

function stringList(v: unknown, name: string): string[] {
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v) || !v.every((s) => typeof s === "string")) {
    throw badRequest(`${name} must be a list of strings.`);
  }
  return v as string[];
}

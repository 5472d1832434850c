import MailComposer from "nodemailer/lib/mail-composer";
import * as qp from "nodemailer/lib/qp";
import { PERSONAL_SLOTS } from "./types.js";

/**
 * Per-subscriber MIME at low cost: the HTML and text of a variant are quoted-printable encoded once,
 * split at the personal-link markers; each message only encodes its own links and lets MailComposer
 * (a real MIME library) assemble headers and the multipart/alternative structure around the parts.
 */

type SlotName = keyof typeof PERSONAL_SLOTS;

export interface PreEncodedPart {
  contentType: string;
  /** QP-encoded segments; between segment i and i+1 goes the link named slots[i]. */
  segments: string[];
  slots: SlotName[];
}

export interface PreparedVariant {
  subject: string;
  html: PreEncodedPart;
  text: PreEncodedPart;
}

const SLOT_BY_MARKER = new Map<string, SlotName>(
  (Object.entries(PERSONAL_SLOTS) as [SlotName, string][]).map(([name, marker]) => [marker, name]),
);
const MARKER_PATTERN = new RegExp(
  [...SLOT_BY_MARKER.keys()].map((m) => m.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&")).join("|"),
  "g",
);

const encodeQp = (s: string) => qp.wrap(qp.encode(Buffer.from(s.replace(/\r?\n/g, "\r\n"), "utf8")), 76);

function preEncode(content: string, contentType: string): PreEncodedPart {
  const segments: string[] = [];
  const slots: SlotName[] = [];
  let last = 0;
  for (const match of content.matchAll(MARKER_PATTERN)) {
    segments.push(encodeQp(content.slice(last, match.index)));
    slots.push(SLOT_BY_MARKER.get(match[0]) as SlotName);
    last = (match.index ?? 0) + match[0].length;
  }
  segments.push(encodeQp(content.slice(last)));
  return { contentType, segments, slots };
}

/** Encodes a rendered variant once; its personal-link markers become splice points. */
export function prepareVariant(subject: string, html: string, text: string): PreparedVariant {
  return {
    subject,
    html: preEncode(html, "text/html; charset=utf-8"),
    text: preEncode(text, "text/plain; charset=utf-8"),
  };
}

function personalisePart(part: PreEncodedPart, links: Record<SlotName, string>): string {
  let body = part.segments[0] ?? "";
  for (let i = 0; i < part.slots.length; i++) {
    // Soft line breaks around the link keep every encoded line under 76 characters.
    body += `=\r\n${encodeQp(links[part.slots[i] as SlotName])}=\r\n${part.segments[i + 1] ?? ""}`;
  }
  return `Content-Type: ${part.contentType}\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n${body}`;
}

export interface Envelope {
  from: { name: string; address: string };
  to: { name: string | null; address: string };
  replyTo?: string;
  listId: string;
  /** Gmail's feedback loop id: "campaign:customer:mailtype:sender". */
  feedbackId: string;
  unsubscribeMailto?: string;
}

/**
 * Builds one subscriber's message (raw MIME, CRLF) with RFC 8058 one-click unsubscribe headers.
 * `links` are the subscriber's signed URLs.
 */
export async function composeMessage(
  variant: PreparedVariant,
  envelope: Envelope,
  links: Record<SlotName, string>,
): Promise<Buffer> {
  const listUnsubscribe = [`<${links.unsubscribeUrl}>`];
  if (envelope.unsubscribeMailto) {
    listUnsubscribe.push(`<mailto:${envelope.unsubscribeMailto}?subject=unsubscribe>`);
  }
  const composer = new MailComposer({
    from: envelope.from,
    to: envelope.to.name ? { name: envelope.to.name, address: envelope.to.address } : envelope.to.address,
    replyTo: envelope.replyTo,
    subject: variant.subject,
    text: { raw: personalisePart(variant.text, links) },
    html: { raw: personalisePart(variant.html, links) },
    headers: {
      "List-Unsubscribe": listUnsubscribe.join(", "),
      "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
      "List-Id": envelope.listId,
      "Feedback-ID": envelope.feedbackId,
    },
  });
  return composer.compile().build();
}

import { randomBytes, randomUUID } from "node:crypto";
import { domainToASCII } from "node:url";
import { buildHeaderValue, encodeWord, foldLines } from "nodemailer/lib/mime-funcs";
import MimeNode from "nodemailer/lib/mime-node";
import * as qp from "nodemailer/lib/qp";
import type { PersonalSlots } from "../edition/edition.js";
import { PERSONAL_SLOTS } from "../kernel/types.js";

/**
 * Per-subscriber MIME at low cost. prepareVariant builds the whole MIME skeleton of a variant once:
 * a random boundary, the Subject header, the multipart/alternative structure (text first, then HTML),
 * the part headers and the quoted-printable encoded text between the personal-link markers, all as
 * ready Buffers. composeMessage then only encodes what is the subscriber's own (To, Date, Message-ID,
 * List-Unsubscribe and the signed links) and joins the pieces with one Buffer.concat.
 *
 * Every encoding is nodemailer's, the same code MailComposer runs: header values through
 * MimeNode#encodeHeaderValue (RFC 2047 encoded words, address quoting and punycode), folded with
 * mime-funcs' foldLines at 76; bodies through its qp encoder.
 */

type SlotName = keyof typeof PERSONAL_SLOTS;

export interface PreparedVariant {
  subject: string;
  /** Random per variant and containing "=_", which quoted-printable output can never contain. */
  boundary: string;
  /** `Subject: …` encoded and folded once, CRLF-terminated. */
  subjectHeader: Buffer;
  /**
   * From the root Content-Type header to the closing boundary: pre-encoded Buffers, and between them
   * the links to splice in as indexes into `slots` (each spliced as a QP-encoded, soft-broken run of
   * lines).
   */
  skeleton: (Buffer | number)[];
  /** Bytes of the Buffers in `skeleton`. */
  skeletonBytes: number;
  /** The distinct links the skeleton needs. */
  slots: SlotName[];
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

/** The markers of `slots` by text, and a pattern matching any of them. */
function markers(slots: PersonalSlots): { slotByMarker: Map<string, SlotName>; pattern: RegExp } {
  const slotByMarker = new Map<string, SlotName>(
    (Object.entries(slots) as [SlotName, string][]).map(([name, marker]) => [marker, name]),
  );
  const pattern = new RegExp(
    [...slotByMarker.keys()].map((m) => m.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&")).join("|"),
    "g",
  );
  return { slotByMarker, pattern };
}

/** RFC 5322's hard limit on a line, CRLF excluded. */
const MAX_LINE = 998;
/**
 * QP lines are wrapped at 75 so that the soft line break ("=") put after a segment or a link when a
 * splice follows still keeps every encoded line within RFC 2045's 76 characters.
 */
const QP_WRAP = 75;
const SOFT_BREAK = "=\r\n";

/** Quoted-printable with CRLF line breaks (a lone CR or LF would otherwise go out as a bare one). */
const encodeQp = (s: string): string =>
  qp.wrap(qp.encode(s.includes("\r") || s.includes("\n") ? s.replace(/\r\n?|\n/g, "\r\n") : s), QP_WRAP);

/** Printable ASCII without space: quoted-printable keeps every byte but "=" as it is. */
const QP_PLAIN_RUN = /^[\x21-\x7e]*$/;

/**
 * A signed link, QP-encoded and wrapped: the same text as encodeQp (nodemailer's encoder writes a
 * byte of this range literally and "=" as "=3D"), without its byte-by-byte pass over a Buffer for
 * each of the two links of every message.
 */
export const encodeLinkQp = (link: string): string =>
  QP_PLAIN_RUN.test(link) ? qp.wrap(link.replaceAll("=", "=3D"), QP_WRAP) : encodeQp(link);

/** Stateless use of MailComposer's own header encoder (a node is needed only for its options). */
const headerEncoder = new MimeNode();

/**
 * Printable ASCII with no '"' and no "=?": the values MimeNode's encoder hands back unchanged (it
 * encodes only around quotes, non-ASCII, control characters and look-alike encoded words).
 */
const PLAIN_VALUE = /^[\x20\x21\x23-\x7e]*$/;
/** Address fields are always parsed and normalised by the encoder (punycode, quoting). */
const ADDRESS_FIELDS = new Set(["from", "to", "reply-to", "sender", "cc", "bcc"]);

/** A display name of ASCII letters and digits in words one space apart: the encoder keeps it as is. */
const PLAIN_NAME = /^[A-Za-z0-9]+(?: [A-Za-z0-9]+)*$/;
/**
 * A lower-case ASCII address the encoder keeps as is: a dot-atom local part and a domain of
 * letter-digit-hyphen labels, none of them punycode ("xn--": a double hyphen never matches), the last
 * holding a letter (the encoder reads an all-digit domain such as "2.3" as an IPv4 address, 2.0.0.3).
 */
const PLAIN_MAILBOX =
  /^[a-z0-9]+(?:[._+-][a-z0-9]+)*@(?:[a-z0-9]+(?:-[a-z0-9]+)*\.)+(?=[a-z0-9-]*[a-z])[a-z0-9]+(?:-[a-z0-9]+)*$/;

/**
 * The To field of a subscriber: most addresses and names need none of the encoder's parsing,
 * quoting or punycode, and then skip it (the same text; see test/core/message-fast-paths.test.ts).
 */
export function toField(to: { name: string | null; address: string }): string {
  if ((!to.name || PLAIN_NAME.test(to.name)) && PLAIN_MAILBOX.test(to.address)) {
    return foldedField("To", to.name ? `${to.name} <${to.address}>` : to.address);
  }
  return headerField("To", { name: to.name ?? "", address: to.address });
}

/** Unstructured fields: free text, which may go out as encoded words (RFC 2047) when it must. */
const UNSTRUCTURED_FIELDS = new Set(["subject"]);

/**
 * One header field, encoded and folded as MailComposer does, CRLF-terminated. Free text that cannot
 * be folded within RFC 5322's 998 characters a line (a word longer than that: folding breaks only at
 * spaces) goes out as encoded words instead, which split anywhere and fold at 76.
 */
function headerField(key: string, value: string | { name: string; address: string }): string {
  const encoded =
    typeof value === "string" &&
    PLAIN_VALUE.test(value) &&
    !value.includes("=?") &&
    !ADDRESS_FIELDS.has(key.toLowerCase())
      ? value
      : headerEncoder.encodeHeaderValue(key, value);
  if (
    typeof value === "string" &&
    UNSTRUCTURED_FIELDS.has(key.toLowerCase()) &&
    !foldsWithin998(key, encoded)
  ) {
    return foldedField(key, encodeWord(value, "Q", 52));
  }
  return foldedField(key, encoded);
}

/** True when `key: encoded` folds into lines of at most 998 characters. */
function foldsWithin998(key: string, encoded: string): boolean {
  const field = foldLines(`${key}: ${encoded}`, 76);
  return field.length <= MAX_LINE || field.split("\r\n").every((line) => line.length <= MAX_LINE);
}

/** `key: encoded` folded at 76, CRLF-terminated; throws when a line cannot be folded under 998. */
function foldedField(key: string, encoded: string): string {
  const field = foldLines(`${key}: ${encoded}`, 76);
  if (field.length > MAX_LINE && field.split("\r\n").some((line) => line.length > MAX_LINE)) {
    throw new Error(`${key} header has a line over ${MAX_LINE} characters that cannot be folded`);
  }
  return `${field}\r\n`;
}

const PART_HEADERS = (contentType: string) =>
  `Content-Type: ${contentType}\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n`;

/**
 * Appends a part to the skeleton text: the QP-encoded content with each personal-link marker turned
 * into a slot, the soft line breaks around it included in the static text.
 */
function appendPart(
  out: (string | { slot: SlotName })[],
  content: string,
  contentType: string,
  boundary: string,
  first: boolean,
  slots: ReturnType<typeof markers>,
): void {
  out.push(`${first ? "" : "\r\n"}--${boundary}\r\n${PART_HEADERS(contentType)}`);
  let last = 0;
  for (const match of content.matchAll(slots.pattern)) {
    out.push(encodeQp(content.slice(last, match.index)) + SOFT_BREAK);
    out.push({ slot: slots.slotByMarker.get(match[0]) as SlotName });
    out.push(SOFT_BREAK);
    last = match.index + match[0].length;
  }
  out.push(encodeQp(content.slice(last)));
}

/**
 * Encodes a rendered variant once: its MIME skeleton, with the personal-link markers `slots` (the
 * edition's, see personalSlots in edition.ts; default the fixed PERSONAL_SLOTS) as splice points.
 */
export function prepareVariant(
  subject: string,
  html: string,
  text: string,
  markerSlots: PersonalSlots = PERSONAL_SLOTS,
): PreparedVariant {
  const found = markers(markerSlots);
  // "=_" never occurs in QP output ("=" is followed by two hex digits or a line break there).
  const boundary = `--=_digest_${randomBytes(12).toString("hex")}`;
  const pieces: (string | { slot: SlotName })[] = [
    `${headerField("Content-Type", buildHeaderValue({ value: "multipart/alternative", params: { boundary } }))}\r\n`,
  ];
  // Text first, HTML last: a client shows the last alternative it supports.
  appendPart(pieces, text, "text/plain; charset=utf-8", boundary, true, found);
  appendPart(pieces, html, "text/html; charset=utf-8", boundary, false, found);
  pieces.push(`\r\n--${boundary}--\r\n`);

  // Merge adjacent static text into one Buffer each.
  const skeleton: (Buffer | number)[] = [];
  const slots: SlotName[] = [];
  let skeletonBytes = 0;
  let pending = "";
  const flush = () => {
    if (!pending) return;
    const buf = Buffer.from(pending, "latin1");
    skeleton.push(buf);
    skeletonBytes += buf.length;
    pending = "";
  };
  for (const piece of pieces) {
    if (typeof piece === "string") {
      pending += piece;
      continue;
    }
    flush();
    if (!slots.includes(piece.slot)) slots.push(piece.slot);
    skeleton.push(slots.indexOf(piece.slot));
  }
  flush();
  return {
    subject,
    boundary,
    subjectHeader: Buffer.from(headerField("Subject", subject), "utf8"),
    skeleton,
    skeletonBytes,
    slots,
  };
}

/** The header fields that are the same for every subscriber of a variant, built on first use. */
interface SharedHeaders {
  from: Envelope["from"];
  replyTo: string | undefined;
  listId: string;
  feedbackId: string;
  unsubscribeMailto: string | undefined;
  /** `From: …` */
  head: Buffer;
  /** `Reply-To: …` and `Subject: …` */
  middle: Buffer;
  /** `List-Unsubscribe-Post`, `List-Id`, `Feedback-ID` */
  tail: Buffer;
  /** `, <mailto:…>` appended to List-Unsubscribe, or "". */
  mailtoSuffix: string;
  /** Right-hand side of Message-IDs: the sender's domain, ASCII. */
  idDomain: string;
}

const sharedByVariant = new WeakMap<PreparedVariant, SharedHeaders>();
/** The last variant's entry, checked before the WeakMap: consecutive messages mostly share it. */
let lastVariant: PreparedVariant | null = null;
let lastShared: SharedHeaders | undefined;

function sharedHeaders(variant: PreparedVariant, envelope: Envelope): SharedHeaders {
  const cached = variant === lastVariant ? lastShared : sharedByVariant.get(variant);
  lastVariant = variant;
  lastShared = cached;
  if (
    cached &&
    cached.from.name === envelope.from.name &&
    cached.from.address === envelope.from.address &&
    cached.replyTo === envelope.replyTo &&
    cached.listId === envelope.listId &&
    cached.feedbackId === envelope.feedbackId &&
    cached.unsubscribeMailto === envelope.unsubscribeMailto
  ) {
    return cached;
  }
  const from = { name: envelope.from.name, address: envelope.from.address };
  const at = from.address.lastIndexOf("@");
  const rawDomain = at < 0 ? "" : from.address.slice(at + 1);
  const shared: SharedHeaders = {
    from,
    replyTo: envelope.replyTo,
    listId: envelope.listId,
    feedbackId: envelope.feedbackId,
    unsubscribeMailto: envelope.unsubscribeMailto,
    head: Buffer.from(headerField("From", { ...from }), "utf8"),
    middle: Buffer.concat([
      Buffer.from(envelope.replyTo ? headerField("Reply-To", envelope.replyTo) : "", "utf8"),
      variant.subjectHeader,
    ]),
    tail: Buffer.from(
      headerField("List-Unsubscribe-Post", "List-Unsubscribe=One-Click") +
        headerField("List-Id", envelope.listId) +
        headerField("Feedback-ID", envelope.feedbackId),
      "utf8",
    ),
    mailtoSuffix: envelope.unsubscribeMailto
      ? `, <mailto:${envelope.unsubscribeMailto}?subject=unsubscribe>`
      : "",
    idDomain: (rawDomain && domainToASCII(rawDomain)) || "localhost",
  };
  sharedByVariant.set(variant, shared);
  lastShared = shared;
  return shared;
}

let dateSecond = -1;
let dateField = "";
/** `Date: …` as MailComposer writes it, formatted at most once a second. */
function dateHeader(): string {
  const second = Math.floor(Date.now() / 1000);
  if (second !== dateSecond) {
    dateSecond = second;
    dateField = `Date: ${new Date(second * 1000).toUTCString().replace(/GMT/, "+0000")}\r\n`;
  }
  return dateField;
}

/**
 * Builds one subscriber's message (raw MIME, CRLF) with RFC 8058 one-click unsubscribe headers.
 * `links` are the subscriber's signed URLs. Synchronous: the Buffer is ready on return.
 */
export function composeMessage(
  variant: PreparedVariant,
  envelope: Envelope,
  links: Record<SlotName, string>,
): Buffer {
  const shared = sharedHeaders(variant, envelope);
  const to = toField(envelope.to);
  const perMessage =
    dateHeader() +
    `Message-ID: <${randomUUID()}@${shared.idDomain}>\r\n` +
    "MIME-Version: 1.0\r\n" +
    headerField("List-Unsubscribe", `<${links.unsubscribeUrl}>${shared.mailtoSuffix}`);
  const toBuf = Buffer.from(to, "utf8");
  const perBuf = Buffer.from(perMessage, "utf8");

  const linkBufs: Buffer[] = [];
  for (const slot of variant.slots) linkBufs.push(Buffer.from(encodeLinkQp(links[slot]), "latin1"));

  const list: Buffer[] = [shared.head, toBuf, shared.middle, perBuf, shared.tail];
  let total = shared.head.length + toBuf.length + shared.middle.length + perBuf.length + shared.tail.length;
  total += variant.skeletonBytes;
  for (const piece of variant.skeleton) {
    if (typeof piece === "number") {
      const buf = linkBufs[piece] as Buffer;
      list.push(buf);
      total += buf.length;
    } else {
      list.push(piece);
    }
  }
  return Buffer.concat(list, total);
}

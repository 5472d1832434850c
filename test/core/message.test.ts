import { type AddressObject, simpleParser } from "mailparser";
import { describe, expect, it } from "vitest";
import { composeMessage, type Envelope, prepareVariant } from "../../functions/core/delivery/message.js";
import { PERSONAL_SLOTS } from "../../functions/core/kernel/types.js";
import { mulberry32 } from "../../functions/local/prng.js";

const envelope: Envelope = {
  from: { name: "The Digest", address: "news@example.org" },
  to: { name: "Zoë Ünal", address: "zoe@example.com" },
  replyTo: "editor@example.org",
  listId: "The Digest <daily.example.org>",
  feedbackId: "2031-01-01:daily:digest:example.org",
};
const links = {
  unsubscribeUrl: "https://digest.example.org/unsubscribe?t=abc.DEF_-123",
  preferencesUrl: "https://digest.example.org/preferences?t=xyz.UVW_-987",
};

const fill = (s: string, l: typeof links) =>
  s
    .replaceAll(PERSONAL_SLOTS.unsubscribeUrl, l.unsubscribeUrl)
    .replaceAll(PERSONAL_SLOTS.preferencesUrl, l.preferencesUrl);

const lines = (raw: Buffer) => raw.toString("latin1").split("\r\n");
const headerBlock = (raw: Buffer) => raw.toString("latin1").split("\r\n\r\n")[0] ?? "";
const toOf = (mail: { to?: AddressObject | AddressObject[] }) => {
  const to = Array.isArray(mail.to) ? mail.to[0] : mail.to;
  return to?.value ?? [];
};
const boundaryOf = (raw: Buffer) => {
  const m = /boundary="([^"]+)"/.exec(headerBlock(raw).replace(/\r\n[ \t]/g, " "));
  if (!m?.[1]) throw new Error("no boundary");
  return m[1];
};

/** Structural invariants every composed message must keep. */
function expectWellFormed(raw: Buffer): void {
  const text = raw.toString("latin1");
  expect(text).not.toMatch(/\r(?!\n)|(?<!\r)\n/); // CRLF only
  expect(lines(raw).every((l) => l.length <= 998)).toBe(true);
  // The body (after the header block) is QP and part headers: RFC 2045's 76 characters a line.
  const body = text.slice(text.indexOf("\r\n\r\n") + 4);
  const long = body.split("\r\n").filter((l) => l.length > 76);
  expect(long).toEqual([]);
  const boundary = boundaryOf(raw);
  // The boundary appears in the Content-Type header and as the three delimiters, nowhere else.
  expect(text.split(boundary).length - 1).toBe(4);
  expect(body.split(`--${boundary}`).length - 1).toBe(3);
  expect(body.endsWith(`\r\n--${boundary}--\r\n`)).toBe(true);
}

describe("personalised MIME from pre-encoded parts", () => {
  it("decodes to exactly the rendered HTML and text with the subscriber's links spliced in", async () => {
    // Long lines, non-ASCII, '=' signs and markers at awkward offsets stress the QP splicing.
    const html = `<p>${"Crème brûlée = dessert; ".repeat(40)}</p><a href="${PERSONAL_SLOTS.unsubscribeUrl}">Unsubscribe</a> <a href="${PERSONAL_SLOTS.preferencesUrl}">Prefs</a>${PERSONAL_SLOTS.unsubscribeUrl}`;
    const text = `Hello — ${"long line ".repeat(30)}\nUnsubscribe: ${PERSONAL_SLOTS.unsubscribeUrl}\nEnd\n`;
    const variant = prepareVariant("Résumé of the day — 14 stories", html, text);
    const raw = await composeMessage(variant, envelope, links);
    expectWellFormed(raw);
    const mail = await simpleParser(raw);
    expect(mail.html).toBe(fill(html, links));
    expect(mail.text).toBe(fill(text, links));
    expect(mail.subject).toBe("Résumé of the day — 14 stories");
    expect(mail.headers.get("list")).toEqual({
      unsubscribe: { url: links.unsubscribeUrl },
      "unsubscribe-post": { name: "List-Unsubscribe=One-Click" },
      id: { name: "The Digest", id: "daily.example.org" },
    });
    expect(mail.headers.get("feedback-id")).toBe(envelope.feedbackId);
    expect(mail.headers.get("mime-version")).toBe("1.0");
    expect(mail.replyTo?.text).toBe("editor@example.org");
    expect(mail.from?.value).toEqual([{ name: "The Digest", address: "news@example.org" }]);
    expect(toOf(mail)).toEqual([{ name: "Zoë Ünal", address: "zoe@example.com" }]);
    expect(mail.to && "text" in mail.to ? mail.to.text : "").toBe('"Zoë Ünal" <zoe@example.com>');
  });

  it("adds a mailto unsubscribe only when an inbound address is configured", async () => {
    const variant = prepareVariant("S", `<a href="${PERSONAL_SLOTS.unsubscribeUrl}">x</a>`, "t");
    const withMailto = await simpleParser(
      await composeMessage(variant, { ...envelope, unsubscribeMailto: "unsubscribe@example.org" }, links),
    );
    expect(withMailto.headers.get("list")).toMatchObject({
      unsubscribe: { url: links.unsubscribeUrl, mail: "unsubscribe@example.org?subject=unsubscribe" },
    });
    const without = await composeMessage(variant, envelope, links);
    expect(without.toString()).not.toContain("mailto:");
  });

  it("is multipart/alternative with the text part first and the HTML part last", async () => {
    const variant = prepareVariant("S", "<p>html</p>", "text");
    const raw = composeMessage(variant, envelope, links);
    const mail = await simpleParser(raw);
    expect(mail.headers.get("content-type")).toMatchObject({ value: "multipart/alternative" });
    const s = raw.toString("latin1");
    const plain = s.indexOf("Content-Type: text/plain; charset=utf-8");
    const html = s.indexOf("Content-Type: text/html; charset=utf-8");
    expect(plain).toBeGreaterThan(0);
    expect(html).toBeGreaterThan(plain);
    expect(s.match(/Content-Transfer-Encoding: quoted-printable/g)).toHaveLength(2);
    // The boundary is random per variant and of a shape QP output cannot contain.
    const boundary = boundaryOf(raw);
    expect(boundary).toContain("=_");
    expect(boundary.length).toBeLessThanOrEqual(70);
    expect(boundaryOf(composeMessage(variant, envelope, links))).toBe(boundary);
    expect(boundaryOf(composeMessage(prepareVariant("S", "h", "t"), envelope, links))).not.toBe(boundary);
    expect(mail.text).toBe("text");
    expect(mail.html).toBe("<p>html</p>");
  });

  it("writes the per-message headers: Date now, a unique Message-ID at the sender's domain", async () => {
    const variant = prepareVariant("S", "<p>x</p>", "x");
    const before = Date.now();
    const a = await simpleParser(composeMessage(variant, envelope, links));
    const b = await simpleParser(composeMessage(variant, envelope, links));
    expect(a.messageId).toMatch(/^<[0-9a-f-]{36}@example\.org>$/);
    expect(b.messageId).toMatch(/^<[0-9a-f-]{36}@example\.org>$/);
    expect(a.messageId).not.toBe(b.messageId);
    expect(a.date?.getTime()).toBeGreaterThanOrEqual(Math.floor(before / 1000) * 1000);
    expect(a.date?.getTime()).toBeLessThanOrEqual(Date.now());
    expect(headerBlock(composeMessage(variant, envelope, links))).toMatch(
      /^Date: \w{3}, \d{2} \w{3} \d{4} \d{2}:\d{2}:\d{2} \+0000$/m,
    );
  });

  it("encodes a long non-ASCII subject once per variant, folded into short header lines", async () => {
    const subject = `Ünïcödé digest — ${"the news of the day, ".repeat(8)}and more`.trim();
    const variant = prepareVariant(subject, "<p>x</p>", "x");
    const raw = composeMessage(variant, envelope, links);
    const head = headerBlock(raw);
    expect(head.split("\r\n").every((l) => l.length <= 78)).toBe(true);
    expect(head).toMatch(/^Subject: =\?UTF-8\?[QB]\?.*\r\n [^\r]+/m);
    expect(head).not.toMatch(/[^\x20-\x7e\r\n]/);
    expect((await simpleParser(raw)).subject).toBe(subject);
    // A long ASCII subject is folded at whitespace and unfolds to the same text.
    const ascii = `A plain subject ${"with many words ".repeat(10)}end`;
    const rawAscii = composeMessage(prepareVariant(ascii, "x", "x"), envelope, links);
    expect(
      headerBlock(rawAscii)
        .split("\r\n")
        .every((l) => l.length <= 78),
    ).toBe(true);
    expect((await simpleParser(rawAscii)).subject).toBe(ascii);
  });

  it("safely encodes subscriber names with quotes, commas, angle brackets and line breaks", async () => {
    const variant = prepareVariant("S", "<p>x</p>", "x");
    const hostile = [
      'Eve "Admin", <script>alert(1)</script>',
      'Mallory <mallory@evil.example>, "x" <y@evil.example>',
      "Bob\r\nBcc: victim@evil.example",
      'Ünal, Zoë "Z" <script>',
      "back\\slash; semi: colon (comment) @at",
      "=?UTF-8?Q?fake?=",
    ];
    for (const name of hostile) {
      const raw = composeMessage(
        variant,
        { ...envelope, to: { name, address: "reader@example.com" } },
        links,
      );
      expectWellFormed(raw);
      const head = headerBlock(raw);
      expect(head).not.toMatch(/^Bcc:/im);
      // One mailbox: the name as a quoted-string or as encoded words, then the address.
      const toField = /^To: (.*(?:\r\n[ \t].*)*)/m.exec(head)?.[1]?.replace(/\r\n[ \t]/g, " ") ?? "";
      expect(toField).toMatch(
        /^(?:"(?:[^"\\]|\\.)*"|=\?UTF-8\?[QB]\?[^?]*\?=(?: =\?UTF-8\?[QB]\?[^?]*\?=)*) <reader@example\.com>$/,
      );
      const mail = await simpleParser(raw);
      expect(mail.bcc).toBeUndefined();
      const to = toOf(mail);
      expect(to).toHaveLength(1);
      expect(to[0]?.address).toBe("reader@example.com");
      // A line break goes out encoded, never raw (stored names have whitespace collapsed anyway);
      // mailparser leniently decodes an encoded word even inside a quoted-string.
      if (!/[\r\n]|=\?/.test(name)) expect(to[0]?.name).toBe(name);
    }
  });

  it("writes a plain address when the subscriber has no name, and punycodes an IDN domain", async () => {
    const variant = prepareVariant("S", "<p>x</p>", "x");
    const raw = composeMessage(
      variant,
      { ...envelope, to: { name: null, address: "ana@exämple.com" } },
      links,
    );
    expect(headerBlock(raw)).toMatch(/^To: ana@xn--exmple-cua\.com$/m);
    // mailparser decodes the punycode again.
    expect(toOf(await simpleParser(raw))).toEqual([{ name: "", address: "ana@exämple.com" }]);
  });

  it("follows the envelope when the same variant goes out with other list or sender settings", async () => {
    const variant = prepareVariant("S", "<p>x</p>", "x");
    const first = await simpleParser(composeMessage(variant, envelope, links));
    expect(first.headers.get("feedback-id")).toBe(envelope.feedbackId);
    const other = {
      ...envelope,
      from: { name: "Ünïcode Sender", address: "digest@news.example.net" },
      replyTo: undefined,
      feedbackId: "2031-01-02:daily:digest:example.org",
      listId: "Other <other.example.org>",
    };
    const second = await simpleParser(composeMessage(variant, other, links));
    expect(second.headers.get("feedback-id")).toBe(other.feedbackId);
    expect(second.headers.get("list")).toMatchObject({ id: { name: "Other", id: "other.example.org" } });
    expect(second.from?.value).toEqual([{ name: "Ünïcode Sender", address: "digest@news.example.net" }]);
    expect(second.replyTo).toBeUndefined();
    expect(second.messageId).toMatch(/@news\.example\.net>$/);
    const again = await simpleParser(composeMessage(variant, envelope, links));
    expect(again.headers.get("feedback-id")).toBe(envelope.feedbackId);
    expect(again.replyTo?.text).toBe("editor@example.org");
  });

  it("refuses a header line over 998 characters rather than send a malformed message", () => {
    const variant = prepareVariant("S", `<a href="${PERSONAL_SLOTS.unsubscribeUrl}">x</a>`, "x");
    const long = { ...links, unsubscribeUrl: `https://digest.example.org/unsubscribe?t=${"a".repeat(1000)}` };
    expect(() => composeMessage(variant, envelope, long)).toThrow(/List-Unsubscribe header .* 998/);
  });

  it("sends lone CRs and LFs as CRLF line breaks", async () => {
    const variant = prepareVariant("S", "<p>a</p>\r<p>b</p>\n<p>c</p>\r\n", "a\rb\nc\r\n");
    const raw = composeMessage(variant, envelope, links);
    expectWellFormed(raw);
    const mail = await simpleParser(raw);
    expect(mail.text).toBe("a\nb\nc\n");
  });

  it("round-trips random names, subjects, links and bodies (seeded)", async () => {
    const rand = mulberry32(0x5eed);
    const int = (n: number) => Math.floor(rand() * n);
    const pick = <T>(xs: readonly T[]): T => xs[int(xs.length)] as T;
    const WORD_CHARS = [..."abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"];
    const NAME_CHARS = [...WORD_CHARS, ..."\"',.;:<>()@\\[]=?_-!#", "é", "ü", "ß", "Ω", "日本", "😀", "—"];
    const BODY_CHARS = [
      ...NAME_CHARS,
      " ",
      " ",
      "  ",
      "\t",
      "=",
      "==",
      "=3D",
      "\n",
      " \n",
      "\n\n",
      '<a href="',
    ];
    const URL_CHARS = [...WORD_CHARS, ..."-_.~=&%+/"];
    const str = (pool: readonly string[], min: number, max: number) => {
      let s = "";
      for (let n = min + int(max - min + 1); n > 0; n--) s += pick(pool);
      return s;
    };
    const words = (pool: readonly string[], n: number, len: number) =>
      Array.from({ length: 1 + int(n) }, () => str(pool, 1, len)).join(" ");
    const markers = [PERSONAL_SLOTS.unsubscribeUrl, PERSONAL_SLOTS.preferencesUrl];
    const body = () => {
      let s = pick(WORD_CHARS); // never empty: the renderers never produce an empty part
      for (let n = int(6); n >= 0; n--) s += str(BODY_CHARS, 0, 200) + (rand() < 0.8 ? pick(markers) : "");
      return s;
    };

    for (let i = 0; i < 120; i++) {
      const subject = words(NAME_CHARS, 12, 12);
      const name = rand() < 0.1 ? null : words(NAME_CHARS, 4, 10);
      const address = `${str(WORD_CHARS, 1, 20)}.${i}@${str(WORD_CHARS, 1, 12).toLowerCase()}.example`;
      const l = {
        unsubscribeUrl: `https://digest.example.org/unsubscribe?t=${str(URL_CHARS, 1, 300)}`,
        preferencesUrl: `https://digest.example.org/p/${str(URL_CHARS, 0, 120)}?t=${str(URL_CHARS, 1, 200)}`,
      };
      const html = body();
      const text = body();
      const variant = prepareVariant(subject, html, text);
      const raw = composeMessage(variant, { ...envelope, to: { name, address } }, l);
      expectWellFormed(raw);
      const mail = await simpleParser(raw);
      const ctx = JSON.stringify({ i, subject, name, address, l, html, text });
      expect(mail.html, ctx).toBe(fill(html, l));
      expect(mail.text, ctx).toBe(fill(text, l));
      expect(mail.subject, ctx).toBe(subject);
      expect(toOf(mail), ctx).toEqual([{ name: name ?? "", address }]);
      expect(mail.headers.get("list"), ctx).toMatchObject({ unsubscribe: { url: l.unsubscribeUrl } });
    }
  });
});

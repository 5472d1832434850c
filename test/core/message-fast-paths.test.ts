import fc from "fast-check";
import { foldLines } from "nodemailer/lib/mime-funcs";
import MimeNode from "nodemailer/lib/mime-node";
import * as qp from "nodemailer/lib/qp";
import { describe, expect, it } from "vitest";
import { encodeLinkQp, toField } from "../../functions/core/delivery/message.js";

/** nodemailer's quoted-printable, as MailComposer writes a body line (wrapped at 75 here). */
const nodemailerQp = (s: string) => qp.wrap(qp.encode(s), 75);

describe("encodeLinkQp", () => {
  it("writes a signed link exactly as nodemailer's encoder does", () => {
    const link =
      "https://digest.example.org/unsubscribe?t=dW5zdWJzY3JpYmUuYWJjLjE3NjQyNTkyMDAuazE.q8Yx-_Zl3Hh0c2VjcmV0LXNpZ25hdHVyZQ";
    expect(encodeLinkQp(link)).toBe(nodemailerQp(link));
    expect(encodeLinkQp(link)).toContain("?t=3D");
  });

  it("matches nodemailer for any printable-ASCII text and falls back to it for anything else", () => {
    const ascii = fc.string({
      unit: fc.integer({ min: 0x21, max: 0x7e }).map((c) => String.fromCharCode(c)),
    });
    fc.assert(
      fc.property(ascii, (s) => encodeLinkQp(s) === nodemailerQp(s)),
      { numRuns: 2000 },
    );
    const other = fc.string({ unit: "grapheme" }).filter((s) => !/[\r\n]/.test(s));
    fc.assert(
      fc.property(other, (s) => encodeLinkQp(s) === nodemailerQp(s)),
      { numRuns: 1000 },
    );
  });
});

/** The To field as MailComposer writes it: nodemailer's address encoder, folded at 76. */
const encoder = new MimeNode();
const nodemailerTo = (name: string | null, address: string) =>
  `${foldLines(`To: ${encoder.encodeHeaderValue("To", { name: name ?? "", address })}`, 76)}\r\n`;

describe("toField", () => {
  it("writes plain names and addresses as the encoder does, and leaves the rest to it", () => {
    const cases: [string | null, string][] = [
      ["Reader 1", "reader1@example.com"],
      [null, "a.b+c@mail.example.org"],
      ["", "x-y@ex-ample.co.uk"],
      ["O'Brien", "ob@example.com"],
      ["José", "jose@example.com"],
      ["Ana", "ana@jõgeva.ee"],
      ["Ana", "Ana@Example.COM"],
      ["Ana", "ana@xn--jgeva-dua.ee"],
      [null, "a@2.3"],
      ["Ana", "ana@192.168.0.1"],
      [
        "A very long display name that goes on and on past the fold",
        "someone.with.a.long.address@example.com",
      ],
    ];
    for (const [name, address] of cases) expect(toField({ name, address })).toBe(nodemailerTo(name, address));

    const chars = (alphabet: string) =>
      fc.string({ unit: fc.constantFrom(...alphabet), minLength: 1, maxLength: 12 });
    const label = chars("abcdefghijklmnopqrstuvwxyz0123456789-");
    const local = chars("abcdefghijklmnopqrstuvwxyzABC0123456789._+-");
    const address = fc
      .tuple(local, fc.array(label, { minLength: 2, maxLength: 4 }))
      .map(([l, labels]) => `${l}@${labels.join(".")}`);
    const name = fc.option(fc.string({ unit: fc.constantFrom(..."AbZ09 _'é"), maxLength: 30 }));
    fc.assert(
      fc.property(name, address, (n, a) => toField({ name: n, address: a }) === nodemailerTo(n, a)),
      { numRuns: 3000 },
    );
  });
});

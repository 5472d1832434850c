import { simpleParser } from "mailparser";
import { describe, expect, it } from "vitest";
import { composeMessage, prepareVariant } from "../../functions/core/message.js";
import { PERSONAL_SLOTS } from "../../functions/core/types.js";

const envelope = {
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

describe("personalised MIME from pre-encoded parts", () => {
  it("decodes to exactly the rendered HTML and text with the subscriber's links spliced in", async () => {
    // Long lines, non-ASCII, '=' signs and markers at awkward offsets stress the QP splicing.
    const html = `<p>${"Crème brûlée = dessert; ".repeat(40)}</p><a href="${PERSONAL_SLOTS.unsubscribeUrl}">Unsubscribe</a> <a href="${PERSONAL_SLOTS.preferencesUrl}">Prefs</a>${PERSONAL_SLOTS.unsubscribeUrl}`;
    const text = `Hello — ${"long line ".repeat(30)}\nUnsubscribe: ${PERSONAL_SLOTS.unsubscribeUrl}\nEnd\n`;
    const variant = prepareVariant("Résumé of the day — 14 stories", html, text);
    const raw = await composeMessage(variant, envelope, links);
    // Every line of the MIME message stays within RFC 5322's 998 characters (QP keeps them ≤ 76).
    expect(
      raw
        .toString("latin1")
        .split("\r\n")
        .every((l) => l.length <= 998),
    ).toBe(true);
    expect(raw.toString("latin1")).not.toMatch(/[^\r]\n/);
    const mail = await simpleParser(raw);
    const expect_ = (s: string) =>
      s
        .replaceAll(PERSONAL_SLOTS.unsubscribeUrl, links.unsubscribeUrl)
        .replaceAll(PERSONAL_SLOTS.preferencesUrl, links.preferencesUrl);
    expect(mail.html).toBe(expect_(html));
    expect(mail.text).toBe(expect_(text));
    expect(mail.subject).toBe("Résumé of the day — 14 stories");
    expect(mail.headers.get("list")).toEqual({
      unsubscribe: { url: links.unsubscribeUrl },
      "unsubscribe-post": { name: "List-Unsubscribe=One-Click" },
      id: { name: "The Digest", id: "daily.example.org" },
    });
    expect(mail.headers.get("feedback-id")).toBe(envelope.feedbackId);
    expect(mail.replyTo?.text).toBe("editor@example.org");
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
});

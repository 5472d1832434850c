/**
 * Property tests of the excerpt rules, over generated ledes given as plain text, as HTML (feed
 * content) and as text with character references (feed descriptions).
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { endsLikeSentence } from "../../functions/core/kernel/text.js";
import { makeExcerpt, splitSentences } from "../../functions/core/stories/excerpt.js";

const NUM_RUNS = 150;

/** Words of 1–10 letters (some accented, some written decomposed), "&", and possessives with ’. */
const word = fc.oneof(
  { weight: 8, arbitrary: fc.stringMatching(/^[a-z]{1,10}$/) },
  {
    weight: 1,
    arbitrary: fc.constantFrom("café", "cafe\u0301", "naïve", "Zoë", "harbour’s", "&", "£40m", "“quoted”"),
  },
);

const sentence = fc
  .tuple(fc.array(word, { minLength: 4, maxLength: 14 }), fc.constantFrom(".", "!", "?"))
  .map(([words, end]) => {
    const [first = "x", ...rest] = words;
    return `${first.charAt(0).toUpperCase()}${first.slice(1)} ${rest.join(" ")}${end}`;
  });

const paragraph = fc.array(sentence, { minLength: 1, maxLength: 5 });
const article = fc.array(paragraph, { minLength: 1, maxLength: 3 });

type Form = "text" | "html" | "references";

const encode = (s: string) => s.replace(/&/g, "&amp;").replace(/’/g, "&#8217;").replace(/“/g, "&ldquo;");

/** The article written in one of the forms an import may bring it in. */
function render(paras: string[][], form: Form): string {
  if (form === "text") return paras.map((p) => p.join(" ")).join("\n\n");
  if (form === "references") return encode(paras.map((p) => p.join(" ")).join("\n\n"));
  return paras
    .map(
      (p, i) =>
        `<p${i === 0 ? ' class="lede"' : ""}>${p.map((s, j) => (j === 0 ? `<b>${encode(s)}</b>` : encode(s))).join(" ")}</p>`,
    )
    .join('\n<div class="ad"></div>\n');
}

const input = fc.record({
  paras: article,
  form: fc.constantFrom<Form>("text", "html", "references"),
  max: fc.integer({ min: 20, max: 400 }),
});

/** The lede as plain NFC text: what the excerpt must be cut from. */
const plainLede = (paras: string[][]) => (paras[0] ?? []).join(" ").normalize("NFC");

describe("makeExcerpt properties", () => {
  it("is at most max long, has no tags, no character references, and is NFC", () => {
    fc.assert(
      fc.property(input, ({ paras, form, max }) => {
        const e = makeExcerpt(render(paras, form), max);
        expect(e.length).toBeGreaterThan(0);
        expect(e.length).toBeLessThanOrEqual(max);
        expect(e).not.toMatch(/<\/?[a-z][^>]*>/i);
        expect(e).not.toMatch(/&(?:#\d+|#x[0-9a-f]+|[a-z][a-z0-9]*);/i);
        expect(e.normalize("NFC")).toBe(e);
        expect(e).not.toMatch(/\s{2}|\n/);
      }),
      { numRuns: NUM_RUNS },
    );
  });

  it("never breaks a word: it is the start of the lede, cut at a word boundary, an ellipsis only there", () => {
    fc.assert(
      fc.property(input, ({ paras, form, max }) => {
        const e = makeExcerpt(render(paras, form), max);
        const lede = plainLede(paras);
        const cut = e.endsWith("…") && !lede.startsWith(e) ? e.slice(0, -1) : e;
        expect(lede.startsWith(cut)).toBe(true);
        const rest = lede.slice(cut.length);
        expect(rest === "" || /^[\s,;:\-–—]/u.test(rest)).toBe(true);
        expect(e.indexOf("…")).toBe(e.includes("…") ? e.length - 1 : -1);
      }),
      { numRuns: NUM_RUNS },
    );
  });

  it("ends at a sentence boundary when the lede's first sentence fits", () => {
    fc.assert(
      fc.property(input, ({ paras, form, max }) => {
        const e = makeExcerpt(render(paras, form), max);
        const first = splitSentences(plainLede(paras))[0] ?? "";
        if (first.length <= max) {
          expect(endsLikeSentence(e)).toBe(true);
          expect(e.endsWith("…")).toBe(false);
          expect(e.length).toBeGreaterThanOrEqual(first.length);
        } else {
          expect(e.endsWith("…")).toBe(true);
        }
      }),
      { numRuns: NUM_RUNS },
    );
  });

  it("is idempotent: the excerpt of an excerpt is itself", () => {
    fc.assert(
      fc.property(input, ({ paras, form, max }) => {
        const e = makeExcerpt(render(paras, form), max);
        expect(makeExcerpt(e, max)).toBe(e);
      }),
      { numRuns: NUM_RUNS },
    );
  });
});

/**
 * HTML as plain text: turning article or feed HTML into paragraphs, and decoding character references
 * left in text fields. Uses linkedom (a DOM without a browser), so it runs in Lambda and the CLI alike.
 */

import { normalizeText, oneLine } from "../kernel/text.js";
import { type DomElement, type DomNode, htmlDocument } from "./dom.js";
import { checkMarkup, MARKUP_LIMITS, type MarkupLimits, markupWork } from "./markup-limits.js";

/**
 * Elements whose content is not part of the running text. Figures are left out too: a caption is not
 * the lede, and the plain text (and so the excerpt) reads better without "Photograph: …" lines.
 */
const HIDDEN = new Set([
  "figure",
  "head",
  "title",
  "script",
  "style",
  "noscript",
  "template",
  "svg",
  "math",
  "iframe",
  "object",
  "embed",
  "canvas",
  "audio",
  "video",
  "select",
  "option",
  "textarea",
  "button",
  "form",
]);

/** Elements that start and end a paragraph of their own. */
const BLOCK = new Set([
  "address",
  "article",
  "aside",
  "blockquote",
  "dd",
  "details",
  "div",
  "dl",
  "dt",
  "figcaption",
  "figure",
  "footer",
  "h1",
  "h2",
  "h3",
  "h4",
  "h5",
  "h6",
  "header",
  "hr",
  "li",
  "main",
  "nav",
  "ol",
  "p",
  "pre",
  "section",
  "summary",
  "table",
  "tr",
  "ul",
]);

/** A character reference: `&amp;`, `&#8217;`, `&#x2019;` (the `;` of a named one may be missing in HTML). */
const CHARACTER_REFERENCE = /&(?:#\d+;?|#x[0-9a-f]+;?|[a-z][a-z0-9]{1,31};)/i;

/** Tags of HTML elements (not just any `<word>`): what makes a text HTML rather than prose with a `<`. */
const HTML_TAG =
  /<\/?(?:a|abbr|article|aside|b|blockquote|br|cite|code|dd|div|dl|dt|em|figcaption|figure|footer|h[1-6]|header|hr|i|img|li|main|nav|ol|p|pre|q|s|section|small|span|strong|sub|sup|table|td|th|tr|u|ul|script|style|iframe|svg)\b[^<>]*>|<!--/i;

/** True when `s` contains HTML element tags or a comment (so it should be read as HTML, not as text). */
export function looksLikeHtml(s: string): boolean {
  return HTML_TAG.test(s);
}

/**
 * Returns the readable text of an HTML fragment or page as paragraphs separated by one blank line:
 * block elements (p, headings, list items, quotes…) are paragraphs, `<br>` a line break inside one,
 * character references decoded, figures (captions), scripts, styles, forms, SVG and other hidden
 * content dropped, and the text normalised (NFC, whitespace collapsed). Returns "" when there is no text.
 * Throws a MarkupLimitError when the markup is over `limits` (see markup-limits.ts).
 */
export function htmlToText(html: string, limits: MarkupLimits = MARKUP_LIMITS.fragment): string {
  return nodeToText(parseBoundedHtml(html, limits).body);
}

/** A DOM of `html` once it passed {@link checkMarkup} (which throws a MarkupLimitError otherwise). */
export function parseBoundedHtml(html: string, limits: MarkupLimits = MARKUP_LIMITS.fragment) {
  checkMarkup(html, limits);
  const doc = htmlDocument(html);
  return { doc, body: doc.body ?? doc.documentElement };
}

/** What the walk of {@link nodeToText} has left to do: a node to read, or the end of a block. */
type Step = { node: DomNode; depth: number } | "end-block";

/**
 * The text of a DOM node as {@link htmlToText} gives it. Iterative (an explicit stack, so no nesting can
 * overflow the call stack); content nested deeper than the fragment limit's depth is not read.
 */
export function nodeToText(root: DomNode | null): string {
  const paragraphs: string[] = [];
  let current = "";
  const flush = (): void => {
    const p = normalizeText(current);
    if (p !== "") paragraphs.push(p);
    current = "";
  };
  const maxDepth = MARKUP_LIMITS.page.maxDepth + 8;
  const stack: Step[] = root === null ? [] : [{ node: root, depth: 0 }];
  for (let step = stack.pop(); step !== undefined; step = stack.pop()) {
    if (step === "end-block") {
      flush();
      continue;
    }
    const { node, depth } = step;
    markupWork.nodesWalked++;
    if (node.nodeType === 3) {
      current += node.textContent ?? "";
      continue;
    }
    if (node.nodeType !== 1) continue;
    const tag = (node as DomElement).localName?.toLowerCase() ?? "";
    if (HIDDEN.has(tag)) continue;
    if (tag === "br") {
      current += "\n";
      continue;
    }
    if (BLOCK.has(tag)) {
      flush();
      stack.push("end-block");
    }
    if (depth >= maxDepth) continue;
    const children = node.childNodes;
    for (let i = children.length - 1; i >= 0; i--) {
      stack.push({ node: children[i] as DomNode, depth: depth + 1 });
    }
  }
  flush();
  // Lines broken by <br> stay within their paragraph, joined by a space (as wrapped text is).
  return paragraphs.map((p) => p.replace(/\n+/g, " ")).join("\n\n");
}

function decodeOnce(s: string): string {
  // `<` is escaped first so that text such as "the <b>best</b>" stays text: only references decode.
  const doc = htmlDocument(`<p>${s.replace(/&(?!#?[a-z0-9]+;?)/gi, "&amp;").replace(/</g, "&lt;")}</p>`);
  return doc.body?.textContent ?? s;
}

/** Rounds of decoding: double-encoded feed text needs two; more is an attack ("&amp;amp;amp;…"). */
const MAX_DECODE_ROUNDS = 3;

/**
 * Returns plain text `s` with its character references decoded (`&amp;` → `&`, `&#8217;` → `’`,
 * `&nbsp;` → no-break space), repeatedly (at most three times), so double-encoded feed text
 * (`&amp;#8217;`) comes out clean. Anything that is not a reference, tags included, is kept as written.
 * Returns `s` itself when it has no reference.
 */
export function decodeCharacterReferences(s: string): string {
  let out = s;
  for (let round = 0; round < MAX_DECODE_ROUNDS && CHARACTER_REFERENCE.test(out); round++) {
    const next = decodeOnce(out);
    if (next === out) break;
    out = next;
  }
  return out;
}

/**
 * Plain text from a value that may be HTML or text with character references (feed descriptions often
 * are either): HTML is read as {@link htmlToText}, text has its references decoded. Paragraphs are
 * separated by a blank line.
 */
export function toPlainText(s: string): string {
  if (looksLikeHtml(s)) return htmlToText(s);
  return decodeCharacterReferences(s);
}

/** {@link toPlainText} on a single line. */
export function toPlainLine(s: string): string {
  return oneLine(toPlainText(s));
}

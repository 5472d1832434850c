/**
 * How much markup one story may carry, and the check every HTML reader runs before a parser sees it.
 *
 * The parsers (linkedom's and sanitize-html's htmlparser2, Readability) and the walks over their DOM
 * are fast on ordinary markup, but hostile markup makes them deep (a stack overflow in any recursive
 * walk) or slow (an end tag searched through 50,000 open elements; an anchor's text read once per
 * enclosing anchor). {@link checkMarkup} reads the text once, in linear time and without a DOM, and
 * refuses markup that is too long, has too many elements or nests too deep; what passes is small
 * enough for every later step to be bounded by these limits, whatever its shape.
 */

export interface MarkupLimits {
  /** Characters of markup (UTF-16 code units). */
  maxChars: number;
  /** Elements and comments. */
  maxElements: number;
  /** Nesting depth of elements. */
  maxDepth: number;
}

/**
 * `fragment`: what one story carries as HTML or an HTML body (a feed item's content, a story's `html`);
 * `page`: a whole article page (`.html` import), scripts and site furniture included. Generous for
 * real articles (a long feature is a few hundred elements, a news page a few thousand, nesting a few
 * dozen deep) and far below what makes the parsers slow.
 */
export const MARKUP_LIMITS = {
  fragment: { maxChars: 1_000_000, maxElements: 20_000, maxDepth: 256 },
  page: { maxChars: 5_000_000, maxElements: 60_000, maxDepth: 256 },
} as const satisfies Record<string, MarkupLimits>;

/** Markup over a limit: the story (or page) carrying it is refused, with this message as the reason. */
export class MarkupLimitError extends Error {
  override name = "MarkupLimitError";
}

/**
 * Work done on markup in this process: characters checked by {@link checkMarkup} and DOM nodes visited
 * by the walks of html-text.ts. Read by tests and the bench to show that work follows the input's
 * size; never reset by the product.
 */
export const markupWork = { charsChecked: 0, nodesWalked: 0 };

/** Sets the {@link markupWork} counters back to zero. */
export function resetMarkupWork(): void {
  markupWork.charsChecked = 0;
  markupWork.nodesWalked = 0;
}

/*
 * The tree-building rules of htmlparser2 (the parser under linkedom and sanitize-html), copied so that
 * the check's open elements are the parser's: void elements, the elements an opening tag closes first,
 * the raw-text elements and the foreign (SVG, MathML) context in which "/>" closes an element.
 */
const VOID_ELEMENTS = new Set([
  "area",
  "base",
  "basefont",
  "br",
  "col",
  "command",
  "embed",
  "frame",
  "hr",
  "img",
  "input",
  "isindex",
  "keygen",
  "link",
  "meta",
  "param",
  "source",
  "track",
  "wbr",
]);

/** Elements whose content is text up to their own end tag (htmlparser2's "special" tags). */
const RAW_TEXT = new Set(["script", "style", "title", "textarea", "xmp"]);

const FOREIGN = new Set(["math", "svg"]);
const INTEGRATION = new Set([
  "mi",
  "mo",
  "mn",
  "ms",
  "mtext",
  "annotation-xml",
  "foreignobject",
  "desc",
  "title",
]);

const P = new Set(["p"]);
const FORM = new Set(["input", "option", "optgroup", "select", "button", "datalist", "textarea"]);
const DDT = new Set(["dd", "dt"]);
const RTP = new Set(["rt", "rp"]);
const TABLE_SECTION = new Set(["thead", "tbody"]);

/** Open elements an opening tag closes first, while one of them is the innermost open element. */
const CLOSED_BY: ReadonlyMap<string, ReadonlySet<string>> = new Map<string, ReadonlySet<string>>([
  ["tr", new Set(["tr", "th", "td"])],
  ["th", new Set(["th"])],
  ["td", new Set(["thead", "th", "td"])],
  ["body", new Set(["head", "link", "script"])],
  ["li", new Set(["li"])],
  ["option", new Set(["option"])],
  ["optgroup", new Set(["optgroup", "option"])],
  ["dd", DDT],
  ["dt", DDT],
  ["rt", RTP],
  ["rp", RTP],
  ["tbody", TABLE_SECTION],
  ["tfoot", TABLE_SECTION],
  ...["select", "input", "output", "button", "datalist", "textarea"].map((t) => [t, FORM] as const),
  ...[
    "p",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "address",
    "article",
    "aside",
    "blockquote",
    "details",
    "div",
    "dl",
    "fieldset",
    "figcaption",
    "figure",
    "footer",
    "form",
    "header",
    "hr",
    "main",
    "nav",
    "ol",
    "pre",
    "section",
    "table",
    "ul",
  ].map((t) => [t, P] as const),
]);

const fmt = (n: number) => n.toLocaleString("en-US");

/**
 * Checks `html` against `limits` in one linear pass over its text, before any parser runs: throws a
 * {@link MarkupLimitError} naming the first limit passed ("markup nested more than 256 deep", "more
 * than 20,000 elements…", "… characters of markup…"). It tokenises and tracks open elements the way
 * htmlparser2 does (where it cannot be exact, it counts more nesting, never less), so markup that
 * passes parses into a DOM within the limits. Linear: an end tag searches at most `maxDepth` open
 * elements.
 */
export function checkMarkup(html: string, limits: MarkupLimits): void {
  if (html.length > limits.maxChars) {
    throw new MarkupLimitError(
      `${fmt(html.length)} characters of markup, more than the ${fmt(limits.maxChars)} one story may carry`,
    );
  }
  markupWork.charsChecked += html.length;
  const lower = html.toLowerCase();
  /** Open elements, innermost last. */
  const open: string[] = [];
  /** htmlparser2's foreign-context stack: true inside svg/math, false inside an integration point. */
  const foreign: boolean[] = [];
  let nodes = 0;
  const count = () => {
    if (++nodes > limits.maxElements) {
      throw new MarkupLimitError(`more than ${fmt(limits.maxElements)} elements in one story's markup`);
    }
  };
  let i = html.indexOf("<");
  while (i !== -1) {
    const next = html.charCodeAt(i + 1);
    let end: number;
    if (html.startsWith("<!--", i)) {
      count();
      // "<!-->" and "<!--->" are whole (empty) comments for the parser too.
      const close = html.indexOf("-->", i + 2);
      end = close === -1 ? html.length : close + 3;
    } else if (next === 0x21 /* ! */ || next === 0x3f /* ? */) {
      const close = html.indexOf(">", i);
      end = close === -1 ? html.length : close + 1;
    } else if (next === 0x2f /* / */ && isLetter(html.charCodeAt(i + 2))) {
      const name = tagName(lower, i + 2);
      const close = html.indexOf(">", i);
      end = close === -1 ? html.length : close + 1;
      if (FOREIGN.has(name) || INTEGRATION.has(name)) foreign.pop();
      const at = open.lastIndexOf(name);
      if (at !== -1) open.length = at;
    } else if (isLetter(next)) {
      const name = tagName(lower, i + 1);
      const tag = endOfStartTag(html, i + 1 + name.length);
      end = tag.end;
      count();
      const closes = CLOSED_BY.get(name);
      while (closes && open.length > 0 && closes.has(open[open.length - 1] as string)) open.pop();
      // "/>" closes an element only in a foreign context (HTML ignores it, as the parser does).
      if (!VOID_ELEMENTS.has(name) && !(tag.selfClosing && foreign[foreign.length - 1] === true)) {
        open.push(name);
        if (FOREIGN.has(name)) foreign.push(true);
        else if (INTEGRATION.has(name)) foreign.push(false);
        if (open.length > limits.maxDepth) {
          throw new MarkupLimitError(`markup nested more than ${fmt(limits.maxDepth)} deep`);
        }
      }
      if (RAW_TEXT.has(name) && !tag.selfClosing) {
        // Its text runs to its own end tag, which the loop then reads as an end tag.
        const close = lower.indexOf(`</${name}`, end);
        end = close === -1 ? html.length : close;
      }
    } else {
      end = i + 1;
    }
    i = end >= html.length ? -1 : html.indexOf("<", end);
  }
}

function isLetter(c: number): boolean {
  return (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a);
}

function isSpace(c: number): boolean {
  return c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0c || c === 0x0d;
}

/** The lower-cased tag name starting at `from` (up to whitespace, "/" or ">"). */
function tagName(lower: string, from: number): string {
  let j = from;
  while (j < lower.length) {
    const c = lower.charCodeAt(j);
    if (c === 0x3e || c === 0x2f || isSpace(c)) break;
    j++;
  }
  return lower.slice(from, j);
}

/**
 * Where a start tag whose attributes begin at `from` ends (after its ">"), and whether it ends with
 * "/>": htmlparser2's attribute states, so a quoted value holding ">" or "<" is read as it reads it.
 */
function endOfStartTag(html: string, from: number): { end: number; selfClosing: boolean } {
  const BEFORE_NAME = 0;
  const NAME = 1;
  const AFTER_NAME = 2;
  const BEFORE_VALUE = 3;
  const QUOTED = 4;
  const UNQUOTED = 5;
  const SELF_CLOSING = 6;
  let state = BEFORE_NAME;
  let quote = 0;
  for (let j = from; j < html.length; j++) {
    const c = html.charCodeAt(j);
    switch (state) {
      case BEFORE_NAME:
        if (c === 0x3e) return { end: j + 1, selfClosing: false };
        if (c === 0x2f) state = SELF_CLOSING;
        else if (!isSpace(c)) state = NAME;
        break;
      case SELF_CLOSING:
        if (c === 0x3e) return { end: j + 1, selfClosing: true };
        if (!isSpace(c)) {
          state = BEFORE_NAME;
          j--; // read again as the start of an attribute
        }
        break;
      case NAME:
        if (c === 0x3d || c === 0x2f || c === 0x3e || isSpace(c)) {
          state = AFTER_NAME;
          j--;
        }
        break;
      case AFTER_NAME:
        if (c === 0x3d) state = BEFORE_VALUE;
        else if (c === 0x2f || c === 0x3e) {
          state = BEFORE_NAME;
          j--;
        } else if (!isSpace(c)) state = NAME;
        break;
      case BEFORE_VALUE:
        if (c === 0x22 || c === 0x27) {
          quote = c;
          state = QUOTED;
        } else if (!isSpace(c)) {
          state = UNQUOTED;
          j--;
        }
        break;
      case QUOTED:
        if (c === quote) state = BEFORE_NAME;
        break;
      case UNQUOTED:
        if (c === 0x3e || isSpace(c)) {
          state = BEFORE_NAME;
          j--;
        }
        break;
    }
  }
  return { end: html.length, selfClosing: false };
}

/**
 * The allow-list every story's HTML passes before it is stored (article pages, feed content, the
 * admin API). What is left is structure and text: paragraphs, sub-headings, lists, quotes, emphasis,
 * figures' captions, line breaks and links. No scripts, styles, frames, forms, event handlers,
 * classes, ids or inline styles survive, and nothing that loads from elsewhere: images are dropped
 * on purpose, because the hosted copy promises readers no third parties, and remote images are how
 * tracking pixels work (their alt text is not kept either: it is usually a file name or "image").
 */
import sanitizeHtml from "sanitize-html";
import { checkMarkup, MARKUP_LIMITS } from "./markup-limits.js";

/** Tags kept; everything else is unwrapped (its text stays) or, for {@link DROPPED_WITH_CONTENT}, removed whole. */
const ALLOWED_TAGS = [
  "p",
  "h2",
  "h3",
  "h4",
  "ul",
  "ol",
  "li",
  "blockquote",
  "em",
  "strong",
  "b",
  "i",
  "a",
  "figure",
  "figcaption",
  "br",
];

/** Elements removed with everything inside: code, embeds, forms and page furniture are never story text. */
const DROPPED_WITH_CONTENT = [
  "script",
  "style",
  "noscript",
  "template",
  "textarea",
  "option",
  "select",
  "button",
  "form",
  "iframe",
  "frame",
  "frameset",
  "object",
  "embed",
  "svg",
  "math",
  "canvas",
  "audio",
  "video",
  "head",
  "title",
  "nav",
  "aside",
];

/** Elements of the output removed when nothing readable is in them (an image's figure, `<p>&nbsp;</p>`). */
const EMPTIABLE = new Set(ALLOWED_TAGS.filter((t) => t !== "br"));

/** A tag of the sanitiser's output (only allowed tags, attributes escaped, so ">" ends every tag). */
const OUTPUT_TAG = /<(\/?)([a-z0-9]+)\b[^>]*>/g;

/** Text with nothing readable: whitespace (no-break spaces included) and `&nbsp;`. */
const BLANK = /^(?:\s|&nbsp;)*$/;

/**
 * Tidies the sanitiser's well-formed output in one pass: links left without an address (`<a>`) are
 * unwrapped, their text kept, and elements holding nothing readable (only whitespace, `&nbsp;`, line
 * breaks, or elements that are themselves empty) are removed: an element is dropped when it closes with
 * nothing readable seen since it opened. Linear, where repeated regex passes or sanitize-html's own
 * "excludeTag" would re-read or re-copy the output once per element.
 */
function tidy(html: string): string {
  const out: string[] = [];
  const open: { name: string; start: number; readable: boolean; unwrapped: boolean }[] = [];
  const markReadable = () => {
    const top = open[open.length - 1];
    if (top) top.readable = true;
  };
  const text = (t: string) => {
    if (t === "") return;
    out.push(t);
    if (!BLANK.test(t)) markReadable();
  };
  let last = 0;
  for (const m of html.matchAll(OUTPUT_TAG)) {
    text(html.slice(last, m.index));
    last = m.index + m[0].length;
    const [tag, closing, name = ""] = m;
    if (!EMPTIABLE.has(name)) {
      out.push(tag); // <br />
    } else if (!closing) {
      const unwrapped = tag === "<a>";
      open.push({ name, start: out.length, readable: false, unwrapped });
      if (!unwrapped) out.push(tag);
    } else {
      const element = open.pop();
      if (element === undefined || element.name !== name) {
        // Not the sanitiser's output after all: keep the tag as it is.
        if (element) open.push(element);
        out.push(tag);
        markReadable();
        continue;
      }
      if (element.unwrapped) {
        // Its content stays where it is, and counts for the element around it.
        if (element.readable) markReadable();
        continue;
      }
      if (!element.readable) {
        out.length = element.start;
        continue;
      }
      out.push(tag);
      markReadable();
    }
  }
  text(html.slice(last));
  return out.join("");
}

/** The rel every kept link gets: no window.opener, no referrer, no endorsement. */
export const LINK_REL = "noopener noreferrer nofollow";

/** Resolves an href to an absolute http(s) or mailto URL, or null when it is anything else. */
function safeHref(href: string | undefined, baseUrl: string | null): string | null {
  const raw = (href ?? "").trim();
  if (raw === "") return null;
  if (/^mailto:/i.test(raw)) return /^mailto:[^\s<>"]+$/i.test(raw) ? raw : null;
  let url: URL;
  try {
    url = baseUrl === null ? new URL(raw) : new URL(raw, baseUrl);
  } catch {
    return null;
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") return null;
  if (baseUrl === null && !/^https?:\/\//i.test(raw)) return null;
  return url.href;
}

/**
 * Returns `html` reduced to the allow-list (see the module comment), with headings moved into h2–h4
 * (the hosted page's own h1 is the headline), links made absolute against `baseUrl` (the story's URL;
 * without one, relative links lose their href and become plain text), every link given
 * `rel="noopener noreferrer nofollow"`, and empty elements removed. Returns "" when nothing readable
 * is left. Throws a MarkupLimitError, before parsing, when the markup is over the limits of one
 * story (see markup-limits.ts): every step here is then linear in the size of what passed.
 */
export function sanitiseStoryHtml(html: string, baseUrl: string | null = null): string {
  const limits = MARKUP_LIMITS.fragment;
  checkMarkup(html, limits);
  const clean = sanitizeHtml(html, {
    allowedTags: ALLOWED_TAGS,
    allowedAttributes: { a: ["href", "rel"] },
    allowedSchemes: ["http", "https", "mailto"],
    allowedSchemesByTag: {},
    allowProtocolRelative: false,
    disallowedTagsMode: "discard",
    nonTextTags: DROPPED_WITH_CONTENT,
    enforceHtmlBoundary: false,
    parseStyleAttributes: false,
    // Already enforced by checkMarkup; kept as a second line of defence.
    nestingLimit: limits.maxDepth,
    transformTags: {
      h1: "h2",
      h5: "h4",
      h6: "h4",
      a: (_tagName, attribs): sanitizeHtml.Tag => {
        const href = safeHref(attribs.href, baseUrl);
        // An unsafe or unusable link keeps its text: left without attributes, tidy() unwraps it.
        return { tagName: "a", attribs: href === null ? {} : { href, rel: LINK_REL } };
      },
    },
  });
  // Runs of whitespace with a line break read as one space in HTML (no <pre> survives): one newline.
  return tidy(clean)
    .normalize("NFC")
    .replace(/\s*\n\s*/g, "\n")
    .trim();
}

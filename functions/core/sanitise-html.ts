/**
 * The allow-list every story's HTML passes before it is stored (article pages, feed content, the
 * admin API). What is left is structure and text: paragraphs, sub-headings, lists, quotes, emphasis,
 * figures' captions, line breaks and links. No scripts, styles, frames, forms, event handlers,
 * classes, ids or inline styles survive, and nothing that loads from elsewhere: images are dropped
 * on purpose, because the hosted copy promises readers no third parties, and remote images are how
 * tracking pixels work (their alt text is not kept either: it is usually a file name or "image").
 */
import sanitizeHtml from "sanitize-html";

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

/**
 * An element of the output with nothing readable in it (an image's figure, `<p>&nbsp;</p>`); the
 * output has no attributes but a link's, so this matches it exactly. Applied until nothing changes,
 * because removing an empty child can empty its parent.
 */
const EMPTY_ELEMENT =
  /<(p|h2|h3|h4|ul|ol|li|blockquote|em|strong|b|i|figure|figcaption)>(?:\s|&nbsp;|\u00a0|<br \/>)*<\/\1>|<a [^>]*>(?:\s|&nbsp;|\u00a0)*<\/a>/g;

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
 * is left.
 */
export function sanitiseStoryHtml(html: string, baseUrl: string | null = null): string {
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
    transformTags: {
      h1: "h2",
      h5: "h4",
      h6: "h4",
      a: (_tagName, attribs) => {
        const href = safeHref(attribs.href, baseUrl);
        // An unsafe or unusable link keeps its text: without an href the filter below unwraps it.
        const kept: sanitizeHtml.Attributes = href === null ? {} : { href, rel: LINK_REL };
        return { tagName: "a", attribs: kept };
      },
    },
    exclusiveFilter: (frame) =>
      frame.tag === "a" && frame.attribs.href === undefined ? "excludeTag" : false,
  });
  let out = clean;
  for (let before = ""; before !== out; ) {
    before = out;
    out = out.replace(EMPTY_ELEMENT, "");
  }
  // Runs of whitespace with a line break read as one space in HTML (no <pre> survives): one newline.
  return out
    .normalize("NFC")
    .replace(/\s*\n\s*/g, "\n")
    .trim();
}

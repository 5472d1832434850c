/**
 * Renders one edition variant: HTML from the precompiled digest template (built from
 * templates/digest.mjml by functions/local/build-templates.ts) and a plain-text part built from the
 * same data. Pure: no fs, no mjml; only the Handlebars runtime.
 */
import type HandlebarsTypes from "handlebars";
import HandlebarsRuntime from "handlebars/runtime.js";
import { lightPalette, type Palette } from "../kernel/brand.js";
import { DEFAULT_LOCALE, t, tn } from "../kernel/i18n/index.js";
import type { EditionView, SectionView, StoryView } from "../kernel/types.js";
import { safeHttpUrl } from "../stories/canonical-url.js";
import { editionBrand } from "./edition.js";

/** The `spec` export of templates/build/digest.js (a precompiled Handlebars template). */
export type TemplateSpec = unknown;

/** What the template sees: the view, with every URL checked and a few values prepared for display. */
export interface DigestTemplateContext {
  /** BCP 47 tag of the chrome's language: `<html lang>`. */
  lang: string;
  /** The chrome's words in that language (the stories stay as written). */
  labels: {
    viewInBrowser: string;
    whySubscribed: string;
    managePreferences: string;
    unsubscribe: string;
  };
  brandName: string;
  date: string;
  dateLabel: string;
  subject: string;
  preheader: string;
  /** The story the edition opens with, shown larger; null for an empty view. */
  lead: StoryTemplateContext | null;
  sections: Array<{ name: string; stories: StoryTemplateContext[] }>;
  leftOut: number;
  /** "1 more story today" / "N more stories today"; empty when leftOut is 0. */
  moreLabel: string;
  moreUrl: string | null;
  /** The postal address split into non-empty lines. */
  postalLines: string[];
  unsubscribeUrl: string;
  preferencesUrl: string;
  /** "View in browser" (the archive page); null unless http(s). */
  archiveUrl: string | null;
  /** The logo in place of the brand name as heading, when configured (https only). */
  logo: { url: string; width: number; height: number } | null;
  /** Light-mode colours (#rrggbb) filled into the template's colour slots. */
  brand: Palette;
  /** One footer sentence saying that opens and/or clicks are counted; null when neither is. */
  trackingNote: string | null;
}

export interface StoryTemplateContext {
  headline: string;
  /** Where the headline (the story's link) and its call to action go; null unless http(s): plain text then. */
  readMoreUrl: string | null;
  source: string;
  byline: string;
  /** The lead's section, shown above its headline; "" for the other stories. */
  section: string;
  /** The line under the headline: byline, and the source when the call to action does not name it. */
  meta: string;
  excerpt: string;
  /** The call to action's visible text: "Read more at {source}", or "Read the full story" (hosted copy). */
  ctaLabel: string;
  /** Its accessible name, unique in the email: the visible text, then the headline. */
  ctaName: string;
  /** The picture (the lead's), sized for the 536 px column; null when none, or not https. */
  image: { url: string; alt: string; width: number; height: number | null } | null;
}

export interface DigestRenderer {
  /** The email HTML; every value of the view is HTML-escaped. */
  html(view: EditionView): string;
  /** The plain-text part, built from the data (not from the HTML), wrapped at 76 columns. */
  text(view: EditionView): string;
}

// handlebars/runtime.js is CommonJS whose module.exports is the runtime environment (which also
// carries itself as `.default`); its bundled typings declare no exports, hence the cast.
type HandlebarsEnv = typeof HandlebarsTypes;
const runtimeModule = HandlebarsRuntime as unknown as HandlebarsEnv & { default?: HandlebarsEnv };
const Handlebars: HandlebarsEnv = runtimeModule.default ?? runtimeModule;

/** Column at which the plain-text part is wrapped. */
const TEXT_WIDTH = 76;

/**
 * Creates a renderer for a precompiled template spec (the `spec` export of templates/build/digest.js).
 * Uses an isolated Handlebars environment, so helpers registered elsewhere never leak in.
 */
export function createRenderer(spec: TemplateSpec): DigestRenderer {
  const env = Handlebars.create();
  const template = env.template<DigestTemplateContext>(spec as Parameters<HandlebarsEnv["template"]>[0]);
  return rendererFromTemplate(template);
}

/**
 * Creates a renderer around an already compiled template function (the preview compiles templates
 * at run time with the full Handlebars; everything else uses createRenderer with the precompiled spec).
 */
export function rendererFromTemplate(template: (context: DigestTemplateContext) => string): DigestRenderer {
  return {
    html: (view) => template(templateContext(view)),
    text: (view) => renderText(view),
  };
}

/**
 * Returns the context the digest template is filled with. Story and "more" URLs that are not
 * absolute http(s) URLs become null (rendered without a link); throws when the unsubscribe or
 * preferences URL is not http(s), since an email must never go out without them.
 */
export function templateContext(view: EditionView): DigestTemplateContext {
  const unsubscribeUrl = httpUrl(view.unsubscribeUrl);
  const preferencesUrl = httpUrl(view.preferencesUrl);
  if (!unsubscribeUrl) throw new Error("render: unsubscribeUrl must be an http(s) URL");
  if (!preferencesUrl) throw new Error("render: preferencesUrl must be an http(s) URL");
  const brand = view.brand ?? editionBrand({});
  const locale = view.locale ?? DEFAULT_LOCALE;
  return {
    lang: locale,
    labels: {
      viewInBrowser: t(locale, "email.viewInBrowser"),
      whySubscribed: t(locale, "email.whySubscribed", { brand: view.brandName }),
      managePreferences: t(locale, "email.managePreferences"),
      unsubscribe: t(locale, "email.unsubscribe"),
    },
    brandName: view.brandName,
    date: view.date,
    dateLabel: view.dateLabel,
    subject: view.subject,
    preheader: view.preheader,
    lead: view.lead ? storyContext(view.lead, locale) : null,
    sections: view.sections.map((section: SectionView) => ({
      name: section.name,
      stories: section.stories.map((story) => storyContext(story, locale)),
    })),
    leftOut: Math.max(view.leftOut, 0),
    moreLabel: view.leftOut > 0 ? tn(locale, "email.moreStories", view.leftOut) : "",
    moreUrl: view.leftOut > 0 && view.moreUrl !== null ? httpUrl(view.moreUrl) : null,
    postalLines: postalLines(view.postalAddress),
    unsubscribeUrl,
    preferencesUrl,
    archiveUrl: view.archiveUrl ? httpUrl(view.archiveUrl) : null,
    logo:
      brand.logo && httpsOnly(brand.logo.url)
        ? { ...brand.logo, url: httpsOnly(brand.logo.url) as string }
        : null,
    brand: lightPalette(brand),
    trackingNote: trackingNote(view.tracking, locale),
  };
}

/** "We count opens and clicks to learn what readers like." (or opens / link clicks alone), or null. */
export function trackingNote(
  tracking: EditionView["tracking"],
  locale: string = DEFAULT_LOCALE,
): string | null {
  if (!tracking || (!tracking.opens && !tracking.clicks)) return null;
  return t(
    locale,
    tracking.opens && tracking.clicks
      ? "email.trackingOpensAndClicks"
      : tracking.opens
        ? "email.trackingOpens"
        : "email.trackingClicks",
  );
}

/** The URL when it is a safe https one (a logo is fetched by the reader's client), else null. */
function httpsOnly(raw: string): string | null {
  const href = httpUrl(raw);
  return href?.startsWith("https://") ? href : null;
}

/** Width of the email's text column (600 px less 2 × 32 px padding): the widest a picture is shown. */
export const COLUMN_WIDTH = 536;

function storyContext(story: StoryView, locale: string): StoryTemplateContext {
  const readMoreUrl = httpUrl(story.readMoreUrl);
  // The hosted copy is ours, not the source's: the call to action then does not name the source.
  const atSource = story.url !== null && readMoreUrl !== null && readMoreUrl === httpUrl(story.url);
  const ctaLabel = atSource
    ? t(locale, "email.readMoreAt", { source: story.source })
    : t(locale, "email.readFullStory");
  const byline = story.byline.trim();
  return {
    headline: story.headline,
    readMoreUrl,
    source: story.source,
    byline,
    section: story.section ?? "",
    meta: atSource ? byline : [story.source, byline].filter((part) => part !== "").join(" · "),
    excerpt: story.excerpt,
    ctaLabel,
    ctaName: `${ctaLabel}: ${story.headline}`,
    image: imageContext(story),
  };
}

/**
 * The story's picture scaled to fit the column: https only (the reader's client fetches it), its
 * alt text the source's, else the headline; height only when the source gave the size.
 */
function imageContext(story: StoryView): StoryTemplateContext["image"] {
  const image = story.image;
  if (!image) return null;
  const url = httpsOnly(image.url);
  if (url === null) return null;
  const width = Math.min(COLUMN_WIDTH, image.width ?? COLUMN_WIDTH);
  const height = image.width && image.height ? Math.round((image.height * width) / image.width) : null;
  return { url, alt: image.alt.trim() || story.headline, width, height };
}

function postalLines(address: string): string[] {
  return address
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line !== "");
}

/**
 * Returns the URL to place in an href: safeHttpUrl's WHATWG serialisation of an absolute http(s) URL
 * (spaces, quotes and angle brackets percent-encoded, so it is one token in the text part), or null when
 * `raw` is not one or carries credentials (`https://bank.example@evil.example/`). Canonical URLs and the
 * PERSONAL_SLOTS markers serialise to themselves. The caller already passes safe URLs: this is the
 * last guard before an href.
 */
function httpUrl(raw: string): string | null {
  const href = safeHttpUrl(raw);
  if (href === null) return null;
  const { username, password } = new URL(href);
  return username === "" && password === "" ? href : null;
}

/** Builds the plain-text part from the (checked) template context. */
function renderText(view: EditionView): string {
  const ctx = templateContext(view);
  const locale = ctx.lang;
  const out: string[] = [];
  out.push(...wrap(ctx.brandName), ...wrap(ctx.dateLabel));
  if (ctx.archiveUrl) out.push(t(locale, "text.viewInBrowser", { url: ctx.archiveUrl }));
  out.push("");
  if (ctx.lead) out.push("", ...textStory(ctx.lead, locale));
  for (const section of ctx.sections) {
    const heading = wrap(section.name);
    const longest = Math.max(...heading.map((line) => [...line].length), 1);
    out.push("", ...heading, "=".repeat(Math.min(longest, TEXT_WIDTH)), "");
    for (const story of section.stories) out.push(...textStory(story, locale));
  }
  if (ctx.leftOut > 0) {
    const more = ctx.moreUrl
      ? t(locale, "text.more", { label: ctx.moreLabel, url: ctx.moreUrl })
      : ctx.moreLabel;
    out.push("", ...wrap(more), "");
  }
  out.push(
    "",
    // The signature separator ("-- ", with its space): mail clients fold or dim what follows.
    "-- ",
    ...wrap(ctx.labels.whySubscribed),
    ...(ctx.trackingNote ? wrap(ctx.trackingNote) : []),
    t(locale, "text.managePreferences", { url: ctx.preferencesUrl }),
    t(locale, "text.unsubscribe", { url: ctx.unsubscribeUrl }),
    "",
    ...ctx.postalLines,
  );
  // Collapse runs of blank lines to one (the separator's line keeps its space); end with one newline.
  const text = out.join("\n").replace(/\n{3,}/g, "\n\n");
  return `${text.trim()}\n`;
}

/** One story of the plain-text part: headline, source and byline, excerpt, link. */
function textStory(story: StoryTemplateContext, locale: string): string[] {
  const lines = [...wrap(story.headline)];
  lines.push(...wrap(story.byline ? `${story.source} · ${story.byline}` : story.source));
  if (story.excerpt.trim()) lines.push(...wrap(story.excerpt));
  if (story.readMoreUrl) lines.push(t(locale, "text.readMore", { url: story.readMoreUrl }));
  lines.push("");
  return lines;
}

/**
 * Wraps prose at TEXT_WIDTH columns on word boundaries. Paragraph breaks (blank lines) are kept as
 * one empty line; a word longer than the width (a URL) stands on its own line, never broken.
 */
function wrap(text: string, width = TEXT_WIDTH): string[] {
  const lines: string[] = [];
  const paragraphs = text.split(/\r?\n\s*\r?\n/);
  paragraphs.forEach((paragraph, index) => {
    if (index > 0) lines.push("");
    let line = "";
    for (const word of paragraph.split(/\s+/)) {
      if (word === "") continue;
      if (line === "") line = word;
      else if ([...line].length + 1 + [...word].length <= width) line += ` ${word}`;
      else {
        lines.push(line);
        line = word;
      }
    }
    if (line !== "") lines.push(line);
  });
  return lines;
}

/** A story as stored and as shown by `digest stories list --json`. */
export interface Story {
  /** Hash of the canonical URL; without a URL, of source + headline + day. */
  id: string;
  headline: string;
  /** Canonical URL (tracking parameters and fragment removed), or null when the story has none. */
  url: string | null;
  source: string;
  section: string;
  byline: string;
  /** ISO 8601 in UTC with a trailing Z. */
  publishedAt: string;
  /** Plain text; paragraphs separated by a blank line. */
  body: string;
  /** The lede cut at a sentence boundary, at most ~300 characters, plain text. */
  excerpt: string;
  /**
   * The article's HTML after the allow-list sanitiser, when the source had HTML (articles, feeds): shown
   * on the hosted copy. Never raw input.
   */
  html?: string;
  /** The edition that carried this story, or null while it has gone out in none. */
  editionId: string | null;
  /** Held back by an editor (`digest stories hold`): stored, but left out of editions until released. */
  held?: boolean;
  /** The story's picture, taken at import (og:image, JSON-LD image, a feed's enclosure or media:content). */
  image?: StoryImage;
  /**
   * When an editor picked this story as its day's lead (`digest stories lead`, `PATCH /admin/stories/{id}`),
   * ISO 8601; absent when not picked. Of several picks of a day, the latest leads.
   */
  leadPickedAt?: string;
  /** The editor's order within its section (1 first); stories without one follow, newest first. */
  rank?: number;
  /**
   * An editor's correction of the headline or excerpt (`PATCH /admin/stories/{id}`): `headline` and
   * `excerpt` above already show it. Kept apart from what the source said (`imported`), which a
   * re-import or the next feed poll still updates: the correction wins until it is taken back.
   */
  correction?: StoryCorrection;
}

/** What an editor corrected on a story, when and who; and the imported text the correction stands in for. */
export interface StoryCorrection {
  headline?: string;
  excerpt?: string;
  /** ISO 8601. */
  at: string;
  /** The member's email, or `cli:<user>`; null when unknown. */
  by: string | null;
  imported: { headline: string; excerpt: string };
}

/**
 * A story's picture as stored: an absolute https URL that is no tracking pixel, its alt text (the
 * source's caption or alt; "" when it gave none: the headline stands in) and its pixel size when the
 * source said it.
 */
export interface StoryImage {
  url: string;
  alt: string;
  width?: number;
  height?: number;
}

/** What an import source yields before identity and excerpt are derived. Missing values are filled from import options. */
export interface StoryDraft {
  headline: string;
  url?: string | null;
  source?: string;
  section?: string;
  byline?: string;
  /** Any string Date can parse; normalised to ISO Z later. */
  publishedAt?: string;
  body?: string;
  excerpt?: string;
  /** Untrusted article HTML (feed content, an HTML page's main content); sanitised before storing. */
  html?: string;
  /** The picture the source names, as written (may be relative, http, a pixel): checked when finalised. */
  image?: { url: string; alt?: string; width?: number; height?: number };
}

/** One record of an import file: a draft, or the reason it could not be read. `line` is 1-based (for .json arrays, the line the element starts on). */
export type ParsedRecord = { line: number; draft: StoryDraft } | { line: number; error: string };

/** The rendering model of one edition variant (one section set). All strings are raw text: the template escapes them. */
export interface EditionView {
  brandName: string;
  /** YYYY-MM-DD */
  date: string;
  /** Human form of the date, e.g. "Friday 27 November 2026". */
  dateLabel: string;
  subject: string;
  /** Hidden preview text shown by mail clients after the subject. */
  preheader: string;
  /** The story the edition opens with, shown larger (with its image); null only for an empty view. */
  lead: StoryView | null;
  /** The other stories, by section, in email order (the lead is in none of them). */
  sections: SectionView[];
  /** Stories of this variant's sections that the cap left out. */
  leftOut: number;
  /** Where the left-out stories can be read (archive page); null when none were left out. */
  moreUrl: string | null;
  /** Postal address of the sender (CAN-SPAM), one line or several separated by "\n". */
  postalAddress: string;
  /** Per-subscriber links: placeholders spliced after rendering (see PERSONAL_SLOTS). */
  unsubscribeUrl: string;
  preferencesUrl: string;
  /** "View in browser": the edition's public archive page; absent or null, no such link. */
  archiveUrl?: string | null;
  /** Logo and colours from the config; absent, the default look. */
  brand?: EditionBrand;
  /** What SES tracks in the sent email (config trackOpens / trackClicks); the footer says so. Absent: nothing. */
  tracking?: { opens: boolean; clicks: boolean };
  /** BCP 47 language of the chrome (html lang, labels, the date); absent: English. */
  locale?: string;
}

/** The configurable look of an edition (validated in config.ts: readable colours, https logo). */
export interface EditionBrand {
  /** #rrggbb */
  accentColor: string;
  textColor: string;
  backgroundColor: string;
  /** Shown in place of the brand name as the email's heading, with the brand name as alt text. */
  logo: { url: string; width: number; height: number } | null;
}

export interface SectionView {
  name: string;
  stories: StoryView[];
}

export interface StoryView {
  headline: string;
  /** Safe http(s) URL of the story, or null (then headline is not a link). */
  url: string | null;
  source: string;
  byline: string;
  excerpt: string;
  /** Where the headline and "Read more" point: the story URL, else its hosted copy. */
  readMoreUrl: string;
  /** The lead's section, named above its headline (the lead stands outside the sections); absent for the others. */
  section?: string;
  /** The story's picture (shown for the lead); absent or null, none. */
  image?: StoryImage | null;
}

/**
 * Markers rendered in place of per-subscriber URLs; they contain no character that HTML escaping,
 * quoted-printable or URL encoding would change, so they can be replaced in the rendered output.
 */
export const PERSONAL_SLOTS = {
  unsubscribeUrl: "https://digest.invalid/__UNSUBSCRIBE_URL__",
  preferencesUrl: "https://digest.invalid/__PREFERENCES_URL__",
} as const;

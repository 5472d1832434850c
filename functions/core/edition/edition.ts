import { randomBytes } from "node:crypto";
import { DEFAULT_COLORS } from "../kernel/brand.js";
import type { DigestConfig } from "../kernel/config.js";
import { DEFAULT_LOCALE, formatDay, t, tn } from "../kernel/i18n/index.js";
import { cutAtWord } from "../kernel/text.js";
import type { EditionBrand, EditionView, SectionView, Story, StoryView } from "../kernel/types.js";
import { PERSONAL_SLOTS } from "../kernel/types.js";
import { orderEdition, storyOrder } from "./story-order.js";

/** Gmail clips messages whose HTML passes ~102 KB; keep a margin for the personal links spliced in later. */
export const HTML_BUDGET_BYTES = 100_000;

/**
 * What an edition keeps of each story: enough to render and order any variant again, without the
 * body. The image and the editor's pick and order are absent when the story has none.
 */
export type EditionStory = Pick<
  Story,
  "id" | "headline" | "url" | "source" | "section" | "byline" | "publishedAt" | "excerpt"
> &
  Partial<Pick<Story, "image" | "leadPickedAt" | "rank">>;

export const ALL_SECTIONS = "all";

export function toEditionStory(s: Story): EditionStory {
  return {
    id: s.id,
    headline: s.headline,
    url: s.url,
    source: s.source,
    section: s.section,
    byline: s.byline,
    publishedAt: s.publishedAt,
    excerpt: s.excerpt,
    ...(s.image ? { image: s.image } : {}),
    ...(s.leadPickedAt ? { leadPickedAt: s.leadPickedAt } : {}),
    ...(s.rank !== undefined ? { rank: s.rank } : {}),
  };
}

const fold = (s: string) =>
  s
    .normalize("NFKD")
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]+/gu, " ")
    .trim();

/** Orders sections: configured order first, the rest alphabetically. Returns a comparator on names. */
export function sectionComparator(order: readonly string[]): (a: string, b: string) => number {
  const rank = new Map(order.map((s, i) => [s.toLowerCase(), i]));
  return (a, b) => {
    const ra = rank.get(a.toLowerCase()) ?? Number.MAX_SAFE_INTEGER;
    const rb = rank.get(b.toLowerCase()) ?? Number.MAX_SAFE_INTEGER;
    return ra - rb || a.localeCompare(b);
  };
}

/**
 * Dedupes (same id, or the same headline from the same source) keeping the newest copy, then
 * returns the stories in the order the cap should keep them: the lead first (see orderEdition), then
 * round-robin over the sections in email order, in the editor's order then newest first within each,
 * so one busy section cannot crowd the others out of the email.
 */
export function rankStories<T extends EditionStory>(
  stories: readonly T[],
  sectionOrder: readonly string[],
): T[] {
  const newestFirst = [...stories].sort(
    (a, b) => b.publishedAt.localeCompare(a.publishedAt) || a.id.localeCompare(b.id),
  );
  const seen = new Set<string>();
  const unique: T[] = [];
  for (const s of newestFirst) {
    const ids = [`id:${s.id}`, `hl:${fold(s.source)}|${fold(s.headline)}`];
    if (ids.some((k) => seen.has(k))) continue;
    for (const k of ids) seen.add(k);
    unique.push(s);
  }
  const { lead, sections } = orderEdition(unique, sectionOrder);
  const ranked: T[] = lead ? [lead] : [];
  const queues = sections.map((section) => section.stories);
  for (let round = 0; ranked.length < unique.length; round++) {
    for (const q of queues) {
      const s = q[round];
      if (s) ranked.push(s);
    }
  }
  return ranked;
}

/**
 * Keeps the longest prefix of `ranked` (at most `max`) for which `fits` holds; `fits` is monotone
 * (fewer stories never make the email bigger), so this is a binary search over the prefix length.
 */
export function capStories<T>(
  ranked: readonly T[],
  max: number,
  fits: (subset: readonly T[]) => boolean,
): T[] {
  let hi = Math.min(max, ranked.length);
  if (fits(ranked.slice(0, hi))) return ranked.slice(0, hi);
  let lo = 1;
  // Invariant: prefix of length `lo` is assumed to fit (one story always goes out), `hi` does not.
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    if (fits(ranked.slice(0, mid))) lo = mid;
    else hi = mid;
  }
  return ranked.slice(0, lo);
}

/** The view of one story; the headline and "Read more" go to its URL, or to its hosted copy without one. */
export function storyView(s: EditionStory, publicBaseUrl: string): StoryView {
  return {
    headline: s.headline,
    url: s.url,
    source: s.source,
    byline: s.byline,
    excerpt: s.excerpt,
    readMoreUrl: s.url ?? `${publicBaseUrl}/stories/${encodeURIComponent(s.id)}`,
    image: s.image ?? null,
  };
}

/**
 * Groups stories by section in section order (configured, then alphabetical), in the editor's order
 * then newest first within each: a list of stories with no lead (the archive's "more stories").
 */
export function groupBySection(
  stories: readonly EditionStory[],
  sectionOrder: readonly string[],
  publicBaseUrl: string,
): SectionView[] {
  const bySection = new Map<string, EditionStory[]>();
  for (const s of stories) {
    const list = bySection.get(s.section) ?? [];
    list.push(s);
    bySection.set(s.section, list);
  }
  return [...bySection.keys()].sort(sectionComparator(sectionOrder)).map((name) => ({
    name,
    stories: (bySection.get(name) as EditionStory[]).sort(storyOrder).map((s) => storyView(s, publicBaseUrl)),
  }));
}

/** "Friday 27 November 2026" (in the locale's language: "Freitag, 27. November 2026") for a YYYY-MM-DD day. */
export function dateLabel(day: string, locale: string = DEFAULT_LOCALE): string {
  return formatDay(locale, day);
}

/**
 * Longest subject an edition gets, in characters: mail clients show 40 to 80 of it, RFC 5322's line
 * advice is 78, and a longer one reads as spam. Cut at a word with "…" (whatever the headlines hold).
 */
export const SUBJECT_MAX = 78;
/** Longest preheader: clients show about 100 characters of it after the subject. */
export const PREHEADER_MAX = 200;

function fillTemplate(template: string, values: Record<string, string>): string {
  return template
    .replace(/\{(\w+)\}/g, (whole, key: string) => values[key] ?? whole)
    .replace(/\s+/g, " ")
    .trim();
}

/**
 * The key of the variant a subscriber receives: "all" when they chose no sections or every section
 * of the edition, the sorted chosen sections present in the edition otherwise, null when none of
 * their sections has a story today.
 */
export function variantKey(chosen: readonly string[], editionSections: readonly string[]): string | null {
  if (chosen.length === 0) return ALL_SECTIONS;
  const wanted = new Set(chosen.map((c) => c.toLowerCase()));
  const present = editionSections.filter((s) => wanted.has(s.toLowerCase()));
  if (present.length === 0) return null;
  if (present.length === editionSections.length) return ALL_SECTIONS;
  return [...present].sort().join("|");
}

/** Sections a variant key stands for (all of the edition's for "all"). */
export function sectionsOfVariant(key: string, editionSections: readonly string[]): string[] {
  return key === ALL_SECTIONS ? [...editionSections] : key.split("|");
}

export interface ViewInput {
  config: Pick<
    DigestConfig,
    "brandName" | "subject" | "preheader" | "postalAddress" | "publicBaseUrl" | "sections"
  > &
    Partial<Pick<DigestConfig, (typeof BRAND_KEYS)[number] | "trackOpens" | "trackClicks" | "locale">>;
  date: string;
  /** The variant's language; absent, the config's `locale`. */
  locale?: string;
  stories: readonly EditionStory[];
  leftOut: number;
  /** The edition's personal-link markers ({@link personalSlots}); absent, the fixed PERSONAL_SLOTS. */
  slots?: PersonalSlots;
}

/** Headlines named in the preheader after the lead. */
const PREHEADER_NEXT = 3;

/**
 * Builds the rendering model of one variant: its lead (orderEdition: the editor's pick, else the best
 * story of the first section), its other stories by section, and the subject and preheader filled
 * from the config's templates: `{lead}` (also `{top}`) is the lead's headline, `{next}` the next
 * stories' headlines (a template with `{next}` gives way to the lead's excerpt when it is alone), `{headlines}` the first three, `{brand}`,
 * `{date}`, `{count}`, `{stories}`. Links to stories without a URL go to their hosted copy.
 */
export function buildView({
  config,
  date,
  stories,
  leftOut,
  slots = PERSONAL_SLOTS,
  locale = config.locale ?? DEFAULT_LOCALE,
}: ViewInput): EditionView {
  const base = config.publicBaseUrl;
  const order = orderEdition(stories, config.sections);
  const lead = order.lead ? { ...storyView(order.lead, base), section: order.lead.section } : null;
  const sections = order.sections.map((section) => ({
    name: section.name,
    stories: section.stories.map((s) => storyView(s, base)),
  }));
  const ordered = [...(lead ? [lead] : []), ...sections.flatMap((s) => s.stories)];
  const next = ordered.slice(1, 1 + PREHEADER_NEXT).map((s) => s.headline);
  const label = dateLabel(date, locale);
  const preheader = config.preheader ?? t(locale, "email.preheader");
  const values = {
    brand: config.brandName,
    date: label,
    count: String(ordered.length),
    stories: tn(locale, "email.stories", ordered.length),
    lead: lead?.headline ?? "",
    top: lead?.headline ?? "",
    next: next.join(" · "),
    headlines: ordered
      .slice(0, 3)
      .map((s) => s.headline)
      .join(" · "),
  };
  return {
    brandName: config.brandName,
    date,
    dateLabel: label,
    subject: cutAtWord(fillTemplate(config.subject, values), SUBJECT_MAX),
    // A lone story has no next ones to name: its own lede says more than "Also today:".
    preheader: cutAtWord(
      next.length === 0 && preheader.includes("{next}")
        ? (lead?.excerpt ?? "")
        : fillTemplate(preheader, values),
      PREHEADER_MAX,
    ),
    lead,
    sections,
    leftOut,
    moreUrl: leftOut > 0 ? `${base}/archive/${date}` : null,
    postalAddress: config.postalAddress,
    unsubscribeUrl: slots.unsubscribeUrl,
    preferencesUrl: slots.preferencesUrl,
    archiveUrl: `${base}/archive/${date}`,
    brand: editionBrand(config),
    // Absent settings are the config's defaults: tracked.
    tracking: { opens: config.trackOpens ?? true, clicks: config.trackClicks ?? true },
    locale,
  };
}

/** The config keys an edition's look is made of. */
const BRAND_KEYS = [
  "accentColor",
  "textColor",
  "backgroundColor",
  "logoUrl",
  "logoWidth",
  "logoHeight",
] as const;

/** The look of an edition from the (validated) config; unset colours take the defaults. */
export function editionBrand(config: Partial<Pick<DigestConfig, (typeof BRAND_KEYS)[number]>>): EditionBrand {
  const { logoUrl, logoWidth, logoHeight } = config;
  return {
    accentColor: config.accentColor ?? DEFAULT_COLORS.accentColor,
    textColor: config.textColor ?? DEFAULT_COLORS.textColor,
    backgroundColor: config.backgroundColor ?? DEFAULT_COLORS.backgroundColor,
    logo: logoUrl && logoWidth && logoHeight ? { url: logoUrl, width: logoWidth, height: logoHeight } : null,
  };
}

/** The markers rendered in place of a reader's own links, spliced per reader after rendering. */
export interface PersonalSlots {
  readonly unsubscribeUrl: string;
  readonly preferencesUrl: string;
}

/** A new edition's marker nonce: 128 random bits, hex. */
export function newSlotNonce(): string {
  return randomBytes(16).toString("hex");
}

/**
 * The personal-link markers of an edition. With its nonce (drawn when it is composed, after its
 * stories were imported, and stored with it), `https://digest.invalid/__UNSUBSCRIBE_<nonce>__` and
 * `…/__PREFERENCES_<nonce>__`: no story can carry them, so no story link, excerpt or text can become a
 * reader's own unsubscribe link when they are spliced. Without one (an edition composed before
 * nonces), the fixed PERSONAL_SLOTS. Like those, they hold nothing that HTML escaping,
 * quoted-printable or URL serialisation would change. Throws on a nonce that is not 16–64 hex digits.
 */
export function personalSlots(nonce?: string | null): PersonalSlots {
  if (nonce === undefined || nonce === null) return PERSONAL_SLOTS;
  if (!/^[0-9a-f]{16,64}$/.test(nonce)) throw new Error("edition: malformed personal-link nonce");
  return {
    unsubscribeUrl: `https://digest.invalid/__UNSUBSCRIBE_${nonce}__`,
    preferencesUrl: `https://digest.invalid/__PREFERENCES_${nonce}__`,
  };
}

/**
 * Replaces the personal-link markers `slots` of a rendered variant with the given links: used for copies
 * read by no particular subscriber (the outbox's digest.html, the web archive), where the links
 * lead to the generic pages.
 */
export function fillPersonalSlots(
  content: string,
  links: { unsubscribeUrl: string; preferencesUrl: string },
  slots: PersonalSlots = PERSONAL_SLOTS,
): string {
  return content
    .replaceAll(slots.unsubscribeUrl, links.unsubscribeUrl)
    .replaceAll(slots.preferencesUrl, links.preferencesUrl);
}

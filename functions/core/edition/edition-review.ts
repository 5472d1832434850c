/**
 * Reviewing an edition before it goes (`digest send --dry-run`): what each section set would get,
 * built by the same functions the send uses (composeEdition's selection, the variant views, the
 * subscribers' variant keys), sending nothing and storing nothing.
 */

import { readerLocale } from "../kernel/config.js";
import type {
  DroppedStory,
  EditionStatus,
  SendLedger,
  SubscriberStore,
  SuppressionStore,
} from "../kernel/ports.js";
import type { StoryView } from "../kernel/types.js";
import { type ComposeDeps, composeEdition, editionIdFor } from "./compose.js";
import { ALL_SECTIONS, type EditionStory, rankStories, sectionsOfVariant, variantKey } from "./edition.js";
import { ledgerCountsOf } from "./ledger-counts.js";
import { localeVariantKey, renderVariant, splitVariantKey, variantView } from "./variant.js";

/** A story as a review lists it. */
export interface ReviewStory {
  id: string;
  section: string;
  headline: string;
  source: string;
}

/** What one language × section set (variant) would get. */
export interface VariantReview {
  /**
   * "all", or the variant's sections joined with "|"; "@<locale>" follows for a language other than
   * the configured `locale` ("all@fr"), as the send keys it.
   */
  key: string;
  /** The variant's language (a reader's choice, else the configured `locale`). */
  locale: string;
  sections: string[];
  /** Active, unsuppressed subscribers who would get this variant. */
  recipients: number;
  subject: string;
  preheader: string;
  htmlBytes: number;
  /** In the order the email shows them. */
  stories: ReviewStory[];
  /** Stories of this variant's sections the cap (maxStories, Gmail's 102 KB clip) left out. */
  leftOut: ReviewStory[];
}

export interface EditionReview {
  editionId: string;
  date: string;
  /**
   * False: the edition would be composed now (nothing of it is stored yet). True: it is already
   * frozen (`digest compose`, or a send that started) and is shown as stored.
   */
  frozen: boolean;
  /** The stored edition's status when frozen, else null. */
  status: EditionStatus | null;
  /** Subject and preheader of the all-sections variant. */
  subject: string;
  preheader: string;
  /** Stories in the edition. */
  stories: number;
  /** Variants that have recipients, all-sections first. */
  variants: VariantReview[];
  /** Every story the cap left out (when frozen: the day's stories that are in no edition). */
  leftOut: ReviewStory[];
  /** Stories of the day held back by an editor (`digest stories release <id>` lets them go). */
  held: ReviewStory[];
  /** Stories left out because they could not be rendered, with the reason. */
  dropped: DroppedStory[];
  recipients: number;
  /** Active subscribers none of whose sections has a story. */
  skipped: number;
  /** Active subscribers on the suppression list. */
  suppressed: number;
  /** Recipients the ledger already counts as sent (a frozen edition part-way through): not sent again. */
  alreadySent: number;
}

export type ReviewResult =
  | { kind: "review"; review: EditionReview }
  | { kind: "empty"; reason: string }
  | { kind: "cancelled"; editionId: string };

/** The section of the edition story a (lead) view shows, found by headline and link as below. */
function leadSection(stories: readonly EditionStory[], lead: StoryView): string {
  return stories.find((e) => e.headline === lead.headline && (e.url ?? null) === lead.url)?.section ?? "";
}

const reviewStory = (s: EditionStory): ReviewStory => ({
  id: s.id,
  section: s.section,
  headline: s.headline,
  source: s.source,
});

/** Subscribers read per page while counting variants. */
const PAGE = 500;

/** What the review reads: what composing reads, and who would receive the edition. */
export interface ReviewDeps extends ComposeDeps {
  subscribers: SubscriberStore;
  suppressions: SuppressionStore;
  ledger: Pick<SendLedger, "counts" | "countEntries">;
}

/**
 * Builds the day's edition as `digest send` would (or takes the frozen one) and counts the active
 * subscribers per variant, without storing or sending anything. "empty" when the day has no story to
 * send, "cancelled" when its edition was cancelled (it will not be sent).
 */
export async function reviewEdition(deps: ReviewDeps, day: string): Promise<ReviewResult> {
  const composed = await composeEdition(deps, day, { dryRun: true });
  if (composed.kind === "empty") return composed;
  if (composed.kind === "cancelled") return { kind: "cancelled", editionId: composed.edition.editionId };
  const { edition } = composed;
  const frozen = composed.leftOut === undefined;

  const dayStories = await deps.stories.listDay(day);
  const held = dayStories.filter((s) => s.held && s.editionId === null);
  const inEdition = new Set(edition.stories.map((s) => s.id));
  const droppedIds = new Set((edition.dropped ?? []).map((d) => d.id));
  const leftOut =
    composed.leftOut ??
    rankStories(
      dayStories.filter(
        (s) => s.editionId === null && !s.held && !inEdition.has(s.id) && !droppedIds.has(s.id),
      ),
      deps.config.sections,
    );

  const counts = new Map<string, number>();
  let skipped = 0;
  let suppressed = 0;
  let cursor: string | null = null;
  do {
    const page = await deps.subscribers.list({ status: "active" }, cursor, PAGE);
    const blocked = await deps.suppressions.suppressed(page.items.map((s) => s.email));
    for (const s of page.items) {
      const sectionKey = variantKey(s.sections, edition.sections);
      if (blocked.has(s.email)) suppressed++;
      else if (sectionKey === null) skipped++;
      else {
        // The send's key: one variant per language × section set (edition-sender.ts).
        const key = localeVariantKey(sectionKey, readerLocale(deps.config, s.locale), deps.config.locale);
        counts.set(key, (counts.get(key) ?? 0) + 1);
      }
    }
    cursor = page.nextCursor;
  } while (cursor);

  // All sections first, then by section key; within one, the default language first.
  const order = (key: string) => {
    const { sectionKey, locale } = splitVariantKey(key);
    return [sectionKey === ALL_SECTIONS ? "" : sectionKey, locale ?? ""] as const;
  };
  const keys = [...counts.keys()].sort((a, b) => {
    const [sa, la] = order(a);
    const [sb, lb] = order(b);
    return sa === sb ? la.localeCompare(lb) : sa === "" ? -1 : sb === "" ? 1 : sa.localeCompare(sb);
  });
  const variants = keys.map((key): VariantReview => {
    const view = variantView(deps, edition, key);
    const { sectionKey, locale } = splitVariantKey(key);
    const sections = sectionsOfVariant(sectionKey, edition.sections);
    const wanted = new Set(sections.map((s) => s.toLowerCase()));
    return {
      key,
      locale: locale ?? deps.config.locale,
      sections,
      recipients: counts.get(key) ?? 0,
      subject: view.subject,
      preheader: view.preheader,
      htmlBytes: Buffer.byteLength(renderVariant(deps, edition, key).html),
      stories: [
        ...(view.lead ? [{ name: leadSection(edition.stories, view.lead), stories: [view.lead] }] : []),
        ...view.sections,
      ].flatMap((section) =>
        section.stories.map((v) => ({
          // The view keeps no ids; a story without a URL reads more at its hosted copy, named by id.
          id:
            edition.stories.find(
              (e) =>
                e.headline === v.headline &&
                (e.url !== null
                  ? e.url === v.url
                  : v.readMoreUrl.endsWith(`/stories/${encodeURIComponent(e.id)}`)),
            )?.id ?? "",
          section: section.name,
          headline: v.headline,
          source: v.source,
        })),
      ),
      leftOut: leftOut
        .filter((s) => sectionKey === ALL_SECTIONS || wanted.has(s.section.toLowerCase()))
        .map(reviewStory),
    };
  });
  const all = variantView(deps, edition, ALL_SECTIONS);
  return {
    kind: "review",
    review: {
      editionId: editionIdFor(day),
      date: day,
      frozen,
      status: frozen ? edition.status : null,
      subject: all.subject,
      preheader: all.preheader,
      stories: edition.stories.length,
      variants,
      leftOut: leftOut.map(reviewStory),
      held: held.map(reviewStory),
      dropped: edition.dropped ?? [],
      recipients: variants.reduce((n, v) => n + v.recipients, 0),
      skipped,
      suppressed,
      alreadySent: frozen ? (await ledgerCountsOf(deps.ledger, edition)).sent : 0,
    },
  };
}

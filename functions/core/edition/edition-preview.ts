import type { DigestConfig } from "../kernel/config.js";
import { canonicalLocale } from "../kernel/i18n/index.js";
import type { EditionRecord, EditionStore } from "../kernel/ports.js";
import { ALL_SECTIONS, fillPersonalSlots, type PersonalSlots, personalSlots } from "./edition.js";
import { isStale } from "./edition-rerender.js";
import { localeVariantKey, splitVariantKey } from "./variant.js";

/**
 * An edition's email as its readers get it, for the admin console's preview and test send: read from
 * the rendered variants stored beside the edition (compose stores the all-sections one, the send each
 * other one the first time a reader needs it), never rendered here, so the api function carries no
 * template engine's work and the preview is byte for byte what went (or goes) out. The personal links
 * lead to the generic unsubscribe and preferences pages: no reader's token is in a preview.
 */

/** Gmail clips a message whose HTML passes 102 KB (counted as 102 × 1024 bytes). */
export const GMAIL_CLIP_BYTES = 102 * 1024;

/** The links a preview's personal-link markers are filled with: the generic pages, nobody's token. */
export function previewLinks(config: Pick<DigestConfig, "publicBaseUrl">) {
  return {
    unsubscribeUrl: `${config.publicBaseUrl}/unsubscribe`,
    preferencesUrl: `${config.publicBaseUrl}/preferences`,
  };
}

export interface PreviewDeps {
  editions: Pick<EditionStore, "get" | "getVariant" | "variantKeys">;
  config: Pick<DigestConfig, "publicBaseUrl" | "locale">;
}

/** Which variant to show: a stored key ("all", "Science|World", "all@es"), or "all" in `locale`. */
export interface PreviewChoice {
  variant?: string;
  locale?: string;
}

export interface EditionPreview {
  edition: EditionRecord;
  /** The variant shown. */
  key: string;
  /** Every variant stored for the edition ("all" first): what else may be previewed. */
  variants: string[];
  subject: string;
  /** The HTML part with the generic links: what the console's frame shows. */
  html: string;
  text: string;
  /** UTF-8 bytes of `html` (a reader's copy differs by the length of their signed links). */
  htmlBytes: number;
  /** The variant as stored (personal-link markers in it), for a test send. */
  rawHtml: string;
  rawText: string;
  slots: PersonalSlots;
  /**
   * The stored copy predates a correction of the edition's stories (edition-rerender.ts): it is
   * rendered again before anything is sent (deployed, by compose's approval round within a minute).
   */
  stale: boolean;
}

export type PreviewResult =
  | { outcome: "ok"; preview: EditionPreview }
  | { outcome: "not-found" }
  | { outcome: "invalid"; field: string; error: string }
  | { outcome: "refused"; reason: string };

/** The variant key a choice names, or why it names none. */
export function previewKey(
  config: Pick<DigestConfig, "locale">,
  choice: PreviewChoice,
): { key: string } | { field: string; error: string } {
  const variant = choice.variant?.trim() || ALL_SECTIONS;
  if (choice.locale === undefined || choice.locale === "") return { key: variant };
  const locale = canonicalLocale(choice.locale);
  if (locale === null)
    return { field: "locale", error: `locale ${choice.locale} is not a supported language` };
  const { sectionKey, locale: given } = splitVariantKey(variant);
  if (given !== null)
    return { field: "locale", error: "give the language in variant or in locale, not both" };
  return { key: localeVariantKey(sectionKey, locale, config.locale) };
}

/**
 * The stored email of edition `editionId` in the chosen variant, with the generic links. "not-found":
 * no such edition; "refused": the edition has no stored rendering of that variant yet (one still being
 * composed, or a variant no reader was sent yet).
 */
export async function editionPreview(
  deps: PreviewDeps,
  editionId: string,
  choice: PreviewChoice = {},
): Promise<PreviewResult> {
  const chosen = previewKey(deps.config, choice);
  if ("error" in chosen) return { outcome: "invalid", ...chosen };
  const { key } = chosen;
  const [edition, stored, keys] = await Promise.all([
    deps.editions.get(editionId),
    deps.editions.getVariant(editionId, key),
    deps.editions.variantKeys(editionId),
  ]);
  if (!edition) return { outcome: "not-found" };
  if (!stored) {
    const reason =
      key === ALL_SECTIONS
        ? `edition ${editionId} has no rendered email yet (status ${edition.status}): it is stored when the edition is composed`
        : `edition ${editionId} has no rendered variant ${key}: variants other than "all" are stored when the first reader of one is sent to (stored: ${keys.join(", ") || "none"})`;
    return { outcome: "refused", reason };
  }
  const slots = personalSlots(edition.slotNonce);
  const links = previewLinks(deps.config);
  const html = fillPersonalSlots(stored.html, links, slots);
  return {
    outcome: "ok",
    preview: {
      edition,
      key,
      variants: [...keys].sort((a, b) =>
        a === ALL_SECTIONS ? -1 : b === ALL_SECTIONS ? 1 : a.localeCompare(b),
      ),
      subject: stored.subject,
      html,
      text: fillPersonalSlots(stored.text, links, slots),
      htmlBytes: Buffer.byteLength(html, "utf8"),
      rawHtml: stored.html,
      rawText: stored.text,
      slots,
      stale: isStale(edition) || (stored.revision ?? 0) < (edition.revision ?? 0),
    },
  };
}

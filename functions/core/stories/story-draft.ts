import * as z from "zod";
import type { StoryDraft } from "../kernel/types.js";

/**
 * One story record of an import file (a JSON object) checked as a draft: its aliases, types and what
 * is required.
 */

/** Draft fields and the keys accepted for each, canonical name first; the first present non-null key wins. */
const FIELD_KEYS = {
  headline: ["headline", "title"],
  url: ["url", "link"],
  source: ["source"],
  section: ["section"],
  byline: ["byline", "author"],
  publishedAt: ["publishedAt", "published_at", "date", "published"],
  body: ["body", "content", "text"],
  excerpt: ["excerpt", "summary", "description"],
  html: ["html", "content_html"],
  image: ["image", "image_url"],
} as const satisfies Record<keyof StoryDraft, readonly string[]>;

type Field = keyof typeof FIELD_KEYS;

const optionalString = z.string({ error: "expected a string" }).optional();

const draftSchema = z.object({
  headline: z
    .string({ error: (issue) => (issue.input === undefined ? "required" : "expected a string") })
    .refine((s) => s.trim() !== "", { error: "must not be empty" }),
  url: z.string({ error: "expected a string or null" }).nullable().optional(),
  source: optionalString,
  section: optionalString,
  byline: optionalString,
  publishedAt: optionalString,
  body: optionalString,
  excerpt: optionalString,
  html: optionalString,
  /** A URL, or `{url, alt, width, height}`; checked when the story is finalised (story-image.ts). */
  image: z
    .union(
      [
        z.string(),
        z.object({
          url: z.string(),
          alt: z.string().optional(),
          width: z.number().optional(),
          height: z.number().optional(),
        }),
      ],
      { error: "expected a URL or an object {url, alt, width, height}" },
    )
    .transform((v) => (typeof v === "string" ? { url: v } : v))
    .optional(),
});

export function describeType(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  return typeof value === "object" ? "an object" : `a ${typeof value}`;
}

/**
 * Validates one JSON value as a story draft. Aliases (`title`, `link`, `author`, `date`, `published`,
 * `content`, `text`, `summary`, `description`) fill the canonical fields; null counts as absent (for
 * `url`: no URL); unknown keys are ignored. Returns the draft, or a reason naming the key as written,
 * e.g. `headline: required` or `date: expected a string`.
 */
export function validateDraft(value: unknown): { draft: StoryDraft } | { error: string } {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    return { error: `expected an object, got ${describeType(value)}` };
  }
  const obj = value as Record<string, unknown>;
  const merged: Record<string, unknown> = {};
  const keyUsed: Partial<Record<Field, string>> = {};
  for (const [field, keys] of Object.entries(FIELD_KEYS) as Array<[Field, readonly string[]]>) {
    const key = keys.find((k) => Object.hasOwn(obj, k) && obj[k] !== null && obj[k] !== undefined);
    if (key !== undefined) {
      merged[field] = obj[key];
      keyUsed[field] = key;
    } else if (field === "url" && keys.some((k) => Object.hasOwn(obj, k))) {
      merged.url = null;
    }
  }
  const result = draftSchema.safeParse(merged);
  if (!result.success) {
    const reasons = result.error.issues.map((issue) => {
      const field = issue.path[0];
      const name = typeof field === "string" ? (keyUsed[field as Field] ?? field) : "story";
      return `${name}: ${issue.message}`;
    });
    return { error: reasons.join("; ") };
  }
  const draft: StoryDraft = { headline: result.data.headline };
  for (const field of Object.keys(FIELD_KEYS) as Field[]) {
    const v = result.data[field];
    if (field !== "headline" && v !== undefined) (draft as unknown as Record<string, unknown>)[field] = v;
  }
  return { draft };
}

import { createHash } from "node:crypto";
import { urlIdentity } from "./canonical-url.js";

/** What a story's identity is derived from. `day` is the story's local calendar day, `YYYY-MM-DD`. */
export interface StoryIdInput {
  url: string | null;
  source: string;
  headline: string;
  day: string;
}

/** Whitespace collapsed, trimmed, NFC, case-folded: so re-typed copies of one headline hash alike. */
function foldText(s: string): string {
  return s.normalize("NFC").replace(/\s+/g, " ").trim().toLowerCase();
}

/**
 * Returns the story id: 24 lower-case hex characters of SHA-256 over the URL's identity key
 * ({@link urlIdentity}: canonical URL, parameters sorted, http as https) when the story has a usable
 * http(s) URL — so the same article with other tracking parameters, or reached from another feed, gets
 * the same id — else over `source + "\n" + headline + "\n" + day`, with source and headline
 * whitespace-collapsed and case-folded. Deterministic; callers may pass the URL raw.
 */
export function storyId(input: StoryIdInput): string {
  const url = input.url === null ? null : urlIdentity(input.url);
  const key = url ?? `${foldText(input.source)}\n${foldText(input.headline)}\n${input.day.trim()}`;
  return createHash("sha256").update(key, "utf8").digest("hex").slice(0, 24);
}

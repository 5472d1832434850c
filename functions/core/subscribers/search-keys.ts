import type { SubscriberStatus } from "./subscribers.js";

/**
 * What the admin's search compares: an address as stored (already trimmed and lower-cased) and a
 * name folded so that "Zoë", "ZOE" and "zoe" are one. Both the store (writing a record's index keys)
 * and the search (turning what the admin typed into a key prefix) fold through these functions, so
 * the two always agree.
 */

/** Characters of a folded name kept in its index key: DynamoDB caps a sort key at 1024 bytes. */
export const NAME_KEY_MAX_CHARS = 150;

/** Letters Unicode's decomposition leaves whole, spelled as their readers would type them in ASCII. */
const LETTER_FOLDS: Record<string, string> = {
  ß: "ss",
  æ: "ae",
  œ: "oe",
  ø: "o",
  ł: "l",
  đ: "d",
  ð: "d",
  þ: "th",
  ı: "i",
};

/**
 * A name for comparison: lower-case, accents removed (NFKD, then combining marks dropped, then the few
 * letters with no decomposition), separators (spaces, hyphens, dots, underscores) one space,
 * everything else that is neither letter nor digit dropped ("O'Brien" → "obrien", "Jean-Luc" →
 * "jean luc"). Never contains "#": the name key uses it as its separator. "" when nothing is left.
 */
export function foldName(name: string): string {
  const folded = name
    .normalize("NFKD")
    .replace(/\p{M}+/gu, "")
    .toLowerCase()
    .replace(/[ßæœøłđðþı]/g, (c) => LETTER_FOLDS[c] ?? c)
    .replace(/[\s\-_.]+/gu, " ")
    .replace(/[^\p{L}\p{N} ]+/gu, "")
    .replace(/ {2,}/g, " ")
    .trim();
  return [...folded].slice(0, NAME_KEY_MAX_CHARS).join("").trimEnd();
}

/** The first character (a whole code point) of a non-empty key: the search indexes' partition. */
export function firstCharacter(key: string): string {
  return String.fromCodePoint(key.codePointAt(0) as number);
}

/** The name index's sort key: the folded name, then the address (unique, and the record's key). */
export function nameSortKey(foldedName: string, email: string): string {
  return `${foldedName}#${email}`;
}

/** The address a name sort key ends with (folded names hold no "#"; an address may). */
export function emailOfNameSortKey(key: string): string {
  return key.slice(key.indexOf("#") + 1);
}

/**
 * One search through an index of the store: addresses (`prefix` lower-cased) or names (`prefix`
 * folded by foldName) starting with `prefix`, optionally of one status.
 */
export interface SubscriberSearch {
  by: "address" | "name";
  prefix: string;
  status?: SubscriberStatus;
}

/**
 * Thrown by a store whose search index cannot be read yet: being built (DynamoDB backfills an index
 * added to a table that has items), or missing (a local table created before it). The API answers 503.
 */
export class SearchIndexUnavailableError extends Error {
  override name = "SearchIndexUnavailableError";
}

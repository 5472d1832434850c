import type { Page } from "../kernel/ports.js";
import { foldName } from "./search-keys.js";
import type { SubscriberAdminDeps } from "./subscriber-admin.js";
import { type Invalid, invalid } from "./subscriber-input.js";
import { isExpired, resolveSections, type Subscriber, type SubscriberStatus } from "./subscribers.js";

/** The admin's list and export of subscribers, by status and section, page by page. */

/** Largest page the admin list serves. */
export const MAX_PAGE_SIZE = 500;
/** Records read per request at most when filtering by section: a page may come back short (follow nextCursor). */
const MAX_SCANNED_PER_PAGE = 2000;
/**
 * Store calls per request at most: a search filtered by status reads up to 2,000 records a call
 * inside the store and may return few of them.
 */
const MAX_READS_PER_PAGE = 4;

export interface SubscriberFilter {
  status?: SubscriberStatus;
  /** Subscribers who receive this section: they chose it, or chose no sections (all). */
  section?: string;
  /** Addresses starting with this (any case): a Query of the byAddress index. */
  prefix?: string;
  /** Names starting with this (any case, accents or not): a Query of the byName index. */
  name?: string;
  /**
   * The console's one search box: the addresses starting with it, then the names starting with it
   * (a record found by both comes once, with the addresses).
   */
  q?: string;
}

/** One page of the subscribers, from wherever the filter says to read them (a store's cursor). */
type Reader = (cursor: string | null, limit: number) => Promise<Page<Subscriber>>;

/** A q= cursor in its name half: the store's name cursor after this mark ("." is not in base64url). */
const NAME_HALF = "n.";

/** Where a filter's subscribers come from: a search index when it searches, else the status list. */
function readerFor(deps: SubscriberAdminDeps, filter: SubscriberFilter): Reader {
  const { status } = filter;
  const store = deps.subscribers;
  const address = filter.prefix?.trim().toLowerCase();
  if (address)
    return (cursor, limit) => store.search({ by: "address", prefix: address, status }, cursor, limit);
  const name = filter.name === undefined ? "" : foldName(filter.name);
  if (name) return (cursor, limit) => store.search({ by: "name", prefix: name, status }, cursor, limit);
  if (filter.name !== undefined) return async () => ({ items: [], nextCursor: null });
  const q = filter.q?.trim().toLowerCase();
  if (!q) return (cursor, limit) => store.list({ status }, cursor, limit);
  // An address holds "@" and a name never does (folded): with one, only addresses can match.
  const folded = q.includes("@") ? "" : foldName(q);
  return async (cursor, limit) => {
    if (cursor === null || !cursor.startsWith(NAME_HALF)) {
      const page = await store.search({ by: "address", prefix: q, status }, cursor, limit);
      if (page.nextCursor !== null || !folded) return page;
      return { items: page.items, nextCursor: NAME_HALF };
    }
    if (!folded) throw new Error("invalid cursor");
    const page = await store.search(
      { by: "name", prefix: folded, status },
      cursor.slice(NAME_HALF.length) || null,
      limit,
    );
    // Those whose address starts with q too were on the address pages already.
    const items = page.items.filter((s) => !s.email.startsWith(q));
    return { items, nextCursor: page.nextCursor === null ? null : NAME_HALF + page.nextCursor };
  };
}

/** Thrown for a cursor the store cannot read (the API answers 400). */
export class InvalidCursorError extends Error {
  override name = "InvalidCursorError";
}

/** Resolves a section filter to its configured spelling; returns the error when it is not a known one. */
export function resolveSectionFilter(
  section: string,
  deps: SubscriberAdminDeps,
): { section: string } | Invalid {
  const resolved = resolveSections([section.trim()], deps.config.sections);
  if ("error" in resolved) return invalid("sections", resolved.error);
  return { section: resolved.sections[0] as string };
}

/**
 * One page of subscribers. What is exact (a keyed read): a search (prefix=, name=, q=) reads only the
 * records whose address or folded name starts with it, from the byAddress and byName indexes, with
 * the status filter applied inside that Query; without a search, a status reads its shards of the
 * byStatus index (all statuses: a table scan). What is filtered within the records read: the section,
 * and pending sign-ups that expired. Follow `nextCursor` until it is null; a filtered page may hold
 * fewer than `limit` items (even none) and still have a next one.
 */
export async function listSubscribers(
  deps: SubscriberAdminDeps,
  filter: SubscriberFilter,
  cursor: string | null,
  limit: number,
): Promise<Page<Subscriber>> {
  const now = deps.clock();
  const section = filter.section?.toLowerCase();
  const wanted = (s: Subscriber) =>
    !isExpired(s, now) &&
    (section === undefined || s.sections.length === 0 || s.sections.some((x) => x.toLowerCase() === section));
  const read = readerFor(deps, filter);
  const items: Subscriber[] = [];
  let next = cursor;
  let scanned = 0;
  let reads = 0;
  do {
    // Never read more than the page still needs: the store's cursor then marks exactly where we stopped.
    let page: Page<Subscriber>;
    try {
      page = await read(next, limit - items.length);
    } catch (err) {
      // The store's own cursor check, or DynamoDB refusing the start key a forged cursor carried.
      const { name, message } = err as Error;
      if (next !== null && (/invalid cursor/i.test(message) || name === "ValidationException")) {
        throw new InvalidCursorError("cursor is not one this API returned");
      }
      throw err;
    }
    reads++;
    scanned += page.items.length;
    items.push(...page.items.filter(wanted));
    next = page.nextCursor;
  } while (
    next !== null &&
    items.length < limit &&
    scanned < MAX_SCANNED_PER_PAGE &&
    reads < MAX_READS_PER_PAGE
  );
  return { items, nextCursor: next };
}

/** Every subscriber matching the filter, page by page (exports); `pageSize` records per store call. */
export async function* allSubscribers(
  deps: SubscriberAdminDeps,
  filter: SubscriberFilter,
  pageSize = MAX_PAGE_SIZE,
): AsyncGenerator<Subscriber> {
  let cursor: string | null = null;
  do {
    const page: Page<Subscriber> = await listSubscribers(deps, filter, cursor, pageSize);
    yield* page.items;
    cursor = page.nextCursor;
  } while (cursor);
}

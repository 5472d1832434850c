import type { Page } from "../kernel/ports.js";
import type { SubscriberAdminDeps } from "./subscriber-admin.js";
import { type Invalid, invalid } from "./subscriber-input.js";
import { isExpired, resolveSections, type Subscriber, type SubscriberStatus } from "./subscribers.js";

/** The admin's list and export of subscribers, by status and section, page by page. */

/** Largest page the admin list serves. */
export const MAX_PAGE_SIZE = 500;
/** Records read per request at most when filtering by section: a page may come back short (follow nextCursor). */
const MAX_SCANNED_PER_PAGE = 2000;

export interface SubscriberFilter {
  status?: SubscriberStatus;
  /** Subscribers who receive this section: they chose it, or chose no sections (all). */
  section?: string;
  /** Addresses starting with this (lower-case): a search as one types, filtered within the pages read. */
  prefix?: string;
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
 * One page of subscribers: by status through the sharded status index (all statuses: a table
 * scan), by section and address prefix within the pages read. Follow `nextCursor` until it is null; with a section
 * filter a page may hold fewer than `limit` items (even none) and still have a next one.
 */
export async function listSubscribers(
  deps: SubscriberAdminDeps,
  filter: SubscriberFilter,
  cursor: string | null,
  limit: number,
): Promise<Page<Subscriber>> {
  const now = deps.clock();
  const section = filter.section?.toLowerCase();
  const prefix = filter.prefix?.toLowerCase();
  const wanted = (s: Subscriber) =>
    !isExpired(s, now) &&
    (prefix === undefined || s.email.startsWith(prefix)) &&
    (section === undefined || s.sections.length === 0 || s.sections.some((x) => x.toLowerCase() === section));
  const items: Subscriber[] = [];
  let next = cursor;
  let scanned = 0;
  do {
    // Never read more than the page still needs: the store's cursor then marks exactly where we stopped.
    let page: Page<Subscriber>;
    try {
      page = await deps.subscribers.list({ status: filter.status }, next, limit - items.length);
    } catch (err) {
      // The store's own cursor check, or DynamoDB refusing the start key a forged cursor carried.
      const { name, message } = err as Error;
      if (next !== null && (/invalid cursor/i.test(message) || name === "ValidationException")) {
        throw new InvalidCursorError("cursor is not one this API returned");
      }
      throw err;
    }
    scanned += page.items.length;
    items.push(...page.items.filter(wanted));
    next = page.nextCursor;
  } while (next !== null && items.length < limit && scanned < MAX_SCANNED_PER_PAGE);
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

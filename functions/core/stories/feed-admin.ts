/**
 * Managing the subscribed feeds, shared by `digest feeds add|remove|list|poll` and the admin API
 * (`GET|POST /admin/feeds`, `DELETE /admin/feeds/{id}`, `POST /admin/feeds/{id}/poll`): a new feed's
 * address is checked against the poller's own address policy before it is stored, a feed is named in
 * paths by a stable hash of its URL, and "poll now" is the scheduled poll over that one feed.
 */
import { createHash } from "node:crypto";
import { MAX_SECTION_NAME_LENGTH } from "../kernel/sections.js";
import { oneLine } from "../kernel/text.js";
import {
  type Feed,
  type FeedFetcher,
  type FeedPollReport,
  type FeedStore,
  feedUrl,
  type PollDeps,
  pollFeeds,
} from "./feeds.js";

/**
 * Why the poller would refuse to fetch `url` (its host resolved and every address checked against the
 * address policy: "refused: the feed's address is loopback (set feedsAllowPrivate to allow it)"), or
 * null when it may be fetched or cannot be told yet (a name that does not resolve now: its poll says).
 */
export type FeedAddressCheck = (url: string) => Promise<string | null>;

/** What the feed routes are given: the feeds, the fetcher with its address policy, the same policy as a check. */
export interface FeedAdminDeps {
  store: FeedStore;
  fetcher: FeedFetcher;
  checkAddress: FeedAddressCheck;
}

/** A feed's id in paths: 16 hex characters of SHA-256 over its canonical URL (the table's key). */
export const feedId = (url: string): string =>
  createHash("sha256").update(url, "utf8").digest("hex").slice(0, 16);

/** A feed as `GET /admin/feeds` lists it: its id, and what its last poll found (no HTTP validators). */
export type FeedListItem = Omit<Feed, "etag" | "lastModified"> & { id: string };

export function feedListItem(feed: Feed): FeedListItem {
  const { etag: _etag, lastModified: _lastModified, ...shown } = feed;
  return { id: feedId(feed.url), ...shown };
}

export async function listFeeds(store: FeedStore): Promise<FeedListItem[]> {
  return (await store.list()).map(feedListItem);
}

/** The feed whose id (or canonical URL) is `idOrUrl`, or null. Feeds are few: one listing. */
export async function findFeed(store: FeedStore, idOrUrl: string): Promise<Feed | null> {
  const feeds = await store.list();
  return feeds.find((f) => feedId(f.url) === idOrUrl || f.url === idOrUrl) ?? null;
}

export type AddFeedResult =
  | { outcome: "added" | "updated"; feed: FeedListItem }
  | { outcome: "invalid"; field: "url" | "section"; error: string };

/**
 * Subscribes to a feed: its URL must be an absolute http(s) URL (stored canonical, so the same feed is
 * one entry) whose address the poller may fetch (`checkAddress`: the same SSRF policy); `section`, when
 * given, is where its stories go (one line, a section name's length). Adding a feed again is no error:
 * it answers "updated", and sets the section when one is given.
 */
export async function addFeed(
  deps: Pick<FeedAdminDeps, "store" | "checkAddress">,
  rawUrl: string,
  rawSection: string | null,
  now: Date,
): Promise<AddFeedResult> {
  const checked = feedUrl(rawUrl);
  if ("error" in checked) return { outcome: "invalid", field: "url", error: checked.error };
  const section = rawSection === null ? null : oneLine(rawSection);
  if (section === "") {
    return {
      outcome: "invalid",
      field: "section",
      error: "section must not be empty (leave it out: the section each item names)",
    };
  }
  if (section !== null && section.length > MAX_SECTION_NAME_LENGTH) {
    return {
      outcome: "invalid",
      field: "section",
      error: `section: ${section.length} characters, more than the ${MAX_SECTION_NAME_LENGTH} a section name may have`,
    };
  }
  const refusal = await deps.checkAddress(checked.url);
  if (refusal) return { outcome: "invalid", field: "url", error: refusal };
  const outcome = await deps.store.put(checked.url, section, now.toISOString());
  const stored = await deps.store.get(checked.url);
  if (!stored) throw new Error(`feed ${checked.url} was stored but cannot be read back`);
  return { outcome, feed: feedListItem(stored) };
}

/** Unsubscribes from the feed `idOrUrl`; the stories it brought stay. */
export async function removeFeed(
  store: FeedStore,
  idOrUrl: string,
): Promise<{ outcome: "removed"; feed: Feed } | { outcome: "not-found" }> {
  const feed = await findFeed(store, idOrUrl);
  if (!feed || !(await store.remove(feed.url))) return { outcome: "not-found" };
  return { outcome: "removed", feed };
}

/**
 * Polls the feed `idOrUrl` now, as the scheduled poll does (conditional GET, import, the outcome
 * recorded on the feed), and returns its report; a feed that fails is a report with its error.
 */
export async function pollFeedNow(
  deps: PollDeps,
  idOrUrl: string,
): Promise<{ outcome: "polled"; report: FeedPollReport & { id: string } } | { outcome: "not-found" }> {
  const feed = await findFeed(deps.feeds, idOrUrl);
  if (!feed) return { outcome: "not-found" };
  const summary = await pollFeeds(deps, { only: [feed.url] });
  const report = summary.feeds[0];
  // Removed between the listing and the poll: nothing was polled.
  if (!report) return { outcome: "not-found" };
  return { outcome: "polled", report: { id: feedId(feed.url), ...report } };
}

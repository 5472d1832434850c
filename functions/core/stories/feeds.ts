/**
 * Feeds on a schedule: the list of subscribed feeds, and one poll over all of them. Each feed is
 * fetched (conditionally), parsed and handed to the one import path; its outcome is recorded on the
 * feed. One broken feed never stops the others.
 */

import { eachBounded } from "../kernel/limiter.js";
import type { StoryStore } from "../kernel/ports.js";
import { canonicalUrl } from "./canonical-url.js";
import { parseFeedDocument } from "./feed-parse.js";
import { FUTURE_TOLERANCE_MS } from "./stories.js";
import {
  addCounts,
  emptyCounts,
  type ImportCounts,
  type ImportProblem,
  importStoryRecords,
} from "./story-import.js";

export type FeedStatus = "ok" | "not-modified" | "error";

/** A subscribed feed and what its last poll found. */
export interface Feed {
  /** Canonical http(s) URL: the key. */
  url: string;
  /** Section its stories go to; null: the story's own, else the default section. */
  section: string | null;
  /** The feed's own title, from its last good poll (the stories' source). */
  title: string | null;
  addedAt: string;
  /** Validators of the last good response, sent back as If-None-Match / If-Modified-Since. */
  etag: string | null;
  lastModified: string | null;
  lastPolledAt: string | null;
  lastStatus: FeedStatus | null;
  lastError: string | null;
  /** Polls in a row that ended in error; 0 after a good one. */
  consecutiveFailures: number;
  /** Counts of the last poll that fetched the document. */
  lastCounts: ImportCounts | null;
}

/** What one poll records on its feed. */
export interface FeedPollRecord {
  polledAt: string;
  status: FeedStatus;
  error: string | null;
  /** Set after a good fetch; left alone (not cleared) otherwise. */
  title?: string | null;
  etag?: string | null;
  lastModified?: string | null;
  counts?: ImportCounts;
}

export interface FeedStore {
  /** Adds the feed, or sets the section of one already there (when `section` is given); "added" or "updated". */
  put(url: string, section: string | null, addedAt: string): Promise<"added" | "updated">;
  get(url: string): Promise<Feed | null>;
  /** Every feed, in URL order. */
  list(): Promise<Feed[]>;
  /** True when there was one to remove. */
  remove(url: string): Promise<boolean>;
  /** Records a poll's outcome; a feed removed meanwhile stays removed. */
  recordPoll(url: string, record: FeedPollRecord): Promise<void>;
}

export type FetchResult =
  | {
      kind: "ok";
      text: string;
      /** The address after redirects (relative links resolve against it). */
      finalUrl: string;
      etag: string | null;
      lastModified: string | null;
    }
  | { kind: "not-modified" }
  | { kind: "error"; error: string };

/** Fetches a feed document over HTTP; never throws for network or HTTP failures (they are `error` results). */
export interface FeedFetcher {
  fetch(url: string, validators: { etag: string | null; lastModified: string | null }): Promise<FetchResult>;
}

export interface FeedPollReport {
  url: string;
  status: FeedStatus;
  error: string | null;
  title: string | null;
  counts: ImportCounts;
  /** Items that could not be imported, by 1-based item number. */
  problems: ImportProblem[];
  /** Items imported with a change worth a word (a headline cut to the cap), by item number. */
  notices: ImportProblem[];
  /** Polls in a row that ended in error, this one included. */
  consecutiveFailures: number;
}

export interface PollSummary {
  feeds: FeedPollReport[];
  totals: ImportCounts & { feedsFailed: number };
}

export interface PollDeps {
  feeds: FeedStore;
  stories: StoryStore;
  fetcher: FeedFetcher;
  timeZone: string;
  now?: () => Date;
}

/** Feeds fetched at the same time. */
export const DEFAULT_POLL_CONCURRENCY = 4;

/**
 * Validates a feed address for `feeds add`: an absolute http(s) URL, returned canonical (fragment and
 * tracking parameters dropped) so the same feed is one entry. Returns `{ error }` otherwise.
 */
export function feedUrl(raw: string): { url: string } | { error: string } {
  const url = canonicalUrl(raw);
  if (url === null) return { error: `not an absolute http(s) URL: ${JSON.stringify(raw)}` };
  return { url };
}

/**
 * The story store as one feed writes to it: a story already stored under another source (another
 * feed, an import) is left as it is and counts as skipped. So the same story carried by two feeds is
 * one story whose content does not flip between them on every poll; its own feed still updates it.
 */
function asFeedWriter(stories: StoryStore): StoryStore {
  const writer: StoryStore = Object.create(stories);
  writer.upsert = async (story, day) => {
    const existing = await stories.get(story.id);
    if (existing !== null && existing.source !== story.source) return "skipped";
    return stories.upsert(story, day);
  };
  return writer;
}

async function pollOne(deps: PollDeps, feed: Feed, now: Date): Promise<FeedPollReport> {
  const report: FeedPollReport = {
    url: feed.url,
    status: "error",
    error: null,
    title: feed.title,
    counts: emptyCounts(),
    problems: [],
    notices: [],
    consecutiveFailures: 0,
  };
  const polledAt = now.toISOString();
  try {
    const fetched = await deps.fetcher.fetch(feed.url, { etag: feed.etag, lastModified: feed.lastModified });
    if (fetched.kind === "error") {
      report.error = fetched.error;
    } else if (fetched.kind === "not-modified") {
      report.status = "not-modified";
    } else {
      const parsed = parseFeedDocument(fetched.text, fetched.finalUrl);
      if ("error" in parsed) {
        report.error = parsed.error;
      } else {
        report.title = parsed.title ?? feed.title;
        const imported = await importStoryRecords(parsed.records, asFeedWriter(deps.stories), {
          defaults: {
            ...(feed.section ? { section: feed.section } : {}),
            ...(report.title ? { source: report.title } : {}),
          },
          timeZone: deps.timeZone,
          now,
          // A feed's clock or a typo in a year must not pin a story to the top of a future edition.
          futureToleranceMs: FUTURE_TOLERANCE_MS,
        });
        report.status = "ok";
        report.counts = imported.counts;
        report.problems = imported.problems;
        report.notices = imported.notices;
        // Validators only once every item is stored: a poll cut short must refetch, not get a 304.
        await deps.feeds.recordPoll(feed.url, {
          polledAt,
          status: "ok",
          error: null,
          title: report.title,
          etag: fetched.etag,
          lastModified: fetched.lastModified,
          counts: imported.counts,
        });
        return report;
      }
    }
  } catch (err) {
    report.status = "error";
    report.error = `poll failed: ${(err as Error).message}`;
  }
  if (report.status === "error") report.consecutiveFailures = feed.consecutiveFailures + 1;
  try {
    await deps.feeds.recordPoll(feed.url, { polledAt, status: report.status, error: report.error });
  } catch (err) {
    report.status = "error";
    report.error = `${report.error ? `${report.error}; ` : ""}cannot record the poll: ${(err as Error).message}`;
    report.consecutiveFailures = feed.consecutiveFailures + 1;
  }
  return report;
}

/**
 * Polls every feed in the store (or those whose URL is in `only`), at most `concurrency` at a time:
 * conditional fetch, parse, import into the story store with the feed's section and title as
 * defaults, and the outcome recorded on the feed. A feed that fails (network, HTTP status, not a feed,
 * even a store error) is reported with its error and the others go on. Returns a report per feed, in
 * the store's order, and totals (`feedsFailed` counts feeds whose poll ended in error).
 */
export async function pollFeeds(
  deps: PollDeps,
  opts: { concurrency?: number; only?: readonly string[] } = {},
): Promise<PollSummary> {
  const now = deps.now?.() ?? new Date();
  let feeds = await deps.feeds.list();
  if (opts.only) feeds = feeds.filter((f) => opts.only?.includes(f.url));
  const reports: FeedPollReport[] = new Array(feeds.length);
  await eachBounded(feeds, opts.concurrency ?? DEFAULT_POLL_CONCURRENCY, async (feed, i) => {
    reports[i] = await pollOne(deps, feed, now);
  });
  const totals = { ...emptyCounts(), feedsFailed: 0 };
  for (const r of reports) {
    addCounts(totals, r.counts);
    if (r.status === "error") totals.feedsFailed++;
  }
  return { feeds: reports, totals };
}

/** `imported=… updated=… skipped=… invalid=… feeds_failed=…`, the totals line of a poll. */
export function pollTotalsLine(totals: PollSummary["totals"]): string {
  return `imported=${totals.imported} updated=${totals.updated} skipped=${totals.skipped} invalid=${totals.invalid} feeds_failed=${totals.feedsFailed}`;
}

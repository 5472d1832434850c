import { DynamoStoryStore } from "../../adapters/dynamo/story-store.js";
import { addFeed, removeFeed } from "../../core/stories/feed-admin.js";
import { type Feed, feedUrl, pollFeeds, pollTotalsLine } from "../../core/stories/feeds.js";
import { importSummary } from "../../core/stories/story-import.js";
import { CommandError, type Io, parseFlags, UsageError } from "../cli-support.js";
import { localFeedAdmin } from "../feed-access.js";
import type { Runtime } from "../runtime.js";

/**
 * `digest feeds …`: the same core functions as the admin API's feed routes (feed-admin.ts), on the
 * same feed table, fetcher and address policy.
 */

function requireFeedUrl(raw: string): string {
  const checked = feedUrl(raw);
  if ("error" in checked) throw new CommandError(`feed URL ${checked.error}`);
  return checked.url;
}

/**
 * `digest feeds add <url> [--section S]`: subscribes to a feed whose address the poller may fetch;
 * adding it again sets its section.
 */
export async function addFeedCommand(rt: Runtime, io: Io, args: string[]): Promise<number> {
  const { values, positionals } = parseFlags(args, { section: { type: "string" } });
  if (positionals.length !== 1) throw new UsageError("feeds add needs exactly one feed URL");
  if (values.section !== undefined && values.section.trim() === "") {
    throw new UsageError("--section must not be empty");
  }
  const result = await addFeed(
    localFeedAdmin(rt),
    positionals[0] as string,
    values.section ?? null,
    new Date(),
  );
  if (result.outcome === "invalid") {
    throw new CommandError(result.field === "url" ? `feed URL ${result.error}` : result.error);
  }
  const { feed } = result;
  io.out(`${result.outcome} ${feed.url}${feed.section ? ` (section ${feed.section})` : ""}`);
  return 0;
}

/** `digest feeds remove <url>`: unsubscribes; stories already imported stay. */
export async function removeFeedCommand(rt: Runtime, io: Io, args: string[]): Promise<number> {
  const { positionals } = parseFlags(args, {});
  if (positionals.length !== 1) throw new UsageError("feeds remove needs exactly one feed URL");
  const url = requireFeedUrl(positionals[0] as string);
  if ((await removeFeed(localFeedAdmin(rt).store, url)).outcome !== "removed") {
    throw new CommandError(`no feed ${url}`);
  }
  io.out(`removed ${url}`);
  return 0;
}

function describeLastPoll(feed: Feed): string {
  if (!feed.lastPolledAt) return "never polled";
  const when = feed.lastPolledAt.slice(0, 16).replace("T", " ");
  if (feed.lastStatus === "error") {
    const streak = feed.consecutiveFailures > 1 ? ` (${feed.consecutiveFailures} polls in a row)` : "";
    return `${when}Z error: ${feed.lastError ?? "unknown"}${streak}`;
  }
  if (feed.lastStatus === "not-modified") return `${when}Z not modified`;
  return `${when}Z ok${feed.lastCounts ? ` ${importSummary(feed.lastCounts)}` : ""}`;
}

/** `digest feeds list [--json]`: every feed, its section, title and last poll. */
export async function listFeedsCommand(rt: Runtime, io: Io, args: string[]): Promise<number> {
  const { values, positionals } = parseFlags(args, { json: { type: "boolean" } });
  if (positionals.length > 0) throw new UsageError(`unexpected argument ${positionals[0]}`);
  const feeds = await localFeedAdmin(rt).store.list();
  if (values.json) {
    io.out(JSON.stringify(feeds, null, 2));
    return 0;
  }
  if (feeds.length === 0) {
    io.out('no feeds (add one with "digest feeds add <url>")');
    return 0;
  }
  for (const feed of feeds) {
    io.out(
      `${feed.url}\n  section: ${feed.section ?? "(the story's own)"}  title: ${feed.title ?? "-"}\n  last poll: ${describeLastPoll(feed)}`,
    );
  }
  io.out(`${feeds.length} feed${feeds.length === 1 ? "" : "s"}`);
  return 0;
}

/**
 * `digest feeds poll [url...] [--timeout S] [--json]`: fetches every feed (or the ones named) and imports
 * their items. Exit 1 when a feed failed or an item was invalid, after all the others went through.
 */
export async function pollFeedsCommand(rt: Runtime, io: Io, args: string[]): Promise<number> {
  const { values, positionals } = parseFlags(args, {
    json: { type: "boolean" },
    timeout: { type: "string" },
  });
  let timeoutMs: number | undefined;
  if (values.timeout !== undefined) {
    const seconds = Number(values.timeout);
    if (!(seconds > 0 && seconds <= 300)) {
      throw new UsageError(`--timeout expects seconds from 0 to 300, got "${values.timeout}"`);
    }
    timeoutMs = Math.round(seconds * 1000);
  }
  const { store: feeds, fetcher } = localFeedAdmin(rt, { timeoutMs });
  const only = positionals.length > 0 ? positionals.map(requireFeedUrl) : undefined;
  if (only) {
    const known = new Set((await feeds.list()).map((f) => f.url));
    const unknown = only.filter((u) => !known.has(u));
    if (unknown.length > 0) throw new CommandError(`no feed ${unknown.join(", ")} (add it first)`);
  }
  const summary = await pollFeeds(
    {
      feeds,
      stories: new DynamoStoryStore(rt.db, rt.tables.stories),
      fetcher,
      timeZone: rt.config.timeZone,
    },
    { only },
  );
  const failed = summary.totals.feedsFailed > 0 || summary.totals.invalid > 0;
  if (values.json) {
    io.out(JSON.stringify(summary, null, 2));
    return failed ? 1 : 0;
  }
  if (summary.feeds.length === 0) io.out('no feeds to poll (add one with "digest feeds add <url>")');
  for (const report of summary.feeds) {
    if (report.status === "error") io.err(`${report.url}: error: ${report.error}`);
    else if (report.status === "not-modified") io.out(`${report.url}: not modified`);
    else io.out(`${report.url}: ${importSummary(report.counts)}`);
    for (const problem of report.problems) io.err(`${report.url}:item ${problem.line}: ${problem.reason}`);
    for (const notice of report.notices) io.err(`${report.url}:item ${notice.line}: note: ${notice.reason}`);
  }
  io.out(pollTotalsLine(summary.totals));
  return failed ? 1 : 0;
}

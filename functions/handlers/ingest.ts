import { Logger } from "@aws-lambda-powertools/logger";
import { createDocumentClient } from "../adapters/dynamo/client.js";
import { DynamoFeedStore } from "../adapters/dynamo/feed-store.js";
import { DynamoStoryStore } from "../adapters/dynamo/story-store.js";
import { httpFeedFetcher } from "../adapters/feed-fetcher.js";
import { tableNamesFromEnv } from "../adapters/schema.js";
import { parseConfig } from "../core/kernel/config.js";
import { FEED_FAILING_AFTER } from "../core/stories/feed-health.js";
import { type PollDeps, type PollSummary, pollFeeds } from "../core/stories/feeds.js";
import { FEED_TIMEOUT_ENV } from "./env.js";

const logger = new Logger({ serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? "digest-ingest" });

/** A feed failing FEED_FAILING_AFTER polls in a row is logged with `alert: "feed-failing"` (a metric filter alarms on it). */
export { FEED_FAILING_AFTER };

let deps: Omit<PollDeps, "now"> | null = null;

function buildDeps(env: NodeJS.ProcessEnv): Omit<PollDeps, "now"> {
  const db = createDocumentClient();
  const tables = tableNamesFromEnv(env);
  const seconds = Number(env[FEED_TIMEOUT_ENV]);
  const config = parseConfig({}, env);
  return {
    feeds: new DynamoFeedStore(db, tables.feeds),
    stories: new DynamoStoryStore(db, tables.stories),
    fetcher: httpFeedFetcher({
      timeoutMs: seconds > 0 ? seconds * 1000 : undefined,
      allowPrivate: config.feedsAllowPrivate,
      // Where a Lambda runtime API listens on loopback (with its extensions), loopback is never a feed.
      allowLoopback: config.feedsAllowPrivate && !env.AWS_LAMBDA_RUNTIME_API,
    }),
    timeZone: config.timeZone,
  };
}

export type IngestResult = PollSummary["totals"] & { feeds: number };

/**
 * Scheduled (EventBridge Scheduler): polls every feed and imports new and changed items. A failing
 * feed is logged and recorded on the feed, never thrown: a retry would refetch every feed. Resolves
 * with the totals; rejects only when the store itself cannot be read.
 */
export async function handler(): Promise<IngestResult> {
  deps ??= buildDeps(process.env);
  const summary = await pollFeeds(deps);
  for (const feed of summary.feeds) {
    if (feed.status === "error") {
      const failing = feed.consecutiveFailures >= FEED_FAILING_AFTER;
      logger[failing ? "error" : "warn"]("feed poll failed", {
        url: feed.url,
        error: feed.error,
        consecutiveFailures: feed.consecutiveFailures,
        ...(failing ? { alert: "feed-failing" } : {}),
      });
    }
    for (const problem of feed.problems) {
      logger.warn("feed item not imported", { url: feed.url, item: problem.line, reason: problem.reason });
    }
    for (const notice of feed.notices) {
      logger.info("feed item imported with a note", {
        url: feed.url,
        item: notice.line,
        note: notice.reason,
      });
    }
  }
  const result = { feeds: summary.feeds.length, ...summary.totals };
  logger.info("feeds polled", result);
  return result;
}

import type { Feed } from "./feeds.js";

/** A feed failing this many polls in a row is failing: the ingest logs an alert, the overview shows one. */
export const FEED_FAILING_AFTER = 3;

/** The feeds whose last FEED_FAILING_AFTER polls or more all failed. */
export function failingFeeds(feeds: readonly Feed[]): Feed[] {
  return feeds.filter((f) => f.consecutiveFailures >= FEED_FAILING_AFTER);
}

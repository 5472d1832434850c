import { DynamoFeedStore } from "../adapters/dynamo/feed-store.js";
import { feedAddressCheck, httpFeedFetcher } from "../adapters/feed-fetcher.js";
import type { FeedAdminDeps } from "../core/stories/feed-admin.js";
import type { Runtime } from "./runtime.js";

/**
 * The feeds as `digest feeds …` and `digest serve`'s feed routes reach them: the feed table, the
 * fetcher and the check of a new feed's address, both under the configured address policy
 * (feedsAllowPrivate also allows loopback here: a newsroom's test feed on this machine).
 */
export function localFeedAdmin(rt: Runtime, opts: { timeoutMs?: number } = {}): FeedAdminDeps {
  const allowPrivate = rt.config.feedsAllowPrivate;
  return {
    store: new DynamoFeedStore(rt.db, rt.tables.feeds),
    fetcher: httpFeedFetcher({ timeoutMs: opts.timeoutMs, allowPrivate }),
    checkAddress: feedAddressCheck({ allowPrivate }),
  };
}

import { addFeed, type FeedAdminDeps, listFeeds, pollFeedNow, removeFeed } from "../stories/feed-admin.js";
import {
  adminRoute,
  bad,
  jsonBody,
  MAX_IMPORT_REPORTS,
  optionalString,
  unlessStopped,
} from "./admin-request.js";
import type { ApiContext } from "./context.js";
import type { Route } from "./router.js";
import { HttpError, jsonResponse } from "./types.js";

/**
 * The admin API's feed routes: list the feeds with their last poll, add one (its address checked
 * against the poller's policy), remove one, poll one now. The same core functions as `digest feeds …`.
 * They load the feed parsers (a poll imports), so deployed they are the story-import function's,
 * with the story import; `{id}` is a feed's id (feedId: a hash of its canonical URL).
 */

/** What the feed routes read of the API context. */
export type FeedRoutesContext = Pick<ApiContext, "config" | "stories" | "clock" | "feeds">;

function feedsOf(ctx: FeedRoutesContext): FeedAdminDeps {
  if (!ctx.feeds) throw new HttpError(501, "feeds are not set up in this deployment");
  return ctx.feeds;
}

const noFeed = (id: string) => `no feed ${id}`;

const listFeedsRoute = adminRoute<FeedRoutesContext>(
  "GET",
  "/admin/feeds",
  async (_req, _params, ctx) => jsonResponse(200, { items: await listFeeds(feedsOf(ctx).store) }),
  { role: "viewer" },
);

/**
 * POST /admin/feeds `{url, section?}`: 201 `{added: true, feed}`; a feed already there is no error
 * (200 `{added: false, feed}`, its section set when one is given), as `digest feeds add` does.
 */
const addFeedRoute = adminRoute<FeedRoutesContext>(
  "POST",
  "/admin/feeds",
  async (req, _params, ctx) => {
    const body = jsonBody(req, ["url", "section"]);
    const url = optionalString(body, "url", false);
    if (url === undefined || url === null || url.trim() === "") return bad("url", "url is required");
    const section = optionalString(body, "section") ?? null;
    const result = await addFeed(feedsOf(ctx), url, section, ctx.clock());
    unlessStopped(result);
    const added = result.outcome === "added";
    const { feed } = result;
    return {
      ...jsonResponse(added ? 201 : 200, { added, feed }),
      audit: {
        target: feed.url,
        summary: `${added ? "added" : "already there"}${section !== null ? `, section=${feed.section}` : ""}`,
      },
    };
  },
  { role: "editor", audit: { action: "feed.add" } },
);

const removeFeedRoute = adminRoute<FeedRoutesContext>(
  "DELETE",
  "/admin/feeds/{id}",
  async (_req, params, ctx) => {
    const id = params.id ?? "";
    const result = await removeFeed(feedsOf(ctx).store, id);
    unlessStopped(result, noFeed(id));
    return {
      ...jsonResponse(200, { removed: true, id }),
      audit: { target: result.feed.url, summary: "removed; the stories it brought stay" },
    };
  },
  { role: "editor", audit: { action: "feed.remove" } },
);

/**
 * POST /admin/feeds/{id}/poll: the feed polled now; 200 with its report (`status` ok, not-modified or
 * error, with the error) whatever the feed answered: the poll ran, and its outcome is recorded.
 */
const pollFeedRoute = adminRoute<FeedRoutesContext>(
  "POST",
  "/admin/feeds/{id}/poll",
  async (_req, params, ctx) => {
    const id = params.id ?? "";
    const feeds = feedsOf(ctx);
    const result = await pollFeedNow(
      {
        feeds: feeds.store,
        stories: ctx.stories,
        fetcher: feeds.fetcher,
        timeZone: ctx.config.timeZone,
        now: ctx.clock,
      },
      id,
    );
    unlessStopped(result, noFeed(id));
    const { counts, problems, notices, ...report } = result.report;
    const summary =
      report.status === "error"
        ? `error: ${report.error}`
        : `${report.status}: imported=${counts.imported} updated=${counts.updated} skipped=${counts.skipped} invalid=${counts.invalid}`;
    return {
      ...jsonResponse(200, {
        ...report,
        ...counts,
        problems: problems.slice(0, MAX_IMPORT_REPORTS),
        notices: notices.slice(0, MAX_IMPORT_REPORTS),
      }),
      audit: { target: report.url, summary },
    };
  },
  { role: "editor", audit: { action: "feed.poll" } },
);

/** The feed routes (literal paths first). */
export const feedRoutes: Route<FeedRoutesContext>[] = [
  listFeedsRoute,
  addFeedRoute,
  removeFeedRoute,
  pollFeedRoute,
];

import { generateAtomFeed } from "feedsmith";
import { type ArchiveDeps, listArchive } from "./archive.js";

/** Editions the archive's feed carries: the newest, as the first archive page shows them. */
export const ARCHIVE_FEED_ENTRIES = 20;

/** The path of the archive's Atom feed (the archive pages link to it). */
export const ARCHIVE_FEED_PATH = "/archive/feed.xml";

/**
 * The archive as an Atom feed (RFC 4287): one entry per edition that went out, newest first, each
 * linking to its archive page under the configured public base URL (feed readers need absolute
 * links). Like the archive, it carries no personal link. `updated` is the newest edition's last
 * change, or the clock when there is none yet.
 */
export async function archiveFeed(deps: ArchiveDeps): Promise<string> {
  const { items } = await listArchive(deps, { limit: ARCHIVE_FEED_ENTRIES });
  const base = deps.config.publicBaseUrl;
  const newest = items.reduce<string | null>(
    (max, e) => (max === null || e.updatedAt > max ? e.updatedAt : max),
    null,
  );
  return generateAtomFeed({
    id: `${base}/archive`,
    title: { value: `${deps.config.brandName}: past editions` },
    authors: [{ name: deps.config.brandName }],
    updated: new Date(newest ?? deps.clock().toISOString()),
    links: [
      { href: `${base}${ARCHIVE_FEED_PATH}`, rel: "self", type: "application/atom+xml" },
      { href: `${base}/archive`, rel: "alternate", type: "text/html" },
    ],
    entries: items.map((e) => ({
      id: `${base}/archive/${e.date}`,
      title: { value: `${e.dateLabel}: ${e.subject}` },
      published: new Date(e.createdAt),
      updated: new Date(e.updatedAt),
      summary: {
        value: `${e.stories} ${e.stories === 1 ? "story" : "stories"}${e.headlines.length ? `: ${e.headlines.join(" · ")}` : ""}`,
      },
      links: [{ href: `${base}/archive/${e.date}`, rel: "alternate", type: "text/html" }],
    })),
  });
}

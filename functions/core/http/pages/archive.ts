import type { ArchivedEdition, ArchiveEntry } from "../../edition/archive.js";
import { ARCHIVE_FEED_PATH } from "../../edition/archive-feed.js";
import { html } from "../../kernel/html.js";
import type { HttpResponse } from "../types.js";
import { sentEditionPage } from "./archive-sent.js";
import { type PageConfig, page } from "./layout.js";
import {
  archiveNav,
  leadStory,
  moreStories,
  sectionList,
  stoppedNotice,
  subscribeInvite,
} from "./reading.js";

/**
 * GET /archive/{date}: the email as it went out (archive-sent.ts), or, for an edition stored without
 * that copy, the edition rebuilt as the all-sections email showed it (same stories, sections and
 * order, today's settings); then the stories the email's cap left out. In place of the email's
 * personal unsubscribe and preferences links: the generic pages, and a public subscribe link.
 */
export function archiveEditionPage(
  config: PageConfig,
  edition: ArchivedEdition,
  headers: Record<string, string> = {},
): HttpResponse {
  if (edition.sentHtml !== null) return sentEditionPage(config, edition, edition.sentHtml, headers);
  const { view, more } = edition;
  const body = html`<p class="lead">${edition.subject}</p>
${stoppedNotice(edition)}
${leadStory(view.lead)}
${sectionList(view.sections, "h2")}
${moreStories(more)}
${subscribeInvite(config)}
${archiveNav("The archive")}`;
  return page(200, config, { title: view.dateLabel, body, feed: true }, headers);
}

/** GET /archive: editions that went out, newest first, with "Older editions" while there are more. */
export function archiveListPage(
  config: PageConfig,
  list: { items: ArchiveEntry[]; nextBefore: string | null; before: string | null },
  headers: Record<string, string> = {},
): HttpResponse {
  const { items, nextBefore, before } = list;
  const entries = items.map(
    (e) => html`<li><a href="/archive/${e.date}"><time datetime="${e.date}">${e.dateLabel}</time></a>
<p class="meta">${e.subject} · ${e.stories} ${e.stories === 1 ? "story" : "stories"}${e.status === "cancelled" ? " · stopped before reaching everyone" : ""}</p></li>
`,
  );
  const body = html`${
    items.length > 0
      ? html`<ul class="archive">
${entries}</ul>`
      : html`<p>${before ? "No older editions." : "No editions have gone out yet."}</p>`
  }
${
  nextBefore || before
    ? html`<nav class="pager" aria-label="More editions">${before ? html`<a href="/archive">Newest editions</a>` : ""}${
        nextBefore ? html`<a href="/archive?before=${nextBefore}">Older editions</a>` : ""
      }</nav>`
    : ""
}
${subscribeInvite(config)}
<p>Follow new editions in a feed reader: <a href="${ARCHIVE_FEED_PATH}">Atom feed</a>.</p>`;
  return page(200, config, { title: `Past editions of ${config.brandName}`, body, feed: true }, headers);
}

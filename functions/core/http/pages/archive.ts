import type { ArchivedEdition, ArchiveEntry } from "../../edition/archive.js";
import { ARCHIVE_FEED_PATH } from "../../edition/archive-feed.js";
import { html } from "../../kernel/html.js";
import type { HttpResponse } from "../types.js";
import { type PageConfig, page } from "./layout.js";
import { archiveNav, leadStory, sectionList, subscribeInvite } from "./reading.js";

/**
 * GET /archive/{date}: the edition as the all-sections email showed it (same stories, sections and
 * order), then the stories the email's cap left out (#more, where "N more stories" points). In place
 * of the email's personal unsubscribe and preferences links: a public subscribe link.
 */
export function archiveEditionPage(
  config: PageConfig,
  edition: ArchivedEdition,
  headers: Record<string, string> = {},
): HttpResponse {
  const { view, more } = edition;
  const moreCount = more.reduce((n, s) => n + s.stories.length, 0);
  const body = html`<p class="lead">${view.subject}</p>
${
  edition.status === "cancelled"
    ? html`<div class="notice" role="note"><p>This edition was stopped while it was being sent, so not every subscriber received it.</p></div>`
    : ""
}
${leadStory(view.lead)}
${sectionList(view.sections, "h2")}
${
  moreCount > 0
    ? html`<h2 id="more">More stories from this day</h2>
<p>${moreCount === 1 ? "This story" : `These ${moreCount} stories`} did not fit in the email.</p>
${sectionList(more, "h3")}`
    : ""
}
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

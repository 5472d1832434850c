import type { ArchivedEdition, ArchiveEntry } from "../../edition/archive.js";
import { ARCHIVE_FEED_PATH } from "../../edition/archive-feed.js";
import { html } from "../../kernel/html.js";
import { t, tn } from "../../kernel/i18n/index.js";
import type { HttpResponse } from "../types.js";
import { sentEditionPage } from "./archive-sent.js";
import { type PageConfig, page, pageLocale } from "./layout.js";
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
  const l = pageLocale(config);
  const { view, more } = edition;
  const body = html`<p class="lead">${edition.subject}</p>
${stoppedNotice(edition, l)}
${leadStory(view.lead, l)}
${sectionList(view.sections, "h2", l)}
${moreStories(more, l)}
${subscribeInvite(config)}
${archiveNav(t(l, "archive.nav"), l)}`;
  return page(200, config, { title: view.dateLabel, body, feed: true }, headers);
}

/** GET /archive: editions that went out, newest first, with "Older editions" while there are more. */
export function archiveListPage(
  config: PageConfig,
  list: { items: ArchiveEntry[]; nextBefore: string | null; before: string | null },
  headers: Record<string, string> = {},
): HttpResponse {
  const l = pageLocale(config);
  const { items, nextBefore, before } = list;
  const entries = items.map(
    (e) => html`<li><a href="/archive/${e.date}"><time datetime="${e.date}">${e.dateLabel}</time></a>
<p class="meta">${e.subject} · ${tn(l, "archive.stories", e.stories)}${e.status === "cancelled" ? ` · ${t(l, "archive.stoppedShort")}` : ""}</p></li>
`,
  );
  const body = html`${
    items.length > 0
      ? html`<ul class="archive">
${entries}</ul>`
      : html`<p>${t(l, before ? "archive.noOlder" : "archive.none")}</p>`
  }
${
  nextBefore || before
    ? html`<nav class="pager" aria-label="${t(l, "archive.moreEditions")}">${before ? html`<a href="/archive">${t(l, "archive.newest")}</a>` : ""}${
        nextBefore ? html`<a href="/archive?before=${nextBefore}">${t(l, "archive.older")}</a>` : ""
      }</nav>`
    : ""
}
${subscribeInvite(config)}
<p>${t(l, "archive.feedInvite")} <a href="${ARCHIVE_FEED_PATH}">${t(l, "reading.atomFeed")}</a>.</p>`;
  return page(
    200,
    config,
    { title: t(l, "archive.listTitle", { brand: config.brandName }), body, feed: true },
    headers,
  );
}

import type { ArchivedEdition } from "../../edition/archive.js";
import { ARCHIVE_FEED_PATH } from "../../edition/archive-feed.js";
import { DARK_PALETTE } from "../../kernel/brand.js";
import { html, trusted } from "../../kernel/html.js";
import { t } from "../../kernel/i18n/index.js";
import { type HttpResponse, htmlResponse } from "../types.js";
import { pagePalette } from "./brand.js";
import { type PageConfig, pageLocale } from "./layout.js";
import { archiveNav, moreStories, stoppedNotice, subscribeInvite } from "./reading.js";
import { pageStyle } from "./style.js";

/**
 * The email paints its dark page colour on its body and on the body's wrapper div
 * (templates/digest.mjml); inside the <main> this page adds, that wrapper is one level down.
 */
const DARK_AROUND = trusted(
  `@media (prefers-color-scheme:dark){.dg-page>main>div{background-color:${DARK_PALETTE.page} !important}}`,
);

/**
 * GET /archive/{date} of an edition whose email was stored when it was composed: that email itself,
 * byte for byte as it went out but for the reader's own links (edition/archive.ts points them at the
 * generic pages), so neither a later change of brand, section order or template nor an edited story
 * rewrites it. Around it, in the pages' look (style.ts, scoped so the email keeps its own): the
 * page's title, the archive's feed, a landmark, the note on an edition stopped while sending, and
 * after it the stories the cap left out, the invitation to subscribe and the way around the archive.
 */
export function sentEditionPage(
  config: PageConfig,
  edition: ArchivedEdition,
  sentHtml: string,
  headers: Record<string, string> = {},
): HttpResponse {
  const l = pageLocale(config);
  const head = html`<title>${edition.view.dateLabel} · ${config.brandName}</title>
<style>${pageStyle(pagePalette(config), { document: false })}${DARK_AROUND}</style>
<link rel="alternate" type="application/atom+xml" title="${t(l, "page.feedTitle", { brand: config.brandName })}" href="${ARCHIVE_FEED_PATH}">
`.value;
  const notice = stoppedNotice(edition, l);
  const before = html`<main>
${notice ? html`<div class="page">${notice}</div>` : ""}`.value;
  const after = html`<div class="page"><div class="card">
${moreStories(edition.more, l)}
${subscribeInvite(config)}
${archiveNav(t(l, "archive.nav"), l)}
</div></div>
</main>
`.value;
  return htmlResponse(200, frame(sentHtml, { head, before, after }), headers);
}

/**
 * Puts `head` at the end of the document's head (in place of its title) and `before` / `after` at
 * the start and end of its body. The email is our own template's output, so its head and body tags
 * are there; should one be missing, the parts go at the start or the end.
 */
function frame(doc: string, parts: { head: string; before: string; after: string }): string {
  const untitled = doc.replace(/<title>[\s\S]*?<\/title>/i, "");
  const headEnd = untitled.search(/<\/head>/i);
  const withHead =
    headEnd < 0 ? parts.head + untitled : untitled.slice(0, headEnd) + parts.head + untitled.slice(headEnd);
  const bodyOpen = /<body[^>]*>/i.exec(withHead);
  const start = bodyOpen ? bodyOpen.index + bodyOpen[0].length : 0;
  const bodyEnd = withHead.search(/<\/body>/i);
  const end = bodyEnd < start ? withHead.length : bodyEnd;
  return (
    withHead.slice(0, start) + parts.before + withHead.slice(start, end) + parts.after + withHead.slice(end)
  );
}

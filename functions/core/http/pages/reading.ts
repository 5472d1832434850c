import type { ArchivedEdition } from "../../edition/archive.js";
import { ARCHIVE_FEED_PATH } from "../../edition/archive-feed.js";
import { html, type SafeHtml } from "../../kernel/html.js";
import { DEFAULT_LOCALE, t, tn } from "../../kernel/i18n/index.js";
import type { SectionView, StoryView } from "../../kernel/types.js";
import { safeHttpUrl } from "../../stories/canonical-url.js";
import { type PageConfig, pageLocale } from "./layout.js";

/**
 * Parts of the public reading pages, the web archive and the hosted stories: public and cacheable, so
 * no personal link or token on any of them.
 */

/** An href for a stored URL: only absolute http(s) without credentials, else null (shown as text). */
export function safeHref(raw: string | null): string | null {
  if (!raw) return null;
  const href = safeHttpUrl(raw);
  if (href === null) return null;
  const { username, password } = new URL(href);
  return username === "" && password === "" ? href : null;
}

/** The lead's picture, as the email shows it: https only, its size set, alt text the source's or the headline. */
function leadPicture(story: StoryView): SafeHtml | "" {
  const image = story.image;
  if (!image?.url.startsWith("https://")) return "";
  const size = html`${image.width ? html` width="${String(image.width)}"` : ""}${image.height ? html` height="${String(image.height)}"` : ""}`;
  return html`<img src="${image.url}" alt="${image.alt || story.headline}"${size}>`;
}

function storyItem(story: StoryView, heading: "h2" | "h3" | "h4", locale: string): SafeHtml {
  const href = safeHref(story.url);
  const headline = href ? html`<a href="${href}">${story.headline}</a>` : html`${story.headline}`;
  const readMore = safeHref(story.readMoreUrl);
  return html`<li>
${heading === "h2" ? leadPicture(story) : ""}
${heading === "h2" ? html`<h2>${headline}</h2>` : heading === "h3" ? html`<h3>${headline}</h3>` : html`<h4>${headline}</h4>`}
<p class="meta">${story.source}${story.byline.trim() ? ` · ${story.byline}` : ""}</p>
${story.excerpt.trim() ? html`<p>${story.excerpt}</p>` : ""}
${readMore ? html`<p><a href="${readMore}">${t(locale, "reading.readMore")}<span class="visually-hidden">: ${story.headline}</span></a></p>` : ""}
</li>
`;
}

/** The edition's lead story, first and on its own (the email opens with it); nothing without one. */
export function leadStory(story: StoryView | null, locale: string = DEFAULT_LOCALE): SafeHtml {
  return story
    ? html`<ul class="stories">
${storyItem(story, "h2", locale)}</ul>
`
    : html``;
}

export function sectionList(
  sections: readonly SectionView[],
  level: "h2" | "h3",
  locale: string = DEFAULT_LOCALE,
): SafeHtml {
  const story = level === "h2" ? "h3" : "h4";
  return html`${sections.map(
    (section) => html`${level === "h2" ? html`<h2>${section.name}</h2>` : html`<h3>${section.name}</h3>`}
<ul class="stories">
${section.stories.map((s) => storyItem(s, story, locale))}</ul>
`,
  )}`;
}

export const subscribeInvite = (config: PageConfig) => {
  const l = pageLocale(config);
  return html`<p>${t(l, "reading.invite")} <a href="/subscribe">${t(l, "reading.inviteLink", { brand: config.brandName })}</a> ${t(l, "reading.inviteRest")}</p>`;
};

/** The archive's way around: all editions, the feed, subscribing. */
export const archiveNav = (label: string, locale: string = DEFAULT_LOCALE, first: SafeHtml | "" = "") =>
  html`<nav class="pager" aria-label="${label}">${first}<a href="/archive">${t(locale, "reading.allEditions")}</a><a href="${ARCHIVE_FEED_PATH}">${t(locale, "reading.atomFeed")}</a><a href="/subscribe">${t(locale, "reading.subscribe")}</a></nav>`;

/** Said on the page of an edition cancelled while it was going out. */
export const stoppedNotice = (edition: ArchivedEdition, locale: string = DEFAULT_LOCALE) =>
  edition.status === "cancelled"
    ? html`<div class="notice" role="note"><p>${t(locale, "archive.stopped")}</p></div>`
    : "";

/** The stories the email's cap left out (#more, where the email's "N more stories" points). */
export function moreStories(more: ArchivedEdition["more"], locale: string = DEFAULT_LOCALE): SafeHtml | "" {
  const moreCount = more.reduce((n, s) => n + s.stories.length, 0);
  return moreCount > 0
    ? html`<h2 id="more">${t(locale, "archive.moreHeading")}</h2>
<p>${tn(locale, "archive.didNotFit", moreCount)}</p>
${sectionList(more, "h3", locale)}`
    : "";
}

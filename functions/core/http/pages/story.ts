import type { DigestConfig } from "../../kernel/config.js";
import { html, type SafeHtml, trusted } from "../../kernel/html.js";
import { DEFAULT_LOCALE, languageOf, t } from "../../kernel/i18n/index.js";
import type { Story } from "../../kernel/types.js";
import type { HttpResponse } from "../types.js";
import { type PageConfig, page, pageLocale } from "./layout.js";
import { archiveNav, safeHref, subscribeInvite } from "./reading.js";

/**
 * "14 March 2031, 09:05 CET" in the configured zone ("14. März 2031 um 09:05 MEZ" in German); the raw
 * value when it is not a date.
 */
export function storyDate(iso: string, timeZone: string, locale: string = DEFAULT_LOCALE): string {
  const at = new Date(iso);
  if (Number.isNaN(at.getTime())) return iso;
  const options: Intl.DateTimeFormatOptions = {
    day: "numeric",
    month: "long",
    year: "numeric",
    hour: "2-digit",
    minute: "2-digit",
    hourCycle: "h23",
    timeZoneName: "short",
    timeZone,
  };
  if (languageOf(locale) !== "en") return new Intl.DateTimeFormat(locale, options).format(at);
  const parts = new Intl.DateTimeFormat("en-GB", options).formatToParts(at);
  const part = (type: Intl.DateTimeFormatPartTypes) => parts.find((p) => p.type === type)?.value ?? "";
  // Assembled from parts: ICU versions disagree on the words between date and time.
  return `${part("day")} ${part("month")} ${part("year")}, ${part("hour")}:${part("minute")} ${part("timeZoneName")}`;
}

/**
 * The story's body: its sanitised HTML when it has some (headings demoted below the page's h1),
 * else the plain text, one escaped paragraph per blank-line-separated block.
 */
function storyBody(story: Pick<Story, "body" | "html" | "excerpt">): SafeHtml {
  if (story.html?.trim()) {
    // Stored HTML went through the allow-list sanitiser on import (see Story.html); the page's CSP
    // (no scripts at all) is the second line of defence.
    return trusted(story.html.replace(/<(\/?)h1\b/gi, "<$1h2"));
  }
  const paragraphs = (story.body.trim() || story.excerpt)
    .split(/\r?\n\s*\r?\n/)
    .map((p) => p.trim())
    .filter(Boolean);
  return html`${paragraphs.map((p) => html`<p>${p}</p>\n`)}`;
}

/** GET /stories/{id}: the hosted copy of a story ("Read more" of stories without a URL). */
export function storyPage(
  config: PageConfig & Pick<DigestConfig, "timeZone">,
  story: Story,
  headers: Record<string, string> = {},
): HttpResponse {
  const l = pageLocale(config);
  const original = safeHref(story.url);
  const body = html`<p class="meta">${story.source}${story.byline.trim() ? ` · ${story.byline}` : ""}<br>
<time datetime="${story.publishedAt}">${storyDate(story.publishedAt, config.timeZone, l)}</time></p>
<div class="story-body">
${storyBody(story)}</div>
${original ? html`<p><a href="${original}">${t(l, "story.readAt", { source: story.source || t(l, "story.theSource") })}</a></p>` : ""}
${subscribeInvite(config)}
${archiveNav(t(l, "story.moreToRead"), l)}`;
  return page(200, config, { title: story.headline, body, feed: true }, headers);
}

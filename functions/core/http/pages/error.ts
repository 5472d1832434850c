import { html } from "../../kernel/html.js";
import { type Phrase, say, t } from "../../kernel/i18n/index.js";
import type { HttpResponse } from "../types.js";
import { type PageConfig, page, pageLocale } from "./layout.js";

/**
 * A small accessible error page (also used by the router for 404s and 500s of public routes), all in
 * the page’s language: `reason` is a catalogue phrase (plain text is shown as given).
 */
export function errorPage(config: PageConfig, status: number, reason: string | Phrase): HttpResponse {
  const l = pageLocale(config);
  const title = t(
    l,
    status === 404
      ? "error.notFound"
      : status === 410
        ? "error.expired"
        : status >= 500
          ? "error.failed"
          : status === 429
            ? "error.tooMany"
            : "error.badLink",
  );
  const message = say(l, reason);
  const sentence = message.charAt(0).toUpperCase() + message.slice(1);
  return page(status, config, {
    title,
    body: html`<p>${/[.!?]$/.test(sentence) ? sentence : `${sentence}.`}</p>`,
  });
}

import { html } from "../../kernel/html.js";
import type { HttpResponse } from "../types.js";
import { type PageConfig, page } from "./layout.js";

/** A small accessible error page (also used by the router for 404s and 500s of public routes). */
export function errorPage(config: PageConfig, status: number, message: string): HttpResponse {
  const title =
    status === 404
      ? "Page not found"
      : status === 410
        ? "This link has expired"
        : status >= 500
          ? "Something went wrong"
          : status === 429
            ? "Too many requests"
            : "This link did not work";
  const sentence = message.charAt(0).toUpperCase() + message.slice(1);
  return page(status, config, {
    title,
    body: html`<p>${/[.!?]$/.test(sentence) ? sentence : `${sentence}.`}</p>`,
  });
}

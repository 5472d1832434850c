import { html } from "../../kernel/html.js";
import type { HttpResponse } from "../types.js";
import { type PageConfig, page } from "./layout.js";

/** Mail to the address is blocked after bounces or complaints; only the sender can lift that. */
export function blockedPage(config: PageConfig, status: number): HttpResponse {
  return page(status, config, {
    title: "We can't send email to this address",
    body: html`<p>Email to this address was blocked because earlier messages bounced or were reported as spam.
While the block is in place we won't send ${config.brandName} there, and it cannot be switched back on from this page.</p>
<p>If you think this is a mistake, reply to any of our emails or contact the sender, and we'll look into it.</p>`,
  });
}

import * as z from "zod";
import { sendTest } from "../delivery/test-send.js";
import { editionPreview, GMAIL_CLIP_BYTES, type PreviewChoice } from "../edition/edition-preview.js";
import type { DigestConfig } from "../kernel/config.js";
import { normalizeEmail } from "../subscribers/subscribers.js";
import { LOCAL_OWNER_EMAIL } from "../team/roles.js";
import { adminRoute, bad, callerOf, jsonBody, queryChoice, unlessStopped } from "./admin-request.js";
import type { ApiContext } from "./context.js";
import type { Route } from "./router.js";
import { HttpError, type HttpRequest, htmlResponse, jsonResponse, textResponse } from "./types.js";

/**
 * The edition's email before (or after) it goes out, for the console's edition page: the preview
 * (HTML for a sandboxed frame, or the text part), its size against Gmail's clip, and a test send to a
 * few addresses. All read the rendered variants stored with the edition (edition/edition-preview.ts):
 * nothing is rendered here, and nothing a reader's link carries is shown or sent.
 */

/** Most addresses one test send goes to: a check by a few people, not a way to mail a list. */
export const MAX_TEST_RECIPIENTS = 5;

const VIEWS = ["html", "text"] as const;

/** `variant` (a stored key: "all", "Science|World", "all@es") and `locale` from the query. */
const choiceOf = (req: HttpRequest): PreviewChoice => ({
  variant: req.query.variant || undefined,
  locale: req.query.locale || undefined,
});

async function preview(ctx: ApiContext, id: string, choice: PreviewChoice) {
  const result = await editionPreview(ctx, id, choice);
  unlessStopped(result, `no edition ${id}`);
  return result.preview;
}

const previewRoute = adminRoute(
  "GET",
  "/admin/editions/{id}/preview",
  async (req, params, ctx) => {
    const view = queryChoice(req, "view", VIEWS) ?? "html";
    const shown = await preview(ctx, params.id ?? "", choiceOf(req));
    const headers = { "x-digest-variant": shown.key };
    return view === "text"
      ? textResponse(200, shown.text, "text/plain; charset=utf-8", headers)
      : htmlResponse(200, shown.html, headers);
  },
  { role: "viewer" },
);

const previewInfoRoute = adminRoute(
  "GET",
  "/admin/editions/{id}/preview/info",
  async (req, params, ctx) => {
    const shown = await preview(ctx, params.id ?? "", choiceOf(req));
    return jsonResponse(200, {
      variant: shown.key,
      variants: shown.variants,
      subject: shown.subject,
      bytes: shown.htmlBytes,
      clipAt: GMAIL_CLIP_BYTES,
      clipped: shown.htmlBytes > GMAIL_CLIP_BYTES,
      // A correction is not in this copy yet: rendered again before anything is sent (deployed, by
      // compose's approval round within a minute; locally at once).
      stale: shown.stale,
    });
  },
  { role: "viewer" },
);

const testBody = z.strictObject({
  to: z
    .array(z.string(), { error: "to must be an array of email addresses" })
    .min(1, { error: "to must name at least one address (or leave it out: the test goes to you)" })
    .max(MAX_TEST_RECIPIENTS, { error: `a test goes to at most ${MAX_TEST_RECIPIENTS} addresses` })
    .optional(),
  variant: z.string({ error: "variant must be a variant key, e.g. all" }).optional(),
  locale: z.string({ error: "locale must be a language tag, e.g. es" }).optional(),
});

/**
 * The test's recipients: `to` checked address by address, else the caller's own address. The local
 * owner (the admin token's, owner@localhost) is no mailbox: theirs goes to the newsroom's own address,
 * the reply-to, else the sender (locally it lands in the outbox's test folder either way).
 */
function recipients(req: HttpRequest, to: string[] | undefined, config: DigestConfig): string[] {
  if (to === undefined) {
    const { email } = callerOf(req);
    if (email === LOCAL_OWNER_EMAIL) return [config.replyTo ?? config.senderAddress];
    const own = normalizeEmail(email);
    if ("error" in own)
      bad("to", `you are signed in as ${email}, which is no email address: give the addresses in to`);
    return [own.email];
  }
  const addresses = to.map((raw, i) => {
    const address = normalizeEmail(raw);
    if ("error" in address) bad("to", `to[${i}]: ${address.error}`);
    return address.email;
  });
  return [...new Set(addresses)];
}

const testRoute = adminRoute(
  "POST",
  "/admin/editions/{id}/test",
  async (req, params, ctx) => {
    const body = req.body.trim() ? jsonBody(req, Object.keys(testBody.shape)) : {};
    const parsed = testBody.safeParse(body);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      bad(String(issue?.path[0] ?? "body"), issue?.message ?? "invalid body");
    }
    const to = recipients(req, parsed.data.to, ctx.config);
    if (!ctx.mailer) throw new HttpError(501, "test sends are not available here: no mailer");
    const id = params.id ?? "";
    const shown = await preview(ctx, id, parsed.data);
    if (shown.stale) {
      // A test shows what readers get: never a copy a correction has overtaken.
      return jsonResponse(409, {
        error: `edition ${id} is being re-rendered after a correction: send the test once the preview shows it (within a minute)`,
        stale: true,
      });
    }
    const deps = { config: ctx.config, mailer: ctx.mailer, outbox: ctx.outbox ?? null };
    const sent: string[] = [];
    const failed: { to: string; error: string }[] = [];
    // One at a time: a handful of addresses, each its own message (no reader sees another's address).
    for (const address of to) {
      const outcome = await sendTest(deps, shown, address);
      if (outcome.ok) sent.push(outcome.to);
      else failed.push({ to: address, error: outcome.error });
    }
    const audit = {
      summary: `test of variant ${shown.key} sent to ${sent.length} of ${to.length} addresses`,
    };
    if (failed.length > 0)
      return { ...jsonResponse(502, { error: failed[0]?.error ?? "not sent", sent, failed }), audit };
    return { ...jsonResponse(200, { sent, variant: shown.key }), audit };
  },
  { role: "editor", audit: { action: "edition.test" } },
);

/** The preview routes (literal `/preview/info` before nothing it could shadow: its own depth). */
export const editionPreviewRoutes: Route<ApiContext>[] = [previewInfoRoute, previewRoute, testRoute];

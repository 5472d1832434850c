import MailComposer from "nodemailer/lib/mail-composer";
import { type DigestConfig, readerLocale } from "../kernel/config.js";
import { escapeHtml } from "../kernel/html.js";
import { DEFAULT_LOCALE, t } from "../kernel/i18n/index.js";
import { MailError, type Mailer, type Outbox } from "../kernel/ports.js";
import { backoffMs } from "../kernel/retry.js";
import type { Subscriber } from "./subscribers.js";
import { type SigningKey, signToken, TOKEN_MAX_AGE_SECONDS } from "./tokens.js";

/**
 * The emails that are not the edition: the double opt-in confirmation, the welcome after it, and
 * "you are already subscribed" (sent instead of a confirmation, so the sign-up form never reveals
 * whether an address is on the list). Each is a small multipart/alternative message built by
 * MailComposer and sent through the same Mailer port as the edition. None carries text someone
 * typed into the public form (the name): they go to addresses nobody has verified yet, and would
 * carry a stranger's words ("Hello Your account is locked, call…") in the product's name.
 */

/** Emails that are not the edition: double opt-in confirmation, welcome, "you are already subscribed". */
export type TransactionalKind = "confirm" | "welcome" | "already-subscribed";

export interface TransactionalMail {
  /** Builds and sends one transactional email to the subscriber (signed links inside); throws on failure. */
  send(kind: TransactionalKind, subscriber: Subscriber): Promise<void>;
  /**
   * The same work as `send` without sending: builds the message and takes about as long as a send
   * lately took. For addresses that must get nothing (suppressed, erased), so that their sign-up
   * answers neither faster nor differently than anyone's.
   */
  withhold(kind: TransactionalKind, subscriber: Subscriber): Promise<void>;
}

export interface TransactionalDeps {
  config: DigestConfig;
  mailer: Mailer;
  outbox: Outbox | null;
  /** The first key signs. */
  keys: readonly SigningKey[];
  clock?: () => Date;
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
  /** A local copy that could not be kept (the mail went out); default console.warn. */
  onWarning?: (message: string) => void;
}

/** Outbox folder and SES edition tag of every transactional email (design.md: out/confirm/<email>.eml). */
export const TRANSACTIONAL_OUTBOX = "confirm";
/** Tries per message for throttling and 5xx; a sign-up request waits at most a few seconds. */
export const TRANSACTIONAL_ATTEMPTS = 4;

/** The signed links a subscriber's transactional email may carry. */
export interface TransactionalLinks {
  confirmUrl: string;
  preferencesUrl: string;
  unsubscribeUrl: string;
}

/** Signs the subscriber's links at `now` (confirm links expire 7 days later; the others never). */
export function transactionalLinks(
  config: Pick<DigestConfig, "publicBaseUrl">,
  key: SigningKey,
  subscriberId: string,
  now: Date,
): TransactionalLinks {
  const base = config.publicBaseUrl;
  return {
    confirmUrl: `${base}/confirm?t=${signToken("confirm", subscriberId, key, now)}`,
    preferencesUrl: `${base}/preferences?t=${signToken("preferences", subscriberId, key, now)}`,
    unsubscribeUrl: `${base}/unsubscribe?t=${signToken("unsubscribe", subscriberId, key, now)}`,
  };
}

interface Content {
  /** BCP 47 tag of the language it is written in. */
  locale: string;
  subject: string;
  /** Paragraphs of plain text; a paragraph that is a URL becomes a button/link in HTML. */
  paragraphs: Paragraph[];
  /** Adds List-Unsubscribe (+ one-click) and List-Id: only for addresses that are subscribed. */
  listHeaders: boolean;
}

/** Text; a button-like link (with the URL spelled out below it); or text followed by a plain link. */
type Paragraph = { text: string; href?: string } | { link: string; label: string };

const CONFIRM_DAYS = Math.round((TOKEN_MAX_AGE_SECONDS.confirm ?? 0) / 86_400);

/**
 * What each kind says, in the reader's language (their own among config `locales`, else `locale`).
 * Pure: same subscriber, links and config → same content.
 */
export function transactionalContent(
  kind: TransactionalKind,
  subscriber: Pick<Subscriber, "email" | "status"> & Partial<Pick<Subscriber, "locale">>,
  config: Pick<DigestConfig, "brandName"> & Partial<Pick<DigestConfig, "locale" | "locales">>,
  links: TransactionalLinks,
): Content {
  const l = readerLocale(
    { locale: config.locale ?? DEFAULT_LOCALE, locales: config.locales },
    subscriber.locale,
  );
  const brand = config.brandName;
  const email = subscriber.email;
  const hello = t(l, "mail.hello");
  switch (kind) {
    case "confirm":
      return {
        locale: l,
        subject: t(l, "mail.confirmSubject", { brand }),
        listHeaders: false,
        paragraphs: [
          { text: hello },
          { text: t(l, "mail.confirmAsk", { brand, email }) },
          { link: links.confirmUrl, label: t(l, "mail.confirmButton") },
          { text: t(l, "mail.confirmValidity", { days: CONFIRM_DAYS }) },
        ],
      };
    case "welcome":
      return {
        locale: l,
        subject: t(l, "mail.welcomeSubject", { brand }),
        listHeaders: true,
        paragraphs: [
          { text: hello },
          { text: t(l, "mail.welcomeSubscribed", { brand }) },
          { text: t(l, "mail.welcomePreferences") },
          { link: links.preferencesUrl, label: t(l, "mail.preferencesButton") },
          { text: t(l, "mail.unsubscribeAnyTime"), href: links.unsubscribeUrl },
        ],
      };
    case "already-subscribed":
      return {
        locale: l,
        subject: t(l, "mail.alreadySubject", { brand }),
        listHeaders: true,
        paragraphs: [
          { text: hello },
          {
            text: t(l, subscriber.status === "paused" ? "mail.alreadyPaused" : "mail.alreadyActive", {
              brand,
              email,
            }),
          },
          { link: links.preferencesUrl, label: t(l, "mail.preferencesButton") },
          { text: t(l, "mail.notYou") },
        ],
      };
  }
}

function renderText(content: Content, config: Pick<DigestConfig, "brandName" | "postalAddress">): string {
  const body = content.paragraphs
    .map((p) =>
      "text" in p
        ? p.href
          ? `${p.text} ${p.href}`
          : p.text
        : t(content.locale, "mail.labelledLink", { label: p.label, url: p.link }),
    )
    .join("\n\n");
  const postal = config.postalAddress.split(/\s*(?:\n| · )\s*/).join("\n");
  return `${body}\n\n-- \n${config.brandName}\n${postal}\n`;
}

const FONT = "font-family:Helvetica,Arial,sans-serif";

function renderHtml(content: Content, config: Pick<DigestConfig, "brandName" | "postalAddress">): string {
  const paragraphs = content.paragraphs
    .map((p) =>
      "text" in p
        ? `<p style="margin:0 0 16px;${FONT};font-size:16px;line-height:1.5;color:#1a1a1a">${escapeHtml(p.text)}${p.href ? ` <a href="${escapeHtml(p.href)}" style="color:#1d4ed8">${escapeHtml(p.href)}</a>` : ""}</p>`
        : `<p style="margin:0 0 24px"><a href="${escapeHtml(p.link)}" style="display:inline-block;padding:12px 20px;background:#1d4ed8;color:#ffffff;${FONT};font-size:16px;font-weight:bold;text-decoration:none;border-radius:6px">${escapeHtml(p.label)}</a></p>` +
          `<p style="margin:0 0 16px;${FONT};font-size:13px;line-height:1.4;color:#4a4a4a;word-break:break-all">${escapeHtml(t(content.locale, "mail.pasteLink", { url: p.link }))}</p>`,
    )
    .join("\n");
  const postal = config.postalAddress
    .split(/\s*(?:\n| · )\s*/)
    .map(escapeHtml)
    .join("<br>");
  return `<!doctype html>
<html lang="${escapeHtml(content.locale)}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${escapeHtml(content.subject)}</title></head>
<body style="margin:0;padding:0;background:#f4f4f5">
<div style="max-width:560px;margin:0 auto;padding:24px;background:#ffffff">
<h1 style="margin:0 0 24px;${FONT};font-size:22px;color:#1a1a1a">${escapeHtml(config.brandName)}</h1>
${paragraphs}
<p style="margin:32px 0 0;${FONT};font-size:12px;line-height:1.5;color:#4a4a4a">${postal}</p>
</div>
</body></html>
`;
}

/**
 * Builds one transactional message (raw MIME, CRLF): From the configured sender, Reply-To when set,
 * text and HTML parts. Welcome and already-subscribed carry RFC 8058 List-Unsubscribe headers; the
 * confirmation does not (the address is not subscribed yet).
 */
export async function composeTransactional(
  kind: TransactionalKind,
  subscriber: Pick<Subscriber, "email" | "status"> & Partial<Pick<Subscriber, "locale">>,
  config: DigestConfig,
  links: TransactionalLinks,
): Promise<Buffer> {
  const content = transactionalContent(kind, subscriber, config, links);
  const domain = config.senderAddress.split("@")[1] ?? "localhost";
  const headers: Record<string, string> = {
    "Feedback-ID": `${kind}:transactional:digest:${domain}`,
    // RFC 3834: keeps vacation responders from answering a machine.
    "Auto-Submitted": "auto-generated",
  };
  if (content.listHeaders) {
    const listUnsubscribe = [`<${links.unsubscribeUrl}>`];
    if (config.unsubscribeMailto)
      listUnsubscribe.push(`<mailto:${config.unsubscribeMailto}?subject=unsubscribe>`);
    headers["List-Unsubscribe"] = listUnsubscribe.join(", ");
    headers["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click";
    headers["List-Id"] = config.listId;
  }
  const composer = new MailComposer({
    from: { name: config.senderName, address: config.senderAddress },
    to: subscriber.email,
    replyTo: config.replyTo,
    subject: content.subject,
    text: renderText(content, config),
    html: renderHtml(content, config),
    headers,
  });
  return composer.compile().build();
}

/** How long `withhold` takes before any send was timed: about one SES SendEmail round trip. */
export const DEFAULT_SEND_MS = 80;

/**
 * The transactional mail service: signs the subscriber's links, composes the message, sends it
 * through the Mailer (throttling and 5xx retried with backoff, up to TRANSACTIONAL_ATTEMPTS tries)
 * and, once SES accepted it, writes it to the outbox as out/confirm/<email>.eml. Throws the last
 * MailError when it could not be sent. `withhold` composes the same message and waits as long as an
 * accepted send takes lately (a moving average), sending nothing.
 */
export function createTransactionalMail(deps: TransactionalDeps): TransactionalMail {
  const clock = deps.clock ?? (() => new Date());
  const sleep = deps.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const random = deps.random ?? Math.random;
  let typicalSendMs = DEFAULT_SEND_MS;
  const compose = async (kind: TransactionalKind, subscriber: Subscriber) => {
    const key = deps.keys[0];
    if (!key) throw new Error("no signing key configured");
    const links = transactionalLinks(deps.config, key, subscriber.id, clock());
    return composeTransactional(kind, subscriber, deps.config, links);
  };
  return {
    async withhold(kind, subscriber) {
      await compose(kind, subscriber);
      await sleep(typicalSendMs);
    },
    async send(kind, subscriber) {
      const raw = await compose(kind, subscriber);
      for (let attempt = 0; ; attempt++) {
        try {
          const started = performance.now();
          await deps.mailer.sendRaw(raw, { to: subscriber.email, editionId: TRANSACTIONAL_OUTBOX });
          typicalSendMs = 0.8 * typicalSendMs + 0.2 * (performance.now() - started);
          break;
        } catch (err) {
          const retryable =
            err instanceof MailError && (err.kind === "throttled" || err.kind === "transient");
          if (!retryable || attempt + 1 >= TRANSACTIONAL_ATTEMPTS) {
            if (err instanceof Error) err.message = `${kind} email to ${subscriber.email}: ${err.message}`;
            throw err;
          }
          await sleep(backoffMs(attempt, random, 200, 2_000));
        }
      }
      // SES accepted it: the mail went out, whatever happens to the local copy (a full disk is a
      // warning, never a failed sign-up that the reader would retry into a second mail).
      await deps.outbox?.writeMessage(TRANSACTIONAL_OUTBOX, subscriber.email, raw).catch((err: unknown) => {
        const warn = deps.onWarning ?? ((message: string) => console.warn(message));
        warn(
          `outbox: ${kind} email to subscriber ${subscriber.id} sent, but its local copy cannot be kept: ${(err as Error).message ?? err}`,
        );
      });
    },
  };
}

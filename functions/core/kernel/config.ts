import * as z from "zod";
import { contrastRatio, DEFAULT_COLORS, formatRatio, MIN_TEXT_CONTRAST, normaliseHex } from "./brand.js";
import { canonicalLocale, DEFAULT_LOCALE, LANGUAGES } from "./i18n/index.js";

/**
 * The one validated configuration of the digest. Values come from (lowest first) the defaults below,
 * an optional JSON file (local runs) and the environment variables in CONFIG_ENV (set by the CDK stack
 * when deployed). Every error names the key and its variable.
 */

const timeZone = z.string().refine(
  (tz) => {
    try {
      new Intl.DateTimeFormat("en", { timeZone: tz });
      return true;
    } catch {
      return false;
    }
  },
  { message: "not an IANA time zone (e.g. Europe/Berlin)" },
);

const emailAddress = z.string().trim().email({ message: "not an email address" });

const httpUrl = z
  .string()
  .trim()
  .url({ message: "not a URL" })
  .refine((u) => /^https:\/\//.test(u) || /^http:\/\/(localhost|127\.0\.0\.1|\[::1\])(:\d+)?(\/|$)/.test(u), {
    message: "must be https:// (http:// only for localhost)",
  })
  .transform((u) => u.replace(/\/+$/, ""));

/** An https URL only (a logo is fetched by the reader's mail client, never over plain http). */
const httpsUrl = z
  .string()
  .trim()
  .url({ message: "not a URL" })
  .refine((u) => /^https:\/\//i.test(u), { message: "must be an https:// URL" });

/** "#rgb" or "#rrggbb", normalised to lower-case "#rrggbb". */
const hexColor = z.string().transform((v, ctx) => {
  const hex = normaliseHex(v);
  if (hex === null) {
    ctx.addIssue({ code: "custom", message: `expected a hex colour like #1d4ed8, got "${v}"` });
    return z.NEVER;
  }
  return hex;
});

/** A BCP 47 tag whose language ships (en, de, fr, es), canonicalised ("de-at" → "de-AT"). */
const localeTag = z.string().transform((v, ctx) => {
  const tag = canonicalLocale(v);
  if (tag === null) {
    ctx.addIssue({
      code: "custom",
      message: `expected a BCP 47 language tag in one of ${LANGUAGES.join(", ")} (e.g. de or fr-CA), got "${v}"`,
    });
    return z.NEVER;
  }
  return tag;
});

const list = z
  .union([z.array(z.string()), z.string()])
  .transform((v) => (Array.isArray(v) ? v : v.split(",")).map((s) => s.trim()).filter(Boolean));

const intFrom = (min: number, max: number) => {
  const message = `expected a whole number from ${min} to ${max}`;
  return z.coerce.number({ message }).int({ message }).min(min, { message }).max(max, { message });
};

/** true/false, also as the strings "true"/"false", "1"/"0", "yes"/"no", "on"/"off" (environment values). */
const flag = (() => {
  const message = 'expected true or false (also "1"/"0", "yes"/"no", "on"/"off")';
  const words: Record<string, boolean> = { true: true, "1": true, yes: true, on: true };
  for (const w of ["false", "0", "no", "off"]) words[w] = false;
  return z.union([z.boolean(), z.string()]).transform((v, ctx) => {
    if (typeof v === "boolean") return v;
    const value = words[v.trim().toLowerCase()];
    if (value === undefined) {
      ctx.addIssue({ code: "custom", message: `${message}, got "${v}"` });
      return z.NEVER;
    }
    return value;
  });
})();

/** A rate as a fraction (0.05) or a percentage ("5%"), above 0 and at most 1. */
const rate = (() => {
  const message = 'expected a fraction above 0 and at most 1 (0.05) or a percentage ("5%")';
  return z
    .union([z.number(), z.string()])
    .transform((v) => {
      if (typeof v === "number") return v;
      const text = v.trim();
      const percent = text.endsWith("%");
      const n = Number(percent ? text.slice(0, -1).trim() : text);
      return percent ? n / 100 : n;
    })
    .pipe(z.number({ message }).gt(0, { message }).max(1, { message }));
})();

/**
 * Whether a composed edition waits for an editor: "none" (it goes out at once), "required" (it waits in
 * "awaiting-approval" until approved) or "deadline HH:MM" (it waits, and goes out at HH:MM in the
 * newsroom's zone unless an editor holds it).
 */
export type ApprovalMode = { mode: "none" } | { mode: "required" } | { mode: "deadline"; at: string };

const approval = z.string().transform((v, ctx): ApprovalMode => {
  const text = v.trim().toLowerCase().replace(/\s+/g, " ");
  if (text === "none" || text === "required") return { mode: text };
  const deadline = /^deadline ([01]?\d|2[0-3]):([0-5]\d)$/.exec(text);
  if (deadline) {
    const at = `${(deadline[1] as string).padStart(2, "0")}:${deadline[2]}`;
    return { mode: "deadline", at };
  }
  ctx.addIssue({ code: "custom", message: `expected "none", "required" or "deadline HH:MM", got "${v}"` });
  return z.NEVER;
});

export const configSchema = z.object({
  brandName: z.string().trim().min(1).max(80).default("The Morning Digest"),
  senderAddress: emailAddress.default("digest@example.com"),
  /** Display name in From; defaults to the brand name. */
  senderName: z.string().trim().max(80).optional(),
  replyTo: emailAddress.optional(),
  /** Base of every link in the email (unsubscribe, preferences, archive, hosted stories). */
  publicBaseUrl: httpUrl.default("https://digest.example.com"),
  /** Postal address printed in the footer (CAN-SPAM); lines separated by "\n" or " · ". */
  postalAddress: z.string().trim().min(1).default("The Morning Digest, 1 Example Street, Springfield 00000"),
  /** Zone of the edition's day and of the send schedule. */
  timeZone: timeZone.default("UTC"),
  maxStories: intFrom(1, 200).default(40),
  /** Known sections, in the order the email shows them; empty means any section is accepted. */
  sections: list.default([]),
  /**
   * Subject template: {lead} (the lead's headline; {top} is the same), {brand}, {date}, {count}, {stories}
   * ("1 story", "12 stories"). At most 78 characters once filled, cut at a word with "…".
   */
  subject: z.string().trim().min(1).max(200).default("{lead}"),
  /**
   * Preheader template: {next} (the three headlines after the lead; with none, the preheader is the
   * lead's excerpt), {headlines} (the first three), {count}, {stories}, {brand}, {date}. Unset: "Also
   * today: {next}" in the edition's language.
   */
  preheader: z.string().trim().max(200).optional(),
  /** List-Id header value; defaults to "<brand> <daily.sender-domain>". */
  listId: z.string().trim().optional(),
  /** Adds <mailto:…> to List-Unsubscribe when an inbound address handles it. */
  unsubscribeMailto: emailAddress.optional(),
  /** SES configuration set (bounce/complaint events). */
  configurationSet: z.string().trim().optional(),
  /** Parallel sends per process. */
  sendConcurrency: intFrom(1, 256).default(8),
  /** Messages per second when the SES endpoint cannot report its MaxSendRate. */
  fallbackSendRate: intFrom(1, 100_000).default(14),
  /** How long a claimed recipient stays reserved for the claiming process (crash recovery). */
  sendLeaseSeconds: intFrom(1, 3600).default(60),
  /** Soft (transient or undetermined) bounces in a row, with no delivery between, before an address is suppressed. */
  transientBounceLimit: intFrom(1, 100).default(3),
  /** The send pauses itself when an edition's hard-bounce rate passes this (SES reviews accounts at 5%). */
  bounceRateLimit: rate.default(0.05),
  /** The send pauses itself when an edition's complaint rate passes this (SES reviews accounts at 0.1%). */
  complaintRateLimit: rate.default(0.001),
  /** Messages an edition must have sent before its bounce and complaint rates can pause it. */
  rateMinimumSends: intFrom(1, 1_000_000).default(100),
  /** How often, in recipients, a send re-reads the edition's bounce and complaint counters (also once at start). */
  rateCheckEvery: intFrom(1, 100_000).default(50),
  /**
   * "edition": everyone gets the edition when it is composed. "local": each subscriber gets it at
   * their delivery hour in their own time zone (an hourly dispatch picks those whose hour has come).
   */
  deliveryMode: z.enum(["edition", "local"], { message: 'expected "edition" or "local"' }).default("edition"),
  /** Local delivery: the hour (0–23, subscriber's zone) for subscribers who chose none. */
  deliveryHour: intFrom(0, 23).default(7),
  /** Logo at the top of the email and the public pages (alt text: the brand name); needs its size. */
  logoUrl: httpsUrl.optional(),
  /** The logo's display width and height in CSS pixels (the email reserves the space before it loads). */
  logoWidth: intFrom(1, 600).optional(),
  logoHeight: intFrom(1, 300).optional(),
  /** Links, section headings and buttons; must reach 4.5:1 against backgroundColor. */
  accentColor: hexColor.default(DEFAULT_COLORS.accentColor),
  /** Body text; must reach 4.5:1 against backgroundColor. */
  textColor: hexColor.default(DEFAULT_COLORS.textColor),
  /** Behind the content of the email and the pages. */
  backgroundColor: hexColor.default(DEFAULT_COLORS.backgroundColor),
  /**
   * Open tracking: SES adds a tracking pixel (the configuration set publishes Open events). The
   * footer says so while opens or clicks are tracked; stats say "not tracked" when off.
   */
  trackOpens: flag.default(true),
  /** Click tracking: SES rewrites the email's links (the configuration set publishes Click events). */
  trackClicks: flag.default(true),
  /**
   * Feed polling may fetch private and loopback addresses (an intranet CMS, test fixtures). Off, only
   * public addresses are fetched; link-local (cloud metadata) and other special addresses never are.
   */
  feedsAllowPrivate: flag.default(false),
  /**
   * Language of the email's chrome, its plain text, the public pages and the sign-up mails (BCP 47,
   * en, de, fr or es; a region such as de-CH shapes dates and numbers). Stories stay as written.
   */
  locale: localeTag.default(DEFAULT_LOCALE),
  /**
   * Languages a reader may choose on the preferences page (and at sign-up); `locale` is always one.
   * With more than one, the edition is rendered once per language and section set.
   */
  locales: z
    .union([z.array(z.string()), z.string()])
    .transform((v) => (Array.isArray(v) ? v : v.split(",")).map((s) => s.trim()).filter(Boolean))
    .pipe(z.array(localeTag))
    .default([]),
  /** Whether a composed edition waits for an editor's approval (ApprovalMode). */
  approval: approval.default({ mode: "none" }),
  /** Who is mailed when an edition awaits approval (besides the team's editors and owners). */
  approvalNotify: list.pipe(z.array(emailAddress)).default([]),
  /**
   * Base of the admin console's links (the approval mail links <base>/console/#/editions/<id>);
   * defaults to publicBaseUrl.
   */
  consoleBaseUrl: httpUrl.optional(),
});

export type DigestConfig = z.infer<typeof configSchema> & { senderName: string; listId: string };

/** Environment variable of each key (the CDK stack sets the same names). */
export const CONFIG_ENV: Record<keyof z.input<typeof configSchema>, string> = {
  brandName: "DIGEST_BRAND_NAME",
  senderAddress: "DIGEST_SENDER_ADDRESS",
  senderName: "DIGEST_SENDER_NAME",
  replyTo: "DIGEST_REPLY_TO",
  publicBaseUrl: "DIGEST_PUBLIC_BASE_URL",
  postalAddress: "DIGEST_POSTAL_ADDRESS",
  timeZone: "DIGEST_TIME_ZONE",
  maxStories: "DIGEST_MAX_STORIES",
  sections: "DIGEST_SECTIONS",
  subject: "DIGEST_SUBJECT",
  preheader: "DIGEST_PREHEADER",
  listId: "DIGEST_LIST_ID",
  unsubscribeMailto: "DIGEST_UNSUBSCRIBE_MAILTO",
  configurationSet: "DIGEST_SES_CONFIGURATION_SET",
  sendConcurrency: "DIGEST_SEND_CONCURRENCY",
  fallbackSendRate: "DIGEST_FALLBACK_SEND_RATE",
  sendLeaseSeconds: "DIGEST_SEND_LEASE_SECONDS",
  transientBounceLimit: "DIGEST_TRANSIENT_BOUNCE_LIMIT",
  bounceRateLimit: "DIGEST_BOUNCE_RATE_LIMIT",
  complaintRateLimit: "DIGEST_COMPLAINT_RATE_LIMIT",
  rateMinimumSends: "DIGEST_RATE_MINIMUM_SENDS",
  rateCheckEvery: "DIGEST_RATE_CHECK_EVERY",
  deliveryMode: "DIGEST_DELIVERY_MODE",
  deliveryHour: "DIGEST_DELIVERY_HOUR",
  logoUrl: "DIGEST_LOGO_URL",
  logoWidth: "DIGEST_LOGO_WIDTH",
  logoHeight: "DIGEST_LOGO_HEIGHT",
  accentColor: "DIGEST_ACCENT_COLOR",
  textColor: "DIGEST_TEXT_COLOR",
  backgroundColor: "DIGEST_BACKGROUND_COLOR",
  trackOpens: "DIGEST_TRACK_OPENS",
  trackClicks: "DIGEST_TRACK_CLICKS",
  feedsAllowPrivate: "DIGEST_FEEDS_ALLOW_PRIVATE",
  locale: "DIGEST_LOCALE",
  locales: "DIGEST_LOCALES",
  approval: "DIGEST_APPROVAL",
  approvalNotify: "DIGEST_APPROVAL_NOTIFY",
  consoleBaseUrl: "DIGEST_CONSOLE_BASE_URL",
};

/**
 * C0/C1 control characters and Unicode line separators: names and texts end up in mail headers
 * (CRLF there starts a new header) and on one-line displays. The postal address may use "\n".
 */
const CONTROL_CHARACTER = /[\p{Cc}\u2028\u2029]/u;
const MULTILINE_KEYS: ReadonlySet<string> = new Set(["postalAddress"]);

/** "key (ENV): contains a control character (U+000D)…" for each raw text value that holds one. */
function controlCharacterProblems(raw: Record<string, unknown>): string[] {
  const problems: string[] = [];
  for (const [key, value] of Object.entries(raw)) {
    const texts = (Array.isArray(value) ? value : [value]).filter((v): v is string => typeof v === "string");
    const allowed = MULTILINE_KEYS.has(key) ? /\n/g : null;
    const found = texts
      .map((t) => CONTROL_CHARACTER.exec(allowed ? t.replace(allowed, "") : t))
      .find(Boolean);
    if (!found) continue;
    const code = `U+${(found[0].codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, "0")}`;
    const envName = CONFIG_ENV[key as keyof typeof CONFIG_ENV];
    problems.push(
      `${key}${envName ? ` (${envName})` : ""}: contains a control character (${code}); ` +
        (allowed ? "only line breaks (\\n) are allowed" : "it must be plain text on one line"),
    );
  }
  return problems;
}

export class ConfigError extends Error {
  override name = "ConfigError";
}

/**
 * Validates raw values (file values overlaid by env values) into a DigestConfig.
 * Throws ConfigError listing every bad key as "key (ENV_VAR): reason".
 */
export function parseConfig(
  file: Record<string, unknown>,
  env: Record<string, string | undefined>,
): DigestConfig {
  const raw: Record<string, unknown> = { ...file };
  for (const [key, envName] of Object.entries(CONFIG_ENV)) {
    const value = env[envName];
    if (value !== undefined && value !== "") raw[key] = value;
  }
  const unknown = Object.keys(file).filter((k) => !(k in CONFIG_ENV));
  const result = configSchema.safeParse(raw);
  const problems = [...unknown.map((k) => `${k}: unknown setting`), ...controlCharacterProblems(raw)];
  if (!result.success) {
    for (const issue of result.error.issues) {
      const key = String(issue.path[0] ?? "");
      const envName = CONFIG_ENV[key as keyof typeof CONFIG_ENV];
      problems.push(`${key}${envName ? ` (${envName})` : ""}: ${issue.message}`);
    }
  }
  if (result.success) problems.push(...brandingProblems(result.data));
  if (problems.length > 0 || !result.success) {
    throw new ConfigError(`invalid configuration:\n  ${problems.join("\n  ")}`);
  }
  const c = result.data;
  const domain = c.senderAddress.split("@")[1] ?? "localhost";
  return {
    ...c,
    // The default language always ships; the list has it first and each language once.
    locales: [...new Set([c.locale, ...c.locales])],
    senderName: c.senderName ?? c.brandName,
    listId: c.listId ?? `${c.brandName} <daily.${domain}>`,
  };
}

/**
 * Checks between branding values that each passed on their own: text and accent colours readable on
 * the background (WCAG AA, 4.5:1, with the ratio in the message) and a logo's size given with it.
 * Returns "key (ENV_VAR): reason" lines, empty when all is well.
 */
function brandingProblems(c: z.infer<typeof configSchema>): string[] {
  const problems: string[] = [];
  const at = (key: keyof typeof CONFIG_ENV) => `${key} (${CONFIG_ENV[key]})`;
  for (const key of ["textColor", "accentColor"] as const) {
    const ratio = contrastRatio(c[key], c.backgroundColor);
    if (ratio < MIN_TEXT_CONTRAST) {
      problems.push(
        `${at(key)}: ${c[key]} on backgroundColor ${c.backgroundColor} has a contrast of ${formatRatio(ratio)}; at least ${MIN_TEXT_CONTRAST}:1 is needed (WCAG AA)`,
      );
    }
  }
  if (c.logoUrl !== undefined) {
    for (const key of ["logoWidth", "logoHeight"] as const) {
      if (c[key] === undefined) problems.push(`${at(key)}: required with logoUrl`);
    }
  }
  return problems;
}

/**
 * The locale a reader gets: their own choice when it is one of the enabled `locales`, else the
 * configured `locale` (a language later disabled falls back, it never fails a send).
 */
export function readerLocale(
  config: Pick<DigestConfig, "locale"> & Partial<Pick<DigestConfig, "locales">>,
  chosen: string | null | undefined,
): string {
  return chosen && (config.locales ?? []).includes(chosen) ? chosen : config.locale;
}

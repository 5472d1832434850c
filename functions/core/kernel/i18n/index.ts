import { de } from "./de.js";
import { en, type Messages } from "./en.js";
import { es } from "./es.js";
import { fr } from "./fr.js";

/**
 * The words around the news: one message catalogue per language (en.ts is the reference, the others
 * are typed against its keys), `t` to fill a message's `{placeholders}` and `tn` to pick a plural form
 * through Intl.PluralRules. Numbers in parameters are formatted with Intl.NumberFormat. Stories' own
 * text is never translated: only the chrome around it.
 */

export type { Messages };
export type MessageKey = keyof Messages;

/** Languages that ship complete, in the order a reader is offered them. */
export const LANGUAGES = ["en", "de", "fr", "es"] as const;
export type Language = (typeof LANGUAGES)[number];

export const CATALOGUES: Readonly<Record<Language, Messages>> = { en, de, fr, es };

/** The default locale (config `locale`). */
export const DEFAULT_LOCALE = "en";

/** Keys `<base>.other` has, i.e. the plural messages, by their base. */
export type PluralKey = {
  [K in MessageKey]: K extends `${infer Base}.other` ? Base : never;
}[MessageKey];

/** The shipped language of a BCP 47 tag ("de-AT" → "de"); "en" when it is not one we ship. */
export function languageOf(locale: string): Language {
  const language = locale.split(/[-_]/)[0]?.toLowerCase();
  return (LANGUAGES as readonly string[]).includes(language ?? "") ? (language as Language) : "en";
}

/**
 * The canonical form of a BCP 47 tag whose language ships ("de-at" → "de-AT"), or null when the tag
 * is malformed or its language is not one of LANGUAGES.
 */
export function canonicalLocale(tag: string): string | null {
  try {
    const [canonical] = Intl.getCanonicalLocales(tag.trim());
    if (!canonical) return null;
    const language = canonical.split("-")[0] ?? "";
    return (LANGUAGES as readonly string[]).includes(language) ? canonical : null;
  } catch {
    return null;
  }
}

const numberFormats = new Map<string, Intl.NumberFormat>();
const pluralRules = new Map<string, Intl.PluralRules>();

function numberFormat(locale: string): Intl.NumberFormat {
  let f = numberFormats.get(locale);
  if (!f) {
    f = new Intl.NumberFormat(locale);
    numberFormats.set(locale, f);
  }
  return f;
}

/** A number as the locale writes it ("1,234" in en, "1.234" in de, "1 234" in fr). */
export function formatNumber(locale: string, n: number): string {
  return numberFormat(locale).format(n);
}

/** Fills `{name}` placeholders; numbers through Intl.NumberFormat; an unknown placeholder stays as written. */
function fill(locale: string, message: string, params?: Readonly<Record<string, string | number>>): string {
  if (!params || !message.includes("{")) return message;
  return message.replace(/\{(\w+)\}/g, (whole, name: string) => {
    const value = params[name];
    if (value === undefined) return whole;
    return typeof value === "number" ? formatNumber(locale, value) : value;
  });
}

/** The message `key` in the locale's language, with its placeholders filled from `params`. */
export function t(
  locale: string,
  key: MessageKey,
  params?: Readonly<Record<string, string | number>>,
): string {
  return fill(locale, CATALOGUES[languageOf(locale)][key], params);
}

/**
 * The plural message `<base>.<category>` for `count` (category from Intl.PluralRules of the locale,
 * falling back to `.other`), with `{count}` and the other placeholders filled.
 */
export function tn(
  locale: string,
  base: PluralKey,
  count: number,
  params?: Readonly<Record<string, string | number>>,
): string {
  let rules = pluralRules.get(locale);
  if (!rules) {
    rules = new Intl.PluralRules(locale);
    pluralRules.set(locale, rules);
  }
  const catalogue = CATALOGUES[languageOf(locale)] as Record<string, string>;
  const message = catalogue[`${base}.${rules.select(count)}`] ?? (catalogue[`${base}.other`] as string);
  return fill(locale, message, { ...params, count });
}

/** A language's name in itself ("Deutsch", "français"), for a language chooser. */
export function languageName(locale: string): string {
  const name = new Intl.DisplayNames([locale], { type: "language" }).of(locale) ?? locale;
  return name.charAt(0).toLocaleUpperCase(locale) + name.slice(1);
}

const longDates = new Map<string, Intl.DateTimeFormat>();

/**
 * "Friday 27 November 2026", "Freitag, 27. November 2026", "vendredi 27 novembre 2026" for a
 * YYYY-MM-DD day. English keeps its own assembly from parts (ICU versions disagree on the comma after
 * the weekday); the other languages take Intl's full date style.
 */
export function formatDay(locale: string, day: string): string {
  const at = new Date(`${day}T12:00:00Z`);
  if (languageOf(locale) === "en") {
    const parts = longDate("en-GB", {
      weekday: "long",
      day: "numeric",
      month: "long",
      year: "numeric",
    }).formatToParts(at);
    const part = (type: Intl.DateTimeFormatPartTypes) => parts.find((p) => p.type === type)?.value ?? "";
    return `${part("weekday")} ${part("day")} ${part("month")} ${part("year")}`;
  }
  return longDate(locale, { dateStyle: "full" }).format(at);
}

function longDate(locale: string, options: Intl.DateTimeFormatOptions): Intl.DateTimeFormat {
  const key = `${locale}|${JSON.stringify(options)}`;
  let f = longDates.get(key);
  if (!f) {
    f = new Intl.DateTimeFormat(locale, { ...options, timeZone: "UTC" });
    longDates.set(key, f);
  }
  return f;
}

/**
 * A sentence meant for a reader, kept as its catalogue key and parameters so that a page can write it
 * in its own language. Validation keeps the English text beside it (`error`) for the CLI, the logs and
 * the JSON API, which stay English.
 */
export interface Phrase {
  key: MessageKey;
  params?: Readonly<Record<string, string | number>>;
}

/** An error as English text (for scripts and logs) and as a phrase (for pages). */
export function problem(
  key: MessageKey,
  params?: Readonly<Record<string, string | number>>,
): { error: string; phrase: Phrase } {
  return { error: t(DEFAULT_LOCALE, key, params), phrase: params ? { key, params } : { key } };
}

/** The phrase in the locale's language; plain text (English from the code) is shown as given. */
export function say(locale: string, message: string | Phrase): string {
  return typeof message === "string" ? message : t(locale, message.key, message.params);
}

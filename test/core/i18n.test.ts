import { describe, expect, it } from "vitest";
import { parseConfig, readerLocale } from "../../functions/core/kernel/config.js";
import {
  CATALOGUES,
  canonicalLocale,
  formatDay,
  LANGUAGES,
  languageName,
  t,
  tn,
} from "../../functions/core/kernel/i18n/index.js";

/** The `{placeholders}` of a message, sorted. */
const placeholders = (message: string) => [...message.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();

describe("the message catalogues", () => {
  const reference = CATALOGUES.en;
  const keys = Object.keys(reference).sort();

  it.each(LANGUAGES.filter((l) => l !== "en"))("%s has every English key and no other", (language) => {
    const catalogue = CATALOGUES[language] as Record<string, string>;
    expect(Object.keys(catalogue).sort()).toEqual(keys);
    for (const key of keys) expect(catalogue[key]?.trim(), `${language} ${key}`).toBeTruthy();
  });

  it.each(LANGUAGES.filter((l) => l !== "en"))("%s uses the same placeholders as English", (language) => {
    const catalogue = CATALOGUES[language] as Record<string, string>;
    const differing = keys.filter(
      (key) =>
        placeholders(catalogue[key] ?? "").join() !==
        placeholders((reference as Record<string, string>)[key] ?? "").join(),
    );
    expect(differing).toEqual([]);
  });

  it.each(LANGUAGES)("%s has an `.other` for every plural form it uses", (language) => {
    const catalogue = CATALOGUES[language] as Record<string, string>;
    const bases = new Set(
      Object.keys(catalogue)
        .filter((k) => /\.(zero|one|two|few|many)$/.test(k))
        .map((k) => k.replace(/\.\w+$/, "")),
    );
    for (const base of bases) expect(catalogue[`${base}.other`], `${language} ${base}.other`).toBeDefined();
  });
});

describe("t, tn and Intl", () => {
  it("fills placeholders, numbers as the locale writes them", () => {
    expect(t("de", "email.readMoreAt", { source: "Tagesspiegel" })).toBe("Weiterlesen bei Tagesspiegel");
    expect(tn("en", "email.moreStories", 1)).toBe("1 more story today");
    expect(tn("en", "email.moreStories", 1234)).toBe("1,234 more stories today");
    expect(tn("de", "email.moreStories", 1234)).toBe("1.234 weitere Artikel heute");
    expect(tn("fr", "email.moreStories", 2)).toBe("2 autres articles aujourd’hui");
    expect(tn("es", "email.moreStories", 1)).toBe("1 noticia más hoy");
  });

  it("takes a region's language and falls back to English for any other", () => {
    expect(t("de-AT", "email.unsubscribe")).toBe("Abbestellen");
    expect(t("fr-CA", "email.unsubscribe")).toBe("Se désabonner");
    expect(canonicalLocale("de-at")).toBe("de-AT");
    expect(canonicalLocale("it")).toBeNull();
    expect(canonicalLocale("not a tag")).toBeNull();
  });

  it("writes dates in the language, and English as before", () => {
    expect(formatDay("en", "2026-11-27")).toBe("Friday 27 November 2026");
    expect(formatDay("de", "2026-11-27")).toBe("Freitag, 27. November 2026");
    expect(formatDay("fr", "2026-11-27")).toBe("vendredi 27 novembre 2026");
    expect(formatDay("es", "2026-11-27")).toBe("viernes, 27 de noviembre de 2026");
  });

  it("names each language in itself", () => {
    expect(LANGUAGES.map(languageName)).toEqual(["English", "Deutsch", "Français", "Español"]);
  });
});

describe("locale and locales in the config", () => {
  it("defaults to English and puts locale first among locales", () => {
    expect(parseConfig({}, {}).locale).toBe("en");
    expect(parseConfig({}, {}).locales).toEqual(["en"]);
    const c = parseConfig({}, { DIGEST_LOCALE: "de", DIGEST_LOCALES: "en, es,de" });
    expect(c.locale).toBe("de");
    expect(c.locales).toEqual(["de", "en", "es"]);
  });

  it("refuses a tag that is not BCP 47 or a language that does not ship, naming the variable", () => {
    expect(() => parseConfig({}, { DIGEST_LOCALE: "it" })).toThrow(/locale \(DIGEST_LOCALE\)/);
    expect(() => parseConfig({ locales: ["en", "xx-!"] }, {})).toThrow(/locales \(DIGEST_LOCALES\)/);
  });

  it("gives a reader their language only while it is enabled", () => {
    const c = parseConfig({}, { DIGEST_LOCALES: "en,es" });
    expect(readerLocale(c, "es")).toBe("es");
    expect(readerLocale(c, "fr")).toBe("en");
    expect(readerLocale(c, null)).toBe("en");
  });
});

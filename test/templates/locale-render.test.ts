import { beforeAll, describe, expect, it } from "vitest";
import { buildView, type EditionStory } from "../../functions/core/edition/edition.js";
import { createRenderer, type DigestRenderer } from "../../functions/core/edition/render.js";
import { parseConfig } from "../../functions/core/kernel/config.js";
import { loadTemplateSpec } from "../../functions/local/template-loader.js";

/** The email's chrome in the configured language (DIGEST_LOCALE); the stories stay as written. */

let renderer: DigestRenderer;
beforeAll(async () => {
  renderer = createRenderer(await loadTemplateSpec());
});

const stories: EditionStory[] = [
  {
    id: "a",
    headline: "Hafenstadt läuft eine Woche mit Gezeitenstrom",
    url: "https://tagesspiegel.example/wissen/gezeiten",
    source: "Tagesspiegel",
    section: "Wissen",
    byline: "Ana Ortiz",
    publishedAt: "2026-11-27T06:00:00.000Z",
    excerpt: "Sieben Tage lang kam der Strom nur aus dem Meer.",
  },
  {
    id: "b",
    headline: "Stadtrat beschließt den Haushalt",
    url: "https://tagesspiegel.example/berlin/haushalt",
    source: "Berliner Zeitung",
    section: "Berlin",
    byline: "",
    publishedAt: "2026-11-27T05:00:00.000Z",
    excerpt: "Nach langer Nacht.",
  },
];

function render(env: Record<string, string>, leftOut = 0) {
  const config = parseConfig({}, { DIGEST_PUBLIC_BASE_URL: "https://digest.example", ...env });
  const view = buildView({ config, date: "2026-11-27", stories, leftOut });
  return { view, html: renderer.html(view), text: renderer.text(view) };
}

describe("DIGEST_LOCALE=de", () => {
  it("gives the email html lang de and German chrome, HTML and plain text", () => {
    const { view, html, text } = render({ DIGEST_LOCALE: "de" }, 3);
    expect(html).toMatch(/<html lang="de"/);
    expect(view.dateLabel).toBe("Freitag, 27. November 2026");
    expect(view.preheader).toBe("Außerdem heute: Stadtrat beschließt den Haushalt");
    expect(html).toContain("Diese E-Mail im Browser ansehen");
    expect(html).toContain("Weiterlesen bei Tagesspiegel");
    expect(html).toContain("Einstellungen verwalten</a>");
    expect(html).toContain("Abbestellen</a>");
    expect(html).toContain("3 weitere Artikel heute");
    expect(html).toContain("Wir zählen Öffnungen und Klicks");
    expect(html).not.toMatch(/Read more|Unsubscribe<|Manage preferences|View this email/);
    expect(text).toContain("Im Browser ansehen: https://digest.example/archive/2026-11-27");
    expect(text).toContain("Weiterlesen: https://tagesspiegel.example/wissen/gezeiten");
    expect(text).toContain("Sie erhalten diese E-Mail, weil Sie The Morning Digest abonniert haben.");
    expect(text).toMatch(/^Einstellungen verwalten: https:\/\//m);
    expect(text).toMatch(/^Abbestellen: https:\/\//m);
    expect(text).not.toMatch(/View in your browser|Read more|Unsubscribe:/);
    // The stories themselves are not translated.
    expect(html).toContain("Hafenstadt läuft eine Woche mit Gezeitenstrom");
  });

  it("keeps English (lang en, the same words) by default", () => {
    const { html, text } = render({});
    expect(html).toMatch(/<html lang="en"/);
    expect(html).toContain("Read more at Tagesspiegel");
    expect(text).toContain("View in your browser: https://digest.example/archive/2026-11-27");
  });

  it("uses the region for the tag and the language for the words", () => {
    const { html } = render({ DIGEST_LOCALE: "fr-CA" });
    expect(html).toMatch(/<html lang="fr-CA"/);
    expect(html).toContain("Lire la suite sur Tagesspiegel");
  });
});

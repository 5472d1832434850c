import { afterEach, describe, expect, it } from "vitest";
import { absolute, form, linkIn, post, signUpAndConfirm, startWorld, type World } from "./public-helpers.js";

/** The public pages and the sign-up mails in the configured language, and a reader's own choice of it. */

let world: World;

afterEach(async () => {
  await world?.close();
});

const formAction = (body: string) => body.match(/<form method="post" action="([^"]+)"/)?.[1] as string;

describe("DIGEST_LOCALE=fr", () => {
  it("writes the sign-up mails and the preferences page in French, with html lang fr", async () => {
    world = await startWorld({ DIGEST_LOCALE: "fr" });
    const signup = await (await fetch(`${world.serve.url}/subscribe`)).text();
    expect(signup).toMatch(/^<!doctype html>\n<html lang="fr">/);
    expect(signup).toContain("<h1>S’abonner à The Test Digest</h1>");

    const welcome = await signUpAndConfirm(world, "ana@example.com");
    expect(welcome.subject).toBe("Bienvenue à The Test Digest");
    expect(welcome.html).toMatch(/<html lang="fr">/);
    expect(welcome.text).toContain("Vous êtes abonné(e) à The Test Digest.");
    // The confirmation before it (the outbox keeps the latest mail per address): French too.
    expect(world.sesLog()[0]?.subject).toContain("Confirmez_votre_abonnement");

    const res = await fetch(linkIn(welcome, "/preferences"));
    expect(res.status).toBe(200);
    const body = await res.text();
    expect(body).toMatch(/^<!doctype html>\n<html lang="fr">/);
    expect(body).toContain("<h1>Vos préférences</h1>");
    expect(body).toContain("Vous êtes abonné(e).");
    expect(body).toContain(">Enregistrer mes préférences</button>");
    expect(body).toContain("<legend>Rubriques</legend>");
    expect(body).toContain("Fuseau horaire");
    expect(body).not.toMatch(/Your preferences|Save preferences|Time zone/);
    // One language enabled: nothing to choose.
    expect(body).not.toContain('name="locale"');
  });
});

describe("DIGEST_LOCALES=en,es", () => {
  it("lets a reader choose Spanish on the preferences page, stores it and answers in it", async () => {
    world = await startWorld({ DIGEST_LOCALES: "en,es" });
    const welcome = await signUpAndConfirm(world, "ben@example.com");
    const prefs = linkIn(welcome, "/preferences");
    const body = await (await fetch(prefs)).text();
    expect(body).toMatch(/<html lang="en">/);
    expect(body).toContain('<select id="locale" name="locale"');
    expect(body).toContain('<option value="es" lang="es">Español</option>');

    const saved = await post(
      absolute(world, formAction(body.slice(body.indexOf("<h2>What you receive</h2>")))),
      form({ action: "save", sections: ["World", "Science", "Culture"], timezone: "", locale: "es" }),
    );
    expect(saved.status).toBe(303);
    expect((await world.record("ben@example.com"))?.locale).toBe("es");
    const shown = await (await fetch(absolute(world, saved.headers.get("location") as string))).text();
    expect(shown).toMatch(/<html lang="es">/);
    expect(shown).toContain("<h1>Tus preferencias</h1>");
    expect(shown).toMatch(/role="status"><p>Tus preferencias se han guardado\./);
    expect(shown).toContain('<option value="es" lang="es" selected>Español</option>');

    // A language that is not enabled is refused, and nothing changes.
    const refused = await post(
      prefs,
      form({ action: "save", sections: ["World"], timezone: "", locale: "fr" }),
    );
    expect(refused.status).toBe(400);
    expect((await world.record("ben@example.com"))?.locale).toBe("es");
    expect((await world.record("ben@example.com"))?.sections).toEqual([]);
  });

  it("takes the language at sign-up and writes the confirmation in it", async () => {
    world = await startWorld({ DIGEST_LOCALES: "en,es" });
    const signup = await (await fetch(`${world.serve.url}/subscribe`)).text();
    expect(signup).toContain('<select id="locale" name="locale"');
    const res = await post(`${world.serve.url}/subscribe`, form({ email: "cy@example.com", locale: "es" }));
    expect(res.status).toBe(202);
    const confirmation = await world.eml("confirm", "cy@example.com");
    expect(confirmation.subject).toBe("Confirma tu suscripción a The Test Digest");
    expect((await world.record("cy@example.com"))?.locale).toBe("es");
  });
});

describe("the forms' errors and the error pages in the configured language", () => {
  it("DIGEST_LOCALE=de: a bad address and a tampered link are answered in German", async () => {
    world = await startWorld({ DIGEST_LOCALE: "de" });
    const bad = await post(`${world.serve.url}/subscribe`, form({ email: "not-an-address" }));
    expect(bad.status).toBe(400);
    const badBody = await bad.text();
    expect(badBody).toMatch(/^<!doctype html>\n<html lang="de">/);
    expect(badBody).toContain("<h2>Bitte prüfen Sie das Formular</h2>");
    expect(badBody).toContain("„not-an-address“ ist keine gültige E-Mail-Adresse");
    expect(badBody).not.toContain("is not a valid email address");

    const unknownZone = await post(
      `${world.serve.url}/subscribe`,
      form({ email: "ana@example.com", timezone: "Mars/Olympus" }),
    );
    expect(unknownZone.status).toBe(400);
    expect(await unknownZone.text()).toContain("„Mars/Olympus“ ist keine Zeitzone");

    const tampered = await fetch(`${world.serve.url}/confirm?t=not-a-token`);
    expect(tampered.status).toBe(400);
    const tamperedBody = await tampered.text();
    expect(tamperedBody).toMatch(/<html lang="de">/);
    expect(tamperedBody).toContain("Dieser Link ist ungültig");
    expect(tamperedBody).not.toContain("this link is not valid");

    const incomplete = await (await fetch(`${world.serve.url}/confirm`)).text();
    expect(incomplete).toContain("Dieser Link ist unvollständig");

    const missing = await fetch(`${world.serve.url}/no-such-page`);
    expect(missing.status).toBe(404);
    expect(await missing.text()).toContain("<p>Diese Seite gibt es nicht.</p>");
  });

  it("DIGEST_LOCALE=de: the preferences form's errors are German too", async () => {
    world = await startWorld({ DIGEST_LOCALE: "de" });
    const welcome = await signUpAndConfirm(world, "dora@example.com");
    const prefs = linkIn(welcome, "/preferences");
    const none = await post(prefs, form({ action: "save", timezone: "" }));
    expect(none.status).toBe(400);
    const noneBody = await none.text();
    expect(noneBody).toMatch(/<html lang="de">/);
    expect(noneBody).toContain("Wählen Sie mindestens ein Ressort (oder bestellen Sie unten ab)");
    expect(noneBody).not.toContain("choose at least one section");

    // A button from a stale page (resume while active): the reason is German too.
    const stale = await post(prefs, form({ action: "resume" }));
    expect(stale.status).toBe(400);
    expect(await stale.text()).toContain("Das ist bei diesem Abonnement gerade nicht möglich");

    const tooLarge = await post(`${world.serve.url}/subscribe`, form({ email: "x".repeat(2_000_000) }));
    expect(tooLarge.status).toBe(413);
    expect(await tooLarge.text()).toMatch(
      /<p>Die Anfrage ist größer als \d+ Bytes: Bitte senden Sie weniger\.<\/p>/,
    );
  });

  it("DIGEST_LOCALE=fr: a story that is not there is a French 404 page", async () => {
    world = await startWorld({ DIGEST_LOCALE: "fr" });
    const res = await fetch(`${world.serve.url}/stories/no-such-story`);
    expect(res.status).toBe(404);
    const body = await res.text();
    expect(body).toMatch(/<html lang="fr">/);
    expect(body).toContain("<p>Cet article n’existe pas ici.</p>");
    expect(body).not.toContain("there is no such story");
  });
});

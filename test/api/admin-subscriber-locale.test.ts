import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { adminRequest, type Serve, serveForSuite } from "../helpers/serve.js";
import type { TestStack } from "../helpers/services.js";

/**
 * A reader's language as admins see and set it (issue 18): the admin API (add, update, show, list,
 * import, export), the CLI, and GET /admin/overview naming the enabled languages for the console.
 * DIGEST_LOCALES enables en (the default), fr and de.
 */

const CONFIG = { DIGEST_SECTIONS: "World,Science", DIGEST_LOCALES: "fr,de" };

describe("a subscriber's locale through the admin API and the CLI", () => {
  let stack: TestStack;
  let serve: Serve;
  const api = (method: string, path: string, opts: Parameters<typeof adminRequest>[3] = {}) =>
    adminRequest(serve, method, path, opts);
  serveForSuite(CONFIG, (started) => {
    ({ stack, serve } = started);
  });

  it("POST and PATCH take a locale of `locales` (null or empty clears it); others are a 400 naming them", async () => {
    const added = await api("POST", "/admin/subscribers", {
      json: { email: "fr@example.com", locale: "fr" },
    });
    expect(added.status).toBe(201);
    expect(added.json.locale).toBe("fr");
    expect((await api("GET", "/admin/subscribers/fr%40example.com")).json.locale).toBe("fr");

    // A tag's case does not matter (BCP 47): stored as the enabled spelling.
    const de = await api("PATCH", "/admin/subscribers/fr%40example.com", { json: { locale: "DE" } });
    expect(de.status).toBe(200);
    expect(de.json.locale).toBe("de");
    // Other fields leave it alone.
    const renamed = await api("PATCH", "/admin/subscribers/fr%40example.com", { json: { name: "Frida" } });
    expect(renamed.json.locale).toBe("de");

    const bad = await api("PATCH", "/admin/subscribers/fr%40example.com", { json: { locale: "es" } });
    expect(bad.status).toBe(400);
    expect(bad.json.field).toBe("locale");
    expect(bad.json.error).toContain("en, fr, de");
    const badAdd = await api("POST", "/admin/subscribers", {
      json: { email: "x@example.com", locale: "xx" },
    });
    expect(badAdd.status).toBe(400);
    expect(badAdd.json.error).toContain("en, fr, de");
    expect((await api("GET", "/admin/subscribers/x%40example.com")).status).toBe(404);
    const notText = await api("POST", "/admin/subscribers", { json: { email: "y@example.com", locale: 7 } });
    expect(notText.status).toBe(400);

    const cleared = await api("PATCH", "/admin/subscribers/fr%40example.com", { json: { locale: null } });
    expect(cleared.json.locale).toBeNull();
    await api("PATCH", "/admin/subscribers/fr%40example.com", { json: { locale: "fr" } });
    const empty = await api("PATCH", "/admin/subscribers/fr%40example.com", { json: { locale: "" } });
    expect(empty.json.locale).toBeNull();

    const plain = await api("POST", "/admin/subscribers", { json: { email: "plain@example.com" } });
    expect(plain.json.locale).toBeNull();
    await api("PATCH", "/admin/subscribers/fr%40example.com", { json: { locale: "fr" } });
    const list = await api("GET", "/admin/subscribers");
    const byEmail = new Map(
      list.json.items.map((s: { email: string; locale: unknown }) => [s.email, s.locale]),
    );
    expect(byEmail.get("fr@example.com")).toBe("fr");
    expect(byEmail.get("plain@example.com")).toBeNull();
  });

  it("GET /admin/overview names the enabled locales, the default first (the console's language select)", async () => {
    const overview = await api("GET", "/admin/overview");
    expect(overview.status).toBe(200);
    expect(overview.json.locales).toEqual(["en", "fr", "de"]);
  });

  it("imports a locale column (language, lang), reports a bad one by line, exports it re-importably", async () => {
    const csv = [
      "email,name,Language",
      "l1@example.com,One,fr",
      "l2@example.com,Two,klingon",
      "l3@example.com,Three,",
      "fr@example.com,,de",
    ].join("\n");
    const imported = await api("POST", "/admin/subscribers/import", { body: csv, type: "text/csv" });
    expect(imported.status).toBe(200);
    expect(imported.json).toMatchObject({ imported: 2, updated: 1, invalid: 1 });
    expect(imported.json.errors).toEqual([{ line: 3, reason: expect.stringContaining("en, fr, de") }]);
    expect((await api("GET", "/admin/subscribers/l1%40example.com")).json.locale).toBe("fr");
    expect((await api("GET", "/admin/subscribers/l3%40example.com")).json.locale).toBeNull();
    // An existing subscriber takes the file's language as it takes a name or a zone.
    expect((await api("GET", "/admin/subscribers/fr%40example.com")).json.locale).toBe("de");
    // An empty cell leaves an existing choice alone (as for name and time zone).
    const lang = await api("POST", "/admin/subscribers/import", {
      body: "email,lang\nfr@example.com,\n",
      type: "text/csv",
    });
    expect(lang.json).toMatchObject({ skipped: 1, invalid: 0 });
    expect((await api("GET", "/admin/subscribers/fr%40example.com")).json.locale).toBe("de");

    const exported = await api("GET", "/admin/subscribers/export");
    const lines = exported.text.trimEnd().split("\r\n");
    expect(lines[0]).toBe("email,name,sections,timezone,locale,status,createdAt,confirmedAt");
    expect(lines.find((l) => l.startsWith("l1@"))).toMatch(/^l1@example\.com,One,,,fr,active,/);
    const json = await api("GET", "/admin/subscribers/export?format=json");
    expect(json.json.find((s: { email: string }) => s.email === "l1@example.com").locale).toBe("fr");

    // The export reads back: nothing invalid, nothing changed.
    const again = await api("POST", "/admin/subscribers/import", { body: exported.text, type: "text/csv" });
    expect(again.status).toBe(200);
    expect(again.json).toMatchObject({ invalid: 0, imported: 0, updated: 0 });
  });

  it("digest subscribers add/update --locale set it, show prints it, a bad one exits 1 naming the locales", async () => {
    const add = await stack.digest(["subscribers", "add", "cli@example.com", "--locale", "fr"]);
    expect(add.code).toBe(0);
    const shown = await stack.digest(["subscribers", "show", "cli@example.com"]);
    expect(shown.out).toMatch(/^ {2}locale: +fr$/m);
    expect(
      JSON.parse((await stack.digest(["subscribers", "show", "cli@example.com", "--json"])).out).locale,
    ).toBe("fr");
    expect((await stack.digest(["subscribers", "update", "cli@example.com", "--locale", "de"])).code).toBe(0);
    expect((await api("GET", "/admin/subscribers/cli%40example.com")).json.locale).toBe("de");

    const bad = await stack.digest(["subscribers", "update", "cli@example.com", "--locale", "es"]);
    expect(bad.code).toBe(1);
    expect(bad.err).toContain("en, fr, de");

    expect((await stack.digest(["subscribers", "update", "cli@example.com", "--locale", ""])).code).toBe(0);
    const cleared = await stack.digest(["subscribers", "show", "cli@example.com"]);
    expect(cleared.out).toMatch(/^ {2}locale: +- \(the digest's: en\)$/m);

    const file = join(stack.dir, "langs.csv");
    await writeFile(file, "email,locale\ncsv1@example.com,de\ncsv2@example.com,zz\n");
    const imported = await stack.digest(["subscribers", "import", file]);
    expect(imported.err).toMatch(/langs\.csv:3: .*en, fr, de/);
    expect((await api("GET", "/admin/subscribers/csv1%40example.com")).json.locale).toBe("de");
  });
});

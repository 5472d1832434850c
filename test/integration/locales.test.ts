import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { ScanCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import { simpleParser } from "mailparser";
import { afterEach, describe, expect, it } from "vitest";
import { tableNamesFromEnv } from "../../functions/adapters/schema.js";
import type { TestStack } from "../helpers/services.js";
import { stackDocumentClient, startTestStack, story, writeStories } from "../helpers/services.js";

/** A reader's own language (config `locales`): they get that variant, rendered once per language × section set. */

const DAY = "2031-03-14";
let stack: TestStack;

afterEach(async () => {
  await stack?.close();
});

async function chooseLanguage(email: string, locale: string) {
  const db = stackDocumentClient(stack);
  await db.send(
    new UpdateCommand({
      TableName: tableNamesFromEnv(stack.env).subscribers,
      Key: { email },
      UpdateExpression: "SET #l = :l",
      ExpressionAttributeNames: { "#l": "locale" },
      ExpressionAttributeValues: { ":l": locale },
    }),
  );
}

async function message(email: string) {
  return simpleParser(await readFile(join(stack.dir, "out", DAY, `${email}.eml`)));
}

describe("locales en,es", () => {
  it("sends a reader who chose es the Spanish variant, rendering each language × section set once", async () => {
    stack = await startTestStack({}, { DIGEST_LOCALES: "en,es" });
    const file = await writeStories(stack, "s.ndjson", [story(DAY, 1), story(DAY, 2), story(DAY, 3)]);
    expect((await stack.digest(["stories", "import", file])).code).toBe(0);
    for (const [email, sections] of [
      ["ana@example.com", []],
      ["ben@example.com", []],
      ["cy@example.com", []],
      ["dee@example.com", ["Science"]],
      ["eve@example.com", ["Science"]],
    ] as const) {
      const args = [
        "subscribers",
        "add",
        email,
        ...(sections.length ? ["--sections", sections.join(",")] : []),
      ];
      expect((await stack.digest(args)).code).toBe(0);
    }
    await chooseLanguage("ben@example.com", "es");
    await chooseLanguage("cy@example.com", "es");
    await chooseLanguage("eve@example.com", "es");
    // A language no longer enabled falls back to the default, it never fails the send.
    await chooseLanguage("ana@example.com", "fr");

    const run = await stack.digest(["send", "--date", DAY]);
    expect(run.code).toBe(0);
    expect(run.out).toContain("sent=5");

    const ben = await message("ben@example.com");
    expect(ben.html).toMatch(/<html lang="es"/);
    expect(ben.html).toContain("Sigue leyendo en Example Times");
    expect(ben.html).toContain("Darse de baja</a>");
    expect(ben.text).toContain("Ver en el navegador: ");
    expect(ben.text).toMatch(/^Darse de baja: https?:\/\/\S+\?t=/m);
    expect(ben.text).toContain("viernes, 14 de marzo de 2031");
    const ana = await message("ana@example.com");
    expect(ana.html).toMatch(/<html lang="en"/);
    expect(ana.html).toContain("Read more at Example Times");
    const eve = await message("eve@example.com");
    expect(eve.html).toMatch(/<html lang="es"/);
    expect(eve.text).toContain("Story number 1 of the day");
    expect(eve.text).not.toContain("Story number 2 of the day");

    // Rendered once per language × section set, never per reader: four variants for five readers.
    const db = stackDocumentClient(stack);
    const items = await db.send(new ScanCommand({ TableName: tableNamesFromEnv(stack.env).editions }));
    const variants = (items.Items ?? [])
      .map((i) => String(i.part))
      .filter((p) => p.startsWith("variant#"))
      .sort();
    expect(variants).toEqual(["variant#Science", "variant#Science@es", "variant#all", "variant#all@es"]);
  });
});

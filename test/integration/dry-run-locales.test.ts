import { afterEach, describe, expect, it } from "vitest";
import { DynamoSubscriberStore } from "../../functions/adapters/dynamo/subscriber-store.js";
import type { EditionReview } from "../../functions/core/edition/edition-review.js";
import {
  stackDocumentClient,
  startTestStack,
  story,
  type TestStack,
  writeStories,
} from "../helpers/services.js";

/**
 * `digest send --dry-run` with more than one language enabled (issue 18): each language × section set
 * is a variant of its own ("all@fr"), counted and shown as the send will mail it.
 */

const DAY = "2031-03-14";
let stack: TestStack;

afterEach(async () => {
  await stack?.close();
});

/** Chooses a language the way the preferences page stores it (the record's `locale`). */
async function chooseLocale(email: string, locale: string) {
  const db = stackDocumentClient(stack);
  const store = new DynamoSubscriberStore(db, "digest-subscribers");
  const s = await store.get(email);
  if (!s) throw new Error(`${email} is not stored`);
  await store.put({ ...s, locale });
  db.destroy();
}

describe("digest send --dry-run with readers' languages", () => {
  it("lists each language × section set as a variant with its recipients, keyed as the send keys it", async () => {
    stack = await startTestStack({}, { DIGEST_SECTIONS: "World,Science", DIGEST_LOCALES: "fr,de" });
    const stories = [story(DAY, 1, { section: "World" }), story(DAY, 2, { section: "Science" })];
    const file = await writeStories(stack, "s.ndjson", stories);
    expect((await stack.digest(["stories", "import", file])).code).toBe(0);
    for (const who of ["en1", "en2", "fr1", "fr2", "fr3", "sci-fr"]) {
      const sections = who.startsWith("sci") ? ["--sections", "Science"] : [];
      expect((await stack.digest(["subscribers", "add", `${who}@example.com`, ...sections])).code).toBe(0);
    }
    for (const who of ["fr1", "fr2", "fr3", "sci-fr"]) await chooseLocale(`${who}@example.com`, "fr");

    const run = await stack.digest(["send", "--date", DAY, "--dry-run"]);
    expect(run.code).toBe(0);
    expect(run.out).toContain("[all] 2 recipient(s): 2 stories");
    expect(run.out).toContain("[all@fr] 3 recipient(s): 2 stories");
    expect(run.out).toContain("[Science@fr] 1 recipient(s): 1 story");
    expect(run.out.trim().split("\n").at(-1)).toMatch(/^dry_run edition=\S+ variants=3 recipients=6 /);

    const json = JSON.parse((await stack.digest(["send", "--date", DAY, "--dry-run", "--json"])).out);
    const variants = (json as EditionReview).variants.map((v) => [v.key, v.locale, v.recipients, v.sections]);
    expect(variants).toEqual([
      ["all", "en", 2, ["World", "Science"]],
      ["all@fr", "fr", 3, ["World", "Science"]],
      ["Science@fr", "fr", 1, ["Science"]],
    ]);
  });
});

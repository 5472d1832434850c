import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { simpleParser } from "mailparser";
import { afterEach, describe, expect, it } from "vitest";
import { DynamoStoryStore } from "../../functions/adapters/dynamo/story-store.js";
import { composeEdition } from "../../functions/core/edition/compose.js";
import { reviewEdition } from "../../functions/core/edition/edition-review.js";
import type { Renderer } from "../../functions/core/edition/variant.js";
import type { EditionView } from "../../functions/core/kernel/types.js";
import { openRuntime } from "../../functions/local/runtime.js";
import {
  stackDocumentClient,
  startTestStack,
  story,
  type TestStack,
  writeStories,
} from "../helpers/services.js";

/**
 * A day is never lost to one bad story: an absurd headline is cut at import and in the subject, and a
 * story that fails to render drops out of the edition with a note while the rest goes out.
 */

const DAY = "2031-03-14";
let stack: TestStack;

afterEach(async () => {
  await stack?.close();
});

async function startWithReader() {
  stack = await startTestStack({}, { DIGEST_SECTIONS: "World,Science,Culture" });
  expect((await stack.digest(["subscribers", "add", "ana@example.com"])).code).toBe(0);
}

const editionJson = async () => JSON.parse((await stack.digest(["editions", "show", DAY, "--json"])).out);

describe("an unbroken 1,200-character headline", () => {
  it("is cut at import (with a note), and the edition is sent", async () => {
    await startWithReader();
    const file = await writeStories(stack, "day.ndjson", [
      story(DAY, 1, { headline: "H".repeat(1200) }),
      story(DAY, 2),
    ]);
    const imported = await stack.digest(["stories", "import", file]);
    expect(imported.code).toBe(0);
    expect(imported.err).toContain(`${file}:1: note: headline: 1,200 characters, cut to 300`);
    const sent = await stack.digest(["send", "--date", DAY]);
    expect(sent.err).not.toMatch(/error|998/i);
    expect(sent.code).toBe(0);
    expect(sent.out).toMatch(/stories=2 recipients=1 sent=1 /);
    expect((await editionJson()).status).toBe("sent");
  }, 60_000);

  it("stored before the caps existed, it still goes out: the subject is cut at a word", async () => {
    await startWithReader();
    const db = stackDocumentClient(stack);
    const long = `${"Harbour ".repeat(40)}${"W".repeat(1200)}`;
    await new DynamoStoryStore(db, "digest-stories").upsert(
      {
        id: "legacy-long-headline",
        headline: long,
        url: "https://news.example.org/legacy",
        source: "Example Times",
        section: "World",
        byline: "",
        publishedAt: `${DAY}T09:00:00.000Z`,
        body: "A body.",
        excerpt: "A body.",
      },
      DAY,
    );
    db.destroy();
    const sent = await stack.digest(["send", "--date", DAY]);
    expect(sent.code).toBe(0);
    expect(sent.out).toMatch(/sent=1 /);
    const mail = await simpleParser(await readFile(join(stack.dir, "out", DAY, "ana@example.com.eml")));
    expect(mail.subject?.length).toBeLessThanOrEqual(78);
    expect(mail.subject).toMatch(/^(?:Harbour )+Harbour…$/);
  }, 60_000);
});

describe("a story that fails to render", () => {
  it("drops out of the edition with a note on it (editions show, dry-run); the rest is sent; it can be held", async () => {
    await startWithReader();
    const file = await writeStories(stack, "day.ndjson", [
      story(DAY, 1, { headline: "A fine story" }),
      story(DAY, 2, { headline: "The broken story" }),
      story(DAY, 3, { headline: "Another fine story" }),
    ]);
    expect((await stack.digest(["stories", "import", file])).code).toBe(0);
    const rt = await openRuntime({ env: stack.env });
    try {
      const deps = await rt.deps();
      // A renderer that fails on one story, as a template helper would on a value it cannot handle.
      const fails = (view: EditionView) => {
        const stories = [...(view.lead ? [view.lead] : []), ...view.sections.flatMap((s) => s.stories)];
        if (stories.some((st) => st.headline === "The broken story")) {
          throw new TypeError("helper cannot format this story");
        }
      };
      const renderer: Renderer = {
        html: (view) => {
          fails(view);
          return deps.renderer.html(view);
        },
        text: (view) => {
          fails(view);
          return deps.renderer.text(view);
        },
      };
      const review = await reviewEdition({ ...deps, renderer }, DAY);
      if (review.kind !== "review") throw new Error(review.kind);
      expect(review.review.dropped).toEqual([
        {
          id: expect.any(String),
          headline: "The broken story",
          section: "Culture",
          reason: "render: TypeError: helper cannot format this story",
        },
      ]);
      const composed = await composeEdition({ ...deps, renderer }, DAY);
      if (composed.kind !== "edition") throw new Error(composed.kind);
      expect(composed.edition.stories.map((s) => s.headline).sort()).toEqual([
        "A fine story",
        "Another fine story",
      ]);
      expect(composed.edition.dropped).toEqual(review.review.dropped);
    } finally {
      await rt.close();
    }

    const shown = await stack.digest(["editions", "show", DAY]);
    expect(shown.out).toContain(
      "dropped: The broken story (Culture): render: TypeError: helper cannot format this story",
    );
    expect((await editionJson()).dropped).toEqual([
      expect.objectContaining({ headline: "The broken story" }),
    ]);
    const dry = await stack.digest(["send", "--date", DAY, "--dry-run"]);
    expect(dry.out).toContain("dropped: The broken story (Culture): render: TypeError");

    const sent = await stack.digest(["send", "--date", DAY]);
    expect(sent.code).toBe(0);
    expect(sent.out).toMatch(/stories=2 recipients=1 sent=1 /);
    const listed = JSON.parse((await stack.digest(["stories", "list", "--date", DAY, "--json"])).out);
    const broken = listed.find((s: { headline: string }) => s.headline === "The broken story");
    expect(broken.editionId).toBeNull();
    expect((await stack.digest(["stories", "hold", broken.id])).code).toBe(0);
  }, 60_000);
});

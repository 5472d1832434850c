import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { simpleParser } from "mailparser";
import { afterEach, describe, expect, it } from "vitest";
import { PERSONAL_SLOTS } from "../../functions/core/kernel/types.js";
import { startTestStack, story, type TestStack, writeStories } from "../helpers/services.js";

/**
 * The personal links (a reader's own unsubscribe and preferences URLs) are spliced into the rendered
 * edition where the template put them, never where a story's content merely looks like the marker: a
 * story URL, excerpt or text equal to a marker stays what it was.
 */

const DAY = "2031-03-14";
let stack: TestStack;

afterEach(async () => {
  await stack?.close();
});

const count = (haystack: string, needle: string) => haystack.split(needle).length - 1;

describe("a story whose content is the personal-link marker", () => {
  it("never turns into a reader's unsubscribe or preferences URL (link, excerpt, text part)", async () => {
    stack = await startTestStack({}, { DIGEST_PUBLIC_BASE_URL: "https://digest.example.org" });
    expect((await stack.digest(["subscribers", "add", "ana@example.com"])).code).toBe(0);
    const file = await writeStories(stack, "day.ndjson", [
      story(DAY, 1, { headline: "Click here", url: PERSONAL_SLOTS.unsubscribeUrl }),
      story(DAY, 2, {
        headline: "Marker in the excerpt",
        excerpt: `Manage it at ${PERSONAL_SLOTS.preferencesUrl} today.`,
      }),
      story(DAY, 3, {
        headline: "Marker as the only link",
        url: PERSONAL_SLOTS.preferencesUrl,
        excerpt: `Or here: ${PERSONAL_SLOTS.unsubscribeUrl}`,
      }),
    ]);
    expect((await stack.digest(["stories", "import", file])).code).toBe(0);
    const sent = await stack.digest(["send", "--date", DAY]);
    expect(sent.out).toMatch(/sent=1 /);

    const raw = await readFile(join(stack.dir, "out", DAY, "ana@example.com.eml"));
    const mail = await simpleParser(raw);
    const html = mail.html || "";
    const text = mail.text ?? "";
    // The reader's own links: exactly where the template puts them (footer, and the header).
    for (const part of [html, text]) {
      expect(count(part, "https://digest.example.org/unsubscribe?t=")).toBe(1);
      expect(count(part, "https://digest.example.org/preferences?t=")).toBe(1);
    }
    expect(raw.toString("latin1")).toMatch(
      /^List-Unsubscribe:\s+<https:\/\/digest\.example\.org\/unsubscribe\?t=/m,
    );
    // The stories' content stays as written.
    expect(html).toContain(`href="${PERSONAL_SLOTS.unsubscribeUrl}"`);
    expect(html).toContain(`href="${PERSONAL_SLOTS.preferencesUrl}"`);
    expect(html).toContain(`Manage it at ${PERSONAL_SLOTS.preferencesUrl} today.`);
    expect(text).toContain(`Read more: ${PERSONAL_SLOTS.unsubscribeUrl}`);
    expect(text).toContain(`Read more: ${PERSONAL_SLOTS.preferencesUrl}`);
    expect(text).toContain(`Or here: ${PERSONAL_SLOTS.unsubscribeUrl}`);

    // The outbox's generic copy too: the story link is not made the generic unsubscribe page.
    const digest = await readFile(join(stack.dir, "out", DAY, "digest.html"), "utf8");
    expect(digest).toContain(`href="${PERSONAL_SLOTS.unsubscribeUrl}"`);
    expect(count(digest, 'href="https://digest.example.org/unsubscribe"')).toBe(1);
  }, 60_000);
});

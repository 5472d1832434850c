import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DynamoStoryStore } from "../../functions/adapters/dynamo/story-store.js";
import { escapeHtml } from "../../functions/core/kernel/html.js";
import { stackDocumentClient, story, writeStories } from "../helpers/services.js";
import { page, startWorld, type World } from "./public-helpers.js";

/**
 * GET /stories/{id}, the hosted copy of a story without a URL: imported, sent, the "Read more" link
 * taken from the .eml and followed on `digest serve`.
 */

const DAY = "2031-03-14";
/** Stories stored directly, in no edition, are public once past their publication time: a past day. */
const PAST = "2021-03-14";
const HOSTED = {
  url: null,
  section: "World",
  headline: 'Council <b>approves</b> the "new" bridge',
  byline: "Sam <Writer>",
  publishedAt: `${DAY}T09:05:00Z`,
  body: "The council voted 7 to 2 & agreed.\n\nA second paragraph, with more detail.",
};

let world: World;
let db: ReturnType<typeof stackDocumentClient>;
let stories: DynamoStoryStore;

beforeAll(async () => {
  world = await startWorld({ DIGEST_TIME_ZONE: "Europe/Berlin" });
  const { stack } = world;
  expect((await stack.digest(["subscribers", "add", "ana@example.com"])).code).toBe(0);
  const file = await writeStories(stack, "day.ndjson", [
    story(DAY, 1, HOSTED),
    story(DAY, 2, { section: "Science", headline: "A story with its own page" }),
  ]);
  expect((await stack.digest(["stories", "import", file])).code).toBe(0);
  const sent = await stack.digest(["send", "--date", DAY], { DIGEST_PUBLIC_BASE_URL: world.serve.url });
  expect(sent.out).toMatch(/sent=1 /);
  db = stackDocumentClient(stack);
  stories = new DynamoStoryStore(db, "digest-stories");
});

afterAll(async () => {
  db?.destroy();
  await world?.close();
});

describe("GET /stories/{id}", () => {
  it("is where the email's Read more of a story without a URL leads: the story, escaped, dated in the configured zone", async () => {
    const mail = await world.eml(DAY, "ana@example.com");
    const links = [...(mail.text ?? "").matchAll(/^Read more: (\S+)$/gm)].map((m) => m[1] as string);
    expect(links).toContain("https://news.example.org/2031-03-14/story-2");
    const hosted = links.filter((l) => l.startsWith(`${world.serve.url}/stories/`));
    expect(hosted).toHaveLength(1);
    const url = hosted[0] as string;
    expect(mail.html).toContain(`href="${url}"`);

    const stored = await stories.get(decodeURIComponent(new URL(url).pathname.split("/").pop() as string));
    expect(stored?.url).toBeNull();
    const res = await fetch(url);
    expect(res.status).toBe(200);
    expect(res.headers.get("cache-control")).toBe("public, max-age=600");
    const body = await page(res);
    // The headline's markup was read as text at import: no tag, shown or literal.
    expect(body).toContain("<h1>Council approves the &quot;new&quot; bridge</h1>");
    expect(body).toContain("Example Times · Sam &lt;Writer&gt;");
    // 09:05 UTC is 10:05 in Berlin in March (CET).
    expect(body).toContain(`<time datetime="${stored?.publishedAt}">14 March 2031, 10:05 CET</time>`);
    // One paragraph per blank-line-separated block of the stored text, escaped.
    const paragraphs = (stored?.body ?? "").split(/\n\s*\n/);
    expect(paragraphs).toHaveLength(2);
    for (const p of paragraphs) expect(body).toContain(`<p>${escapeHtml(p.trim())}</p>`);
    expect(body).toContain("&amp; agreed.");
    expect(body).not.toMatch(/<b>/);
    // No URL of its own: no "read it at the source" link.
    expect(body).not.toContain("Read it at");
    expect(body).toContain('<a href="/subscribe">');
    // A title naming the story and the brand; the way back to the archive, its feed and the sign-up.
    expect(body).toContain("<title>Council approves the &quot;new&quot; bridge · The Test Digest</title>");
    expect(body).toContain('<a href="/archive">All past editions</a>');
    expect(body).toContain('<a href="/archive/feed.xml">Atom feed</a>');
  });

  it("escapes markup in a stored story's text", async () => {
    await stories.upsert(
      {
        id: "text-with-markup",
        headline: "Tags <i>in</i> text",
        url: null,
        source: "Desk <Notes>",
        section: "World",
        byline: "",
        publishedAt: `${PAST}T23:30:00.000Z`,
        body: 'First <script>alert("x")</script> & <img src=x onerror=alert(1)>.\n\nSecond "quoted" paragraph.',
        excerpt: "First.",
      },
      PAST,
    );
    const body = await page(await fetch(`${world.serve.url}/stories/text-with-markup`));
    expect(body).toContain("<h1>Tags &lt;i&gt;in&lt;/i&gt; text</h1>");
    expect(body).toContain(
      "<p>First &lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &lt;img src=x onerror=alert(1)&gt;.</p>",
    );
    expect(body).toContain("<p>Second &quot;quoted&quot; paragraph.</p>");
    // Past midnight in Berlin: the zone's date, not UTC's.
    expect(body).toContain("15 March 2021, 00:30 CET");
    expect(body).not.toMatch(/<(script|img|i)\b/);
  });

  it("shows a story's sanitised HTML instead of its text, headings below the page's title", async () => {
    await stories.upsert(
      {
        id: "rich-story",
        headline: "A rich story",
        url: "https://news.example.org/rich",
        source: "Example Times",
        section: "Culture",
        byline: "",
        publishedAt: `${PAST}T12:00:00Z`,
        body: "The plain text version.",
        excerpt: "The plain text version.",
        html: "<h1>Inner title</h1><p>Some <strong>rich</strong> text.</p>",
      },
      PAST,
    );
    const res = await fetch(`${world.serve.url}/stories/rich-story`);
    expect(res.status).toBe(200);
    const body = await page(res);
    expect(body).toContain("<h2>Inner title</h2><p>Some <strong>rich</strong> text.</p>");
    expect(body).not.toContain("The plain text version.");
    expect(body).toContain('<a href="https://news.example.org/rich">Read it at Example Times</a>');
  });

  it("answers 404 for a story held back, and shows it again once released", async () => {
    expect((await fetch(`${world.serve.url}/stories/rich-story`)).status).toBe(200);
    expect((await stories.setHeld("rich-story", true))?.held).toBe(true);
    const held = await fetch(`${world.serve.url}/stories/rich-story`);
    expect(held.status).toBe(404);
    expect(await page(held)).toContain("<h1>Page not found</h1>");
    await stories.setHeld("rich-story", false);
    expect((await fetch(`${world.serve.url}/stories/rich-story`)).status).toBe(200);
  });

  it("answers a 404 page for an unknown id", async () => {
    for (const id of ["no-such-story", "%3Cscript%3E", "a%2Fb"]) {
      const res = await fetch(`${world.serve.url}/stories/${id}`);
      expect(res.status, id).toBe(404);
      expect(res.headers.get("cache-control")).toBe("no-store");
      const body = await page(res);
      expect(body).toContain("<h1>Page not found</h1>");
      expect(body).not.toContain("<script");
    }
  });
});

import { parseFeed } from "feedsmith";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DynamoEditionStore } from "../../functions/adapters/dynamo/edition-store.js";
import { DynamoSendLedger } from "../../functions/adapters/dynamo/send-ledger.js";
import { DynamoStoryStore } from "../../functions/adapters/dynamo/story-store.js";
import { listArchive } from "../../functions/core/edition/archive.js";
import { dateLabel, toEditionStory } from "../../functions/core/edition/edition.js";
import { parseConfig } from "../../functions/core/kernel/config.js";
import { escapeHtml } from "../../functions/core/kernel/html.js";
import type { EditionRecord } from "../../functions/core/kernel/ports.js";
import { stackDocumentClient, story, writeStories } from "../helpers/services.js";
import { header, page, startWorld, type World } from "./public-helpers.js";

/**
 * GET /archive and /archive/{date} on `digest serve`: editions that went out (and only those), the
 * stories the cap left out, no personal link or token anywhere, caching headers, 404 pages.
 */

const DAY_MS = 86_400_000;
// The list starts from today (in the configured zone, UTC here) and looks back a few weeks.
const ago = (n: number) => new Date(Date.now() - n * DAY_MS).toISOString().slice(0, 10);
const DAY1 = ago(3);
const DAY2 = ago(2);
const BUILDING = ago(1);
const CANCELLED = ago(4);
const EVIL = `<script>alert("x")</script> & "quoted" headline`;

let world: World;
let db: ReturnType<typeof stackDocumentClient>;
let editions: DynamoEditionStore;
let stories: DynamoStoryStore;

const edition = (date: string, status: EditionRecord["status"]): EditionRecord => ({
  editionId: date,
  date,
  status,
  stories: [],
  leftOutBySection: {},
  sections: [],
  createdAt: new Date().toISOString(),
  updatedAt: new Date().toISOString(),
});

beforeAll(async () => {
  // A cap of 3 stories: DAY1's five stories go out as three in the email and two "more".
  world = await startWorld({ DIGEST_MAX_STORIES: "3" });
  const { stack } = world;
  expect((await stack.digest(["subscribers", "add", "ana@example.com"])).code).toBe(0);
  const day1 = await writeStories(stack, "day1.ndjson", [
    story(DAY1, 1, { section: "Science", headline: `Science lead of ${DAY1}` }),
    story(DAY1, 2, { section: "Culture", headline: EVIL }),
    story(DAY1, 3, { section: "World", headline: `World lead of ${DAY1}` }),
    story(DAY1, 4, { section: "World", headline: `World second of ${DAY1}` }),
    story(DAY1, 5, { section: "World", headline: `World third of ${DAY1}` }),
  ]);
  expect((await stack.digest(["stories", "import", day1])).code).toBe(0);
  const base = { DIGEST_PUBLIC_BASE_URL: world.serve.url };
  expect((await stack.digest(["send", "--date", DAY1], base)).out).toMatch(/sent=1 /);
  const day2 = await writeStories(stack, "day2.ndjson", [
    story(DAY2, 7, { section: "Science", headline: `Only story of ${DAY2}` }),
  ]);
  expect((await stack.digest(["stories", "import", day2])).code).toBe(0);
  expect((await stack.digest(["send", "--date", DAY2], base)).out).toMatch(/sent=1 /);

  db = stackDocumentClient(stack);
  editions = new DynamoEditionStore(db, "digest-editions");
  stories = new DynamoStoryStore(db, "digest-stories");
  // Editions that never went out: one still being composed, one cancelled.
  await editions.createIfAbsent(edition(BUILDING, "building"));
  await editions.createIfAbsent(edition(CANCELLED, "cancelled"));
});

afterAll(async () => {
  db?.destroy();
  await world?.close();
});

describe("GET /archive", () => {
  it("lists the editions that went out, newest first, with date, subject and story count", async () => {
    const res = await fetch(`${world.serve.url}/archive`);
    expect(res.status).toBe(200);
    expect(res.headers.get("cache-control")).toBe("public, max-age=300");
    const body = await page(res);
    expect(body).toContain("<h1>Past editions of The Test Digest</h1>");
    const listed = [...body.matchAll(/<a href="\/archive\/(\d{4}-\d{2}-\d{2})">/g)].map((m) => m[1]);
    expect(listed).toEqual([DAY2, DAY1]);
    const subject1 = (await world.eml(DAY1, "ana@example.com")).subject as string;
    const subject2 = (await world.eml(DAY2, "ana@example.com")).subject as string;
    expect(body).toContain(`<time datetime="${DAY1}">${dateLabel(DAY1)}</time>`);
    expect(body).toContain(`${escapeHtml(subject1)} · 5 stories`);
    expect(body).toContain(`${escapeHtml(subject2)} · 1 story`);
    expect(body).toContain('href="/subscribe"');
    expect(body).not.toContain("Older editions");
  });

  it("pages with ?before=, and says when there is nothing older", async () => {
    const older = await page(await fetch(`${world.serve.url}/archive?before=${DAY2}`));
    expect([...older.matchAll(/<a href="\/archive\/([\d-]+)">/g)].map((m) => m[1])).toEqual([DAY1]);
    expect(older).toContain('<a href="/archive">Newest editions</a>');
    const none = await page(await fetch(`${world.serve.url}/archive?before=${DAY1}`));
    expect(none).toContain("No older editions.");
    const bad = await fetch(`${world.serve.url}/archive?before=yesterday`);
    expect(bad.status).toBe(400);
    expect(await page(bad)).toContain("YYYY-MM-DD");
  });

  it("pages through the store a limit at a time (listArchive)", async () => {
    const deps = {
      editions,
      stories,
      ledger: new DynamoSendLedger(db, "digest-sends"),
      config: parseConfig({}, { DIGEST_SECTIONS: "World,Science,Culture" }),
      clock: () => new Date(),
    };
    const first = await listArchive(deps, { limit: 1 });
    expect(first.items.map((e) => e.date)).toEqual([DAY2]);
    expect(first.nextBefore).toBe(DAY2);
    const second = await listArchive(deps, { before: first.nextBefore as string, limit: 1 });
    expect(second.items.map((e) => [e.date, e.stories])).toEqual([[DAY1, 5]]);
    const third = await listArchive(deps, { before: second.nextBefore as string, limit: 1 });
    expect(third).toEqual({ items: [], nextBefore: null });
  });

  it("serves an Atom feed of the editions that went out, which the pages announce", async () => {
    const res = await fetch(`${world.serve.url}/archive/feed.xml`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("application/atom+xml; charset=utf-8");
    expect(res.headers.get("cache-control")).toBe("public, max-age=300");
    const parsed = parseFeed(await res.text());
    expect(parsed.format).toBe("atom");
    const feed = parsed.feed as {
      title?: { value?: string };
      entries?: {
        id?: string;
        title?: { value?: string };
        summary?: { value?: string };
        links?: { href?: string }[];
      }[];
    };
    expect(feed.title?.value).toBe("The Test Digest: past editions");
    const entries = feed.entries ?? [];
    expect(entries.map((e) => e.id?.replace(/^.*\/archive\//, ""))).toEqual([DAY2, DAY1]);
    const subject1 = (await world.eml(DAY1, "ana@example.com")).subject as string;
    expect(entries[1]?.title?.value).toBe(`${dateLabel(DAY1)}: ${subject1}`);
    expect(entries[1]?.summary?.value).toMatch(/^5 stories: /);
    // Feed readers need absolute links; the entry's link opens the archive page.
    const link = entries[0]?.links?.[0]?.href as string;
    expect(link).toMatch(new RegExp(`^https?://[^/]+/archive/${DAY2}$`));
    for (const path of ["/archive", `/archive/${DAY1}`]) {
      const res = await fetch(`${world.serve.url}${path}`);
      const body = path === "/archive" ? await page(res) : await editionPage(res);
      expect(body).toContain('<link rel="alternate" type="application/atom+xml"');
      expect(body).toContain('href="/archive/feed.xml"');
      expect(body).toContain('href="/subscribe"');
      // Public reading pages may be indexed; pages reached through tokens may not.
      expect(body).not.toContain('name="robots"');
    }
    expect(await page(await fetch(`${world.serve.url}/subscribe`))).toContain(
      '<meta name="robots" content="noindex">',
    );
  });
});

/**
 * An archived edition's page: the email as it went out, framed (archive-sent.ts): an HTML document
 * with one h1 (the email's masthead), no script, no event handler, the pages' CSP.
 */
async function editionPage(res: Response): Promise<string> {
  const body = await res.text();
  expect(res.headers.get("content-type")).toContain("text/html");
  expect(body).toMatch(/^<!doctype html><html lang="en"/i);
  expect(body.match(/<h1[ >]/g)).toHaveLength(1);
  expect(body).not.toMatch(/<script/i);
  expect(body.replace(/"[^"]*"/g, '""')).not.toMatch(/<[^>]*\son[a-z]+\s*=/i);
  expect(res.headers.get("content-security-policy")).toContain("default-src 'none'");
  return body;
}

/** The text of an escaped attribute-free HTML fragment. */
const decode = (s: string) =>
  s
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&lt;/g, "<")
    .replace(/&gt;/g, ">")
    .replace(/&amp;/g, "&");

describe("GET /archive/{date}", () => {
  it("shows the edition as sent and the stories the cap left out, where the email's link points", async () => {
    const mail = await world.eml(DAY1, "ana@example.com");
    // The email's "2 more stories today" link leads here.
    const more = /^2 more stories today: (\S+)$/m.exec(mail.text ?? "")?.[1];
    expect(more).toBe(`${world.serve.url}/archive/${DAY1}`);
    expect(mail.html).toContain(`href="${more}"`);
    const res = await fetch(more as string);
    expect(res.status).toBe(200);
    expect(res.headers.get("cache-control")).toBe("public, max-age=3600");
    const body = await editionPage(res);
    expect(body).toContain(`<title>${dateLabel(DAY1)} · The Test Digest</title>`);
    // The subject is the lead's headline, which the email opens with.
    expect(body).toContain(escapeHtml(mail.subject as string));

    const [shown, leftOut] = body.split('<h2 id="more">');
    expect(leftOut, "a 'more stories' part").toBeDefined();
    // The email's three stories, in the email's section order, then the two that did not fit.
    const headlines = (part: string) =>
      [...part.matchAll(/<h[234][^>]*><a href="[^"]+"[^>]*>([^<]+)<\/a><\/h[234]>/g)].map((m) => m[1]);
    const inEmail = headlines(shown as string);
    expect(inEmail).toHaveLength(3);
    for (const h of inEmail) expect(mail.text).toContain(decode(h as string));
    expect(headlines(leftOut as string)).toHaveLength(2);
    expect(new Set([...inEmail, ...headlines(leftOut as string)]).size).toBe(5);
    expect(leftOut).toContain("These 2 stories did not fit in the email.");
    // The lead (World's newest) first, then the sections by their best story: with a cap of 3, the
    // cap kept the lead, World's next and Science's; Culture's story is among the "more".
    expect([...(shown as string).matchAll(/<h2[^>]*>([^<]+)<\/h2>/g)].map((m) => m[1])).toEqual([
      "World",
      "Science",
    ]);

    // Everything escaped: the headline's markup was read as text at import, the rest is escaped.
    expect(body).toContain(escapeHtml(`& "quoted" headline`));
    expect(body).not.toContain("<script>");
  });

  it("carries no personal link and no token: a public subscribe link instead", async () => {
    const mail = await world.eml(DAY1, "ana@example.com");
    const oneClick = header(mail, "List-Unsubscribe")?.match(/[?&]t=([^>&]+)/)?.[1] as string;
    expect(oneClick).toBeTruthy();
    for (const day of [DAY1, DAY2]) {
      const body = await editionPage(await fetch(`${world.serve.url}/archive/${day}`));
      expect(body).toContain('<a href="/subscribe">Subscribe to The Test Digest</a>');
      expect(body).not.toContain(oneClick);
      expect(body).not.toMatch(/[?&](amp;)?t=/);
      expect(body).not.toMatch(/digest\.invalid|__[A-Z]+_URL__|__(UNSUBSCRIBE|PREFERENCES)_/i);
      // The email's own links lead to the pages that ask for the link in one's own email.
      const links = [...body.matchAll(/href="([^"]*(?:unsubscribe|preferences)[^"]*)"/gi)].map((m) => m[1]);
      expect(links.sort()).toEqual(["/preferences", "/unsubscribe"]);
    }
  });

  it("leaves out a left-out story an editor has since held back", async () => {
    const notSent = (await stories.listDay(DAY1)).filter((s) => s.editionId === null);
    expect(notSent).toHaveLength(2);
    const held = notSent[0] as (typeof notSent)[number];
    await stories.setHeld(held.id, true);
    try {
      const body = await editionPage(await fetch(`${world.serve.url}/archive/${DAY1}`));
      expect(body).toContain("This story did not fit in the email.");
      expect(body).not.toContain(escapeHtml(held.headline));
    } finally {
      await stories.setHeld(held.id, false);
    }
  });

  it("answers 404 pages for days without an edition that went out", async () => {
    for (const day of [BUILDING, CANCELLED, ago(30), "2031-02-30", "not-a-day", "%3Cscript%3E"]) {
      const res = await fetch(`${world.serve.url}/archive/${day}`);
      expect(res.status, day).toBe(404);
      expect(res.headers.get("cache-control")).toBe("no-store");
      const body = await page(res);
      expect(body).toContain("<h1>Page not found</h1>");
      expect(body).not.toContain("<script");
    }
  });
});

describe("what 'more stories' lists", () => {
  it("is what the edition recorded: a story imported for the day afterwards does not join it", async () => {
    const recorded = (await editions.get(DAY1))?.leftOutIds;
    expect(recorded).toHaveLength(2);
    const late = await writeStories(world.stack, "late.ndjson", [
      story(DAY1, 9, { section: "World", headline: `Imported late for ${DAY1}` }),
    ]);
    expect((await world.stack.digest(["stories", "import", late])).code).toBe(0);
    expect((await stories.listDay(DAY1)).some((s) => s.headline === `Imported late for ${DAY1}`)).toBe(true);
    const body = await editionPage(await fetch(`${world.serve.url}/archive/${DAY1}`));
    expect(body).toContain("These 2 stories did not fit in the email.");
    expect(body).not.toContain(`Imported late for ${DAY1}`);
    const more = body.split('<h2 id="more">')[1] as string;
    for (const id of recorded as string[]) {
      expect(more).toContain(escapeHtml((await stories.get(id))?.headline as string));
    }
  });

  it("is rebuilt from the day's stories for an edition stored before the ids and its copy were recorded", async () => {
    const OLD = ago(6);
    const file = await writeStories(world.stack, "old.ndjson", [
      story(OLD, 1, {
        section: "World",
        headline: `Sent on ${OLD}`,
        image: { url: "https://images.example.org/old.jpg", alt: "An old picture", width: 800, height: 450 },
      }),
      story(OLD, 2, { section: "Science", headline: `Left out on ${OLD}` }),
      story(OLD, 3, { section: "Culture", headline: `Also left out on ${OLD}` }),
    ]);
    expect((await world.stack.digest(["stories", "import", file])).code).toBe(0);
    const day = await stories.listDay(OLD);
    const sent = day.find((s) => s.headline === `Sent on ${OLD}`);
    if (!sent) throw new Error("the imported story is missing");
    await stories.markInEdition([sent.id], OLD);
    await editions.replace({
      ...edition(OLD, "sent"),
      stories: [toEditionStory(sent)],
      sections: ["World"],
      leftOutBySection: { Science: 1, Culture: 1 },
    });
    const body = await page(await fetch(`${world.serve.url}/archive/${OLD}`));
    const [shown, more] = body.split('<h2 id="more">') as [string, string];
    expect(shown).toContain(`Sent on ${OLD}`);
    // Without a stored copy, rebuilt: the lead still shows its picture, as the email did.
    expect(shown).toContain(
      '<img src="https://images.example.org/old.jpg" alt="An old picture" width="800" height="450">',
    );
    expect(more).toContain(`Left out on ${OLD}`);
    expect(more).toContain(`Also left out on ${OLD}`);
    expect(more).not.toContain(`Sent on ${OLD}`);
  });
});

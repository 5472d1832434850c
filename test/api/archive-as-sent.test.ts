import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DynamoEditionStore } from "../../functions/adapters/dynamo/edition-store.js";
import { DynamoStoryStore } from "../../functions/adapters/dynamo/story-store.js";
import { composedEdition } from "../helpers/edition-setup.js";
import { type Serve, startServe } from "../helpers/serve.js";
import { stackDocumentClient, story, writeStories } from "../helpers/services.js";
import { header, startWorld, type World } from "./public-helpers.js";

/**
 * GET /archive/{date} shows the edition exactly as it went out: the all-sections email stored when the
 * edition was composed, with the reader's own links replaced by the generic pages, whatever the
 * configuration (brand, section order, subject template) or the stories became since. A second
 * `digest serve` on the same stack, started with another configuration, stands for "today".
 */

const DAY = new Date(Date.now() - 2 * 86_400_000).toISOString().slice(0, 10);
const PICTURE = "https://images.example.org/lead-picture.jpg";

let world: World;
let today: Serve;
let db: ReturnType<typeof stackDocumentClient>;

/** The body of an HTML document: what a reader's client shows. */
const bodyOf = (doc: string) => {
  const open = /<body[^>]*>/.exec(doc);
  if (!open) throw new Error("no <body> in the document");
  return doc.slice(open.index + open[0].length, doc.lastIndexOf("</body>"));
};

beforeAll(async () => {
  world = await startWorld({ DIGEST_SECTIONS: "World,Science,Culture" });
  const { stack } = world;
  expect((await stack.digest(["subscribers", "add", "ana@example.com"])).code).toBe(0);
  const file = await writeStories(stack, "day.ndjson", [
    story(DAY, 1, {
      section: "World",
      headline: "The lead of the day",
      image: { url: PICTURE, alt: "A harbour at dawn", width: 1200, height: 675 },
    }),
    story(DAY, 2, { section: "Science", headline: "A science story" }),
    story(DAY, 3, { section: "Culture", headline: "A culture story" }),
  ]);
  expect((await stack.digest(["stories", "import", file])).code).toBe(0);
  const sent = await stack.digest(["send", "--date", DAY], { DIGEST_PUBLIC_BASE_URL: world.serve.url });
  expect(sent.out).toMatch(/sent=1 /);
  // Since then: the brand is renamed, the sections reordered, the subject template changed…
  today = await startServe(stack, {
    DIGEST_BRAND_NAME: "A Renamed Digest",
    DIGEST_SECTIONS: "Culture,Science,World",
    DIGEST_SUBJECT: "Renamed: {lead}",
    DIGEST_ACCENT_COLOR: "#9d174d",
  });
  // … and an editor rewrote a headline of the edition.
  db = stackDocumentClient(stack);
  const stories = new DynamoStoryStore(db, "digest-stories");
  const science = (await stories.listDay(DAY)).find((s) => s.headline === "A science story");
  if (!science) throw new Error("the imported story is missing");
  const { editionId: _inEdition, ...edited } = science;
  await stories.upsert({ ...edited, headline: "A rewritten science story" }, DAY);
  expect((await stories.get(science.id))?.headline).toBe("A rewritten science story");
}, 120_000);

afterAll(async () => {
  await today?.stop();
  db?.destroy();
  await world?.close();
});

describe("GET /archive/{date}", () => {
  it("shows the email exactly as it went out, whatever changed since", async () => {
    const mail = await world.eml(DAY, "ana@example.com");
    const token = header(mail, "List-Unsubscribe")?.match(/[?&]t=([^>&]+)/)?.[1] as string;
    expect(token).toBeTruthy();
    // The reader's own links, replaced by the generic pages: nothing else differs.
    const asSent = bodyOf(mail.html as string)
      .replaceAll(/https?:\/\/[^"]+\/unsubscribe\?t=[^"]+/g, "/unsubscribe")
      .replaceAll(/https?:\/\/[^"]+\/preferences\?t=[^"]+/g, "/preferences");
    expect(asSent).not.toContain(token);

    const res = await fetch(`${today.url}/archive/${DAY}`);
    expect(res.status).toBe(200);
    const page = await res.text();
    expect(page).toContain(asSent);
    expect(page).not.toContain(token);
    expect(page).not.toMatch(/digest\.invalid|[?&](amp;)?t=/);
    // What went out: the old brand, World first, the old headline and subject.
    expect(page).toContain("The Test Digest");
    expect(page.indexOf(">World<")).toBeLessThan(page.indexOf(">Culture<"));
    expect(page).toContain("A science story");
    expect(page).not.toContain("A rewritten science story");
    expect(page).not.toContain("Renamed: ");
    // The lead with its picture.
    expect(page).toMatch(new RegExp(`<img src="${PICTURE}" alt="A harbour at dawn"`));
  });

  it("lists the edition with the subject it went out with", async () => {
    const mail = await world.eml(DAY, "ana@example.com");
    const list = await (await fetch(`${today.url}/archive`)).text();
    expect(list).toContain(mail.subject as string);
    expect(list).not.toContain("Renamed: ");
    const feed = await (await fetch(`${today.url}/archive/feed.xml`)).text();
    expect(feed).toContain(mail.subject as string);
  });

  it("keeps the sent copy in an item of its own, apart from the edition", async () => {
    const editions = new DynamoEditionStore(db, "digest-editions");
    const stored = await editions.getVariant(DAY, "all");
    expect(stored?.html).toContain("The lead of the day");
  });
});

describe("the copy the archive shows", () => {
  it("is stored when the edition is composed, before anything is sent", async () => {
    const day = new Date(Date.now() - 5 * 86_400_000).toISOString().slice(0, 10);
    const { rt, edition } = await composedEdition(world.stack, day, ["ben@example.com"]);
    await rt.close();
    const editions = new DynamoEditionStore(db, "digest-editions");
    const stored = await editions.getVariant(edition.editionId, "all");
    expect(stored?.html).toContain(edition.stories[0]?.headline);
    expect(stored?.subject).toBeTruthy();
    expect((await editions.get(edition.editionId))?.subject).toBe(stored?.subject);
  });

  it("holds a large edition: as many stories as the clip allows archive whole", async () => {
    const day = new Date(Date.now() - 7 * 86_400_000).toISOString().slice(0, 10);
    const long = (n: number) => `${"A long sentence that fills the excerpt of the story. ".repeat(8)}${n}`;
    const many = Array.from({ length: 60 }, (_, i) =>
      story(day, 100 + i, {
        headline: `Story ${i} of a very busy day with a long headline that goes on`,
        body: long(i),
        section: ["World", "Science", "Culture"][i % 3],
        // Long links (each is written twice in the email) fill the HTML before the 40-story cap does.
        url: `https://news.example.org/${day}/${"a-long-path-segment/".repeat(40)}story-${i}`,
      }),
    );
    const file = await writeStories(world.stack, "big.ndjson", many);
    expect((await world.stack.digest(["stories", "import", file])).code).toBe(0);
    const sent = await world.stack.digest(["send", "--date", day], {
      DIGEST_PUBLIC_BASE_URL: world.serve.url,
    });
    expect(sent.code).toBe(0);
    const editions = new DynamoEditionStore(db, "digest-editions");
    const edition = await editions.get(day);
    const stored = await editions.getVariant(day, "all");
    if (!edition || !stored) throw new Error("the edition or its copy is missing");
    // The clip's budget, not the story cap, stopped it: the HTML is at Gmail's clip budget (~100 KB), the
    // copy's item (HTML and text) far below DynamoDB's 400 KB.
    expect(edition.stories.length).toBeLessThan(40);
    expect(Buffer.byteLength(stored.html)).toBeGreaterThan(90_000);
    const page = await (await fetch(`${today.url}/archive/${day}`)).text();
    for (const s of edition.stories) expect(page).toContain(s.headline);
  });
});

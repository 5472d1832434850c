import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DynamoEditionStore } from "../../functions/adapters/dynamo/edition-store.js";
import { DynamoStoryStore } from "../../functions/adapters/dynamo/story-store.js";
import { toEditionStory } from "../../functions/core/edition/edition.js";
import type { Story } from "../../functions/core/kernel/types.js";
import { stackDocumentClient } from "../helpers/services.js";
import { startWorld, type World } from "./public-helpers.js";

/**
 * GET /stories/{id} serves a story only once it is public: sent in an edition (sending, sent, partial,
 * or cancelled after reaching readers) or past its publication time. Before that it answers 404, as for
 * an id that does not exist (a 403 would confirm that it does; ids are hashes of URLs anyone can compute).
 */

const PAST_DAY = "2021-03-14";
let world: World;
let stories: DynamoStoryStore;
let db: ReturnType<typeof stackDocumentClient>;

const isoDay = (offsetDays: number) =>
  new Date(Date.now() + offsetDays * 86_400_000).toISOString().slice(0, 10);
const FUTURE_DAY = isoDay(3);

function stored(id: string, day: string, over: Partial<Story> = {}): Omit<Story, "editionId"> {
  return {
    id,
    headline: `Embargoed story ${id}`,
    url: null,
    source: "Example Times",
    section: "World",
    byline: "",
    publishedAt: `${day}T09:00:00.000Z`,
    body: "Not to be read before its time.",
    excerpt: "Not to be read before its time.",
    ...over,
  };
}

const status = async (id: string) => (await fetch(`${world.serve.url}/stories/${id}`)).status;

beforeAll(async () => {
  world = await startWorld();
  db = stackDocumentClient(world.stack);
  stories = new DynamoStoryStore(db, "digest-stories");
}, 60_000);

afterAll(async () => {
  db?.destroy();
  await world?.close();
});

describe("GET /stories/{id} before a story went out", () => {
  it("answers 404 for a story dated in the future that is in no edition, the same page as an unknown id", async () => {
    await stories.upsert(stored("embargoed-one", FUTURE_DAY), FUTURE_DAY);
    const res = await fetch(`${world.serve.url}/stories/embargoed-one`);
    expect(res.status).toBe(404);
    expect(res.headers.get("cache-control")).toBe("no-store");
    const unknown = await fetch(`${world.serve.url}/stories/no-such-story`);
    expect(await res.text()).toBe(await unknown.text());
  });

  it("serves a story past its publication time", async () => {
    await stories.upsert(stored("published-one", PAST_DAY), PAST_DAY);
    expect(await status("published-one")).toBe(200);
  });

  it("serves a future-dated story once its edition went out, not while the edition is being composed", async () => {
    const { stack } = world;
    expect((await stack.digest(["subscribers", "add", "ana@example.com"])).code).toBe(0);
    await stories.upsert(stored("in-edition", FUTURE_DAY), FUTURE_DAY);
    // As a compose leaves it part-way: the edition stored as "building", its stories marked.
    const editions = new DynamoEditionStore(db, "digest-editions");
    const at = new Date().toISOString();
    await editions.replace({
      editionId: FUTURE_DAY,
      date: FUTURE_DAY,
      status: "building",
      stories: [toEditionStory({ ...stored("in-edition", FUTURE_DAY), editionId: null })],
      leftOutBySection: {},
      sections: ["World"],
      createdAt: at,
      updatedAt: at,
    });
    await stories.markInEdition(["in-edition"], FUTURE_DAY);
    expect(await status("in-edition")).toBe(404);

    const sent = await stack.digest(["send", "--date", FUTURE_DAY]);
    expect(sent.out).toMatch(/sent=1 /);
    expect((await stories.get("in-edition"))?.editionId).toBe(FUTURE_DAY);
    expect(await status("in-edition")).toBe(200);
  }, 60_000);
});

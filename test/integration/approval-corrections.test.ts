import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { simpleParser } from "mailparser";
import { afterEach, describe, expect, it } from "vitest";
import { ALL_SECTIONS } from "../../functions/core/edition/edition.js";
import { rerenderIfStale } from "../../functions/core/edition/edition-rerender.js";
import type { EditionStore, RenderedVariant } from "../../functions/core/kernel/ports.js";
import { correctStory } from "../../functions/core/stories/story-correction.js";
import { openRuntime, type Runtime } from "../../functions/local/runtime.js";
import { seedDay } from "../helpers/edition-setup.js";
import { adminRequest, type Serve, startServe } from "../helpers/serve.js";
import { startTestStack, type TestStack } from "../helpers/services.js";

/**
 * Issue 17: "preview → see a typo → correct → approve". A story of an edition awaiting approval may
 * still be corrected (headline, excerpt): the edition's snapshot takes the correction at once and its
 * rendering is redone before anything is sent (right away where the renderer is: `digest serve`, the
 * CLI; deployed, compose's next approval round). Once the edition was released, a correction is
 * refused (409) and nothing of it is written.
 */

/** A past day: its deadlines have passed. */
const DAY = "2025-04-02";
const READERS = ["ana@example.com", "ben@example.com"];
const OLD = "Story number 1 of the day";
const FIXED = "Story number 1 of the day, corrected";
let stack: TestStack | null = null;
let serve: Serve | null = null;
let rt: Runtime | null = null;

afterEach(async () => {
  await serve?.stop();
  await rt?.close();
  await stack?.close();
  serve = null;
  rt = null;
  stack = null;
});

async function awaiting(): Promise<TestStack> {
  stack = await startTestStack({}, { DIGEST_APPROVAL: "required" });
  await seedDay(stack, DAY, READERS);
  expect((await stack.digest(["compose", "--date", DAY])).out).toContain("status=awaiting-approval");
  return stack;
}

/** The one story of the day, as the admin API lists it. */
async function theStory(s: Serve): Promise<{ id: string; headline: string; editionId: string | null }> {
  const listed = await adminRequest(s, "GET", `/admin/stories?date=${DAY}`);
  const [first] = (listed.json as { items: { id: string; headline: string; editionId: string | null }[] })
    .items;
  if (!first) throw new Error("no story");
  return first;
}

/** The HTML and text of every message the readers were sent, and the outbox's digest.html. */
async function sentCopies(s: TestStack): Promise<string[]> {
  const dir = join(s.dir, "out", DAY);
  const emls = existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith(".eml")) : [];
  expect(emls.sort()).toEqual(READERS.map((e) => `${e}.eml`));
  const copies: string[] = [readFileSync(join(dir, "digest.html"), "utf8")];
  for (const eml of emls) {
    const mail = await simpleParser(readFileSync(join(dir, eml)));
    copies.push(String(mail.html), String(mail.text), String(mail.subject));
  }
  return copies;
}

describe("correcting a story of an edition awaiting approval", () => {
  it("PATCH is answered 200, the preview shows it at once, the approved send carries it; once sent, 409", async () => {
    const s = await awaiting();
    serve = await startServe(s);
    const before = await theStory(serve);
    expect(before).toMatchObject({ headline: OLD, editionId: DAY });
    const preview = `/admin/editions/${DAY}/preview`;
    expect((await adminRequest(serve, "GET", preview)).text).toContain(OLD);

    const fixed = await adminRequest(serve, "PATCH", `/admin/stories/${before.id}`, {
      json: { headline: FIXED, excerpt: "A corrected excerpt." },
    });
    expect(fixed.status).toBe(200);
    expect(fixed.json).toMatchObject({
      headline: FIXED,
      excerpt: "A corrected excerpt.",
      editionId: DAY,
      edition: { id: DAY, stale: false },
    });
    // Rendered again in this process at once: the preview shows it, nothing is stale.
    const html = (await adminRequest(serve, "GET", preview)).text;
    expect(html).toContain(FIXED);
    expect(html).toContain("A corrected excerpt.");
    expect(html).not.toContain(`${OLD}<`);
    expect((await adminRequest(serve, "GET", `${preview}/info`)).json).toMatchObject({ stale: false });
    const detail = await adminRequest(serve, "GET", `/admin/editions/${DAY}`);
    expect((detail.json as { stories: { headline: string }[] }).stories[0]?.headline).toBe(FIXED);
    const [entry] = (await adminRequest(serve, "GET", `/admin/audit?target=${before.id}`)).json.items;
    expect(entry).toMatchObject({ action: "story.correct", target: before.id });

    // Hold, lead and rank stay refused for a story in an edition: only the text is corrected, and a
    // request asking for both is refused whole.
    const held = await adminRequest(serve, "PATCH", `/admin/stories/${before.id}`, { json: { held: true } });
    expect(held.status).toBe(409);
    const both = await adminRequest(serve, "PATCH", `/admin/stories/${before.id}`, {
      json: { headline: "Not this one", rank: 1 },
    });
    expect(both.status).toBe(409);
    expect((await theStory(serve)).headline).toBe(FIXED);

    const approved = await adminRequest(serve, "POST", `/admin/editions/${DAY}/approve`);
    expect(approved.json).toMatchObject({ id: DAY, status: "sent" });
    for (const copy of await sentCopies(s)) {
      expect(copy).toContain(FIXED);
      expect(copy).not.toMatch(new RegExp(`${OLD}(?!, corrected)`));
    }
    // The archive shows the edition as sent: with the correction.
    expect(await (await fetch(`${serve.url}/archive/${DAY}`)).text()).toContain(FIXED);

    // Sent: what went out stays as it went.
    const late = await adminRequest(serve, "PATCH", `/admin/stories/${before.id}`, {
      json: { headline: "Too late" },
    });
    expect(late.status).toBe(409);
    expect(late.json).toMatchObject({ editionId: DAY });
    expect(late.json.error).toContain(`edition ${DAY}, which is sent`);
    expect((await theStory(serve)).headline).toBe(FIXED);
  });

  it("corrected where no renderer is (the story-import function): the preview says stale; the release renders first", async () => {
    const s = await awaiting();
    rt = await openRuntime({ env: s.env });
    const deps = await rt.deps();
    const id = (await deps.stories.listDay(DAY))[0]?.id ?? "";
    const result = await correctStory(deps, id, { headline: FIXED }, new Date(), "desk@example.com");
    expect(result).toMatchObject({ outcome: "changed", edition: { id: DAY, stale: true } });
    const edition = await deps.editions.get(DAY);
    expect(edition?.stories[0]?.headline).toBe(FIXED);
    expect(edition?.staleSince).toEqual(expect.any(String));
    // The stored copy is the old one until rendered again, and the preview says so.
    expect((await deps.editions.getVariant(DAY, ALL_SECTIONS))?.html).not.toContain(FIXED);
    serve = await startServe(s);
    expect((await adminRequest(serve, "GET", `/admin/editions/${DAY}/preview/info`)).json).toMatchObject({
      stale: true,
    });
    // A test send of a stale copy is refused: it would show what readers will not get.
    const test = await adminRequest(serve, "POST", `/admin/editions/${DAY}/test`, {
      json: { to: ["desk@example.com"] },
    });
    expect(test.status).toBe(409);
    expect(test.json.error).toContain("re-rendered");

    const approved = await s.digest(["editions", "approve", DAY]);
    expect(approved.out).toContain("sent=2");
    for (const copy of await sentCopies(s)) expect(copy).toContain(FIXED);
    expect((await deps.editions.get(DAY))?.staleSince).toBeUndefined();
    expect((await adminRequest(serve, "GET", `/admin/editions/${DAY}/preview/info`)).json).toMatchObject({
      stale: false,
    });
  });

  it("the deadline's release renders a copy a correction made stale before the first reader gets it", async () => {
    stack = await startTestStack({}, { DIGEST_APPROVAL: "deadline 06:30" });
    const s = stack;
    await seedDay(s, DAY, READERS);
    expect((await s.digest(["compose", "--date", DAY])).out).toContain("status=awaiting-approval");
    rt = await openRuntime({ env: s.env });
    const deps = await rt.deps();
    const id = (await deps.stories.listDay(DAY))[0]?.id ?? "";
    expect(await correctStory(deps, id, { headline: FIXED }, new Date(), null)).toMatchObject({
      edition: { stale: true },
    });
    // The deadline (06:30 of a past day) has passed: the daily send releases it and sends it.
    expect((await s.digest(["send", "--date", DAY])).out).toContain("sent=2");
    for (const copy of await sentCopies(s)) expect(copy).toContain(FIXED);
    expect(await deps.editions.get(DAY)).toMatchObject({ approval: { approvedBy: "deadline" } });
  });

  it("digest stories correct: corrects a story of the awaiting edition and renders it at once; refused once sent", async () => {
    const s = await awaiting();
    rt = await openRuntime({ env: s.env });
    const deps = await rt.deps();
    const id = (await deps.stories.listDay(DAY))[0]?.id ?? "";
    const corrected = await s.digest(["stories", "correct", id, "--headline", FIXED]);
    expect(corrected.code).toBe(0);
    expect(corrected.out).toContain(`corrected ${id} "${FIXED}"`);
    expect(corrected.out).toContain(`edition ${DAY} rendered again`);
    expect((await deps.editions.getVariant(DAY, ALL_SECTIONS))?.html).toContain(FIXED);
    expect((await deps.editions.get(DAY))?.staleSince).toBeUndefined();
    const [entry] = (await rt.auditLog().list({ target: id, limit: 10 })).items;
    expect(entry).toMatchObject({ action: "story.correct", via: "cli" });

    expect((await s.digest(["editions", "approve", DAY])).out).toContain("sent=2");
    for (const copy of await sentCopies(s)) expect(copy).toContain(FIXED);
    const late = await s.digest(["stories", "correct", id, "--restore", "headline"]);
    expect(late.code).toBe(1);
    expect(late.err).toContain(`is in edition ${DAY}, which is sent`);
    expect((await deps.stories.get(id))?.headline).toBe(FIXED);
  });

  it("a correction the release overtakes is refused whole: the story, the snapshot and the copy stay as released", async () => {
    const s = await awaiting();
    rt = await openRuntime({ env: s.env });
    const deps = await rt.deps();
    const id = (await deps.stories.listDay(DAY))[0]?.id ?? "";
    const stamp = { at: new Date().toISOString(), by: "chief@example.com" };
    // The release lands between the correction's read of the edition and its write.
    const racing: EditionStore = Object.create(deps.editions);
    racing.correctStory = async (...args) => {
      expect(await deps.editions.releaseApproval(DAY, stamp)).toBe(true);
      return deps.editions.correctStory(...args);
    };
    const raced = await correctStory(
      { stories: deps.stories, editions: racing },
      id,
      { headline: FIXED },
      new Date(),
      "desk@example.com",
    );
    expect(raced).toMatchObject({ outcome: "in-edition", editionId: DAY, status: "sending" });
    const released = await deps.editions.get(DAY);
    expect(released?.stories[0]?.headline).toBe(OLD);
    expect(released?.staleSince).toBeUndefined();
    expect((await deps.stories.get(id))?.headline).toBe(OLD);
    expect((await deps.stories.get(id))?.correction).toBeUndefined();

    // And after the release, plainly: refused before anything is written.
    const after = await correctStory(deps, id, { excerpt: "Too late." }, new Date(), null);
    expect(after).toMatchObject({ outcome: "in-edition", status: "sending" });
    expect((await deps.stories.get(id))?.correction).toBeUndefined();
    expect((await deps.editions.getVariant(DAY, ALL_SECTIONS))?.html).toContain(OLD);
  });

  it("a correction landing while the copy is rendered again keeps it stale until rendered from it; an older copy never replaces a newer", async () => {
    const s = await awaiting();
    rt = await openRuntime({ env: s.env });
    const deps = await rt.deps();
    const id = (await deps.stories.listDay(DAY))[0]?.id ?? "";
    await correctStory(deps, id, { headline: FIXED }, new Date(), null);
    // A second correction arrives between the rendering of the first and its marking as rendered.
    const SECOND = "Story number 1 of the day, corrected twice";
    let marks = 0;
    const racing: EditionStore = Object.create(deps.editions);
    racing.markRendered = async (...args) => {
      if (marks++ === 0) await correctStory(deps, id, { headline: SECOND }, new Date(), null);
      return deps.editions.markRendered(...args);
    };
    const rendered = await rerenderIfStale({ ...deps, editions: racing }, DAY);
    expect(marks).toBe(2); // the first marking refused (revision 1 < 2), the second rendering marked
    expect(rendered).toMatchObject({ revision: 2 });
    expect(rendered?.staleSince).toBeUndefined();
    const stored = await deps.editions.getVariant(DAY, ALL_SECTIONS);
    expect(stored).toMatchObject({ revision: 2 });
    expect(stored?.html).toContain(SECOND);
    // A rendering of revision 1 finishing late does not replace it.
    expect(
      await deps.editions.putVariant(DAY, { ...(stored as RenderedVariant), html: "old", revision: 1 }),
    ).toBe(false);
    expect((await deps.editions.getVariant(DAY, ALL_SECTIONS))?.html).toContain(SECOND);
    expect((await deps.editions.get(DAY))?.subject).toContain("corrected twice");
  });
});

import { describe, expect, it } from "vitest";
import { STORY_FILE_EXTENSIONS } from "../../functions/core/stories/story-files.js";
import { adminRequest, type Serve, serveForSuite } from "../helpers/serve.js";
import { story, type TestStack } from "../helpers/services.js";

/**
 * The admin API's story routes (`POST|GET /admin/stories`, `PATCH|DELETE /admin/stories/{id}`) and
 * `POST /admin/editions/{id}/cancel`, over real HTTP against `digest serve` on dynalite and the SES
 * endpoint.
 */

const DAY = "2031-03-14";

// biome-ignore lint/suspicious/noExplicitAny: answers are checked field by field
type Json = any;

const post = (serve: Serve, body: string, contentType: string | null, query = "") =>
  adminRequest(serve, "POST", `/admin/stories${query}`, {
    // fetch labels a string body text/plain; bytes go without a content type.
    body: contentType === null ? new TextEncoder().encode(body) : body,
    type: contentType ?? undefined,
  });

async function call(serve: Serve, method: string, path: string, json?: unknown) {
  const { status, json: answer } = await adminRequest(serve, method, path, { json });
  return { status, json: answer as Json };
}

const RAW_PAGE = `Read every paper in one place.
Start reading
Lakeside Herald
Lakeside Herald
Science
Ana Ortiz and Tom Reeve

Tidal power trial lights up harbour town for a week

The harbour town of Wexmoor ran entirely on tidal power for seven days, the first such trial in the country. Residents barely noticed the switch.

Engineers said the turbines delivered more than expected during spring tides, and the council wants a longer trial next year.

Sign up to read this article
Already a member? Sign in here
Related Stories
Download the app
`;

describe("admin story routes", () => {
  let stack: TestStack;
  let serve: Serve;

  serveForSuite({ DIGEST_SECTIONS: "World,Science,Culture" }, (started) => {
    ({ stack, serve } = started);
  });

  const listDay = async (day = DAY) => {
    const res = await call(serve, "GET", `/admin/stories?date=${day}`);
    expect(res.status).toBe(200);
    return res.json.items as Json[];
  };

  it("imports a JSON object, an array and {stories:[…]} through the one import path, bad records at their line", async () => {
    const one = await post(serve, JSON.stringify(story(DAY, 1)), "application/json; charset=utf-8");
    expect(one.status).toBe(200);
    expect(one.json).toMatchObject({ imported: 1, updated: 0, skipped: 0, invalid: 0, problems: [] });
    expect(one.json.ids).toHaveLength(1);

    const array = [
      "[",
      JSON.stringify(story(DAY, 2)),
      ",",
      JSON.stringify({ url: "https://x.example/a" }),
      "]",
    ];
    const many = await post(serve, array.join("\n"), "application/json");
    expect(many.status).toBe(200);
    expect(many.json).toMatchObject({
      imported: 1,
      invalid: 1,
      problems: [{ line: 4, reason: "headline: required" }],
    });

    const wrapped = [
      "{",
      '  "stories": [',
      `    ${JSON.stringify(story(DAY, 3))},`,
      `    ${JSON.stringify(story(DAY, 1))},`,
      `    ${JSON.stringify({ ...story(DAY, 4), publishedAt: "the day after tomorrow" })}`,
      "  ]",
      "}",
    ];
    const batch = await post(serve, wrapped.join("\n"), "application/json");
    expect(batch.status).toBe(200);
    expect(batch.json).toMatchObject({
      imported: 1,
      skipped: 1,
      invalid: 1,
      problems: [{ line: 5, reason: 'publishedAt: cannot parse "the day after tomorrow"' }],
    });
    expect(batch.json.ids).toEqual([expect.any(String), one.json.ids[0]]);

    const listed = await listDay();
    expect(listed.map((s: Json) => s.headline).sort()).toEqual(
      [1, 2, 3].map((n) => `Story number ${n} of the day`),
    );
    expect(Object.keys(listed[0]).sort()).toEqual(
      [
        "byline",
        "editionId",
        "excerpt",
        "headline",
        "held",
        "id",
        "publishedAt",
        "section",
        "source",
        "url",
      ].sort(),
    );
  });

  it("imports NDJSON, and a raw article page (text/plain) with the import options as query parameters", async () => {
    const ndjson = `${JSON.stringify(story(DAY, 5))}\n{"headline": \n${JSON.stringify(story(DAY, 6))}\n`;
    const nd = await post(serve, ndjson, "application/x-ndjson");
    expect(nd.status).toBe(200);
    expect(nd.json).toMatchObject({ imported: 2, invalid: 1, problems: [{ line: 2 }] });
    expect(nd.json.problems[0].reason).toMatch(/^invalid JSON at column \d+/);

    const query = `?url=${encodeURIComponent("https://lakeside.example/tidal?utm_source=x")}&publishedAt=${DAY}T07:00:00Z&section=World`;
    const page = await post(serve, RAW_PAGE, "text/plain; charset=utf-8", query);
    expect(page.status).toBe(200);
    expect(page.json).toMatchObject({ imported: 1, invalid: 0 });
    const stored = (await listDay()).find((s: Json) => s.id === page.json.ids[0]);
    expect(stored).toMatchObject({
      headline: "Tidal power trial lights up harbour town for a week",
      url: "https://lakeside.example/tidal",
      source: "Lakeside Herald",
      // The page names its own section: the option fills only what a story lacks.
      section: "Science",
      byline: "Ana Ortiz and Tom Reeve",
      publishedAt: `${DAY}T07:00:00.000Z`,
      held: false,
      editionId: null,
    });
    expect(stored.excerpt).toMatch(/^The harbour town of Wexmoor/);
    expect(stored.excerpt).not.toMatch(/Sign up|Related/);
  });

  it("reads text/html as an article page when HTML import is supported, else answers 415", async () => {
    const html = `<!doctype html><html><head><title>Night trains return to the valley</title>
<meta property="og:site_name" content="Valley Courier"></head>
<body><nav>Home · News · Sport</nav><article><h1>Night trains return to the valley</h1>
<p>The first night train in twenty years left the valley station on Friday, carrying more than two hundred passengers to the coast.</p>
<p>Operators said bookings for the winter were well ahead of what they had planned for.</p></article>
<footer>Subscribe to our newsletter</footer></body></html>`;
    const res = await post(
      serve,
      html,
      "text/html; charset=utf-8",
      `?url=https://valley.example/trains&publishedAt=${DAY}T09:00:00Z`,
    );
    if ((STORY_FILE_EXTENSIONS as readonly string[]).includes(".html")) {
      expect(res.status).toBe(200);
      expect(res.json).toMatchObject({ imported: 1, invalid: 0 });
      const stored = (await listDay()).find((s: Json) => s.id === res.json.ids[0]);
      expect(stored.headline).toBe("Night trains return to the valley");
    } else {
      expect(res.status).toBe(415);
      expect(res.json.error).toContain("text/html");
    }
  });

  it("answers 400 naming the bad field when nothing valid was sent, 415 for other types, 413 when too large", async () => {
    const cases: [string, string, string, string][] = [
      [JSON.stringify({ url: "https://x.example/b" }), "", "headline", "line 1: headline: required"],
      [
        JSON.stringify({ headline: "A", url: "ftp://x.example/b" }),
        "",
        "url",
        "url: not an absolute http(s) URL",
      ],
      [
        JSON.stringify({ headline: "A", publishedAt: "soonish" }),
        "",
        "publishedAt",
        'publishedAt: cannot parse "soonish"',
      ],
      [JSON.stringify({ headline: "A" }), "?url=not-a-url", "url", "url: not an absolute http(s) URL"],
      [JSON.stringify({ headline: 7 }), "", "headline", "headline: expected a string"],
      ['{"headline": "A",', "", "body", "invalid JSON at line 1"],
      ["", "", "body", "empty file"],
      ["[]", "", "body", "the body holds no story"],
    ];
    for (const [body, query, field, message] of cases) {
      const res = await post(serve, body, "application/json", query);
      expect(res.status, body).toBe(400);
      expect(res.json.field, body).toBe(field);
      expect(res.json.error, body).toContain(message);
      expect(res.json.imported).toBe(0);
    }
    const noHeadline = await post(
      serve,
      "<html><body><nav><a href='/'>Home</a></nav></body></html>",
      "text/html",
    );
    expect(noHeadline.status).toBe(400);
    expect(noHeadline.json).toMatchObject({ field: "headline", invalid: 1 });
    expect(noHeadline.json.error).toMatch(/^line 1: no headline/);
    const unknown = await post(
      serve,
      JSON.stringify(story(DAY, 9)),
      "application/json",
      "?published_at=2031-03-14",
    );
    expect(unknown.status).toBe(400);
    expect(unknown.json).toMatchObject({ field: "published_at" });
    expect(unknown.json.error).toContain("allowed: url, publishedAt, section, source");

    const png = await post(serve, "\u0089PNG", "image/png");
    expect(png.status).toBe(415);
    expect(png.json.error).toContain("application/json");
    expect((await post(serve, "{}", null)).status).toBe(415);
    const big = await post(
      serve,
      `[${JSON.stringify(story(DAY, 10, { body: "x".repeat(6 * 1024 * 1024) }))}]`,
      "application/json",
    );
    expect(big.status).toBe(413);
    expect(big.json.error).toContain("larger than");
  });

  it("requires admin credentials on every story route", async () => {
    for (const [method, path] of [
      ["GET", "/admin/stories"],
      ["POST", "/admin/stories"],
      ["PATCH", "/admin/stories/x"],
      ["DELETE", "/admin/stories/x"],
      ["POST", "/admin/editions/x/cancel"],
    ] as const) {
      expect((await fetch(`${serve.url}${path}`, { method })).status).toBe(401);
      const wrong = await fetch(`${serve.url}${path}`, { method, headers: { authorization: "Bearer nope" } });
      expect(wrong.status).toBe(403);
    }
  });

  it("holds, releases and removes stories; a removed one stays removed; a bad date or field is a 400", async () => {
    const day = "2031-04-01";
    const res = await post(serve, JSON.stringify([story(day, 1), story(day, 2)]), "application/json");
    const [a, b] = res.json.ids as string[];
    expect((await listDay(day)).map((s: Json) => s.held)).toEqual([false, false]);

    const hold = await call(serve, "PATCH", `/admin/stories/${a}`, { held: true });
    expect(hold.status).toBe(200);
    expect(hold.json).toMatchObject({ id: a, held: true, editionId: null });
    expect((await listDay(day)).find((s: Json) => s.id === a).held).toBe(true);
    const release = await call(serve, "PATCH", `/admin/stories/${a}`, { held: false });
    expect(release.json).toMatchObject({ id: a, held: false });
    expect((await call(serve, "PATCH", `/admin/stories/${a}`, { held: "yes" })).json).toMatchObject({
      field: "held",
    });
    expect((await call(serve, "PATCH", `/admin/stories/${a}`, { held: true, body: "x" })).status).toBe(400);
    expect((await call(serve, "PATCH", "/admin/stories/nope", { held: true })).status).toBe(404);

    const removed = await call(serve, "DELETE", `/admin/stories/${b}`);
    expect(removed).toEqual({ status: 200, json: { removed: true, id: b } });
    expect((await listDay(day)).map((s: Json) => s.id)).toEqual([a]);
    expect((await call(serve, "DELETE", `/admin/stories/${b}`)).status).toBe(404);
    expect((await call(serve, "PATCH", `/admin/stories/${b}`, { held: true })).status).toBe(404);
    const again = await post(serve, JSON.stringify(story(day, 2)), "application/json");
    expect(again.status).toBe(200);
    expect(again.json).toMatchObject({ imported: 0, skipped: 1 });
    expect((await listDay(day)).map((s: Json) => s.id)).toEqual([a]);

    const bad = await call(serve, "GET", "/admin/stories?date=2031-02-30");
    expect(bad.status).toBe(400);
    expect(bad.json.field).toBe("date");
  });

  it("picks a story as its day's lead and sets its place in its section; the dry run's subject follows", async () => {
    const day = "2031-04-02";
    const res = await post(
      serve,
      JSON.stringify([story(day, 1), story(day, 2), story(day, 3)]),
      "application/json",
    );
    const [oldest] = res.json.ids as string[];
    const pick = await call(serve, "PATCH", `/admin/stories/${oldest}`, { lead: true });
    expect(pick.status).toBe(200);
    expect(pick.json.leadPickedAt).toMatch(/^\d{4}-\d{2}-\d{2}T/);
    const dry = await stack.digest(["send", "--date", day, "--dry-run", "--json"]);
    expect(JSON.parse(dry.out).subject).toBe(story(day, 1).headline);
    // A picture given at import is stored with the story, checked (https, absolute).
    const pictured = {
      ...story(day, 4),
      image: { url: "https://news.example.org/p.jpg", alt: "A caption", width: 1200, height: 800 },
    };
    const withImage = await post(serve, JSON.stringify(pictured), "application/json");
    expect(withImage.json).toMatchObject({ imported: 1 });
    const listedImage = (await listDay(day)).find((s: Json) => s.id === withImage.json.ids[0]);
    expect(listedImage.image).toEqual(pictured.image);
    const ranked = await call(serve, "PATCH", `/admin/stories/${oldest}`, { rank: 2 });
    expect(ranked.json).toMatchObject({ rank: 2 });
    expect((await call(serve, "PATCH", `/admin/stories/${oldest}`, { rank: 0 })).json).toMatchObject({
      field: "rank",
    });
    expect((await call(serve, "PATCH", `/admin/stories/${oldest}`, { lead: "yes" })).json).toMatchObject({
      field: "lead",
    });
    expect((await call(serve, "PATCH", `/admin/stories/${oldest}`, {})).status).toBe(400);
    const unpicked = await call(serve, "PATCH", `/admin/stories/${oldest}`, { lead: false, rank: null });
    expect(unpicked.json.leadPickedAt).toBeUndefined();
    expect(unpicked.json.rank).toBeUndefined();
    expect((await call(serve, "PATCH", "/admin/stories/nope", { lead: true })).status).toBe(404);
  });

  it("cancels an edition in progress (idempotent), refuses a sent one (409), keeps stories that went out", async () => {
    const day = "2031-05-01";
    await post(serve, JSON.stringify([story(day, 1)]), "application/json");
    expect((await stack.digest(["compose", "--date", day])).code).toBe(0);
    const cancel = await call(serve, "POST", `/admin/editions/${day}/cancel`);
    expect(cancel.status).toBe(200);
    expect(cancel.json).toMatchObject({ id: day, status: "cancelled", alreadyCancelled: false });
    expect(cancel.json.counts).toMatchObject({ sent: 0 });
    const again = await call(serve, "POST", `/admin/editions/${day}/cancel`);
    expect(again.json).toMatchObject({ status: "cancelled", alreadyCancelled: true });
    expect((await call(serve, "GET", `/admin/editions/${day}`)).json.status).toBe("cancelled");
    expect((await call(serve, "POST", "/admin/editions/2031-05-02/cancel")).status).toBe(404);

    const [carried] = await listDay(day);
    const refused = await call(serve, "DELETE", `/admin/stories/${carried.id}`);
    expect(refused.status).toBe(409);
    expect(refused.json).toMatchObject({ editionId: day });
    expect((await call(serve, "PATCH", `/admin/stories/${carried.id}`, { held: true })).status).toBe(409);

    const sentDay = "2031-05-03";
    await post(serve, JSON.stringify(story(sentDay, 1)), "application/json");
    await stack.digest(["subscribers", "add", "ana@example.com"]);
    expect((await stack.digest(["send", "--date", sentDay])).code).toBe(0);
    const sent = await call(serve, "POST", `/admin/editions/${sentDay}/cancel`);
    expect(sent.status).toBe(409);
    expect(sent.json.error).toContain("already sent to everyone");
  });
});

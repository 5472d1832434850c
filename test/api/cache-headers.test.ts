import { afterEach, describe, expect, it } from "vitest";
import { CACHED_PATH_PATTERNS } from "../../infra/cdn.js";
import { PUBLIC_ROUTES } from "../../infra/http-api.js";
import { form, linkIn, post, startWorld, type World } from "./public-helpers.js";

/**
 * Deployed, CloudFront (infra/cdn.ts) caches the paths of CACHED_PATH_PATTERNS as long as the page's
 * Cache-Control says, and passes everything else through uncached. A personal page (its links carry
 * the reader's token) must never be kept by a shared cache: neither under a cached path, nor with a
 * Cache-Control a cache would honour.
 */

let world: World;
afterEach(async () => {
  await world?.close();
});

/** CloudFront path patterns: `*` matches any characters, `/` included. */
const cachedBy = (path: string) =>
  CACHED_PATH_PATTERNS.some((pattern) =>
    new RegExp(`^${pattern.replace(/[.+?^${}()|[\]\\]/g, "\\$&").replace(/\*/g, ".*")}$`).test(path),
  );

describe("what shared caches may keep", () => {
  it("caches only the archive and story routes; sign-up, confirm, unsubscribe and preferences never", () => {
    const cached = PUBLIC_ROUTES.map(([, path]) => path).filter(cachedBy);
    expect(cached).toEqual(["/archive", "/archive/feed.xml", "/archive/{date}", "/stories/{id}"]);
    for (const path of ["/subscribe", "/confirm", "/unsubscribe", "/preferences"])
      expect(cachedBy(path)).toBe(false);
  });

  it("answers every personal page with no-store", async () => {
    world = await startWorld();
    const { url } = world.serve;
    // The page itself (not an error page, which says no-store too), and no-store.
    const noStore = (res: Response, what: string) =>
      expect({ what, ok: res.status < 400, cacheControl: res.headers.get("cache-control") }).toEqual({
        what,
        ok: true,
        cacheControl: "no-store",
      });

    noStore(await fetch(`${url}/subscribe`), "GET /subscribe");
    noStore(await post(`${url}/subscribe`, form({ email: "ana@example.com" })), "POST /subscribe");
    const confirmUrl = linkIn(await world.eml("confirm", "ana@example.com"), "/confirm");
    noStore(await fetch(confirmUrl), "GET /confirm");
    const welcome = await world.eml("confirm", "ana@example.com");
    const preferences = linkIn(welcome, "/preferences");
    noStore(await fetch(preferences), "GET /preferences");
    noStore(await post(preferences, form({ action: "pause" })), "POST /preferences");
    const unsubscribe = linkIn(welcome, "/unsubscribe");
    noStore(await fetch(unsubscribe), "GET /unsubscribe");
    noStore(await post(unsubscribe, "List-Unsubscribe=One-Click"), "POST /unsubscribe");
    noStore(await fetch(`${url}/preferences`), "GET /preferences without a link");
    expect((await world.record("ana@example.com"))?.status).toBe("unsubscribed");
  });
});

import { existsSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import {
  absolute,
  form,
  header,
  linkIn,
  page,
  post,
  signUpAndConfirm,
  startWorld,
  type World,
} from "./public-helpers.js";

let world: World;

afterEach(async () => {
  await world?.close();
});

const formAction = (body: string) => body.match(/<form method="post" action="([^"]+)"/)?.[1] as string;

describe("unsubscribe pages", () => {
  it("GET /unsubscribe never unsubscribes; its one button does, and preferences bring them back", async () => {
    world = await startWorld();
    const welcome = await signUpAndConfirm(world, "ana@example.com");
    const unsubscribeUrl = header(welcome, "List-Unsubscribe")?.match(/^<([^>]+)>$/)?.[1] as string;

    // Scanners prefetch links: any number of GETs (and HEADs) change nothing.
    let body = "";
    for (let i = 0; i < 3; i++) {
      const res = await fetch(unsubscribeUrl);
      expect(res.status).toBe(200);
      body = await page(res);
    }
    expect((await fetch(unsubscribeUrl, { method: "HEAD" })).status).toBe(200);
    expect((await world.record("ana@example.com"))?.status).toBe("active");
    expect(body.match(/<button/g)).toHaveLength(1);
    expect(body.match(/<form /g)).toHaveLength(1);
    expect(body).toMatch(/href="\/preferences\?t=[\w.-]+"/);
    const action = formAction(body);
    expect(absolute(world, action)).toBe(unsubscribeUrl.replace(/^https?:\/\/[^/]+/, world.serve.url));

    // The button: a form POST with the page's own fields.
    const hidden = [...body.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]+)">/g)];
    const done = await post(
      absolute(world, action),
      form(Object.fromEntries(hidden.map((m) => [m[1] as string, m[2] as string]))),
    );
    expect(done.status).toBe(200);
    const donePage = await page(done);
    expect(donePage).toContain("<h1>You&#39;re unsubscribed</h1>");
    expect((await world.record("ana@example.com"))?.status).toBe("unsubscribed");
    const afterGet = await page(await fetch(unsubscribeUrl));
    expect(afterGet).toContain("You&#39;re unsubscribed");
    expect(afterGet).not.toContain("<button");

    // Subscribe again from the preferences page: their signed link is their consent.
    const prefs = absolute(world, donePage.match(/href="(\/preferences\?t=[^"]+)"/)?.[1] as string);
    const prefsPage = await page(await fetch(prefs));
    expect(prefsPage).toContain("You&#39;re unsubscribed");
    expect(prefsPage).toContain(
      '<button type="submit" name="action" value="resubscribe">Subscribe again</button>',
    );
    const back = await post(prefs, form({ action: "resubscribe" }));
    expect(back.status).toBe(303);
    const shown = await page(await fetch(absolute(world, back.headers.get("location") as string)));
    expect(shown).toMatch(/role="status"><p>You&#39;re subscribed again/);
    const record = await world.record("ana@example.com");
    expect(record).toMatchObject({ status: "active", consent: { method: "form", source: "preferences" } });
  });

  it("links without a token explain where the personal link is; erased subscribers learn nothing", async () => {
    world = await startWorld();
    const { url } = world.serve;
    for (const path of ["/unsubscribe", "/preferences"]) {
      const res = await fetch(`${url}${path}`);
      expect(res.status).toBe(200);
      expect(await page(res)).toContain("link at the bottom of any email");
    }
    expect((await post(`${url}/unsubscribe`, "List-Unsubscribe=One-Click")).status).toBe(400);
    const bad = await post(`${url}/unsubscribe?t=nonsense`, "List-Unsubscribe=One-Click");
    expect(bad.status).toBe(400);
    expect(await page(bad)).toContain("This link did not work");

    const welcome = await signUpAndConfirm(world, "ana@example.com");
    const unsubscribeUrl = header(welcome, "List-Unsubscribe")?.match(/^<([^>]+)>$/)?.[1] as string;
    const prefs = linkIn(welcome, "/preferences");
    await world.subscribers.delete("ana@example.com");
    const oneClick = await post(unsubscribeUrl, "List-Unsubscribe=One-Click", {
      "content-type": "application/x-www-form-urlencoded",
    });
    expect(oneClick.status).toBe(200);
    const body = await page(oneClick);
    expect(body).toContain("send you anything more");
    expect(body).not.toContain("ana@example.com");
    expect((await fetch(unsubscribeUrl)).status).toBe(200);
    expect((await fetch(prefs)).status).toBe(410);
  });
});

describe("preferences", () => {
  it("sections and time zone are saved and the next edition honours them; pause stops mail, resume restores it", async () => {
    world = await startWorld();
    const welcome = await signUpAndConfirm(world, "ana@example.com");
    const prefs = linkIn(welcome, "/preferences");

    const first = await page(await fetch(prefs));
    expect(first).toContain("For <strong>ana@example.com</strong>.");
    for (const section of ["World", "Science", "Culture"]) {
      expect(first).toMatch(new RegExp(`name="sections" value="${section}" checked>`));
    }
    expect(first).toContain('<option value="" selected>');

    const saved = await post(prefs, form({ action: "save", sections: ["Science"], timezone: "Asia/Tokyo" }));
    expect(saved.status).toBe(303);
    const location = saved.headers.get("location") as string;
    expect(location).toMatch(/^\/preferences\?t=[\w.%-]+&saved=save$/);
    const shown = await page(await fetch(absolute(world, location)));
    expect(shown).toContain('role="status"><p>Your preferences are saved.</p>');
    expect(shown).toContain('name="sections" value="Science" checked>');
    expect(shown).toContain('name="sections" value="World">');
    expect(shown).toContain("<option selected>Asia/Tokyo</option>");
    expect(await world.record("ana@example.com")).toMatchObject({
      sections: ["Science"],
      timezone: "Asia/Tokyo",
    });

    const day1 = await world.sendDay("2031-03-14");
    expect(day1.out).toMatch(/ sent=1 /);
    const edition = await world.eml("2031-03-14", "ana@example.com");
    expect(edition.text).toContain("Science news of 2031-03-14");
    expect(edition.text).not.toContain("World news of 2031-03-14");

    // Pause: no mail.
    expect((await post(prefs, form({ action: "pause" }))).status).toBe(303);
    expect((await world.record("ana@example.com"))?.status).toBe("paused");
    const pausedPage = await page(await fetch(prefs));
    expect(pausedPage).toContain('value="resume">Resume the digest</button>');
    const day2 = await world.sendDay("2031-03-15");
    expect(day2.out).toMatch(/recipients=0 sent=0 /);
    expect(existsSync(join(world.stack.dir, "out", "2031-03-15", "ana@example.com.eml"))).toBe(false);

    // Resume: mail again.
    expect((await post(prefs, form({ action: "resume" }))).status).toBe(303);
    const day3 = await world.sendDay("2031-03-16");
    expect(day3.out).toMatch(/recipients=1 sent=1 /);
    expect((await world.eml("2031-03-16", "ana@example.com")).text).toContain("Science news of 2031-03-16");

    // All ticked again means all sections (also ones added later), stored as [].
    await post(prefs, form({ action: "save", sections: ["World", "Science", "Culture"], timezone: "" }));
    expect(await world.record("ana@example.com")).toMatchObject({ sections: [], timezone: null });

    // Unsubscribe from the preferences page.
    const unsubscribed = await post(prefs, form({ action: "unsubscribe" }));
    expect(unsubscribed.headers.get("location")).toMatch(/&saved=unsubscribe$/);
    expect((await world.record("ana@example.com"))?.status).toBe("unsubscribed");
  });

  it("with local morning delivery, subscribers choose the hour the digest arrives", async () => {
    world = await startWorld({ DIGEST_DELIVERY_MODE: "local", DIGEST_DELIVERY_HOUR: "7" });
    const welcome = await signUpAndConfirm(world, "ana@example.com");
    const prefs = linkIn(welcome, "/preferences");
    const first = await page(await fetch(prefs));
    expect(first).toContain('<label for="deliveryHour">Delivery time</label>');
    expect(first).toContain('<option value="" selected>The usual time (07:00)</option>');
    const saved = await post(
      prefs,
      form({ action: "save", sections: ["World"], timezone: "Asia/Tokyo", deliveryHour: "6" }),
    );
    expect(saved.status).toBe(303);
    expect(await world.record("ana@example.com")).toMatchObject({ timezone: "Asia/Tokyo", deliveryHour: 6 });
    const bad = await post(
      prefs,
      form({ action: "save", sections: ["World"], timezone: "", deliveryHour: "25" }),
    );
    expect(bad.status).toBe(400);
    expect(await page(bad)).toContain("choose an hour from the list");
  });

  it("answers 400 with the form and the problem for bad choices", async () => {
    world = await startWorld();
    const prefs = linkIn(await signUpAndConfirm(world, "ana@example.com"), "/preferences");
    const unknown = await post(prefs, form({ action: "save", sections: ["World", "Sport"] }));
    expect(unknown.status).toBe(400);
    expect(await page(unknown)).toMatch(/Sections<\/a>: unknown section Sport/);
    const none = await post(prefs, form({ action: "save" }));
    expect(none.status).toBe(400);
    expect(await page(none)).toContain("choose at least one section");
    const zone = await post(prefs, form({ action: "save", sections: "World", timezone: "Nowhere/Special" }));
    expect(zone.status).toBe(400);
    const zonePage = await page(zone);
    expect(zonePage).toMatch(/Time zone<\/a>: &quot;Nowhere\/Special&quot; is not a time zone/);
    expect(zonePage).toContain("<option selected>Nowhere/Special</option>");
    const action = await post(prefs, form({ action: "<b>explode</b>" }));
    expect(action.status).toBe(400);
    expect(await page(action)).not.toContain("<b>explode");
    // Resume is not something an active subscription can do.
    expect((await post(prefs, form({ action: "resume" }))).status).toBe(400);
    expect(await world.record("ana@example.com")).toMatchObject({ status: "active", sections: [] });

    const tampered = prefs.replace(
      /\.([\w-])([\w-]+)$/,
      (_m, c: string, rest: string) => `.${c === "A" ? "B" : "A"}${rest}`,
    );
    expect(tampered).not.toBe(prefs);
    expect((await fetch(tampered)).status).toBe(400);
    expect((await post(tampered, form({ action: "pause" }))).status).toBe(400);
  });

  it("offers a free-text sections field when no sections are configured", async () => {
    world = await startWorld({ DIGEST_SECTIONS: "" });
    const signupForm = await page(await fetch(`${world.serve.url}/subscribe`));
    expect(signupForm).not.toContain('name="sections"');
    const prefs = linkIn(await signUpAndConfirm(world, "ana@example.com"), "/preferences");
    const body = await page(await fetch(prefs));
    expect(body).toMatch(/<input type="text" id="sections" name="sections" value=""/);
    expect((await post(prefs, form({ action: "save", sections: "World; Local news, World" }))).status).toBe(
      303,
    );
    expect((await world.record("ana@example.com"))?.sections).toEqual(["World", "Local news"]);
    expect(await page(await fetch(prefs))).toContain('value="World, Local news"');
  });

  it("suppressed subscribers see why mail is blocked and cannot resubscribe themselves", async () => {
    world = await startWorld();
    const welcome = await signUpAndConfirm(world, "ana@example.com");
    const prefs = linkIn(welcome, "/preferences");
    const unsubscribeUrl = header(welcome, "List-Unsubscribe")?.match(/^<([^>]+)>$/)?.[1] as string;
    const record = await world.record("ana@example.com");
    if (!record) throw new Error("setup");
    await world.subscribers.put({
      ...record,
      status: "suppressed",
      suppression: { reason: "bounce", at: new Date().toISOString(), previousStatus: "active" },
    });
    const shown = await fetch(prefs);
    expect(shown.status).toBe(200);
    const body = await page(shown);
    expect(body).toContain("We can&#39;t send email to this address");
    expect(body).not.toContain("<form");
    expect((await post(prefs, form({ action: "resubscribe" }))).status).toBe(409);
    expect((await world.record("ana@example.com"))?.status).toBe("suppressed");

    // One-click still answers 200; lifting the suppression later leaves them unsubscribed.
    expect((await post(unsubscribeUrl, "List-Unsubscribe=One-Click")).status).toBe(200);
    expect((await world.record("ana@example.com"))?.suppression?.previousStatus).toBe("unsubscribed");

    // On the suppression list only (say an admin added it): blocked the same way.
    await world.subscribers.put({ ...record, status: "active" });
    await world.suppressions.put({
      email: "ana@example.com",
      reason: "manual",
      detail: null,
      at: new Date().toISOString(),
    });
    expect(await page(await fetch(prefs))).toContain("We can&#39;t send email to this address");
    expect((await post(prefs, form({ action: "pause" }))).status).toBe(409);
  });
});

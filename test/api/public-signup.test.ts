import { afterEach, describe, expect, it } from "vitest";
import { signToken } from "../../functions/core/subscribers/tokens.js";
import {
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

const XSS = "<img src=x onerror=alert(1)>";

describe("POST /subscribe", () => {
  it("answers 202 with the same page whatever the address's state, and mails only what fits it", async () => {
    world = await startWorld();
    const { url } = world.serve;
    await post(`${url}/subscribe`, form({ email: "pending@example.com" }));
    await signUpAndConfirm(world, "active@example.com", { name: "Act", sections: "World" });
    await signUpAndConfirm(world, "gone@example.com");
    const goneRecord = await world.record("gone@example.com");
    await world.subscribers.put({
      ...(goneRecord as NonNullable<typeof goneRecord>),
      status: "unsubscribed",
    });
    await signUpAndConfirm(world, "blocked@example.com");
    const blockedRecord = await world.record("blocked@example.com");
    await world.subscribers.put({
      ...(blockedRecord as NonNullable<typeof blockedRecord>),
      status: "suppressed",
      suppression: { reason: "bounce", at: new Date().toISOString(), previousStatus: "active" },
    });
    await world.suppressions.put({
      email: "listed@example.com",
      reason: "complaint",
      detail: null,
      at: new Date().toISOString(),
    });
    const before = world.sesLog().length;

    const bodies = new Set<string>();
    for (const email of [
      "new@example.com",
      "pending@example.com",
      "active@example.com",
      "gone@example.com",
      "blocked@example.com",
      "listed@example.com",
    ]) {
      const res = await post(`${url}/subscribe`, form({ email, name: "Someone Else", sections: "Science" }));
      expect(res.status, email).toBe(202);
      bodies.add(await page(res));
      const json = await post(`${url}/subscribe`, JSON.stringify({ email }), {
        "content-type": "application/json",
      });
      expect(json.status, email).toBe(202);
      expect(await json.json()).toEqual({ status: "accepted" });
    }
    expect(bodies.size).toBe(1);

    const sent = world.sesLog().slice(before);
    const to = (email: string) => sent.filter((m) => m.to === email).map((m) => m.subject);
    expect(to("new@example.com")).toEqual(Array(2).fill("Confirm your subscription to The Test Digest"));
    expect(to("pending@example.com")).toEqual(Array(2).fill("Confirm your subscription to The Test Digest"));
    expect(to("gone@example.com")).toEqual(Array(2).fill("Confirm your subscription to The Test Digest"));
    expect(to("active@example.com")).toEqual(Array(2).fill("You're already subscribed to The Test Digest"));
    expect(to("blocked@example.com")).toEqual([]);
    expect(to("listed@example.com")).toEqual([]);

    // Someone else's form changed nothing about a subscribed address; the owner got a preferences link.
    expect(await world.record("active@example.com")).toMatchObject({
      status: "active",
      name: "Act",
      sections: ["World"],
    });
    const already = await world.eml("confirm", "active@example.com");
    expect(linkIn(already, "/preferences")).toContain(`${url}/preferences?t=`);
    expect(header(already, "List-Unsubscribe")).toBeDefined();
    // An unsubscribed address stays unsubscribed, its choices untouched, until the link is followed.
    expect(await world.record("gone@example.com")).toMatchObject({
      status: "unsubscribed",
      id: goneRecord?.id,
      name: goneRecord?.name,
      sections: goneRecord?.sections,
      consent: goneRecord?.consent,
    });
    expect(await world.record("blocked@example.com")).toMatchObject({ status: "suppressed" });
    expect(await world.record("listed@example.com")).toBeNull();
  });

  it("sends at most 3 emails per address a day, then answers 429", async () => {
    world = await startWorld();
    const { url } = world.serve;
    for (let i = 0; i < 3; i++) {
      expect((await post(`${url}/subscribe`, form({ email: "many@example.com" }))).status).toBe(202);
    }
    const limited = await post(`${url}/subscribe`, form({ email: "Many@example.com" }));
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get("retry-after"))).toBeGreaterThan(23 * 3600);
    expect(await page(limited)).toContain("Please wait a little");
    const json = await post(`${url}/subscribe`, JSON.stringify({ email: "many@example.com" }), {
      "content-type": "application/json",
    });
    expect(json.status).toBe(429);
    expect(await json.json()).toMatchObject({ error: expect.stringContaining("too many") });
    expect(world.sesLog().filter((m) => m.to === "many@example.com")).toHaveLength(3);
    // Another address is not affected.
    expect((await post(`${url}/subscribe`, form({ email: "other@example.com" }))).status).toBe(202);

    // An active address: the "already subscribed" emails count the same way (its own sign-up was the first).
    await signUpAndConfirm(world, "fan@example.com");
    for (let i = 0; i < 2; i++) {
      expect((await post(`${url}/subscribe`, form({ email: "fan@example.com" }))).status).toBe(202);
    }
    expect((await post(`${url}/subscribe`, form({ email: "fan@example.com" }))).status).toBe(429);
  });

  it("answers 400 naming the field, re-showing the form with the values escaped", async () => {
    world = await startWorld();
    const { url } = world.serve;
    const badEmail = await post(`${url}/subscribe`, form({ email: "not-an-address", name: XSS }));
    expect(badEmail.status).toBe(400);
    const body = await page(badEmail);
    expect(body).toContain('role="alert"');
    expect(body).toMatch(
      /<a href="#email">Email address<\/a>: &quot;not-an-address&quot; is not a valid email address/,
    );
    expect(body).toContain('aria-describedby="email-error" aria-invalid="true"');
    expect(body).toContain(`value="&lt;img src=x onerror=alert(1)&gt;"`);
    expect(body).not.toContain("<img");

    const badSection = await post(
      `${url}/subscribe`,
      form({ email: "a@example.com", sections: ["World", "Sport"] }),
    );
    expect(badSection.status).toBe(400);
    expect(await page(badSection)).toMatch(/Sections<\/a>: unknown section Sport/);

    const badZone = await post(
      `${url}/subscribe`,
      form({ email: "a@example.com", timezone: "Mars/Olympus_Mons" }),
    );
    expect(badZone.status).toBe(400);
    expect(await page(badZone)).toMatch(/Time zone<\/a>: &quot;Mars\/Olympus_Mons&quot; is not a time zone/);

    const json = await post(
      `${url}/subscribe`,
      JSON.stringify({ email: "a@example.com", sections: ["Sport"] }),
      {
        "content-type": "application/json",
      },
    );
    expect(json.status).toBe(400);
    expect(await json.json()).toMatchObject({ field: "sections" });
    expect(world.sesLog()).toHaveLength(0);
    expect(await world.record("a@example.com")).toBeNull();
  });

  it("answers 503 when SES keeps throttling the confirmation", async () => {
    world = await startWorld({}, { faults: { throttleRate: 1, seed: 3 } });
    const res = await post(`${world.serve.url}/subscribe`, form({ email: "ana@example.com" }));
    expect(res.status).toBe(503);
    expect(res.headers.get("retry-after")).toBe("120");
    expect(await page(res)).toContain("try again in a few minutes");
    expect(world.stack.ses.stats.throttled).toBe(4);
    expect(world.serve.stderr()).toMatch(/confirm email to ana@example\.com: TooManyRequestsException/);
  });

  it("answers 202 as for any address when SES rejects the recipient for good", async () => {
    world = await startWorld(
      {},
      { reject: (raw) => (/^To: .*refused@/m.test(raw) ? "Address blacklisted." : null) },
    );
    const res = await post(`${world.serve.url}/subscribe`, form({ email: "refused@example.com" }));
    expect(res.status).toBe(202);
    expect(world.stack.ses.stats.rejected).toBe(1);
  });

  it("keeps the name typed into the form out of the emails", async () => {
    world = await startWorld();
    expect(
      (await post(`${world.serve.url}/subscribe`, form({ email: "x@example.com", name: XSS }))).status,
    ).toBe(202);
    const mail = await world.eml("confirm", "x@example.com");
    expect(mail.html).not.toContain("img");
    expect(mail.text).not.toContain("img");
    expect(mail.text).toMatch(/^Hello,$/m);
    // Stored (escaped wherever it is shown), for the subscriber's own preferences page.
    expect((await world.record("x@example.com"))?.name).toBe(XSS);
  });
});

describe("GET /confirm", () => {
  it("answers 400 for a tampered or wrong token, 410 for an expired one or an expired sign-up", async () => {
    world = await startWorld();
    const { url } = world.serve;
    await post(`${url}/subscribe`, form({ email: "ana@example.com" }));
    const link = linkIn(await world.eml("confirm", "ana@example.com"), "/confirm");
    const token = new URL(link).searchParams.get("t") as string;
    const record = await world.record("ana@example.com");
    const [key] = await world.keys();
    if (!record || !key) throw new Error("setup");

    // One character of the signature changed (its first: all six bits count).
    const tampered = token.replace(/\.(.)/, (_m, c: string) => `.${c === "A" ? "B" : "A"}`);
    expect(tampered).not.toBe(token);
    for (const bad of [tampered, "garbage", signToken("unsubscribe", record.id, key)]) {
      const res = await fetch(`${url}/confirm?t=${encodeURIComponent(bad)}`);
      expect(res.status, bad).toBe(400);
      expect(await page(res)).toContain("This link did not work");
    }
    expect((await fetch(`${url}/confirm`)).status).toBe(400);

    const old = signToken("confirm", record.id, key, new Date(Date.now() - 8 * 24 * 3600 * 1000));
    const expired = await fetch(`${url}/confirm?t=${old}`);
    expect(expired.status).toBe(410);
    const expiredPage = await page(expired);
    expect(expiredPage).toContain("This link has expired");
    expect(expiredPage).toContain('<a href="/subscribe">sign up again</a>');
    expect((await world.record("ana@example.com"))?.status).toBe("pending");

    // A pending sign-up past its expiry is gone, even with a fresh link.
    await world.subscribers.put({ ...record, expiresAt: Math.floor(Date.now() / 1000) - 60 });
    const gone = await fetch(link);
    expect(gone.status).toBe(410);
    expect(await page(gone)).toContain("sign up again");
    expect((await world.record("ana@example.com"))?.status).toBe("pending");

    // Signing up again starts over under the same id, and the new link works.
    expect((await post(`${url}/subscribe`, form({ email: "ana@example.com" }))).status).toBe(202);
    const renewed = await world.record("ana@example.com");
    expect(renewed?.id).toBe(record.id);
    expect(renewed?.expiresAt).toBeGreaterThan(Date.now() / 1000);
    expect((await fetch(linkIn(await world.eml("confirm", "ana@example.com"), "/confirm"))).status).toBe(200);
    expect((await world.record("ana@example.com"))?.status).toBe("active");
  });
});

describe("returning subscribers", () => {
  it("brings an unsubscribed address back only through the link of a new sign-up", async () => {
    world = await startWorld();
    const { url } = world.serve;
    await signUpAndConfirm(world, "ana@example.com", { name: "Ana", sections: "World" });
    const record = await world.record("ana@example.com");
    const [key] = await world.keys();
    if (!record || !key) throw new Error("setup");
    const day = 24 * 3600 * 1000;
    await world.subscribers.put({
      ...record,
      status: "unsubscribed",
      createdAt: new Date(Date.now() - 2 * day).toISOString(),
      confirmedAt: new Date(Date.now() - day).toISOString(),
    });

    // The original confirmation link (still within its 7 days), clicked again, does not resubscribe.
    const original = signToken("confirm", record.id, key, new Date(Date.now() - 2 * day + 1000));
    const stale = await fetch(`${url}/confirm?t=${original}`);
    expect(stale.status).toBe(410);
    expect(await page(stale)).toContain("no longer waiting for confirmation");
    expect((await world.record("ana@example.com"))?.status).toBe("unsubscribed");

    // A new sign-up mails a confirmation; the record changes only once it is followed.
    const welcomesBefore = world.sesLog().filter((m) => m.subject.startsWith("Welcome")).length;
    expect((await post(`${url}/subscribe`, form({ email: "ana@example.com", name: "Mallory" }))).status).toBe(
      202,
    );
    expect(await world.record("ana@example.com")).toMatchObject({ status: "unsubscribed", name: "Ana" });
    const confirmed = await fetch(linkIn(await world.eml("confirm", "ana@example.com"), "/confirm"));
    expect(confirmed.status).toBe(200);
    const back = await world.record("ana@example.com");
    expect(back).toMatchObject({ status: "active", id: record.id, name: "Ana", sections: ["World"] });
    expect(back?.consent).toMatchObject({ method: "form", source: expect.stringMatching(/127\.0\.0\.1/) });
    expect(Date.parse(back?.confirmedAt ?? "")).toBeGreaterThan(Date.now() - 60_000);
    expect(world.sesLog().filter((m) => m.subject.startsWith("Welcome")).length).toBe(welcomesBefore + 1);
  });
});

describe("pages", () => {
  it("404s and errors use the same accessible layout", async () => {
    world = await startWorld();
    const missing = await fetch(`${world.serve.url}/no-such-page`);
    expect(missing.status).toBe(404);
    expect(await page(missing)).toContain("Page not found");
  });
});

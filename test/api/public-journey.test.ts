import { existsSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { verifyToken } from "../../functions/core/subscribers/tokens.js";
import { form, header, linkIn, page, post, startWorld, type World } from "./public-helpers.js";

const DAY1 = "2031-03-14";
const DAY2 = "2031-03-15";
let world: World;

afterEach(async () => {
  await world?.close();
});

describe("the public journey through digest serve", () => {
  it("sign-up → confirmation email → confirm → edition → one-click unsubscribe → the next edition skips them", async () => {
    // The one public suite on `digest serve` as a process, as a reader's browser meets it.
    world = await startWorld({}, {}, { serve: "process" });
    const { url } = world.serve;

    // The form.
    const formPage = await page(await fetch(`${url}/subscribe`));
    expect(formPage).toContain('<form method="post" action="/subscribe"');
    expect(formPage).toMatch(
      /<label for="email">Email address<\/label>\s*<input type="email" id="email" name="email"/,
    );
    expect(formPage).toContain(
      '<input type="checkbox" id="section-1" name="sections" value="Science" checked>',
    );
    expect(formPage).toContain("<option>Europe/Lisbon</option>");

    // Ana signs up through the form with every section ticked; Ben through JSON with two.
    const signup = await post(
      `${url}/subscribe`,
      form({
        email: " Ana@Example.com ",
        name: "Ana",
        sections: ["World", "Science", "Culture"],
        timezone: "Europe/Lisbon",
      }),
    );
    expect(signup.status).toBe(202);
    expect(await page(signup)).toContain("Check your inbox");
    const ben = await post(
      `${url}/subscribe`,
      JSON.stringify({ email: "ben@example.com", sections: "science; Culture" }),
      { "content-type": "application/json" },
    );
    expect(ben.status).toBe(202);
    expect(await ben.json()).toEqual({ status: "accepted" });
    expect((await post(`${url}/subscribe`, form({ email: "cy@example.com" }))).status).toBe(202);

    const pending = await world.record("ana@example.com");
    expect(pending).toMatchObject({
      status: "pending",
      name: "Ana",
      sections: [],
      timezone: "Europe/Lisbon",
      confirmedAt: null,
      consent: { method: "form" },
    });
    expect(pending?.consent.source).toMatch(/127\.0\.0\.1/);
    const sevenDays = Date.now() / 1000 + 7 * 24 * 3600;
    expect(Math.abs((pending?.expiresAt ?? 0) - sevenDays)).toBeLessThan(120);
    expect((await world.record("ben@example.com"))?.sections).toEqual(["Science", "Culture"]);

    // The confirmation email: multipart, signed link, no List-Unsubscribe (not subscribed yet).
    const confirmation = await world.eml("confirm", "ana@example.com");
    expect(confirmation.subject).toBe("Confirm your subscription to The Test Digest");
    expect(confirmation.from?.text).toBe('"The Test Digest" <digest@example.com>');
    expect(confirmation.replyTo?.text).toBe("editor@example.org");
    expect(confirmation.headers.get("content-type")).toMatchObject({ value: "multipart/alternative" });
    expect(header(confirmation, "List-Unsubscribe")).toBeUndefined();
    expect(header(confirmation, "List-Unsubscribe-Post")).toBeUndefined();
    const confirmUrl = linkIn(confirmation, "/confirm");
    expect(confirmUrl.startsWith(`${url}/confirm?t=`)).toBe(true);
    expect(confirmation.html).toContain(`href="${confirmUrl}"`);
    const claims = verifyToken(
      new URL(confirmUrl).searchParams.get("t") as string,
      "confirm",
      await world.keys(),
    );
    expect(claims.ok && claims.claims.subscriberId).toBe(pending?.id);

    // Confirm: active, a clear page with a preferences link, one welcome email.
    const confirmed = await fetch(confirmUrl);
    expect(confirmed.status).toBe(200);
    const confirmedPage = await page(confirmed);
    expect(confirmedPage).toContain("<h1>You&#39;re subscribed</h1>");
    expect(confirmedPage).toMatch(/href="\/preferences\?t=[\w.-]+"/);
    const active = await world.record("ana@example.com");
    expect(active).toMatchObject({ status: "active", id: pending?.id });
    expect(active?.confirmedAt).toEqual(expect.any(String));
    expect(active?.expiresAt).toBeUndefined();
    const welcome = await world.eml("confirm", "ana@example.com");
    expect(welcome.subject).toBe("Welcome to The Test Digest");
    expect(header(welcome, "List-Unsubscribe")).toMatch(new RegExp(`^<${url}/unsubscribe\\?t=[\\w.-]+>$`));
    expect(header(welcome, "List-Unsubscribe-Post")).toBe("List-Unsubscribe=One-Click");
    expect(linkIn(welcome, "/preferences")).toContain(`${url}/preferences?t=`);

    // The same link again: the same friendly page, no second welcome.
    const again = await fetch(confirmUrl);
    expect(again.status).toBe(200);
    expect(await page(again)).toContain("already confirmed");
    const welcomes = () => world.sesLog().filter((m) => m.subject === "Welcome to The Test Digest");
    expect(welcomes().map((m) => m.to)).toEqual(["ana@example.com"]);
    expect((await fetch(linkIn(await world.eml("confirm", "ben@example.com"), "/confirm"))).status).toBe(200);

    // The edition reaches the confirmed subscribers only (Cy never confirmed).
    const first = await world.sendDay(DAY1);
    expect(first.out).toMatch(/recipients=2 sent=2 already_sent=0 skipped=0 suppressed=0 failed=0/);
    const edition = await world.eml(DAY1, "ana@example.com");
    expect(edition.text).toContain(`World news of ${DAY1}`);
    expect(header(edition, "List-Unsubscribe-Post")).toBe("List-Unsubscribe=One-Click");
    const oneClick = header(edition, "List-Unsubscribe")?.match(/^<([^>]+)>$/)?.[1] as string;
    expect(oneClick.startsWith(`${url}/unsubscribe?t=`)).toBe(true);

    // RFC 8058 one-click, form-urlencoded: 200 at once, and again when repeated.
    const headers = { "content-type": "application/x-www-form-urlencoded" };
    const unsubscribed = await post(oneClick, "List-Unsubscribe=One-Click", headers);
    expect(unsubscribed.status).toBe(200);
    expect(await page(unsubscribed)).toContain("<h1>You&#39;re unsubscribed</h1>");
    expect((await world.record("ana@example.com"))?.status).toBe("unsubscribed");
    expect((await post(oneClick, "List-Unsubscribe=One-Click", headers)).status).toBe(200);

    // …and multipart/form-data, as some mailbox providers send it.
    const benEdition = await world.eml(DAY1, "ben@example.com");
    const benOneClick = header(benEdition, "List-Unsubscribe")?.match(/^<([^>]+)>$/)?.[1] as string;
    const multipart = new FormData();
    multipart.append("List-Unsubscribe", "One-Click");
    const benUnsubscribed = await post(benOneClick, multipart);
    expect(benUnsubscribed.status).toBe(200);
    expect((await world.record("ben@example.com"))?.status).toBe("unsubscribed");
    expect((await post(benOneClick, multipart)).status).toBe(200);

    // The next day's edition skips both; Cy confirms late and gets it.
    expect((await fetch(linkIn(await world.eml("confirm", "cy@example.com"), "/confirm"))).status).toBe(200);
    const second = await world.sendDay(DAY2);
    expect(second.out).toMatch(/recipients=1 sent=1 already_sent=0 skipped=0 suppressed=0 failed=0/);
    expect(existsSync(join(world.stack.dir, "out", DAY2, "ana@example.com.eml"))).toBe(false);
    expect(existsSync(join(world.stack.dir, "out", DAY2, "ben@example.com.eml"))).toBe(false);
    expect(existsSync(join(world.stack.dir, "out", DAY2, "cy@example.com.eml"))).toBe(true);
  });
});

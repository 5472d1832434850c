import { request } from "node:http";
import { afterEach, describe, expect, it } from "vitest";
import { form, header, startWorld, type World } from "./public-helpers.js";

/**
 * The public sign-up as an abuser would use it: many posts at once for one address (mail-bombing a
 * victim), many addresses from one client, free text in the form, probing which addresses are known.
 */

let world: World;

afterEach(async () => {
  await world?.close();
});

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** POST /subscribe from a chosen loopback address (127.0.0.0/8 all reaches the server on 127.0.0.1). */
function postFrom(
  localAddress: string,
  body: string,
  type = "application/x-www-form-urlencoded",
): Promise<Answer> {
  const url = new URL("/subscribe", world.serve.url);
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        method: "POST",
        localAddress,
        agent: false,
        headers: { "content-type": type, "content-length": Buffer.byteLength(body) },
      },
      (res) => {
        let text = "";
        res.setEncoding("utf8").on("data", (c: string) => {
          text += c;
        });
        res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text }));
      },
    );
    req.on("error", reject);
    req.end(body);
  });
}

const mailsTo = (email: string) => world.sesLog().filter((m) => m.to === email).length;

describe("sign-up limits", () => {
  it("100 posts at once for one address, from 100 clients, mail it at most 3 times", async () => {
    world = await startWorld();
    const answers = await Promise.all(
      Array.from({ length: 100 }, (_, i) =>
        postFrom(
          `127.0.${Math.floor(i / 200) + 1}.${(i % 200) + 2}`,
          form({ email: "victim@example.com" }).toString(),
        ),
      ),
    );
    // The limit (3 a day) holds however many requests race for it.
    expect(mailsTo("victim@example.com")).toBe(3);
    const statuses = answers.map((a) => a.status);
    // Each post that got past the limit sent its one email; every other one was told to wait. (One of
    // those past the limit may still answer 500 while concurrent writes of the same outbox file
    // collide on their temporary name: issue 14, item 13, fixed in the outbox on its own.)
    expect(statuses.filter((s) => s !== 429)).toHaveLength(mailsTo("victim@example.com"));
    expect(statuses.filter((s) => s === 429).length).toBeGreaterThanOrEqual(97);
  }, 120_000);

  it("100 addresses from one client: only the first few are mailed, the rest answer 429", async () => {
    world = await startWorld();
    const answers: Answer[] = [];
    for (let i = 0; i < 100; i++) {
      answers.push(
        await postFrom("127.0.0.1", JSON.stringify({ email: `person${i}@example.com` }), "application/json"),
      );
    }
    const accepted = answers.filter((a) => a.status === 202).length;
    expect(accepted).toBeGreaterThan(0);
    expect(accepted).toBeLessThanOrEqual(20);
    expect(world.sesLog()).toHaveLength(accepted);
    const limited = answers.filter((a) => a.status === 429);
    expect(limited).toHaveLength(100 - accepted);
    expect(Number(limited[0]?.headers["retry-after"])).toBeGreaterThan(0);
    expect(JSON.parse(limited[0]?.body ?? "{}")).toMatchObject({
      error: expect.stringContaining("try again later"),
    });
    // Another client is not affected.
    expect((await postFrom("127.0.0.9", form({ email: "other@example.com" }).toString())).status).toBe(202);
  }, 120_000);
});

describe("transactional mail carries no free text from the form", () => {
  it("the confirmation does not repeat the name typed into the form", async () => {
    world = await startWorld();
    const lure = "Your account is locked, call +1 555 0100";
    const res = await postFrom("127.0.0.1", form({ email: "ana@example.com", name: lure }).toString());
    expect(res.status).toBe(202);
    const mail = await world.eml("confirm", "ana@example.com");
    expect(mail.text).not.toContain("locked");
    expect(mail.html).not.toContain("locked");
    expect(header(mail, "To")).toBe("ana@example.com");
    expect(mail.text).toMatch(/^Hello,$/m);
  });
});

describe("no enumeration", () => {
  it("a suppressed or erased address answers exactly like a new one, also when rate-limited", async () => {
    world = await startWorld();
    await world.suppressions.put({
      email: "listed@example.com",
      reason: "complaint",
      detail: null,
      at: new Date().toISOString(),
    });
    expect((await world.stack.digest(["subscribers", "add", "erased@example.com"])).code).toBe(0);
    expect((await world.stack.digest(["subscribers", "erase", "erased@example.com"])).code).toBe(0);

    const answersFor = async (email: string, client: string) => {
      const answers: Answer[] = [];
      for (let i = 0; i < 4; i++) answers.push(await postFrom(client, form({ email }).toString()));
      for (const type of ["application/json"]) {
        answers.push(await postFrom(client, JSON.stringify({ email }), type));
      }
      // Seconds to wait depend on when the window opened (one test, a few seconds apart): not compared.
      return answers.map((a) => ({
        status: a.status,
        body: a.body
          .replace(/"retryAfter":\d+/, '"retryAfter":N')
          .replace(/about \d+ hours?/, "about N hours"),
        retryAfter: a.headers["retry-after"] !== undefined,
        type: a.headers["content-type"],
      }));
    };
    const fresh = await answersFor("new@example.com", "127.0.0.21");
    expect(fresh.map((a) => a.status)).toEqual([202, 202, 202, 429, 429]);
    expect(await answersFor("listed@example.com", "127.0.0.22")).toEqual(fresh);
    expect(await answersFor("erased@example.com", "127.0.0.23")).toEqual(fresh);
    expect(mailsTo("listed@example.com")).toBe(0);
    expect(mailsTo("erased@example.com")).toBe(0);
  }, 60_000);
});

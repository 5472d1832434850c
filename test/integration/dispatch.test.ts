import { afterEach, describe, expect, it } from "vitest";
import { dueSlots } from "../../functions/core/delivery/dispatch.js";
import { startTestStack, story, type TestStack, writeStories } from "../helpers/services.js";

const DAY = "2031-07-14"; // summer: London UTC+1, New York UTC-4, Tokyo UTC+9
let stack: TestStack;

afterEach(async () => {
  await stack?.close();
});

describe("local delivery slots", () => {
  it("knows which zones are at which hour, through daylight saving", () => {
    const config = { timeZone: "Europe/London", deliveryHour: 7 };
    const summer = dueSlots(new Date("2031-07-14T06:00:00Z"), config);
    expect(summer).toContain("Europe/London|7");
    expect(summer).toContain("Europe/London|"); // the default hour
    expect(summer).toContain("|7"); // no zone: the edition's
    expect(summer).toContain("|");
    expect(summer).toContain("America/New_York|2");
    expect(summer).toContain("Asia/Tokyo|15");
    const winter = dueSlots(new Date("2031-01-14T07:00:00Z"), config);
    expect(winter).toContain("Europe/London|7");
    // Half-hour zones count by the hour (12:30 → 12); ICU's canonical name differs across versions.
    const kolkata = new Intl.DateTimeFormat("en", { timeZone: "Asia/Kolkata" }).resolvedOptions().timeZone;
    expect(winter).toContain(`${kolkata}|12`);
    expect(dueSlots(new Date("2031-01-14T06:00:00Z"), config)).not.toContain("Europe/London|");
  });
});

describe("digest dispatch (local morning delivery)", () => {
  it("sends each subscriber the edition at their own hour in their own zone, once", async () => {
    stack = await startTestStack(
      {},
      { DIGEST_TIME_ZONE: "Europe/London", DIGEST_DELIVERY_MODE: "local", DIGEST_DELIVERY_HOUR: "7" },
    );
    await stack.digest([
      "stories",
      "import",
      await writeStories(stack, "s.ndjson", [story(DAY, 1), story(DAY, 2)]),
    ]);
    await stack.digest(["subscribers", "add", "london-default@example.com"]);
    await stack.digest([
      "subscribers",
      "add",
      "newyork@example.com",
      "--timezone",
      "America/New_York",
      "--hour",
      "6",
    ]);
    await stack.digest([
      "subscribers",
      "add",
      "london-nine@example.com",
      "--timezone",
      "Europe/London",
      "--hour",
      "9",
    ]);
    await stack.digest(["subscribers", "add", "paused@example.com"]);
    await stack.digest(["subscribers", "update", "paused@example.com", "--pause"]);
    expect((await stack.digest(["subscribers", "update", "newyork@example.com", "--hour", "24"])).code).toBe(
      2,
    );

    expect((await stack.digest(["dispatch", "--at", `${DAY}T05:00:00Z`])).out).toContain(
      "nothing dispatched",
    );
    expect((await stack.digest(["compose", "--date", DAY])).out).toMatch(
      /^edition=2031-07-14 status=sending stories=2/m,
    );
    const sentTo = () => stack.ses.messages.map((m) => m.destinations[0]).sort();

    // 06:00Z = 07:00 London: the default-hour subscriber (no zone → the edition's zone).
    const seven = await stack.digest(["dispatch", "--at", `${DAY}T06:00:00Z`]);
    expect(seven.out).toMatch(/edition=2031-07-14 recipients=1 sent=1 already_sent=0/);
    expect(sentTo()).toEqual(["london-default@example.com"]);
    // A second run in the same hour (a scheduler retry) sends nobody twice.
    expect((await stack.digest(["dispatch", "--at", `${DAY}T06:20:00Z`])).out).toMatch(
      /sent=0 already_sent=1/,
    );
    // 08:00Z = 09:00 London.
    await stack.digest(["dispatch", "--at", `${DAY}T08:00:00Z`]);
    // 10:00Z = 06:00 New York.
    await stack.digest(["dispatch", "--at", `${DAY}T10:00:00Z`]);
    expect(sentTo()).toEqual([
      "london-default@example.com",
      "london-nine@example.com",
      "newyork@example.com",
    ]);
    // Nobody else at other hours; the paused subscriber never.
    for (const hour of ["11", "15", "20"]) await stack.digest(["dispatch", "--at", `${DAY}T${hour}:00:00Z`]);
    expect(stack.ses.messages).toHaveLength(3);

    // The edition is out to everyone only once every hour of the day had its turn: the run 23 hours
    // after its first dispatch completes its round, and its last message settles it "sent".
    const status = async () =>
      JSON.parse((await stack.digest(["editions", "show", DAY, "--json"])).out).status;
    expect(await status()).toBe("sending");
    await stack.digest(["dispatch", "--at", "2031-07-15T05:00:00Z"]);
    expect(stack.ses.messages).toHaveLength(3);
    expect(await status()).toBe("sent");
  }, 240_000);
});

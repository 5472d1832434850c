import { describe, expect, it } from "vitest";
import type { SuppressionStore } from "../../functions/core/kernel/ports.js";
import {
  addSubscriber,
  type SubscriberAdminDeps,
} from "../../functions/core/subscribers/subscriber-admin.js";
import { readSubscriberCsv } from "../../functions/core/subscribers/subscriber-csv.js";
import { validateSubscriberInput } from "../../functions/core/subscribers/subscriber-input.js";
import {
  normalizeEmail,
  parseSections,
  resolveSections,
  type Subscriber,
  statusShard,
} from "../../functions/core/subscribers/subscribers.js";
import { MemorySubscribers } from "../helpers/memory-stores.js";

class MemoryStore extends MemorySubscribers {}

const consent = { method: "admin" as const, at: "2031-01-01T00:00:00.000Z", source: "test" };

/** No address suppressed: the suppression rules are covered through the admin API tests. */
const noSuppressions: SuppressionStore = {
  suppressed: async () => new Set(),
  get: async () => null,
  erasure: async () => null,
  markErased: async () => {},
  put: async () => {},
  remove: async () => false,
  list: async () => ({ items: [], nextCursor: null }),
};
const deps = (store: MemoryStore, sections: string[]): SubscriberAdminDeps => ({
  subscribers: store,
  suppressions: noSuppressions,
  config: { sections },
  clock: () => new Date(),
  mail: { send: async () => {}, withhold: async () => {} },
});

describe("subscriber rules", () => {
  it("normalises addresses and refuses bad ones with a reason", () => {
    expect(normalizeEmail("  Ana.Ortiz@Example.COM ")).toEqual({ email: "ana.ortiz@example.com" });
    // The English reason (CLI, JSON API) and the phrase a page writes in the reader's language.
    expect(normalizeEmail("ana@")).toEqual({
      error: '"ana@" is not a valid email address',
      phrase: { key: "invalid.email", params: { value: "ana@" } },
    });
    expect(normalizeEmail("")).toEqual({ error: "email is empty", phrase: { key: "invalid.emailEmpty" } });
  });

  it("parses sections on ';' or ',' without duplicates", () => {
    expect(parseSections(" World; science ;World,Culture ")).toEqual(["World", "science", "Culture"]);
    expect(parseSections("")).toEqual([]);
  });

  it("bounds section names a reader may type when none are configured (a public form sets them)", () => {
    expect(resolveSections(["World", "Local news"], [])).toEqual({ sections: ["World", "Local news"] });
    expect(resolveSections(["x".repeat(81)], [])).toMatchObject({
      error: expect.stringMatching(/section names are at most 80 characters/),
    });
    expect(
      resolveSections(
        Array.from({ length: 51 }, (_, i) => `s${i}`),
        [],
      ),
    ).toMatchObject({
      error: expect.stringMatching(/at most 50 sections/),
    });
    expect(resolveSections(["Wor\u0000ld"], [])).toMatchObject({
      error: expect.stringMatching(/control character/),
    });
    expect("error" in validateSubscriberInput({ email: "a@x.org", sections: ["x".repeat(5000)] }, [])).toBe(
      true,
    );
  });

  it("spreads one status over shards deterministically", () => {
    expect(statusShard("active", "a@example.com", 16)).toBe(statusShard("active", "a@example.com", 16));
    const shards = new Set(Array.from({ length: 200 }, (_, i) => statusShard("active", `u${i}@x.org`, 16)));
    expect(shards.size).toBe(16);
  });

  it("adds, refreshes, and never reactivates an unsubscribed or suppressed address", async () => {
    const store = new MemoryStore();
    const added = await addSubscriber(deps(store, ["World"]), {
      email: "A@x.org",
      status: "active",
      consent,
      sections: ["world"],
    });
    expect(added).toMatchObject({
      outcome: "imported",
      subscriber: { email: "a@x.org", sections: ["World"], status: "active" },
    });
    expect(
      (await addSubscriber(deps(store, ["World"]), { email: "a@x.org", status: "active", consent })).outcome,
    ).toBe("skipped");
    expect(
      (
        await addSubscriber(deps(store, ["World"]), {
          email: "a@x.org",
          status: "active",
          consent,
          name: "Ann",
        })
      ).outcome,
    ).toBe("updated");
    const unknown = await addSubscriber(deps(store, ["World"]), {
      email: "b@x.org",
      status: "active",
      consent,
      sections: ["Sport"],
    });
    expect(unknown).toEqual({
      outcome: "invalid",
      field: "sections",
      error: "unknown section Sport (known: World)",
      phrase: { key: "invalid.unknownSection", params: { names: "Sport", known: "World" } },
    });
    const badZone = await addSubscriber(deps(store, []), {
      email: "b@x.org",
      status: "active",
      consent,
      timezone: "Moon/Base",
    });
    expect(badZone.outcome).toBe("invalid");

    const a = (await store.get("a@x.org")) as Subscriber;
    await store.put({ ...a, status: "unsubscribed" });
    const again = await addSubscriber(deps(store, ["World"]), {
      email: "a@x.org",
      status: "active",
      consent,
    });
    expect(again).toMatchObject({ outcome: "skipped", note: "a@x.org is unsubscribed; not reactivated" });
    expect((await store.get("a@x.org"))?.status).toBe("unsubscribed");
  });

  it("confirms a pending address when an admin adds it as active", async () => {
    const store = new MemoryStore();
    await addSubscriber(deps(store, []), { email: "p@x.org", status: "pending", consent });
    expect((await store.get("p@x.org"))?.confirmedAt).toBeNull();
    const result = await addSubscriber(deps(store, []), { email: "p@x.org", status: "active", consent });
    expect(result).toMatchObject({ outcome: "updated", subscriber: { status: "active" } });
    expect((await store.get("p@x.org"))?.confirmedAt).not.toBeNull();
  });
});

describe("subscriber CSV", () => {
  const collect = async (text: string) => {
    const rows = [];
    for await (const row of readSubscriberCsv(text)) rows.push(row);
    return rows;
  };

  it("reads a header-driven file with BOM, CRLF, quotes and blank lines, numbering lines from the header", async () => {
    const rows = await collect(
      '\uFEFFEmail,Name,Sections,Timezone\r\nana@x.org,"Ortiz, Ana",World;Science,Europe/Lisbon\r\n\r\nben@x.org,,,\r\n',
    );
    expect(rows).toEqual([
      {
        line: 2,
        email: "ana@x.org",
        name: "Ortiz, Ana",
        sections: ["World", "Science"],
        timezone: "Europe/Lisbon",
      },
      { line: 4, email: "ben@x.org", name: null, sections: [], timezone: null },
    ]);
  });

  it("reports duplicates, empty addresses and unknown columns with their lines", async () => {
    const rows = await collect("email,colour\nana@x.org,red\n,blue\nANA@x.org,green\n");
    expect(rows).toEqual([
      { line: 1, error: "ignoring unknown column(s): colour" },
      { line: 2, email: "ana@x.org", name: null, sections: undefined, timezone: null },
      { line: 3, error: "email is empty" },
      { line: 4, error: "duplicate of line 2 (ana@x.org)" },
    ]);
  });

  it("refuses a header without an email column", async () => {
    await expect(collect("name,sections\nAna,World\n")).rejects.toThrow(/no "email" column/);
  });
});

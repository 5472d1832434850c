import { describe, expect, it } from "vitest";
import {
  readSubscriberCsv,
  SUBSCRIBER_CSV_HEADER,
  subscriberCsvLine,
} from "../../functions/core/subscribers/subscriber-csv.js";
import {
  type ImportReport,
  importSubscriberCsv,
} from "../../functions/core/subscribers/subscriber-import.js";
import { MemorySubscribers, MemorySuppressions } from "../helpers/memory-stores.js";

/** A subscriber CSV's language column (issue 18): read under its usual names, checked at import, exported. */

async function rows(csv: string) {
  const out = [];
  for await (const row of readSubscriberCsv(csv, { onHeaderNote: () => {} })) out.push(row);
  return out;
}

function deps() {
  return {
    subscribers: new MemorySubscribers(),
    suppressions: new MemorySuppressions(),
    config: { sections: [], locales: ["en", "fr", "de-CH"] },
    clock: () => new Date("2031-01-01T08:00:00Z"),
  };
}

const consent = { method: "import" as const, at: "2031-01-01T08:00:00.000Z", source: "test.csv" };

describe("subscriber CSV locale column", () => {
  it.each(["locale", "Language", "lang", "Preferred Language"])(
    "reads the column named %s",
    async (header) => {
      const [row] = await rows(`email,${header}\nana@example.com, fr \n`);
      expect(row).toMatchObject({ email: "ana@example.com", locale: "fr" });
    },
  );

  it("an empty cell or no column says nothing (undefined keeps an existing choice)", async () => {
    expect((await rows("email,locale\nana@example.com,\n"))[0]).toMatchObject({ locale: undefined });
    expect((await rows("email\nana@example.com\n"))[0]).toMatchObject({ locale: undefined });
  });

  it("imports the good rows and reports a locale that is not enabled with its line", async () => {
    const d = deps();
    const reports: ImportReport[] = [];
    const summary = await importSubscriberCsv(
      d,
      "email,language\na@example.com,fr\nb@example.com,es\nc@example.com,DE-ch\nd@example.com,\n",
      { status: "active", consent, onReport: (r) => reports.push(r) },
    );
    expect(summary).toMatchObject({ imported: 3, invalid: 1 });
    expect(reports).toEqual([
      { line: 3, kind: "invalid", reason: expect.stringMatching(/"es".*en, fr, de-CH/) },
    ]);
    expect(d.subscribers.items.get("a@example.com")?.locale).toBe("fr");
    expect(d.subscribers.items.get("c@example.com")?.locale).toBe("de-CH");
    expect(d.subscribers.items.get("d@example.com")?.locale).toBeNull();
    expect(d.subscribers.items.has("b@example.com")).toBe(false);
  });

  it("a file changes an existing subscriber's language as it changes a name, and never raises consent", async () => {
    const d = deps();
    await d.subscribers.put({
      id: "p1",
      email: "p@example.com",
      name: "Pen",
      status: "pending",
      sections: [],
      timezone: null,
      createdAt: "2031-01-01T07:00:00.000Z",
      confirmedAt: null,
      updatedAt: "2031-01-01T07:00:00.000Z",
      consent: { method: "form", at: "2031-01-01T07:00:00.000Z", source: "203.0.113.9" },
      expiresAt: Math.floor(Date.parse("2031-01-05T00:00:00Z") / 1000),
    });
    const summary = await importSubscriberCsv(d, "email,locale,status\np@example.com,fr,active\n", {
      status: "active",
      consent,
    });
    expect(summary).toMatchObject({ updated: 1 });
    const p = d.subscribers.items.get("p@example.com");
    expect(p?.locale).toBe("fr");
    expect(p?.status).toBe("pending");
  });

  it("exports the locale after the time zone, and the line reads back", async () => {
    expect(SUBSCRIBER_CSV_HEADER).toBe("email,name,sections,timezone,locale,status,createdAt,confirmedAt");
    const line = subscriberCsvLine({
      email: "bob@example.com",
      name: "Bob",
      status: "active",
      sections: ["World"],
      timezone: "Europe/Paris",
      locale: "fr",
      createdAt: "2031-01-01T00:00:00.000Z",
      confirmedAt: null,
    });
    expect(line).toBe("bob@example.com,Bob,World,Europe/Paris,fr,active,2031-01-01T00:00:00.000Z,");
    const [row] = await rows(`${SUBSCRIBER_CSV_HEADER}\n${line}\n`);
    expect(row).toMatchObject({ email: "bob@example.com", timezone: "Europe/Paris", locale: "fr" });
  });
});

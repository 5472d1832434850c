import { access } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { DynamoSubscriberStore } from "../../functions/adapters/dynamo/subscriber-store.js";
import { DynamoSuppressionStore } from "../../functions/adapters/dynamo/suppression-store.js";
import type { Subscriber } from "../../functions/core/subscribers/subscribers.js";
import { adminRequest, type Serve, serveForSuite } from "../helpers/serve.js";
import { stackDocumentClient, stackErasureKey, type TestStack } from "../helpers/services.js";

/**
 * CSV import through POST /admin/subscribers/import (the same loop as `digest subscribers import`),
 * over real HTTP against `digest serve` on dynalite and the SES endpoint. GDPR erasure: erasure.test.ts.
 */

const importCsv = (serve: Serve, csv: string, query = "") =>
  adminRequest(serve, "POST", `/admin/subscribers/import${query}`, {
    body: csv,
    type: "text/csv; charset=utf-8",
  });

const call = (serve: Serve, method: string, path: string, json?: unknown) =>
  adminRequest(serve, method, path, { json });

describe("POST /admin/subscribers/import", () => {
  let stack: TestStack;
  let serve: Serve;
  let db: ReturnType<typeof stackDocumentClient>;
  let subscribers: DynamoSubscriberStore;
  let suppressions: DynamoSuppressionStore;

  serveForSuite({ DIGEST_SECTIONS: "World,Science,Culture" }, (started) => {
    ({ stack, serve } = started);
    db = stackDocumentClient(stack);
    subscribers = new DynamoSubscriberStore(db, "digest-subscribers");
    suppressions = new DynamoSuppressionStore(db, "digest-suppressions", stackErasureKey(stack));
  });
  afterAll(() => db?.destroy());

  it("imports the good rows and reports each of many kinds of bad rows at its line (BOM, CRLF, multi-line field)", async () => {
    // States an import must respect: unsubscribed, suppressed (bounce), erased.
    expect((await call(serve, "POST", "/admin/subscribers", { email: "gone@example.com" })).status).toBe(201);
    expect((await call(serve, "DELETE", "/admin/subscribers/gone%40example.com")).status).toBe(200);
    await suppressions.put({
      email: "bounced@example.com",
      reason: "bounce",
      detail: null,
      at: new Date().toISOString(),
    });
    expect((await call(serve, "POST", "/admin/subscribers", { email: "erased@example.com" })).status).toBe(
      201,
    );
    expect((await call(serve, "DELETE", "/admin/subscribers/erased%40example.com?erase=true")).status).toBe(
      200,
    );
    expect(
      (await call(serve, "POST", "/admin/subscribers", { email: "kept@example.com", name: "Kept" })).status,
    ).toBe(201);

    const rows = [
      "\uFEFFEmail,Name,Sections,Time Zone,Colour", // 1 header (an unknown column is a note)
      'ana@example.com,"Ortiz,', // 2-3 ok: quoted value over two lines
      ' Ana",World;Science,Europe/Lisbon,red',
      "not-an-address,Bad,,,", // 4 invalid email
      "ANA@example.com,Dup,,,", // 5 duplicate of line 2
      ",No address,,,", // 6 empty email
      "ben@example.com,Ben,Sport,,", // 7 unknown section
      "cy@example.com,Cy,,Mars/Olympus,", // 8 bad time zone
      "", // 9 blank: skipped
      "dan@example.com,Dan,World,UTC,blue,extra", // 10 too many columns
      "eve@example.com,Eve", // 11 too few columns
      'fay@example.com,"Fay" Jr,,,', // 12 text after a closing quote
      'gil@example.com,"Gil,World,,', // 13 quote never closed
      "hal@example.com,Hal,culture,,", // 14 ok (section case-folded), read again after line 13
      `${"x".repeat(250)}@example.com,Long,,,`, // 15 address longer than 254
      `ivy@example.com,${"I".repeat(201)},,,`, // 16 name too long
      "gone@example.com,Gone,,,", // 17 unsubscribed: skipped, not reactivated
      "bounced@example.com,Bounced,,,", // 18 suppressed: skipped
      "erased@example.com,Erased,,,", // 19 erased: skipped
      "kept@example.com,Kept,,,", // 20 unchanged: skipped silently
      "ed@exa mple.com,Ed,,,", // 21 invalid email
      ",,,,", // 22 an empty spreadsheet row: skipped
      "",
    ];
    const csv = rows.join("\r\n");
    const res = await importCsv(serve, csv);
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({
      imported: 2,
      updated: 0,
      skipped: 4,
      invalid: 12,
      failed: 0,
      confirmations: 0,
    });
    expect(res.json.errors.map((e: { line: number }) => e.line)).toEqual([
      4, 5, 6, 7, 8, 10, 11, 12, 13, 15, 16, 21,
    ]);
    const reason = (line: number) => res.json.errors.find((e: { line: number }) => e.line === line)?.reason;
    expect(reason(4)).toBe('"not-an-address" is not a valid email address');
    expect(reason(5)).toBe("duplicate of line 2 (ana@example.com)");
    expect(reason(6)).toBe("email is empty");
    expect(reason(7)).toBe("unknown section Sport (known: World, Science, Culture)");
    expect(reason(8)).toContain('"Mars/Olympus" is not a time zone');
    expect(reason(10)).toBe("too many columns: 6, the header has 5 (quote values that contain commas)");
    expect(reason(11)).toBe("too few columns: 2, the header has 5");
    expect(reason(12)).toMatch(/^malformed quoting in column 2/);
    expect(reason(13)).toBe("malformed quoting: a quoted value is never closed");
    expect(reason(15)).toContain("longer than 254 characters");
    expect(reason(16)).toBe("name is longer than 200 characters");
    expect(res.json.notes).toEqual([
      { line: 1, reason: "ignoring unknown column(s): colour" },
      { line: 17, reason: "gone@example.com is unsubscribed; not reactivated" },
      { line: 18, reason: "bounced@example.com is suppressed; not added" },
      { line: 19, reason: "erased@example.com was erased (GDPR) and may not be added again" },
    ]);

    const ana = (await subscribers.get("ana@example.com")) as Subscriber;
    expect(ana).toMatchObject({
      name: "Ortiz, Ana",
      status: "active",
      sections: ["World", "Science"],
      timezone: "Europe/Lisbon",
      consent: { method: "import" },
    });
    expect(ana.consent.source).toContain("imported through the admin API");
    expect((await subscribers.get("hal@example.com"))?.sections).toEqual(["Culture"]);
    expect((await subscribers.get("gone@example.com"))?.status).toBe("unsubscribed");
    expect(await subscribers.get("bounced@example.com")).toBeNull();
    expect(await subscribers.get("erased@example.com")).toBeNull();

    // Re-import is idempotent.
    const again = await importCsv(serve, csv);
    expect(again.json).toMatchObject({ imported: 0, updated: 0, skipped: 6, invalid: 12 });

    // The CLI reads the same file to the same lines.
    const { writeFile } = await import("node:fs/promises");
    const file = join(stack.dir, "same.csv");
    await writeFile(file, csv);
    const cli = await stack.digest(["subscribers", "import", file]);
    expect(cli.code).toBe(1);
    expect(cli.out.trim()).toBe(
      "imported=0 updated=0 skipped=6 invalid=12\nkept: unsubscribed=1 suppressed=1 erased=1",
    );
    const cliLines = [...cli.err.matchAll(/same\.csv:(\d+): /g)].map((m) => Number(m[1]));
    expect(cliLines).toEqual([1, 4, 5, 6, 7, 8, 10, 11, 12, 13, 15, 16, 17, 18, 19, 21]);
  });

  it("marks rows pending with ?pending=true and sends each new address one confirmation", async () => {
    const csv = "email,name\nPia@example.com,Pia\nquinn@example.com,Quinn\nkept@example.com,Kept\n";
    const res = await importCsv(serve, csv, "?pending=true&source=Spring%20fair%20sign-up%20sheet");
    expect(res.json).toMatchObject({ imported: 2, skipped: 1, invalid: 0, confirmations: 2, errors: [] });
    for (const email of ["pia@example.com", "quinn@example.com"]) {
      await access(join(stack.dir, "out", "confirm", `${email}.eml`));
      const s = (await subscribers.get(email)) as Subscriber;
      expect(s.status).toBe("pending");
      expect(s.consent.source).toContain("Spring fair sign-up sheet");
    }
    // Already active stays active (no confirmation); re-import sends nothing again.
    expect((await subscribers.get("kept@example.com"))?.status).toBe("active");
    const before = stack.ses.messages.length;
    const again = await importCsv(serve, csv, "?pending=true");
    expect(again.json).toMatchObject({ imported: 0, skipped: 3, confirmations: 0 });
    expect(stack.ses.messages.length).toBe(before);
    expect(stack.ses.messages.flatMap((m) => m.destinations)).not.toContain("kept@example.com");
  });

  it("refuses a body it cannot use", async () => {
    const noEmail = await importCsv(serve, "name,sections\nAna,World\n");
    expect(noEmail.status).toBe(400);
    expect(noEmail.json).toEqual({
      error: 'the header (line 1) has no "email" column: found name, sections',
      field: "body",
    });
    expect((await importCsv(serve, "")).status).toBe(400);
    const json = await call(serve, "POST", "/admin/subscribers/import", [{ email: "a@example.com" }]);
    expect(json.status).toBe(415);
    expect((await importCsv(serve, "email\na@example.com\n", "?pending=perhaps")).json.field).toBe("pending");
  });

  it("caps the listed errors but keeps exact counts", async () => {
    const lines = ["email"];
    for (let i = 0; i < 1200; i++) lines.push(`bad-${i}`);
    const res = await importCsv(serve, lines.join("\n"));
    expect(res.json.invalid).toBe(1200);
    expect(res.json.errors).toHaveLength(1000);
    expect(res.json.errorsOmitted).toBe(200);
    expect(res.json.errors[999].line).toBe(1001);
  });
});

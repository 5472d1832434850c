import { describe, expect, it } from "vitest";
import { adminRequest, type Serve, serveForSuite } from "../helpers/serve.js";
import type { TestStack } from "../helpers/services.js";

/** GET/POST /admin/suppressions and DELETE /admin/suppressions/{email} (issue 17: the console's list). */

let serve: Serve;
let stack: TestStack;
serveForSuite({}, (started) => {
  ({ serve, stack } = started);
});

describe("admin suppressions", () => {
  it("adds, lists by prefix in pages, and lifts; bad input is a 400 naming the field", async () => {
    for (const email of ["bounce1@example.com", "bounce2@example.com", "other@example.com"]) {
      const added = await adminRequest(serve, "POST", "/admin/suppressions", {
        json: { email, reason: "manual" },
      });
      expect(added.status).toBe(201);
      expect(added.json).toMatchObject({ email, reason: "manual" });
    }
    const again = await adminRequest(serve, "POST", "/admin/suppressions", {
      json: { email: "other@example.com" },
    });
    expect(again).toMatchObject({ status: 200, json: { alreadySuppressed: true } });

    const page = await adminRequest(serve, "GET", "/admin/suppressions?prefix=bounce&limit=1");
    expect(page.status).toBe(200);
    expect(page.json.items).toHaveLength(1);
    expect(page.json.items[0].email).toMatch(/^bounce/);
    const seen = [page.json.items[0].email];
    let cursor = page.json.nextCursor;
    while (cursor) {
      const next = await adminRequest(
        serve,
        "GET",
        `/admin/suppressions?prefix=bounce&limit=1&cursor=${encodeURIComponent(cursor)}`,
      );
      seen.push(...next.json.items.map((s: { email: string }) => s.email));
      cursor = next.json.nextCursor;
    }
    expect(seen.sort()).toEqual(["bounce1@example.com", "bounce2@example.com"]);

    const bad = await adminRequest(serve, "POST", "/admin/suppressions", {
      json: { email: "x@example.com", reason: "spite" },
    });
    expect(bad).toMatchObject({ status: 400, json: { field: "reason" } });
    expect(
      (await adminRequest(serve, "POST", "/admin/suppressions", { json: { email: "nope" } })).json,
    ).toMatchObject({
      field: "email",
    });

    const lifted = await adminRequest(serve, "DELETE", "/admin/suppressions/other%40example.com");
    expect(lifted.status).toBe(200);
    expect((await adminRequest(serve, "DELETE", "/admin/suppressions/other%40example.com")).status).toBe(404);
    const listed = await stack.digest(["suppressions", "list"]);
    expect(listed.out).not.toContain("other@example.com");
    expect(listed.out).toContain("bounce1@example.com");
  });
});

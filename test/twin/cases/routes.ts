import { simpleParser } from "mailparser";
import { describe, expect, it } from "vitest";
import {
  SIGNUP_EMAILS_PER_WINDOW,
  SIGNUPS_PER_CLIENT_PER_WINDOW,
} from "../../../functions/core/subscribers/signup.js";
import { ADMIN } from "../twin.js";
import { day, dayAfter, editionId, mailTo, REJECTED, status, twin } from "./context.js";

export function everyApiRoute(): void {
  describe("every API route, once (what the api function's role must allow)", () => {
    const form = { "content-type": "application/x-www-form-urlencoded" };
    const link = async (email: string, edition: string, path: string) => {
      const sent = mailTo(email, edition)[0] ?? expect.fail(`no ${edition} mail to ${email}`);
      const parsed = await simpleParser(sent.raw);
      const url = new RegExp(`https://[^\\s"<>]+${path}\\?t=[A-Za-z0-9_.-]+`).exec(
        `${parsed.html} ${parsed.text}`,
      )?.[0];
      return url
        ? `${new URL(url).pathname}${new URL(url).search}`
        : expect.fail(`no ${path} link in the mail`);
    };
    const ok = async (
      method: string,
      path: string,
      extra: { body?: string; headers?: Record<string, string> } = {},
    ) => {
      const res = await twin.api({ method, path, ...extra });
      expect({ method, path, status: res.statusCode < 400 ? "ok" : res.body }).toEqual({
        method,
        path,
        status: "ok",
      });
      expect(res.invoked).toBe(true);
      return res;
    };

    it("public pages: sign-up form, confirmation, preferences, unsubscribe, archive, hosted stories", async () => {
      await ok("GET", "/subscribe");
      await ok("GET", await link("pat@example.com", "confirm", "/confirm"));
      expect(await status("pat@example.com")).toBe("active");
      const preferences = await link("fay@example.com", editionId, "/preferences");
      await ok("GET", preferences);
      await ok("POST", preferences, { body: "action=save&sections=World", headers: form });
      const unsubscribe = await link("hal@example.com", editionId, "/unsubscribe");
      await ok("GET", unsubscribe);
      await ok("POST", unsubscribe, { body: "List-Unsubscribe=One-Click", headers: form });
      expect(await status("hal@example.com")).toBe("unsubscribed");
      await ok("GET", "/archive");
      await ok("GET", "/archive/feed.xml");
      await ok("GET", `/archive/${day}`);
      const stories = await twin.admin<{ items: { id: string }[] }>("GET", `/admin/stories?date=${day}`);
      await ok("GET", `/stories/${stories.items[0]?.id}`);
    });

    it("sign-ups past an address's limit are refused (429), counted in the limits table", async () => {
      const signup = () =>
        twin.api({
          method: "POST",
          path: "/subscribe",
          body: JSON.stringify({ email: "quinn@example.com" }),
          headers: { "content-type": "application/json", accept: "application/json" },
        });
      const codes: number[] = [];
      for (let i = 0; i < SIGNUP_EMAILS_PER_WINDOW + 1; i++) codes.push((await signup()).statusCode);
      expect(codes).toEqual([...Array(SIGNUP_EMAILS_PER_WINDOW).fill(202), 429]);
    });

    it("through CloudFront, sign-up limits count each reader, not the edge; a forged viewer address counts its caller", async () => {
      const json = { "content-type": "application/json", accept: "application/json" };
      const body = (i: number, who: string) => JSON.stringify({ email: `${who}${i}@example.com` });
      const readers = SIGNUPS_PER_CLIENT_PER_WINDOW + 1;
      // Every reader arrives from the same edge address; each counts as itself.
      const viaEdge: number[] = [];
      for (let i = 0; i < readers; i++) {
        const res = await twin.viaDistribution({
          method: "POST",
          path: "/subscribe",
          body: body(i, "reader"),
          headers: json,
          viewerIp: `198.51.100.${i + 1}`,
        });
        viaEdge.push(res.statusCode);
      }
      expect(viaEdge).toEqual(Array(readers).fill(202));
      // Straight to execute-api, a made-up viewer address (without CloudFront's secret) buys nothing.
      const forged: number[] = [];
      for (let i = 0; i < readers; i++) {
        const res = await twin.api({
          method: "POST",
          path: "/subscribe",
          body: body(i, "forger"),
          headers: {
            ...json,
            "cloudfront-viewer-address": `203.0.113.${i + 1}:443`,
            "x-digest-origin-verify": "guess",
          },
          sourceIp: "192.0.2.77",
        });
        forged.push(res.statusCode);
      }
      expect(forged).toEqual([...Array(SIGNUPS_PER_CLIENT_PER_WINDOW).fill(202), 429]);
      // /admin is forwarded (the console's calls); without a bearer token the function answers 401.
      const admin = await twin.viaDistribution({
        method: "GET",
        path: "/admin/subscribers",
        viewerIp: "198.51.100.1",
      });
      expect({ status: admin.statusCode, invoked: admin.invoked }).toEqual({ status: 401, invoked: true });
    });

    it("admin routes: subscribers, stories, editions", async () => {
      await twin.admin("GET", "/admin/subscribers?limit=3");
      await twin.admin("GET", "/admin/subscribers?status=active&limit=3");
      const csv = await twin.api({
        method: "GET",
        path: "/iam/admin/subscribers/export?format=csv",
        signedBy: ADMIN,
      });
      expect(csv.statusCode).toBe(200);
      await twin.admin("GET", "/admin/subscribers/export?format=json");
      await twin.admin("PATCH", "/admin/subscribers/gus%40example.com", { name: "Gustav Ångström" });
      // The console's search: by address, then by name (folded), as Queries of the two indexes the
      // api function is granted; a Scan is never sent for it.
      const from = twin.calls.length;
      type Found = { items: { email: string }[]; nextCursor: string | null };
      const byAddress = await twin.admin<Found>("GET", "/admin/subscribers?q=gu&limit=5");
      expect(byAddress.items.map((s) => s.email)).toEqual(["gus@example.com"]);
      const byName = await twin.admin<Found>("GET", "/admin/subscribers?q=gustav%20ang&status=active");
      expect(byName).toEqual({
        items: [expect.objectContaining({ email: "gus@example.com" })],
        nextCursor: null,
      });
      const searchCalls = twin.calls
        .slice(from)
        .filter((c) => c.fn === "api" && c.service === "dynamodb")
        .flatMap((c) =>
          c.decisions.map((d) => `${c.operation} ${d.resource.replace(/^.*:table\/[^/]*/, "")}`),
        );
      expect(new Set(searchCalls)).toEqual(new Set(["Query /index/byAddress", "Query /index/byName"]));
      await twin.admin("DELETE", "/admin/subscribers/gus%40example.com");
      // Erasing a suppressed address swaps its suppression entry for a keyed hash.
      await twin.admin("DELETE", "/admin/subscribers/cy%40example.com?erase=true");
      await twin.admin("GET", "/admin/editions");
      const tomorrow = dayAfter(day);
      const later = await twin.admin<{ items: { id: string }[] }>("GET", `/admin/stories?date=${tomorrow}`);
      const id = later.items[0]?.id ?? expect.fail("no story for tomorrow");
      await twin.admin("PATCH", `/admin/stories/${id}`, { held: true });
      await twin.admin("DELETE", `/admin/stories/${id}`);
      // SES rejected rex for good; an operator retries rejected recipients too, explicitly.
      const retry = await twin.admin(
        "POST",
        `/admin/editions/${editionId}/resend-failed?includeRejected=true`,
      );
      expect(retry).toMatchObject({ outcome: "queued", queued: 1, retried: 1 });
      await twin.drainQueues();
      expect(mailTo(REJECTED, editionId)).toHaveLength(0);
      const cancelled = await twin.admin<{ status: string }>("POST", `/admin/editions/${editionId}/cancel`);
      expect(cancelled.status).toBe("cancelled");
    });

    it("admin routes: the team, its tokens and the audit log, as an IAM principal (an owner)", async () => {
      const me = await twin.admin<{ role: string; via: string }>("GET", "/admin/me");
      expect(me).toMatchObject({ role: "owner", via: "iam" });
      await twin.admin("POST", "/admin/team", { email: "ed@example.com", role: "editor" });
      await twin.admin("PATCH", "/admin/team/ed%40example.com", { role: "viewer" });
      const made = await twin.admin<{ id: string; token: string }>(
        "POST",
        "/admin/team/ed%40example.com/tokens",
        {
          label: "script",
        },
      );
      const tokens = await twin.admin<{ items: { id: string }[] }>(
        "GET",
        "/admin/team/ed%40example.com/tokens",
      );
      expect(tokens.items.map((t) => t.id)).toEqual([made.id]);
      await twin.admin("DELETE", `/admin/team/ed%40example.com/tokens/${made.id}`);
      await twin.admin("DELETE", "/admin/team/ed%40example.com");
      expect(await twin.admin("GET", "/admin/team")).toEqual({ items: [] });
      const audit = await twin.admin<{ items: { action: string; via: string }[] }>(
        "GET",
        "/admin/audit?limit=6",
      );
      expect(audit.items.map((e) => e.action)).toEqual([
        "team.remove",
        "team.token.revoke",
        "team.token.create",
        "team.role",
        "team.add",
        "edition.cancel",
      ]);
      expect(audit.items.every((e) => e.via === "iam")).toBe(true);
      expect(JSON.stringify(audit)).not.toContain(made.token);
    });
  });
}

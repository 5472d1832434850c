import { describe, expect, it } from "vitest";
import { twin } from "./context.js";

/** Cases of the review's findings that need the day's mail (issue 13, items 1 and 8). */
export function reviewFindings(): void {
  describe("mail that is not an edition (issue 13, item 1)", () => {
    it("an open, a click and a soft bounce of a confirmation mail reach ses-events without AccessDenied", async () => {
      const confirmation =
        twin.mail.find((m) => m.tags.edition?.[0] === "confirm") ?? expect.fail("no confirmation mail");
      for (const kind of ["open", "click", "softBounce"] as const) {
        const { published, delivered } = await twin.sesEvent(confirmation, kind);
        expect(published).toBe(true);
        expect(delivered.map((d) => [d.functionKey, d.attempts, d.error && String(d.error)])).toEqual([
          ["sesEvents", 1, undefined],
        ]);
      }
    });
  });

  describe("sending identities (issue 13, item 8)", () => {
    it("send and api may send as the sender address and as its domain, through the configuration set", () => {
      const sender = twin.model.functions.send?.environment.DIGEST_SENDER_ADDRESS as string;
      const checked = twin.calls
        .filter((c) => c.operation === "SendEmail")
        .flatMap((c) =>
          c.decisions.map((d) => [c.fn, d.resource.replace(/^arn:aws:ses:[^:]+:\d+:/, ""), d.allowed]),
        );
      for (const fn of ["send", "api"]) {
        for (const resource of [`identity/${sender}`, `identity/${sender.split("@")[1]}`]) {
          expect(checked).toContainEqual([fn, resource, true]);
        }
        expect(
          checked.filter(([f, r]) => f === fn && String(r).startsWith("configuration-set/")),
        ).not.toEqual([]);
      }
    });
  });
}

import { createHmac, randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { type SigningKey, signToken, verifyToken } from "../../functions/core/subscribers/tokens.js";

/** The signing key's HMAC key object is made once per key and must follow a replaced secret. */
describe("signing with a cached key", () => {
  it("signs as a fresh HMAC of the payload would, call after call", () => {
    const key: SigningKey = { id: "k1", secret: randomBytes(32) };
    const at = new Date("2031-01-01T00:00:00Z");
    for (let i = 0; i < 3; i++) {
      const token = signToken("unsubscribe", `sub${i}`, key, at);
      const [payload, mac] = token.split(".") as [string, string];
      expect(mac).toBe(createHmac("sha256", key.secret).update(payload).digest("base64url"));
      expect(verifyToken(token, "unsubscribe", [key], at).ok).toBe(true);
    }
  });

  it("uses the new secret when a key object's secret is replaced", () => {
    const key: SigningKey = { id: "k1", secret: randomBytes(32) };
    const before = signToken("preferences", "abc", key);
    const old = key.secret;
    key.secret = randomBytes(32);
    const after = signToken("preferences", "abc", key);
    expect(verifyToken(after, "preferences", [key]).ok).toBe(true);
    expect(verifyToken(before, "preferences", [key])).toMatchObject({ ok: false, status: 400 });
    expect(verifyToken(before, "preferences", [{ id: "k1", secret: old }]).ok).toBe(true);
  });
});

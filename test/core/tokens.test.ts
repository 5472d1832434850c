import { describe, expect, it } from "vitest";
import { parseSigningKeys, signToken, verifyToken } from "../../functions/core/subscribers/tokens.js";

const key = { id: "k1", secret: Buffer.alloc(32, 7) };
const other = { id: "k2", secret: Buffer.alloc(32, 9) };
const at = new Date("2031-01-01T00:00:00Z");

describe("signed link tokens", () => {
  it("round-trips purpose and subscriber, and is URL-safe", () => {
    const token = signToken("unsubscribe", "sub_123-abc", key, at);
    expect(token).toMatch(/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/);
    const check = verifyToken(token, "unsubscribe", [key], at);
    expect(check).toEqual({
      ok: true,
      claims: {
        purpose: "unsubscribe",
        subscriberId: "sub_123-abc",
        issuedAt: at.getTime() / 1000,
        keyId: "k1",
      },
    });
  });

  it("rejects a tampered payload or signature with 400", () => {
    const token = signToken("unsubscribe", "alice", key, at);
    const [payload, mac] = token.split(".") as [string, string];
    const forged = Buffer.from(`unsubscribe.mallory.${at.getTime() / 1000}.k1`).toString("base64url");
    expect(verifyToken(`${forged}.${mac}`, "unsubscribe", [key], at)).toMatchObject({
      ok: false,
      status: 400,
    });
    const flipped = mac.startsWith("A") ? `B${mac.slice(1)}` : `A${mac.slice(1)}`;
    expect(verifyToken(`${payload}.${flipped}`, "unsubscribe", [key], at)).toMatchObject({
      ok: false,
      status: 400,
    });
    expect(verifyToken("garbage", "unsubscribe", [key], at)).toMatchObject({ ok: false, status: 400 });
    expect(verifyToken(`${payload}.${mac}.x`, "unsubscribe", [key], at)).toMatchObject({
      ok: false,
      status: 400,
    });
  });

  it("accepts only the canonical base64url text of the signature (no padding, no altered spare bits)", () => {
    const token = signToken("unsubscribe", "alice", key, at);
    expect(verifyToken(token, "unsubscribe", [key], at).ok).toBe(true);
    const [payload, mac] = token.split(".") as [string, string];
    // 32 bytes are 43 characters: the last one carries 4 bits of the MAC and 2 spare bits.
    const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    const last = alphabet.indexOf(mac.at(-1) as string);
    const spareBitsSet = mac.slice(0, -1) + alphabet[last | 0b11];
    const spareBitsChanged = last & 0b11 ? spareBitsSet.slice(0, -1) + alphabet[last & ~0b11] : spareBitsSet;
    expect(Buffer.from(spareBitsChanged, "base64url").equals(Buffer.from(mac, "base64url"))).toBe(true);
    for (const variant of [`${mac}=`, `${mac}==`, spareBitsChanged]) {
      expect(verifyToken(`${payload}.${variant}`, "unsubscribe", [key], at), variant).toMatchObject({
        ok: false,
        status: 400,
      });
    }
    // The standard alphabet's "+" and "/" decode like "-" and "_": not the text that was signed either.
    const withUrlSafe = Array.from({ length: 50 }, (_, i) => signToken("unsubscribe", `s${i}`, key, at)).find(
      (t) => /[-_]/.test(t.split(".")[1] as string),
    ) as string;
    const standard = withUrlSafe.replace(
      /\.(.*)$/,
      (_m, m: string) => `.${m.replace("-", "+").replace("_", "/")}`,
    );
    expect(verifyToken(standard, "unsubscribe", [key], at)).toMatchObject({ ok: false, status: 400 });
  });

  it("does not accept a token for another purpose or from an unknown key", () => {
    const prefs = signToken("preferences", "alice", key, at);
    expect(verifyToken(prefs, "unsubscribe", [key], at)).toMatchObject({ ok: false, status: 400 });
    expect(verifyToken(prefs, "preferences", [other], at)).toMatchObject({ ok: false, status: 400 });
  });

  it("keeps verifying with an old key after rotation", () => {
    const token = signToken("preferences", "alice", key, at);
    expect(verifyToken(token, "preferences", [other, key], at).ok).toBe(true);
  });

  it("expires confirmation tokens after 7 days with 410; unsubscribe tokens never expire", () => {
    const confirm = signToken("confirm", "alice", key, at);
    const sixDays = new Date(at.getTime() + 6 * 86400_000);
    const eightDays = new Date(at.getTime() + 8 * 86400_000);
    expect(verifyToken(confirm, "confirm", [key], sixDays).ok).toBe(true);
    expect(verifyToken(confirm, "confirm", [key], eightDays)).toMatchObject({ ok: false, status: 410 });
    const unsubscribe = signToken("unsubscribe", "alice", key, at);
    expect(verifyToken(unsubscribe, "unsubscribe", [key], new Date(at.getTime() + 3650 * 86400_000)).ok).toBe(
      true,
    );
  });

  it("parses rotating keys from the environment form and refuses short secrets", () => {
    const keys = parseSigningKeys(
      `new:${Buffer.alloc(32, 1).toString("base64")}, old:${Buffer.alloc(48, 2).toString("base64")}`,
    );
    expect(keys.map((k) => k.id)).toEqual(["new", "old"]);
    expect(() => parseSigningKeys(`k:${Buffer.alloc(8).toString("base64")}`)).toThrow(/at least 32 bytes/);
    expect(() => parseSigningKeys("")).toThrow(/none given/);
  });
});

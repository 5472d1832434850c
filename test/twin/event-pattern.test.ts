import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { matchesEventPattern } from "./event-pattern.js";

const bounce = JSON.parse(
  readFileSync(new URL("../fixtures/ses/eventbridge-bounce.json", import.meta.url), "utf8"),
) as Record<string, unknown>;

describe("EventBridge event pattern matching (the twin's matcher)", () => {
  it("matches exact values, nested objects, and any element of an event array", () => {
    const pattern = {
      source: ["aws.ses"],
      detail: { mail: { tags: { "ses:configuration-set": ["ConfigSet"] } } },
    };
    expect(matchesEventPattern(pattern, bounce)).toBe(true);
    expect(matchesEventPattern({ ...pattern, source: ["aws.s3"] }, bounce)).toBe(false);
    expect(
      matchesEventPattern(
        { source: ["aws.ses"], detail: { mail: { tags: { "ses:configuration-set": ["Other"] } } } },
        bounce,
      ),
    ).toBe(false);
    // destination is an array: one matching element is enough.
    expect(
      matchesEventPattern({ detail: { mail: { destination: ["recipient@example.com"] } } }, bounce),
    ).toBe(true);
    // A field the event lacks never matches a value, and a leaf pattern never matches an object.
    expect(matchesEventPattern({ detail: { mail: { nothing: ["x"] } } }, bounce)).toBe(false);
    expect(matchesEventPattern({ detail: { mail: ["x"] } }, bounce)).toBe(false);
    // Service events without a mail object (sending status, advisor) do not match a mail pattern.
    const status = { source: "aws.ses", "detail-type": "Sending Status Disabled", detail: {} };
    expect(matchesEventPattern(pattern, status)).toBe(false);
  });

  it("compares numbers, booleans and null by value and type", () => {
    const event = { detail: { n: 5, ok: false, none: null, s: "5" } };
    expect(matchesEventPattern({ detail: { n: [5] } }, event)).toBe(true);
    expect(matchesEventPattern({ detail: { s: [5] } }, event)).toBe(false);
    expect(matchesEventPattern({ detail: { ok: [false] } }, event)).toBe(true);
    expect(matchesEventPattern({ detail: { none: [null] } }, event)).toBe(true);
    expect(matchesEventPattern({ detail: { missing: [null] } }, event)).toBe(false);
  });

  it("supports prefix, suffix, equals-ignore-case, wildcard, anything-but, numeric, exists and $or", () => {
    const event = { source: "aws.ses", detail: { eventType: "Bounce", count: 3, to: ["a@example.com"] } };
    const m = (detail: Record<string, unknown>) => matchesEventPattern({ detail }, event);
    expect(m({ eventType: [{ prefix: "Bou" }] })).toBe(true);
    expect(m({ eventType: [{ prefix: "bou" }] })).toBe(false);
    expect(m({ eventType: [{ prefix: { "equals-ignore-case": "bou" } }] })).toBe(true);
    expect(m({ to: [{ suffix: "@example.com" }] })).toBe(true);
    expect(m({ eventType: [{ "equals-ignore-case": "BOUNCE" }] })).toBe(true);
    expect(m({ eventType: [{ wildcard: "B*e" }] })).toBe(true);
    expect(m({ eventType: [{ wildcard: "B*x" }] })).toBe(false);
    expect(m({ eventType: [{ "anything-but": ["Open", "Click"] }] })).toBe(true);
    expect(m({ eventType: [{ "anything-but": "Bounce" }] })).toBe(false);
    expect(m({ eventType: [{ "anything-but": { prefix: "Bo" } }] })).toBe(false);
    expect(m({ missing: [{ "anything-but": "x" }] })).toBe(false);
    expect(m({ count: [{ numeric: [">", 0, "<=", 3] }] })).toBe(true);
    expect(m({ count: [{ numeric: ["<", 3] }] })).toBe(false);
    expect(m({ count: [{ exists: true }] })).toBe(true);
    expect(m({ missing: [{ exists: false }] })).toBe(true);
    expect(m({ count: [{ exists: false }] })).toBe(false);
    expect(matchesEventPattern({ $or: [{ source: ["aws.s3"] }, { detail: { count: [3] } }] }, event)).toBe(
      true,
    );
    expect(matchesEventPattern({ $or: [{ source: ["aws.s3"] }, { detail: { count: [4] } }] }, event)).toBe(
      false,
    );
  });

  it("refuses what it does not understand instead of guessing", () => {
    expect(() => matchesEventPattern({ source: [{ cidr: "10.0.0.0/24" }] }, { source: "x" })).toThrow(/cidr/);
    expect(() => matchesEventPattern({ source: "aws.ses" }, { source: "aws.ses" })).toThrow(
      /array or an object/,
    );
  });
});

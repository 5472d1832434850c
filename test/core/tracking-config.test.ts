import { describe, expect, it } from "vitest";
import { CONFIG_ENV, ConfigError, parseConfig } from "../../functions/core/kernel/config.js";

/** trackOpens / trackClicks: one setting each, read by the stack (event types) and the runtime (footer, stats). */
describe("open and click tracking settings", () => {
  it("are on by default and named DIGEST_TRACK_OPENS / DIGEST_TRACK_CLICKS", () => {
    expect(parseConfig({}, {})).toMatchObject({ trackOpens: true, trackClicks: true });
    expect([CONFIG_ENV.trackOpens, CONFIG_ENV.trackClicks]).toEqual([
      "DIGEST_TRACK_OPENS",
      "DIGEST_TRACK_CLICKS",
    ]);
  });

  it.each([
    ["false", false],
    ["0", false],
    ["No", false],
    [" off ", false],
    ["true", true],
    ["1", true],
    ["yes", true],
  ] as const)("reads %j from the environment as %s", (value, expected) => {
    expect(parseConfig({}, { DIGEST_TRACK_OPENS: value }).trackOpens).toBe(expected);
  });

  it("takes booleans from a config file, the environment winning", () => {
    const c = parseConfig({ trackOpens: false, trackClicks: false }, { DIGEST_TRACK_CLICKS: "on" });
    expect(c).toMatchObject({ trackOpens: false, trackClicks: true });
  });

  it("names the key and its variable for anything else", () => {
    expect(() => parseConfig({}, { DIGEST_TRACK_CLICKS: "sometimes" })).toThrow(ConfigError);
    expect(() => parseConfig({}, { DIGEST_TRACK_CLICKS: "sometimes" })).toThrow(
      /trackClicks \(DIGEST_TRACK_CLICKS\): expected true or false .*got "sometimes"/,
    );
    expect(() => parseConfig({ trackOpens: 1 }, {})).toThrow(/trackOpens \(DIGEST_TRACK_OPENS\)/);
  });
});

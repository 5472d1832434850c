import { describe, expect, it } from "vitest";
import { ConfigError, parseConfig } from "../../functions/core/config.js";

describe("configuration", () => {
  it("has working local defaults", () => {
    const c = parseConfig({}, {});
    expect(c).toMatchObject({
      timeZone: "UTC",
      maxStories: 40,
      senderName: "The Morning Digest",
      sections: [],
    });
    expect(c.listId).toBe("The Morning Digest <daily.example.com>");
  });

  it("lets the environment override the file", () => {
    const c = parseConfig(
      { maxStories: 10, sections: ["A"] },
      { DIGEST_MAX_STORIES: "25", DIGEST_SECTIONS: "World, Science" },
    );
    expect(c.maxStories).toBe(25);
    expect(c.sections).toEqual(["World", "Science"]);
  });

  it("names every bad key and its variable", () => {
    let error: unknown;
    try {
      parseConfig(
        { maxStories: "lots", brandNmae: "typo" },
        {
          DIGEST_TIME_ZONE: "Mars/Olympus",
          DIGEST_PUBLIC_BASE_URL: "http://news.example.com",
          DIGEST_SENDER_ADDRESS: "nope",
        },
      );
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const message = (error as Error).message;
    expect(message).toContain("brandNmae: unknown setting");
    expect(message).toContain("maxStories (DIGEST_MAX_STORIES): expected a whole number from 1 to 200");
    expect(message).toContain("timeZone (DIGEST_TIME_ZONE): not an IANA time zone");
    expect(message).toContain("publicBaseUrl (DIGEST_PUBLIC_BASE_URL): must be https://");
    expect(message).toContain("senderAddress (DIGEST_SENDER_ADDRESS): not an email address");
  });

  it("allows plain http only for localhost links", () => {
    expect(parseConfig({}, { DIGEST_PUBLIC_BASE_URL: "http://127.0.0.1:8787/" }).publicBaseUrl).toBe(
      "http://127.0.0.1:8787",
    );
  });
});

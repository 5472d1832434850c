import { describe, expect, it } from "vitest";
import { ConfigError, parseConfig } from "../../functions/core/kernel/config.js";

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

  it("refuses control characters (CR, LF, tab, NUL…) in names and texts, naming the key", () => {
    const bad = {
      DIGEST_BRAND_NAME: "Daily\r\nBcc: everyone@example.org",
      DIGEST_SENDER_NAME: "News\u0000Desk",
      DIGEST_LIST_ID: "list\n<x.example.org>",
      DIGEST_SUBJECT: "{brand}\t{date}",
      DIGEST_PREHEADER: "line\u2028break",
      DIGEST_SECTIONS: "World,Sci\rence",
    };
    let message = "";
    try {
      parseConfig({}, bad);
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      message = (err as Error).message;
    }
    for (const [key, env] of [
      ["brandName", "DIGEST_BRAND_NAME"],
      ["senderName", "DIGEST_SENDER_NAME"],
      ["listId", "DIGEST_LIST_ID"],
      ["subject", "DIGEST_SUBJECT"],
      ["preheader", "DIGEST_PREHEADER"],
      ["sections", "DIGEST_SECTIONS"],
    ]) {
      expect(message).toMatch(new RegExp(`${key} \\(${env}\\): contains a control character`));
    }
    // Also from the file; a trailing newline would be trimmed away today, and is refused just the same.
    expect(() => parseConfig({ brandName: "Daily\n" }, {})).toThrow(
      /brandName \(DIGEST_BRAND_NAME\): contains a control character/,
    );
    // The postal address keeps its documented line breaks ("\n"), and nothing else.
    expect(parseConfig({ postalAddress: "1 Example Street\nSpringfield" }, {}).postalAddress).toBe(
      "1 Example Street\nSpringfield",
    );
    expect(() => parseConfig({ postalAddress: "1 Example Street\r\nSpringfield" }, {})).toThrow(
      /postalAddress \(DIGEST_POSTAL_ADDRESS\): contains a control character/,
    );
  });

  it("refuses private feed addresses unless feedsAllowPrivate (DIGEST_FEEDS_ALLOW_PRIVATE) is set", () => {
    expect(parseConfig({}, {}).feedsAllowPrivate).toBe(false);
    expect(parseConfig({}, { DIGEST_FEEDS_ALLOW_PRIVATE: "true" }).feedsAllowPrivate).toBe(true);
    expect(parseConfig({ feedsAllowPrivate: true }, {}).feedsAllowPrivate).toBe(true);
    expect(() => parseConfig({}, { DIGEST_FEEDS_ALLOW_PRIVATE: "maybe" })).toThrow(
      /feedsAllowPrivate \(DIGEST_FEEDS_ALLOW_PRIVATE\): expected true or false/,
    );
  });
});

describe("approval", () => {
  it("reads none, required and deadline HH:MM; names the variable when it is neither", () => {
    expect(parseConfig({}, {}).approval).toEqual({ mode: "none" });
    expect(parseConfig({ approval: "required" }, {}).approval).toEqual({ mode: "required" });
    expect(parseConfig({}, { DIGEST_APPROVAL: "deadline 7:05" }).approval).toEqual({
      mode: "deadline",
      at: "07:05",
    });
    expect(
      parseConfig({}, { DIGEST_APPROVAL_NOTIFY: "a@example.com, b@example.com" }).approvalNotify,
    ).toEqual(["a@example.com", "b@example.com"]);
    expect(() => parseConfig({}, { DIGEST_APPROVAL: "deadline 25:00" })).toThrow(
      /approval \(DIGEST_APPROVAL\): expected "none", "required" or "deadline HH:MM", got "deadline 25:00"/,
    );
    expect(() => parseConfig({}, { DIGEST_APPROVAL_NOTIFY: "desk" })).toThrow(
      /approvalNotify \(DIGEST_APPROVAL_NOTIFY\)/,
    );
  });
});

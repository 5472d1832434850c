import { describe, expect, it } from "vitest";
import { canonicalUrl, safeHttpUrl, urlIdentity } from "../../functions/core/stories/canonical-url.js";

describe("canonicalUrl", () => {
  it("lower-cases scheme and host, drops default ports and the fragment", () => {
    expect(canonicalUrl("HTTPS://News.Example.COM:443/Path/Story?id=7#comments")).toBe(
      "https://news.example.com/Path/Story?id=7",
    );
    expect(canonicalUrl("http://example.com:80/a")).toBe("http://example.com/a");
    expect(canonicalUrl("http://example.com:8080/a")).toBe("http://example.com:8080/a");
    expect(canonicalUrl("  https://example.com  ")).toBe("https://example.com/");
  });

  it("removes tracking parameters and keeps the others in order", () => {
    expect(
      canonicalUrl(
        "https://example.com/s?b=2&utm_source=news&a=1&UTM_Medium=email&fbclid=x&gclid=y&mc_cid=1&mc_eid=2&ref_src=t&igshid=i&_hsenc=h&_hsmi=m&yclid=z&msclkid=q&c=3",
      ),
    ).toBe("https://example.com/s?b=2&a=1&c=3");
    expect(canonicalUrl("https://example.com/s?utm_source=a&utm_campaign=b")).toBe("https://example.com/s");
    expect(canonicalUrl("https://example.com/s?q=a%20b&empty=&flag")).toBe(
      "https://example.com/s?q=a%20b&empty=&flag",
    );
    expect(canonicalUrl("https://example.com/s?ref=home")).toBe("https://example.com/s?ref=home");
  });

  it("removes ad click ids, marketing-platform tags and analytics linkers too", () => {
    const tracked = [
      "gclsrc=a",
      "dclid=b",
      "gbraid=c",
      "wbraid=d",
      "twclid=e",
      "ttclid=f",
      "li_fat_id=g",
      "__hstc=h",
      "__hssc=i",
      "__hsfp=j",
      "mkt_tok=k",
      "vero_id=l",
      "oly_enc_id=m",
      "_ga=n",
      "_gl=o",
      "ref_url=p",
      "s_cid=q",
    ];
    expect(canonicalUrl(`https://example.com/s?id=4&${tracked.join("&")}`)).toBe(
      "https://example.com/s?id=4",
    );
    // content parameters that look like tracking stay
    expect(canonicalUrl("https://example.com/s?source=rss&ref=v2")).toBe(
      "https://example.com/s?source=rss&ref=v2",
    );
  });

  it("gives the same URL for copies that differ only in tracking", () => {
    const a = canonicalUrl("https://www.example.com/story?id=1&utm_source=x#top");
    const b = canonicalUrl("https://WWW.example.com/story?fbclid=abc&id=1");
    expect(a).toBe(b);
  });

  it("returns null unless the URL is an absolute http(s) URL", () => {
    for (const bad of [
      "",
      "example.com/story",
      "/relative/path",
      "ftp://example.com/file",
      "javascript:alert(1)",
      "mailto:a@example.com",
      "http:example.com",
      "https://",
      "not a url",
    ]) {
      expect(canonicalUrl(bad), bad).toBeNull();
    }
  });
});

describe("urlIdentity", () => {
  it("sorts the remaining parameters by name, stably, and reads http as https", () => {
    expect(urlIdentity("http://Example.com/s?b=2&a=1&utm_source=x&a=0#f")).toBe(
      "https://example.com/s?a=1&a=0&b=2",
    );
    expect(urlIdentity("https://example.com/s?a=1&b=2")).toBe(urlIdentity("http://example.com/s?b=2&a=1"));
    expect(urlIdentity("https://example.com/s")).toBe("https://example.com/s");
    expect(urlIdentity("ftp://example.com/s")).toBeNull();
  });
});

describe("safeHttpUrl", () => {
  it("accepts http(s) URLs and returns their serialised form", () => {
    expect(safeHttpUrl('https://example.com/a b?q="x"')).toBe("https://example.com/a%20b?q=%22x%22");
    expect(safeHttpUrl("http://example.com/?utm_source=x")).toBe("http://example.com/?utm_source=x");
  });

  it("rejects anything that is not an absolute http(s) URL", () => {
    expect(safeHttpUrl("javascript:alert(1)")).toBeNull();
    expect(safeHttpUrl("JaVaScRiPt:alert(1)")).toBeNull();
    expect(safeHttpUrl("data:text/html,<b>x</b>")).toBeNull();
    expect(safeHttpUrl("//example.com/a")).toBeNull();
    expect(safeHttpUrl("http://")).toBeNull();
  });
});

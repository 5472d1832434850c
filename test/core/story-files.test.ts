import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import type { ParsedRecord } from "../../functions/core/kernel/types.js";
import { BINARY_FILE, decodeStoryFile } from "../../functions/core/stories/story-file-decode.js";
import { parseStoryFile } from "../../functions/core/stories/story-files.js";

const errors = (records: ParsedRecord[]) => records.filter((r) => "error" in r);

describe("parseStoryFile: .json", () => {
  it("reads one object, ignoring unknown keys", () => {
    const records = parseStoryFile(
      "story.json",
      JSON.stringify({
        headline: "Ferry back on time",
        url: "https://example.com/f",
        extra: 1,
        section: "Travel",
      }),
    );
    expect(records).toEqual([
      { line: 1, draft: { headline: "Ferry back on time", url: "https://example.com/f", section: "Travel" } },
    ]);
  });

  it("reads an array and gives each element the line it starts on", () => {
    const text = [
      "[",
      '  { "headline": "One", "body": "First." },',
      "  {",
      '    "headline": "Two, with a ] and a { in it",',
      '    "body": "Second \\" quoted."',
      "  },",
      "",
      '  {"headline": "Three"}',
      "]",
    ].join("\n");
    const records = parseStoryFile("stories.JSON", text);
    expect(records.map((r) => r.line)).toEqual([2, 3, 8]);
    expect(records.map((r) => ("draft" in r ? r.draft.headline : r.error))).toEqual([
      "One",
      "Two, with a ] and a { in it",
      "Three",
    ]);
  });

  it("reports the line and column of a syntax error as one record", () => {
    const text = '[\n  {"headline": "One"},\n  {"headline": "Two" "body": "x"}\n]';
    const records = parseStoryFile("bad.json", text);
    expect(records).toHaveLength(1);
    expect(records[0]).toEqual({
      line: 3,
      error: expect.stringMatching(/^invalid JSON at line 3, column 22: /),
    });
  });

  it("locates errors Node reports without a position", () => {
    const records = parseStoryFile("bad.json", '{\n  "headline": "One",\n  "body": }\n');
    expect(records).toEqual([
      { line: 3, error: expect.stringMatching(/^invalid JSON at line 3, column 11: /) },
    ]);
    const truncated = parseStoryFile("cut.json", '[\n  {"headline": "One"},\n  {"headline": "Tw');
    expect(truncated[0]?.line).toBe(3);
  });

  it("names the field in validation errors, and keeps the good elements", () => {
    const text = JSON.stringify(
      [
        { body: "no headline" },
        { headline: "  " },
        { headline: "ok", publishedAt: 20261127 },
        { title: "Alias", date: 5 },
        { headline: "Fine" },
      ],
      null,
      2,
    );
    const records = parseStoryFile("s.json", text);
    expect(records.map((r) => ("error" in r ? r.error : "ok"))).toEqual([
      "headline: required",
      "headline: must not be empty",
      "publishedAt: expected a string",
      "date: expected a string",
      "ok",
    ]);
    expect(errors(records)).toHaveLength(4);
  });

  it("maps aliases onto the draft fields; canonical names win; null counts as absent", () => {
    const records = parseStoryFile(
      "a.json",
      JSON.stringify({
        title: "Alias headline",
        link: "https://example.com/x",
        author: "Ana Ortiz",
        published: "2026-11-27",
        content: "Body text.",
        summary: "Short.",
        source: null,
      }),
    );
    expect(records).toEqual([
      {
        line: 1,
        draft: {
          headline: "Alias headline",
          url: "https://example.com/x",
          byline: "Ana Ortiz",
          publishedAt: "2026-11-27",
          body: "Body text.",
          excerpt: "Short.",
        },
      },
    ]);
    const both = parseStoryFile(
      "b.json",
      JSON.stringify({ headline: "Real", title: "Alias", url: null, text: "T" }),
    );
    expect(both).toEqual([{ line: 1, draft: { headline: "Real", url: null, body: "T" } }]);
  });

  it("rejects a top-level value that is not an object or array, and non-object elements", () => {
    expect(parseStoryFile("n.json", "\n42")).toEqual([
      { line: 2, error: "expected an object or an array of objects, got a number" },
    ]);
    expect(parseStoryFile("a.json", '[\n"x",\n{"headline": "ok"}\n]')).toEqual([
      { line: 2, error: "expected an object, got a string" },
      { line: 3, draft: { headline: "ok" } },
    ]);
  });

  it("gives no records for an empty array", () => {
    expect(parseStoryFile("e.json", "[]")).toEqual([]);
  });
});

describe("parseStoryFile: .ndjson / .jsonl", () => {
  it("keeps the good lines and reports each bad line with its number", () => {
    const text = [
      '{"headline": "One"}',
      "",
      '{"headline": "Two", }',
      '{"headline": "Three", "url": "https://example.com/3"}',
      '{"url": "https://example.com/4"}',
      "[1]",
      '{"headline": "Seven"}',
    ].join("\r\n");
    const records = parseStoryFile("feed.ndjson", text);
    expect(records).toEqual([
      { line: 1, draft: { headline: "One" } },
      { line: 3, error: expect.stringMatching(/^invalid JSON at column \d+: /) },
      { line: 4, draft: { headline: "Three", url: "https://example.com/3" } },
      { line: 5, error: "headline: required" },
      { line: 6, error: "expected an object, got an array" },
      { line: 7, draft: { headline: "Seven" } },
    ]);
    expect(parseStoryFile("feed.jsonl", '{"headline": "x"}\n')).toEqual([
      { line: 1, draft: { headline: "x" } },
    ]);
  });
});

describe("parseStoryFile: .txt", () => {
  it("reads one raw article page", () => {
    const text = readFileSync(new URL("../fixtures/raw/lakeside-herald.txt", import.meta.url), "utf8");
    const records = parseStoryFile("page.txt", text);
    expect(records).toHaveLength(1);
    expect(records[0]).toMatchObject({
      line: 1,
      draft: {
        headline: "Tidal power trial lights up harbour town for a week",
        source: "Lakeside Herald",
        section: "Science",
        byline: "Ana Ortiz and Tom Reeve",
      },
    });
  });

  it("omits metadata the page lacks so import options can fill it", () => {
    const records = parseStoryFile(
      "p.txt",
      "Northern Star\nLee Chan\n\nHeadline here\n\nA body paragraph of prose.",
    );
    expect(records).toEqual([
      {
        line: 1,
        draft: {
          headline: "Headline here",
          body: "A body paragraph of prose.",
          source: "Northern Star",
          byline: "Lee Chan",
        },
      },
    ]);
  });

  it("reports a page that cannot be read with the parser's reason on line 1", () => {
    expect(parseStoryFile("p.txt", "Just one line of text")).toEqual([
      { line: 1, error: expect.stringMatching(/^no headline: /) },
    ]);
  });
});

describe("parseStoryFile: whole-file errors", () => {
  it("rejects an empty file", () => {
    expect(parseStoryFile("x.json", "")).toEqual([{ line: 1, error: "empty file" }]);
    expect(parseStoryFile("x.ndjson", "\n  \n")).toEqual([{ line: 1, error: "empty file" }]);
    expect(parseStoryFile("x.txt", "\uFEFF")).toEqual([{ line: 1, error: "empty file" }]);
  });

  it("rejects binary content", () => {
    expect(parseStoryFile("x.json", '{"headline":"a"}\u0000\u0001')).toEqual([
      { line: 1, error: "binary file, not a story" },
    ]);
  });

  it("rejects an unknown extension", () => {
    expect(parseStoryFile("dir/stories.xyz", "{}")).toEqual([
      {
        line: 1,
        error:
          "unsupported file type .xyz (expected .json, .ndjson, .jsonl, .txt, .html, .htm, .xml, .rss, .atom)",
      },
    ]);
    expect(parseStoryFile("README", "text")[0]).toMatchObject({
      error: expect.stringMatching(/^unsupported file type/),
    });
  });

  it("accepts a BOM before JSON", () => {
    expect(parseStoryFile("b.json", '\uFEFF{"headline": "BOM"}')).toEqual([
      { line: 1, draft: { headline: "BOM" } },
    ]);
  });
});

describe("parseStoryFile: .html / .htm", () => {
  it("reads one article page", () => {
    const html = readFileSync(
      new URL("../fixtures/html/fenland-post-meta-only.html", import.meta.url),
      "utf8",
    );
    for (const name of ["a.html", "b.HTM"]) {
      const records = parseStoryFile(name, html);
      expect(records).toHaveLength(1);
      expect(records[0]).toMatchObject({
        line: 1,
        draft: {
          headline: "Fen skating returns after six-year wait",
          source: "Fenland Post",
          section: "Sport",
        },
      });
    }
  });

  it("reports a page with no headline on line 1", () => {
    expect(
      parseStoryFile("p.html", "<html><body><p>Some text without any title at all.</p></body></html>"),
    ).toEqual([{ line: 1, error: "no headline: no <h1>, og:title, JSON-LD headline or <title>" }]);
  });
});

describe("parseStoryFile: feeds", () => {
  const feed = (name: string) => readFileSync(new URL(`../fixtures/feeds/${name}`, import.meta.url), "utf8");

  it("reads RSS, Atom and RDF files through the feed parser, one record per item", () => {
    for (const [name, ext] of [
      ["rss2.xml", ".xml"],
      ["rss2.xml", ".rss"],
      ["atom.xml", ".atom"],
      ["rdf.xml", ".xml"],
    ] as const) {
      const records = parseStoryFile(`feed${ext}`, feed(name));
      expect(records.length, name).toBeGreaterThan(1);
      expect(records.some((r) => "draft" in r)).toBe(true);
      expect(records.map((r) => r.line)).toEqual(records.map((_, i) => i + 1));
    }
  });

  it("reads a .json file that is a JSON Feed as a feed, other JSON as stories", () => {
    const records = parseStoryFile("feed.json", feed("jsonfeed.json"));
    expect(records.length).toBeGreaterThan(0);
    expect(records.every((r) => "draft" in r && r.draft.url?.startsWith("https://"))).toBe(true);
    expect(parseStoryFile("s.json", JSON.stringify({ headline: "x", version: "1" }))).toEqual([
      { line: 1, draft: { headline: "x" } },
    ]);
  });

  it("reports a document that is not a feed as one error", () => {
    expect(parseStoryFile("broken.xml", feed("broken.xml"))).toEqual([
      { line: 1, error: expect.stringMatching(/^not XML: /) },
    ]);
    expect(parseStoryFile("page.xml", "<!doctype html><html><body>x</body></html>")).toEqual([
      { line: 1, error: expect.stringMatching(/^not a feed/) },
    ]);
  });
});

describe("decodeStoryFile", () => {
  const bytes = (...b: number[]) => Uint8Array.from(b);

  it("decodes UTF-8 (with or without a BOM) and UTF-16 with a BOM", () => {
    expect(decodeStoryFile("a.txt", new TextEncoder().encode("Café"))).toEqual({ text: "Café" });
    expect(decodeStoryFile("a.txt", bytes(0xef, 0xbb, 0xbf, 0x41))).toEqual({ text: "A" });
    expect(decodeStoryFile("a.txt", bytes(0xff, 0xfe, 0x41, 0x00, 0xe9, 0x00))).toEqual({ text: "Aé" });
  });

  it("calls a file with NUL bytes or invalid UTF-8 binary, with the offset", () => {
    expect(decodeStoryFile("a.txt", bytes(0x89, 0x50, 0x4e, 0x47, 0x00, 0x01))).toEqual({
      error: `${BINARY_FILE} (a NUL byte at offset 4)`,
    });
    expect(decodeStoryFile("a.json", bytes(0x41, 0x42, 0xc3, 0x28))).toEqual({
      error: `${BINARY_FILE} (not valid UTF-8 at byte 2)`,
    });
    expect(decodeStoryFile("a.txt", bytes(0x41, 0xe2, 0x82))).toEqual({
      error: `${BINARY_FILE} (not valid UTF-8 at byte 1)`,
    });
  });

  it("decodes an HTML page in the legacy charset it declares", () => {
    const page = Buffer.from(
      '<html><head><meta charset="windows-1252"><title>Caf\xe9 \x93news\x94</title></head></html>',
      "latin1",
    );
    const decoded = decodeStoryFile("p.html", page);
    expect(decoded).toEqual({ text: expect.stringContaining("<title>Café “news”</title>") });
    // the same bytes in a .txt file declare nothing: not UTF-8, so refused
    expect(decodeStoryFile("p.txt", page)).toMatchObject({
      error: expect.stringContaining("not valid UTF-8"),
    });
  });
});

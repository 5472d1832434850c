import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { parseStoryFile } from "../../functions/core/story-files.js";
import type { ParsedRecord } from "../../functions/core/types.js";

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
      { line: 1, error: "binary file, not text" },
    ]);
  });

  it("rejects an unknown extension", () => {
    expect(parseStoryFile("dir/stories.xyz", "{}")).toEqual([
      { line: 1, error: "unsupported file type .xyz (expected .json, .ndjson, .txt)" },
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

/**
 * `npx tsx bench/hostile-markup.ts`: how long hostile markup takes to import, through the same path as
 * a feed poll or `digest stories import` of a feed file (parseFeedDocument, then finaliseStory for each
 * item), with the work counters of markup-limits.ts. Nothing is asserted (test/core/hostile-markup.test.ts
 * asserts the work bounds); before the markup limits a 1 MB feed of nested anchors took minutes.
 *
 *   --runs 3     runs per case (the median is reported)
 */
import { parseArgs } from "node:util";
import { parseFeedDocument } from "../functions/core/stories/feed-parse.js";
import { markupWork, resetMarkupWork } from "../functions/core/stories/markup-limits.js";
import { finaliseStory } from "../functions/core/stories/stories.js";
import { fmt, table } from "./stats.js";

const item = (n: number, description: string) =>
  `<item><title>Item ${n}</title><link>https://feed.example/${n}</link>` +
  `<pubDate>Fri, 14 Mar 2031 07:00:00 +0000</pubDate><description><![CDATA[${description}]]></description></item>`;
const feed = (items: string[]) =>
  `<?xml version="1.0"?>\n<rss version="2.0"><channel><title>Feed</title><link>https://feed.example/</link>${items.join("\n")}</channel></rss>`;
const anchors = (n: number) => '<a href="https://feed.example/x">word '.repeat(n);

/** Feeds of about 1 MB, each hostile in its own way, with a good item beside the bad one. */
const CASES: Record<string, string> = {
  "one item of nested anchors (25,000 deep)": feed([item(1, anchors(25_000)), item(2, "<p>Good.</p>")]),
  "one item of 50,000 nested divs": feed([
    item(1, `${"<div>".repeat(50_000)}x${"</div>".repeat(50_000)}`),
    item(2, "<p>Good.</p>"),
  ]),
  "one item of 100,000 links without an address": feed([
    item(1, "<a>x</a> ".repeat(100_000)),
    item(2, "<p>Good.</p>"),
  ]),
  "120 items of 200 nested anchors (within the limits)": feed(
    Array.from({ length: 120 }, (_, i) => item(i + 1, `<p>${anchors(200)} end.</p>`)),
  ),
};

function importFeed(text: string): { imported: number; refused: number } {
  const result = parseFeedDocument(text);
  if ("error" in result) throw new Error(result.error);
  let imported = 0;
  let refused = 0;
  for (const record of result.records) {
    const done =
      "error" in record
        ? record
        : finaliseStory(record.draft, {
            defaults: {},
            timeZone: "UTC",
            now: new Date("2031-03-14T12:00:00Z"),
          });
    if ("error" in done) refused++;
    else imported++;
  }
  return { imported, refused };
}

const { values } = parseArgs({ options: { runs: { type: "string", default: "3" } } });
const runs = Math.max(1, Number(values.runs));
const rows: string[][] = [];
for (const [name, text] of Object.entries(CASES)) {
  const times: number[] = [];
  let outcome = { imported: 0, refused: 0 };
  for (let r = 0; r < runs; r++) {
    resetMarkupWork();
    const start = performance.now();
    outcome = importFeed(text);
    times.push(performance.now() - start);
  }
  times.sort((a, b) => a - b);
  rows.push([
    name,
    fmt(text.length / 1e6, 2),
    fmt(times[Math.floor(times.length / 2)] ?? 0, 0),
    `${outcome.imported}/${outcome.refused}`,
    fmt(markupWork.charsChecked / text.length, 2),
    String(markupWork.nodesWalked),
  ]);
}
console.log(
  table(
    `hostile markup: ${runs} run(s) each, median`,
    ["feed", "MB", "ms", "imported/refused", "chars checked per byte", "nodes walked"],
    rows,
  ),
);

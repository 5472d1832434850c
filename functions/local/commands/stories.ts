import { readdir, readFile, stat } from "node:fs/promises";
import { extname, join } from "node:path";
import { DynamoStoryStore } from "../../adapters/dynamo/story-store.js";
import { dayInZone } from "../../core/kernel/dates.js";
import { listStoriesOfDay } from "../../core/stories/story-admin.js";
import { decodeStoryFile } from "../../core/stories/story-file-decode.js";
import { parseStoryFile, STORY_FILE_EXTENSIONS } from "../../core/stories/story-files.js";
import {
  addCounts,
  emptyCounts,
  importStoryRecords,
  importSummary,
} from "../../core/stories/story-import.js";
import { type Io, parseFlags, requireDay, UsageError } from "../cli-support.js";
import type { Runtime } from "../runtime.js";

/** Expands directories (recursively, story files only, hidden entries skipped) into files, in order. */
async function expandPaths(paths: string[]): Promise<{ files: string[]; missing: string[] }> {
  const files: string[] = [];
  const missing: string[] = [];
  const walk = async (path: string, explicit: boolean) => {
    let info: Awaited<ReturnType<typeof stat>>;
    try {
      info = await stat(path);
    } catch (err) {
      missing.push(
        `${path}: ${(err as NodeJS.ErrnoException).code === "ENOENT" ? "no such file or directory" : (err as Error).message}`,
      );
      return;
    }
    if (info.isDirectory()) {
      const entries = (await readdir(path)).filter((e) => !e.startsWith(".")).sort();
      for (const entry of entries) await walk(join(path, entry), false);
    } else if (
      explicit ||
      (STORY_FILE_EXTENSIONS as readonly string[]).includes(extname(path).toLowerCase())
    ) {
      files.push(path);
    }
  };
  for (const p of paths) await walk(p, true);
  return { files, missing };
}

/** Flags that describe one story: given for several, every record lacking its own would take them. */
const ONE_STORY_FLAGS = ["url", "published-at"] as const;

function oneStoryFlagsError(given: readonly string[], what: string): UsageError {
  const flags = given.map((f) => `--${f}`).join(" and ");
  return new UsageError(
    `${flags} ${given.length === 1 ? "names" : "name"} one story, but ${what}: import that story's ` +
      `file on its own with ${flags}, and give the others their own (url, publishedAt) in the file`,
  );
}

/**
 * Why the store skipped each of `skips`: a story removed earlier (its tombstone keeps imports out) is
 * said by line; the unchanged ones are counted. Looks them up a batch at a time.
 */
async function explainSkips(
  store: DynamoStoryStore,
  file: string,
  skips: { line: number; id: string }[],
  io: Io,
): Promise<void> {
  let unchanged = 0;
  for (let i = 0; i < skips.length; i += 25) {
    const batch = skips.slice(i, i + 25);
    const stored = await Promise.all(batch.map((s) => store.get(s.id)));
    batch.forEach((skip, j) => {
      if (stored[j]) unchanged++;
      else
        io.err(
          `${file}:${skip.line}: skipped: story ${skip.id} was removed (digest stories remove); imports leave it out`,
        );
    });
  }
  if (unchanged > 0) {
    const stories = unchanged === 1 ? "1 story" : `${unchanged} stories`;
    io.err(`${file}: skipped: ${stories} unchanged (stored already with the same content)`);
  }
}

/**
 * `digest stories import <file|dir>...`: every good record is stored; each bad one is reported as
 * file:line, and each skipped one says why. `--url` and `--published-at` describe one story: refused
 * (usage error, nothing imported) when the files hold more than one, since every record lacking its
 * own would take them (with --url, each overwriting the last).
 */
export async function importStoriesCommand(rt: Runtime, io: Io, args: string[]): Promise<number> {
  const { values, positionals } = parseFlags(args, {
    url: { type: "string" },
    "published-at": { type: "string" },
    section: { type: "string" },
    source: { type: "string" },
  });
  if (positionals.length === 0) throw new UsageError("stories import needs at least one file or directory");
  const oneStory = ONE_STORY_FLAGS.filter((flag) => values[flag] !== undefined);
  const { files, missing } = await expandPaths(positionals);
  if (oneStory.length > 0 && files.length + missing.length > 1) {
    throw oneStoryFlagsError(oneStory, `${files.length + missing.length} files were given`);
  }
  const store = new DynamoStoryStore(rt.db, rt.tables.stories);
  const counts = emptyCounts();
  for (const problem of missing) {
    io.err(problem);
    counts.invalid++;
  }
  const now = new Date();
  for (const file of files) {
    let bytes: Uint8Array;
    try {
      bytes = await readFile(file);
    } catch (err) {
      io.err(`${file}: cannot read: ${(err as Error).message}`);
      counts.invalid++;
      continue;
    }
    const decoded = decodeStoryFile(file, bytes);
    const records = "text" in decoded ? parseStoryFile(file, decoded.text) : [{ line: 1, ...decoded }];
    // Only one file here (see above): nothing is stored yet.
    if (oneStory.length > 0 && records.length > 1) {
      throw oneStoryFlagsError(oneStory, `${file} holds ${records.length} records`);
    }
    const report = await importStoryRecords(records, store, {
      defaults: {
        url: values.url,
        publishedAt: values["published-at"],
        section: values.section,
        source: values.source,
      },
      timeZone: rt.config.timeZone,
      now,
    });
    for (const problem of report.problems) io.err(`${file}:${problem.line}: ${problem.reason}`);
    for (const notice of report.notices) io.err(`${file}:${notice.line}: note: ${notice.reason}`);
    await explainSkips(store, file, report.skips, io);
    addCounts(counts, report.counts);
  }
  io.out(importSummary(counts));
  return counts.invalid > 0 ? 1 : 0;
}

/** `digest stories list [--date D] [--json]`: the day's stories, newest first. */
export async function listStoriesCommand(rt: Runtime, io: Io, args: string[]): Promise<number> {
  const { values, positionals } = parseFlags(args, { date: { type: "string" }, json: { type: "boolean" } });
  if (positionals.length > 0) throw new UsageError(`unexpected argument ${positionals[0]}`);
  const day = requireDay(values.date, "--date") ?? dayInZone(new Date(), rt.config.timeZone);
  const stories = await listStoriesOfDay(new DynamoStoryStore(rt.db, rt.tables.stories), day);
  if (values.json) {
    io.out(JSON.stringify(stories, null, 2));
    return 0;
  }
  if (stories.length === 0) {
    io.out(`no stories for ${day}`);
    return 0;
  }
  for (const s of stories) {
    const sent =
      (s.editionId ? ` [sent in ${s.editionId}]` : "") +
      (s.held ? " [held]" : "") +
      (s.leadPickedAt ? " [lead]" : "") +
      (s.rank !== undefined ? ` [place ${s.rank}]` : "");
    io.out(
      `${s.publishedAt.slice(11, 16)}Z  ${s.section.padEnd(12)} ${s.headline} (${s.source})${sent}\n       ${s.id}`,
    );
  }
  io.out(`${stories.length} stor${stories.length === 1 ? "y" : "ies"} for ${day}`);
  return 0;
}

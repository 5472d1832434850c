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

/** `digest stories import <file|dir>...`: every good record is stored; each bad one is reported as file:line. */
export async function importStoriesCommand(rt: Runtime, io: Io, args: string[]): Promise<number> {
  const { values, positionals } = parseFlags(args, {
    url: { type: "string" },
    "published-at": { type: "string" },
    section: { type: "string" },
    source: { type: "string" },
  });
  if (positionals.length === 0) throw new UsageError("stories import needs at least one file or directory");
  const store = new DynamoStoryStore(rt.db, rt.tables.stories);
  const counts = emptyCounts();
  const { files, missing } = await expandPaths(positionals);
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
    const sent = (s.editionId ? ` [sent in ${s.editionId}]` : "") + (s.held ? " [held]" : "");
    io.out(
      `${s.publishedAt.slice(11, 16)}Z  ${s.section.padEnd(12)} ${s.headline} (${s.source})${sent}\n       ${s.id}`,
    );
  }
  io.out(`${stories.length} stor${stories.length === 1 ? "y" : "ies"} for ${day}`);
  return 0;
}

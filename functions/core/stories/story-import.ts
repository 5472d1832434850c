/**
 * One import path for stories, whatever brought them: `digest stories import`, `POST /admin/stories`
 * and the feed poller all hand parsed records here. Every good record is stored; each bad one is
 * reported with its line (or item) number and the rest go on.
 */

import { isValidTimeZone } from "../kernel/dates.js";
import type { StoryStore } from "../kernel/ports.js";
import type { ParsedRecord } from "../kernel/types.js";
import { type FinaliseOptions, type FinaliseResult, FUTURE_TOLERANCE_MS, finaliseStory } from "./stories.js";

export interface ImportCounts {
  imported: number;
  updated: number;
  skipped: number;
  invalid: number;
}

/** A record that could not be imported: `line` is 1-based within its source (item number for feeds). */
export interface ImportProblem {
  line: number;
  reason: string;
}

export interface ImportReport {
  counts: ImportCounts;
  problems: ImportProblem[];
  /**
   * Stored records worth a word to the editor: a publication time more than a day ahead (a scheduled
   * story, or a wrong year) is imported for that day's edition, and said so.
   */
  notices: ImportProblem[];
  /** Ids of the stories stored or already present (imported, updated or skipped), in record order. */
  storyIds: string[];
  /**
   * The records the store skipped, in record order: unchanged, or removed earlier (a tombstone keeps
   * re-imports out). The store does not say which; a caller that tells the user asks it (`get`).
   */
  skips: { line: number; id: string }[];
}

export const emptyCounts = (): ImportCounts => ({ imported: 0, updated: 0, skipped: 0, invalid: 0 });

/** `imported=… updated=… skipped=… invalid=…`, the summary line of every story import. */
export const importSummary = (c: ImportCounts) =>
  `imported=${c.imported} updated=${c.updated} skipped=${c.skipped} invalid=${c.invalid}`;

/** Adds `b` into `a` (for imports that span several sources). */
export function addCounts(a: ImportCounts, b: ImportCounts): void {
  a.imported += b.imported;
  a.updated += b.updated;
  a.skipped += b.skipped;
  a.invalid += b.invalid;
}

/**
 * Finalises and stores each record in order. Records that failed to parse, or whose draft cannot
 * become a story (the reason names the field), count as invalid and are returned as problems; so does
 * a record whose reading throws (one bad record costs only itself). Store errors are not caught (they
 * are not the input's fault). Sources that must refuse future times (feeds) set `futureToleranceMs`;
 * the others get a notice for each story dated more than a day ahead. What was cut to fit a story's
 * limits (a 1,200-character headline) is a notice too.
 */
export async function importStoryRecords(
  records: Iterable<ParsedRecord>,
  store: StoryStore,
  options: FinaliseOptions,
): Promise<ImportReport> {
  if (!isValidTimeZone(options.timeZone)) throw new RangeError(`unknown time zone "${options.timeZone}"`);
  if (Number.isNaN(options.now.getTime())) throw new RangeError("options.now is not a valid date");
  const report: ImportReport = { counts: emptyCounts(), problems: [], notices: [], storyIds: [], skips: [] };
  for (const record of records) {
    if ("error" in record) {
      report.problems.push({ line: record.line, reason: record.error });
      report.counts.invalid++;
      continue;
    }
    let result: FinaliseResult;
    try {
      result = finaliseStory(record.draft, options);
    } catch (e) {
      // The options were checked above: what throws here is this record's content.
      const error = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
      result = { error: `cannot be read (${error})` };
    }
    if ("error" in result) {
      report.problems.push({ line: record.line, reason: result.error });
      report.counts.invalid++;
      continue;
    }
    const outcome = await store.upsert(result.story, result.day);
    report.counts[outcome]++;
    report.storyIds.push(result.story.id);
    if (outcome === "skipped") report.skips.push({ line: record.line, id: result.story.id });
    for (const reason of result.notices) report.notices.push({ line: record.line, reason });
    if (Date.parse(result.story.publishedAt) > options.now.getTime() + FUTURE_TOLERANCE_MS) {
      report.notices.push({
        line: record.line,
        reason: `publishedAt ${result.story.publishedAt} is in the future: imported for the edition of ${result.day}`,
      });
    }
  }
  return report;
}

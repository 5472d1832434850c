import type { EditionDeps } from "../../core/delivery/edition-sender.js";
import { type EditionReview, type ReviewStory, reviewEdition } from "../../core/edition/edition-review.js";
import { CommandError, type Io } from "../cli-support.js";

const line = (s: ReviewStory) => `${s.section}: ${s.headline} (${s.source})`;
const plural = (n: number, one: string, many: string) => `${n} ${n === 1 ? one : many}`;

/** The summary line a dry run ends with. */
export function reviewSummary(r: EditionReview): string {
  return (
    `dry_run edition=${r.editionId} variants=${r.variants.length} recipients=${r.recipients} ` +
    `stories=${r.stories} left_out=${r.leftOut.length} held=${r.held.length} skipped=${r.skipped} ` +
    `suppressed=${r.suppressed} already_sent=${r.alreadySent}`
  );
}

/** Prints a review: subject and preheader, then per variant its recipients, stories and left-outs. */
export function printReview(io: Io, r: EditionReview): void {
  const state = r.frozen
    ? `already composed (status ${r.status}): shown as stored`
    : "not composed yet: this is what a send would compose now";
  io.out(`dry run: edition ${r.editionId}, ${state}; nothing sent, nothing stored`);
  io.out(`subject: ${r.subject}`);
  io.out(`preheader: ${r.preheader}`);
  for (const v of r.variants) {
    io.out(
      `\n[${v.key}] ${v.recipients} recipient(s): ${plural(v.stories.length, "story", "stories")}, ` +
        `${v.htmlBytes} bytes of HTML`,
    );
    if (v.subject !== r.subject) io.out(`  subject: ${v.subject}`);
    if (v.preheader !== r.preheader) io.out(`  preheader: ${v.preheader}`);
    v.stories.forEach((s, i) => {
      io.out(`  ${String(i + 1).padStart(2)}. ${line(s)}`);
    });
    if (v.leftOut.length > 0) {
      io.out(`  left out by the cap (maxStories / Gmail's 102 KB clip): ${v.leftOut.length}`);
      for (const s of v.leftOut) io.out(`   - ${line(s)}`);
    }
  }
  if (r.variants.length === 0) io.out("\nno active subscriber would get this edition");
  if (r.frozen && r.leftOut.length > 0) {
    io.out(`\nstories of the day in no edition: ${r.leftOut.length}`);
  }
  if (r.dropped.length > 0) {
    io.out(`\nleft out because they could not be rendered: ${r.dropped.length}`);
    for (const d of r.dropped) io.out(`   dropped: ${d.headline} (${d.section}): ${d.reason}`);
  }
  if (r.held.length > 0) {
    io.out(`\nheld back (digest stories release <id> lets one go): ${r.held.length}`);
    for (const s of r.held) io.out(`   - ${line(s)}  ${s.id}`);
  }
  if (r.skipped > 0) io.out(`\n${r.skipped} active subscriber(s) have no story in their sections today`);
  if (r.suppressed > 0) io.out(`${r.suppressed} active subscriber(s) are suppressed: not mailed`);
  if (r.alreadySent > 0) io.out(`${r.alreadySent} recipient(s) already had this edition: not sent again`);
  io.out(reviewSummary(r));
}

/**
 * `digest send --dry-run [--json]`: what each section set would get, sending and storing nothing.
 * Exit 0; exit 1 when the day's edition was cancelled (it will not be sent).
 */
export async function dryRunCommand(io: Io, deps: EditionDeps, day: string, json: boolean): Promise<number> {
  const result = await reviewEdition(deps, day);
  if (result.kind === "cancelled") {
    throw new CommandError(`edition ${result.editionId} was cancelled: it will not be sent`);
  }
  if (result.kind === "empty") {
    if (json) io.out(JSON.stringify({ editionId: day, empty: true, reason: result.reason }, null, 2));
    else io.out(result.reason);
    return 0;
  }
  if (json) io.out(JSON.stringify(result.review, null, 2));
  else printReview(io, result.review);
  return 0;
}

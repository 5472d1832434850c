import { composeEdition } from "../../core/edition/compose.js";
import { dayInZone } from "../../core/kernel/dates.js";
import { teamApprovers } from "../../core/team/team-admin.js";
import { type Io, parseFlags, requireDay, UsageError } from "../cli-support.js";
import type { Runtime } from "../runtime.js";
import { notifyApprovers } from "./edition-approval.js";

/**
 * `digest compose [--date D]`: builds and freezes the day's edition without sending it (what the
 * deployed compose function does before the queue or, with local delivery, before the hourly dispatch).
 */
export async function composeCommand(rt: Runtime, io: Io, args: string[]): Promise<number> {
  const { values, positionals } = parseFlags(args, { date: { type: "string" } });
  if (positionals.length > 0) throw new UsageError(`unexpected argument ${positionals[0]}`);
  const day = requireDay(values.date, "--date") ?? dayInZone(new Date(), rt.config.timeZone);
  const deps = await rt.deps();
  const composed = await composeEdition(deps, day);
  if (composed.kind === "empty") {
    io.out(composed.reason);
    return 0;
  }
  if (composed.kind === "edition") await notifyApprovers(io, deps, composed, teamApprovers(rt.team()));
  const { edition } = composed;
  io.out(
    `edition=${edition.editionId} status=${edition.status} stories=${edition.stories.length} sections=${edition.sections.join(",")}`,
  );
  return 0;
}

import { currentEdition, dispatchDue } from "../../core/delivery/dispatch.js";
import { deliverThroughQueue } from "../../core/delivery/queue-run.js";
import { CommandError, type Io, parseFlags, UsageError } from "../cli-support.js";
import type { Runtime } from "../runtime.js";

/**
 * `digest dispatch [--at ISO]`: local morning delivery by hand (deployed, an hourly schedule runs it):
 * sends the current edition to the active subscribers whose delivery hour is the hour of `--at` (now
 * by default) in their own zone, through the same queue and sender as `digest send`. Rerunning it
 * sends nobody twice.
 */
export async function dispatchCommand(rt: Runtime, io: Io, args: string[]): Promise<number> {
  const { values, positionals } = parseFlags(args, { at: { type: "string" } });
  if (positionals.length > 0) throw new UsageError(`unexpected argument ${positionals[0]}`);
  const at = values.at === undefined ? new Date() : new Date(values.at);
  if (Number.isNaN(at.getTime())) throw new UsageError(`--at expects an ISO 8601 time, got "${values.at}"`);
  const deps = await rt.deps();
  const edition = await currentEdition(deps.editions, at, deps.config.timeZone);
  if (!edition) {
    io.out(`no edition going out for ${at.toISOString()}: nothing dispatched`);
    return 0;
  }
  try {
    const { summary } = await deliverThroughQueue(deps, edition, async (queue) => {
      const dispatched = await dispatchDue({ ...deps, queue }, at);
      return dispatched.recipients;
    });
    io.out(
      `dispatch at=${at.toISOString()} edition=${edition.editionId} recipients=${summary.recipients} sent=${summary.sent} ` +
        `already_sent=${summary.alreadySent} skipped=${summary.skipped} suppressed=${summary.suppressed} failed=${summary.failed}`,
    );
    return summary.failed > 0 || summary.stoppedBecause ? 1 : 0;
  } catch (err) {
    if ((err as Error).name === "ValidationException" && /bySlot/.test((err as Error).message)) {
      throw new CommandError(
        "this data directory's subscribers table predates the local-delivery index: start from a fresh DIGEST_HOME",
      );
    }
    throw err;
  }
}

import { DynamoEditionStore } from "../../adapters/dynamo/edition-store.js";
import { DynamoSendLedger } from "../../adapters/dynamo/send-ledger.js";
import { cancelEdition } from "../../core/edition/edition-admin.js";
import { CommandError, type Io, parseFlags, UsageError } from "../cli-support.js";
import type { Runtime } from "../runtime.js";

/**
 * `digest editions cancel <id> [--json]`: stops an edition in progress (the same core function as
 * `POST /admin/editions/{id}/cancel`). Senders stop within one queue message; nobody not yet reached
 * gets it, and `digest send` will not resume it. Exit 1 for an unknown edition or one already sent.
 */
export async function cancelEditionCommand(rt: Runtime, io: Io, args: string[]): Promise<number> {
  const { values, positionals } = parseFlags(args, { json: { type: "boolean" } });
  if (positionals.length !== 1) throw new UsageError("editions cancel takes one edition id");
  const id = positionals[0] as string;
  const result = await cancelEdition(
    {
      editions: new DynamoEditionStore(rt.db, rt.tables.editions),
      ledger: new DynamoSendLedger(rt.db, rt.tables.sends),
      config: rt.config,
      clock: () => new Date(),
    },
    id,
  );
  if (result.outcome === "not-found") throw new CommandError(`no edition ${id}`);
  if (result.outcome === "refused") throw new CommandError(result.reason);
  const { report } = result;
  if (values.json) {
    io.out(JSON.stringify({ ...report, alreadyCancelled: result.outcome === "already-cancelled" }, null, 2));
    return 0;
  }
  const { counts } = report;
  io.out(
    result.outcome === "already-cancelled"
      ? `edition ${id} was already cancelled`
      : `cancelled edition ${id}: senders stop before their next batch; nobody else will get it`,
  );
  io.out(
    `recipients: sent=${counts.sent} queued=${counts.queued} failed=${counts.failed} ` +
      `rejected=${counts.rejected} suppressed=${counts.suppressed} skipped=${counts.skipped}`,
  );
  return 0;
}

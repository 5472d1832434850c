import { DynamoEditionStore } from "../../adapters/dynamo/edition-store.js";
import { DynamoSendLedger } from "../../adapters/dynamo/send-ledger.js";
import { CommandError, type Io, parseFlags, UsageError } from "../cli-support.js";
import type { Runtime } from "../runtime.js";

/** `digest editions show <id> [--json]`: status, stories and per-recipient counts from the ledger. */
export async function showEditionCommand(rt: Runtime, io: Io, args: string[]): Promise<number> {
  const { values, positionals } = parseFlags(args, { json: { type: "boolean" } });
  if (positionals.length !== 1) throw new UsageError("editions show takes one edition id");
  const id = positionals[0] as string;
  const edition = await new DynamoEditionStore(rt.db, rt.tables.editions).get(id);
  if (!edition) throw new CommandError(`no edition ${id}`);
  const counts = await new DynamoSendLedger(rt.db, rt.tables.sends).counts(id);
  const leftOut = Object.values(edition.leftOutBySection).reduce((a, b) => a + b, 0);
  if (values.json) {
    io.out(
      JSON.stringify(
        {
          id: edition.editionId,
          date: edition.date,
          status: edition.status,
          stories: edition.stories.map((s) => ({ id: s.id, headline: s.headline, section: s.section })),
          leftOut,
          counts: { queued: counts.sending, ...counts },
          createdAt: edition.createdAt,
          updatedAt: edition.updatedAt,
        },
        null,
        2,
      ),
    );
    return 0;
  }
  io.out(`edition ${edition.editionId} (${edition.date}): ${edition.status}`);
  io.out(
    `stories: ${edition.stories.length} in ${edition.sections.join(", ")}${leftOut ? `, ${leftOut} left out` : ""}`,
  );
  io.out(
    `recipients: sent=${counts.sent} in_flight=${counts.sending} failed=${counts.failed} rejected=${counts.rejected} suppressed=${counts.suppressed} skipped=${counts.skipped}`,
  );
  return 0;
}

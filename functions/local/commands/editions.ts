import { DynamoEditionStore } from "../../adapters/dynamo/edition-store.js";
import { DynamoSendLedger } from "../../adapters/dynamo/send-ledger.js";
import {
  DEFAULT_EDITION_DAYS,
  type EditionAdminDeps,
  editionReport,
  listEditions,
  MAX_EDITION_DAYS,
} from "../../core/edition-admin.js";
import { CommandError, type Io, parseFlags, requireDay, UsageError } from "../cli-support.js";
import type { Runtime } from "../runtime.js";

/** `digest editions …`: the same core functions as GET /admin/editions[/{id}]. */
function deps(rt: Runtime): EditionAdminDeps {
  return {
    editions: new DynamoEditionStore(rt.db, rt.tables.editions),
    ledger: new DynamoSendLedger(rt.db, rt.tables.sends),
    config: rt.config,
    clock: () => new Date(),
  };
}

/** `digest editions show <id> [--json]`: status, stories and per-recipient counts from the ledger. */
export async function showEditionCommand(rt: Runtime, io: Io, args: string[]): Promise<number> {
  const { values, positionals } = parseFlags(args, { json: { type: "boolean" } });
  if (positionals.length !== 1) throw new UsageError("editions show takes one edition id");
  const id = positionals[0] as string;
  const report = await editionReport(deps(rt), id);
  if (!report) throw new CommandError(`no edition ${id}`);
  if (values.json) {
    io.out(JSON.stringify(report, null, 2));
    return 0;
  }
  const { counts, stats } = report;
  io.out(`edition ${report.id} (${report.date}): ${report.status}`);
  if (report.haltedBecause) io.out(`halted: ${report.haltedBecause}`);
  io.out(
    `stories: ${report.stories.length} in ${report.sections.join(", ")}${report.leftOut ? `, ${report.leftOut} left out` : ""}`,
  );
  io.out(
    `recipients: sent=${counts.sent} in_flight=${counts.sending} failed=${counts.failed} rejected=${counts.rejected} suppressed=${counts.suppressed} skipped=${counts.skipped}`,
  );
  const statText = Object.entries(stats)
    .map(([k, v]) => `${k}=${v}`)
    .join(" ");
  if (statText) io.out(`events: ${statText}`);
  return 0;
}

/** `digest editions list [--json] [--days N] [--to YYYY-MM-DD]`: editions of the last N days, newest first. */
export async function listEditionsCommand(rt: Runtime, io: Io, args: string[]): Promise<number> {
  const { values, positionals } = parseFlags(args, {
    json: { type: "boolean" },
    days: { type: "string" },
    to: { type: "string" },
  });
  if (positionals.length > 0) throw new UsageError(`unexpected argument ${positionals[0]}`);
  const days = values.days === undefined ? DEFAULT_EDITION_DAYS : Number(values.days);
  if (!Number.isInteger(days) || days < 1 || days > MAX_EDITION_DAYS) {
    throw new UsageError(`--days expects a whole number from 1 to ${MAX_EDITION_DAYS}`);
  }
  const { items } = await listEditions(deps(rt), { to: requireDay(values.to, "--to"), days });
  if (values.json) {
    io.out(JSON.stringify(items, null, 2));
    return 0;
  }
  for (const e of items) {
    io.out(
      `${e.id.padEnd(12)} ${e.status.padEnd(10)} stories=${e.stories}${e.leftOut ? ` left_out=${e.leftOut}` : ""}  ${e.updatedAt}`,
    );
  }
  io.out(
    `${items.length} edition${items.length === 1 ? "" : "s"} in the ${days} days to ${values.to ?? "today"}`,
  );
  return 0;
}

import { createReadStream } from "node:fs";
import { access, readFile } from "node:fs/promises";
import { DynamoEditionStore } from "../../adapters/dynamo/edition-store.js";
import { DynamoSendLedger } from "../../adapters/dynamo/send-ledger.js";
import { DynamoSubscriberStore } from "../../adapters/dynamo/subscriber-store.js";
import { DynamoSuppressionStore } from "../../adapters/dynamo/suppression-store.js";
import { applySesRecords, type SesEventDeps } from "../../core/events/apply-ses-events.js";
import { parseSesNotifications, type SesRecord } from "../../core/events/ses-events.js";
import type { Suppression } from "../../core/kernel/ports.js";
import { isErasedKey } from "../../core/subscribers/subscribers.js";
import {
  listSuppressions,
  SUPPRESSION_REASONS,
  suppressAddress,
  unsuppressAddress,
} from "../../core/subscribers/suppression-admin.js";
import {
  importSuppressionCsv,
  SUPPRESSION_CSV_HEADER,
  suppressionCsvLine,
} from "../../core/subscribers/suppression-transfer.js";
import { CommandError, type Io, parseFlags, UsageError } from "../cli-support.js";
import type { Runtime } from "../runtime.js";

/**
 * `digest suppressions list|add|remove` and `digest ses-events <file.json...>`: the suppression list
 * by hand, and SES notifications fed through the same core as the ses-events Lambda.
 */

function deps(rt: Runtime): SesEventDeps {
  return {
    subscribers: new DynamoSubscriberStore(rt.db, rt.tables.subscribers),
    suppressions: new DynamoSuppressionStore(rt.db, rt.tables.suppressions, () => rt.erasureKey()),
    editions: new DynamoEditionStore(rt.db, rt.tables.editions),
    ledger: new DynamoSendLedger(rt.db, rt.tables.sends),
    transientBounceLimit: rt.config.transientBounceLimit,
  };
}

const isErased = (s: Suppression) => isErasedKey(s.email);

/**
 * `digest suppressions list [--json]`: every entry, sorted. Erased addresses (GDPR) appear as their
 * hash ("hmac-sha256:…", or "sha256:…" from before the hash was keyed) with `erased: true`: the
 * address itself is gone.
 */
export async function listSuppressionsCommand(rt: Runtime, io: Io, args: string[]): Promise<number> {
  const { values, positionals } = parseFlags(args, { json: { type: "boolean" } });
  if (positionals.length > 0) throw new UsageError(`unexpected argument ${positionals[0]}`);
  const items = await listSuppressions(deps(rt).suppressions);
  if (values.json) {
    io.out(
      JSON.stringify(
        items.map((s) => ({ ...s, erased: isErased(s) })),
        null,
        2,
      ),
    );
    return 0;
  }
  for (const s of items) {
    const who = isErased(s) ? `${s.email.slice(0, s.email.indexOf(":") + 13)}… (erased)` : s.email;
    io.out(`${who.padEnd(32)} ${s.reason.padEnd(17)} ${s.at}${s.detail ? `  ${s.detail}` : ""}`);
  }
  io.out(`${items.length} suppressed address${items.length === 1 ? "" : "es"}`);
  return 0;
}

/** `digest suppressions add <email> [--reason R] [--detail TEXT]`: suppresses at once; idempotent. */
export async function addSuppressionCommand(rt: Runtime, io: Io, args: string[]): Promise<number> {
  const { values, positionals } = parseFlags(args, {
    reason: { type: "string" },
    detail: { type: "string" },
  });
  if (positionals.length !== 1) throw new UsageError("suppressions add takes exactly one email address");
  const reason = values.reason ?? "manual";
  if (!(SUPPRESSION_REASONS as readonly string[]).includes(reason)) {
    throw new UsageError(`--reason must be one of ${SUPPRESSION_REASONS.join(", ")}`);
  }
  const result = await suppressAddress(deps(rt), {
    email: positionals[0] as string,
    reason,
    detail: values.detail?.trim() || "added by digest suppressions add",
  });
  switch (result.outcome) {
    case "invalid":
      throw new CommandError(result.error);
    case "erased":
      io.out(`${positionals[0]} was erased: its hashed entry already suppresses it`);
      return 0;
    case "already":
      io.out(
        `${result.entry.email} was already suppressed (${result.entry.reason} since ${result.entry.at})`,
      );
      return 0;
    default: {
      const was = result.subscriber?.suppression?.previousStatus;
      io.out(
        `suppressed ${result.entry.email} (${result.entry.reason})${was ? `; subscriber was ${was}` : ""}`,
      );
      return 0;
    }
  }
}

/**
 * `digest suppressions remove <email>`: lifts one address's suppression and gives its subscriber the
 * status it had before. An erased address cannot be lifted by address (its hashed entry is the
 * erasure's record): exit 1.
 */
export async function removeSuppressionCommand(rt: Runtime, io: Io, args: string[]): Promise<number> {
  const { positionals } = parseFlags(args, {});
  if (positionals.length !== 1) throw new UsageError("suppressions remove takes exactly one email address");
  if (isErasedKey(positionals[0] as string)) {
    throw new CommandError("an erased address's entry cannot be removed: it records the erasure");
  }
  const result = await unsuppressAddress(deps(rt), positionals[0] as string);
  switch (result.outcome) {
    case "invalid":
      throw new CommandError(result.error);
    case "erased":
      throw new CommandError(`${positionals[0]} was erased (GDPR): its hashed suppression entry stays`);
    case "not-suppressed":
      throw new CommandError(`${positionals[0]} is not suppressed`);
    default: {
      const email = result.entry?.email ?? result.subscriber?.email ?? positionals[0];
      const restored = result.restoredStatus ? `; subscriber is ${result.restoredStatus} again` : "";
      io.out(`removed ${email} from the suppression list${restored}`);
      return 0;
    }
  }
}

/**
 * `digest suppressions export`: the whole list as CSV (email,reason,detail,at; erased addresses as
 * their hash), for `digest suppressions import` on another installation.
 */
export async function exportSuppressionsCommand(rt: Runtime, io: Io, args: string[]): Promise<number> {
  const { positionals } = parseFlags(args, {});
  if (positionals.length > 0) throw new UsageError(`unexpected argument ${positionals[0]}`);
  io.out(SUPPRESSION_CSV_HEADER);
  for (const s of await listSuppressions(deps(rt).suppressions)) io.out(suppressionCsvLine(s));
  return 0;
}

/**
 * `digest suppressions import <file.csv>`: puts each entry of an export back (an address already on
 * the list keeps its own); bad rows as file:line on stderr; ends with the import summary line.
 */
export async function importSuppressionsCommand(rt: Runtime, io: Io, args: string[]): Promise<number> {
  const { positionals } = parseFlags(args, {});
  if (positionals.length !== 1) throw new UsageError("suppressions import takes one CSV file");
  const file = positionals[0] as string;
  try {
    await access(file);
  } catch {
    throw new CommandError(`${file}: no such file`);
  }
  let summary: Awaited<ReturnType<typeof importSuppressionCsv>>;
  try {
    summary = await importSuppressionCsv(deps(rt), createReadStream(file), (line, reason) =>
      io.err(`${file}:${line}: ${reason}`),
    );
  } catch (err) {
    throw new CommandError(`${file}: ${(err as Error).message}`);
  }
  const { imported, updated, skipped, invalid } = summary;
  io.out(`imported=${imported} updated=${updated} skipped=${skipped} invalid=${invalid}`);
  return invalid > 0 ? 1 : 0;
}

/**
 * `digest ses-events <file.json...> [--json]`: applies SES notifications saved as files (any shape the
 * Lambda takes: a bare SES record, an SNS notification, a Lambda SNS/SQS event, an EventBridge event,
 * or an array of them). One line per record; exit 1 when any record was malformed or failed.
 */
export async function sesEventsCommand(rt: Runtime, io: Io, args: string[]): Promise<number> {
  const { values, positionals } = parseFlags(args, { json: { type: "boolean" } });
  if (positionals.length === 0) throw new UsageError("ses-events takes one or more .json files");
  const counts = { processed: 0, ignored: 0, malformed: 0, failed: 0, suppressed: 0 };
  const report: unknown[] = [];
  for (const file of positionals) {
    let records: SesRecord[];
    try {
      const text = await readFile(file, "utf8");
      records = parseSesNotifications(JSON.parse(text));
    } catch (err) {
      const why = (err as NodeJS.ErrnoException).code === "ENOENT" ? "no such file" : (err as Error).message;
      io.err(`${file}: ${why}`);
      counts.malformed++;
      continue;
    }
    for (const [i, outcome] of (await applySesRecords(deps(rt), records)).entries()) {
      const where = records.length > 1 ? `${file}#${i + 1}` : file;
      if (outcome.status === "skipped") {
        const { record } = outcome;
        if (record.kind === "malformed") {
          counts.malformed++;
          io.err(`${where}: malformed: ${record.error}`);
        } else {
          counts.ignored++;
          if (!values.json) io.out(`${where}: ignored: ${record.reason}`);
        }
        report.push({ file: where, status: record.kind });
        continue;
      }
      if (outcome.status === "failed") {
        counts.failed++;
        io.err(`${where}: failed: ${outcome.error.message}`);
        report.push({ file: where, status: "failed", error: outcome.error.message });
        continue;
      }
      counts.processed++;
      const { decision, applied } = outcome;
      counts.suppressed += applied.changes.filter((c) => c.action === "suppressed").length;
      report.push({ file: where, status: "applied", type: outcome.record.event.type, ...applied });
      if (values.json) continue;
      const stats = Object.entries(applied.stats).map(([k, n]) => `${k}+${n}`);
      io.out(
        `${where}: ${decision.summary}${stats.length ? ` [${decision.editionId}: ${stats.join(" ")}]` : ""}`,
      );
      for (const c of applied.changes) io.out(`  ${c.action} ${c.email}: ${c.note}`);
    }
  }
  if (values.json) io.out(JSON.stringify(report, null, 2));
  else
    io.out(
      `events=${counts.processed} suppressed=${counts.suppressed} ignored=${counts.ignored} ` +
        `malformed=${counts.malformed} failed=${counts.failed}`,
    );
  return counts.malformed + counts.failed > 0 ? 1 : 0;
}

import { createReadStream } from "node:fs";
import { access } from "node:fs/promises";
import { basename } from "node:path";
import { DynamoSubscriberStore } from "../../adapters/dynamo/subscriber-store.js";
import { addSubscriber } from "../../core/subscriber-admin.js";
import { readSubscriberCsv } from "../../core/subscriber-csv.js";
import {
  normalizeEmail,
  parseSections,
  SUBSCRIBER_STATUSES,
  type Subscriber,
  type SubscriberStatus,
  toView,
} from "../../core/subscribers.js";
import { CommandError, type Io, parseFlags, UsageError } from "../cli-support.js";
import type { Runtime } from "../runtime.js";
import { type ImportCounts, importSummary } from "./stories.js";

const store = (rt: Runtime) => new DynamoSubscriberStore(rt.db, rt.tables.subscribers);

/** `digest subscribers add <email> [--name N] [--sections a,b] [--timezone Area/City] [--pending]` */
export async function addSubscriberCommand(rt: Runtime, io: Io, args: string[]): Promise<number> {
  const { values, positionals } = parseFlags(args, {
    name: { type: "string" },
    sections: { type: "string" },
    timezone: { type: "string" },
    pending: { type: "boolean" },
  });
  if (positionals.length !== 1) throw new UsageError("subscribers add takes exactly one email address");
  const result = await addSubscriber(
    store(rt),
    {
      email: positionals[0] as string,
      name: values.name,
      sections: values.sections === undefined ? undefined : parseSections(values.sections),
      timezone: values.timezone,
      status: values.pending ? "pending" : "active",
      consent: { method: "admin", at: new Date().toISOString(), source: "digest subscribers add" },
    },
    rt.config.sections,
  );
  if (result.outcome === "invalid") throw new CommandError(result.error);
  const s = result.subscriber;
  if (result.note) throw new CommandError(result.note);
  const verb = { imported: "added", updated: "updated", skipped: "unchanged" }[result.outcome];
  io.out(`${verb} ${s.email} (${s.status}; sections: ${s.sections.length ? s.sections.join(", ") : "all"})`);
  return 0;
}

/** `digest subscribers import <file.csv> [--pending]`: good rows import, each bad one is reported as file:line. */
export async function importSubscribersCommand(rt: Runtime, io: Io, args: string[]): Promise<number> {
  const { values, positionals } = parseFlags(args, { pending: { type: "boolean" } });
  if (positionals.length !== 1) throw new UsageError("subscribers import takes one CSV file");
  const file = positionals[0] as string;
  try {
    await access(file);
  } catch {
    throw new CommandError(`${file}: no such file`);
  }
  const subscribers = store(rt);
  const counts: ImportCounts = { imported: 0, updated: 0, skipped: 0, invalid: 0 };
  const at = new Date();
  try {
    for await (const row of readSubscriberCsv(createReadStream(file))) {
      if ("error" in row) {
        io.err(`${file}:${row.line}: ${row.error}`);
        if (row.line > 1) counts.invalid++;
        continue;
      }
      const result = await addSubscriber(
        subscribers,
        {
          email: row.email,
          name: row.name ?? undefined,
          sections: row.sections,
          timezone: row.timezone ?? undefined,
          status: values.pending ? "pending" : "active",
          consent: { method: "import", at: at.toISOString(), source: basename(file) },
        },
        rt.config.sections,
        at,
      );
      if (result.outcome === "invalid") {
        io.err(`${file}:${row.line}: ${result.error}`);
        counts.invalid++;
      } else {
        if (result.note) io.err(`${file}:${row.line}: ${result.note}`);
        counts[result.outcome]++;
      }
    }
  } catch (err) {
    throw new CommandError(`${file}: ${(err as Error).message}`);
  }
  io.out(importSummary(counts));
  return counts.invalid > 0 ? 1 : 0;
}

async function allSubscribers(rt: Runtime, status?: SubscriberStatus): Promise<Subscriber[]> {
  const items: Subscriber[] = [];
  let cursor: string | null = null;
  do {
    const page = await store(rt).list({ status }, cursor, 500);
    items.push(...page.items);
    cursor = page.nextCursor;
  } while (cursor);
  return items.sort((a, b) => a.email.localeCompare(b.email));
}

function parseStatus(value: string | undefined): SubscriberStatus | undefined {
  if (value === undefined) return undefined;
  if (!(SUBSCRIBER_STATUSES as readonly string[]).includes(value)) {
    throw new UsageError(`--status must be one of ${SUBSCRIBER_STATUSES.join(", ")}`);
  }
  return value as SubscriberStatus;
}

/** `digest subscribers list [--status S] [--json]` */
export async function listSubscribersCommand(rt: Runtime, io: Io, args: string[]): Promise<number> {
  const { values, positionals } = parseFlags(args, { status: { type: "string" }, json: { type: "boolean" } });
  if (positionals.length > 0) throw new UsageError(`unexpected argument ${positionals[0]}`);
  const items = await allSubscribers(rt, parseStatus(values.status));
  if (values.json) {
    io.out(JSON.stringify(items.map(toView), null, 2));
    return 0;
  }
  for (const s of items) {
    const sections = s.sections.length ? s.sections.join(";") : "all";
    io.out(`${s.email.padEnd(32)} ${s.status.padEnd(12)} ${sections}${s.name ? `  (${s.name})` : ""}`);
  }
  io.out(`${items.length} subscriber${items.length === 1 ? "" : "s"}`);
  return 0;
}

/** `digest subscribers remove <email>`: unsubscribes (the record stays, so nobody re-adds them by mistake). */
export async function removeSubscriberCommand(rt: Runtime, io: Io, args: string[]): Promise<number> {
  const { positionals } = parseFlags(args, {});
  if (positionals.length !== 1) throw new UsageError("subscribers remove takes exactly one email address");
  const normalized = normalizeEmail(positionals[0] as string);
  if ("error" in normalized) throw new CommandError(normalized.error);
  const existing = await store(rt).get(normalized.email);
  if (!existing) throw new CommandError(`${normalized.email} is not a subscriber`);
  if (existing.status !== "unsubscribed" && existing.status !== "suppressed") {
    await store(rt).put({ ...existing, status: "unsubscribed", updatedAt: new Date().toISOString() });
  }
  io.out(`unsubscribed ${existing.email}`);
  return 0;
}

/** Quotes a CSV field; a leading =, +, - or @ is defused so spreadsheets never run it as a formula. */
function csvField(value: string): string {
  const v = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v;
}

/** `digest subscribers export [--json]`: CSV (the import format plus status and dates) or JSON. */
export async function exportSubscribersCommand(rt: Runtime, io: Io, args: string[]): Promise<number> {
  const { values, positionals } = parseFlags(args, { json: { type: "boolean" }, status: { type: "string" } });
  if (positionals.length > 0) throw new UsageError(`unexpected argument ${positionals[0]}`);
  const items = (await allSubscribers(rt, parseStatus(values.status))).map(toView);
  if (values.json) {
    io.out(JSON.stringify(items, null, 2));
    return 0;
  }
  io.out("email,name,sections,timezone,status,createdAt,confirmedAt");
  for (const s of items) {
    io.out(
      [
        s.email,
        s.name ?? "",
        s.sections.join(";"),
        s.timezone ?? "",
        s.status,
        s.createdAt,
        s.confirmedAt ?? "",
      ]
        .map(csvField)
        .join(","),
    );
  }
  return 0;
}

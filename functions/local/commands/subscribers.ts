import { createReadStream } from "node:fs";
import { access } from "node:fs/promises";
import { basename } from "node:path";
import { DynamoEditionStore } from "../../adapters/dynamo/edition-store.js";
import { DynamoSendLedger } from "../../adapters/dynamo/send-ledger.js";
import { DynamoSubscriberStore } from "../../adapters/dynamo/subscriber-store.js";
import { DynamoSuppressionStore } from "../../adapters/dynamo/suppression-store.js";
import { FolderOutbox } from "../../adapters/outbox.js";
import { eraseSubscriber } from "../../core/subscribers/erasure.js";
import {
  addSubscriber,
  findSubscriber,
  type SubscriberAdminDeps,
  type SubscriberPatch,
  subscriberDetail,
  unsubscribeSubscriber,
  updateSubscriber,
} from "../../core/subscribers/subscriber-admin.js";
import { SUBSCRIBER_CSV_HEADER, subscriberCsvLine } from "../../core/subscribers/subscriber-csv.js";
import {
  type ImportReport,
  importSubscriberCsv,
  importSummaryLine,
  keptSummaryLine,
} from "../../core/subscribers/subscriber-import.js";
import {
  allSubscribers,
  resolveSectionFilter,
  type SubscriberFilter,
} from "../../core/subscribers/subscriber-list.js";
import {
  normalizeEmail,
  parseSections,
  SUBSCRIBER_STATUSES,
  type Subscriber,
  type SubscriberStatus,
  toView,
} from "../../core/subscribers/subscribers.js";
import { CommandError, type Io, parseFlags, UsageError } from "../cli-support.js";
import type { Runtime } from "../runtime.js";

/**
 * `digest subscribers …`: thin wrappers over the same core functions the admin API calls
 * (functions/core/subscribers/subscriber-admin.ts, subscriber-import.ts).
 */

/** The stores and settings of the admin operations; no mail (use withMail for pending adds). */
function adminDeps(rt: Runtime): SubscriberAdminDeps {
  return {
    subscribers: new DynamoSubscriberStore(rt.db, rt.tables.subscribers),
    suppressions: new DynamoSuppressionStore(rt.db, rt.tables.suppressions, () => rt.erasureKey()),
    config: rt.config,
    clock: () => new Date(),
  };
}

/**
 * Admin deps whose transactional mail is built on first use: an import sends confirmations only
 * for pending rows, which a file may hold without --pending.
 */
function withLazyMail(rt: Runtime): SubscriberAdminDeps {
  return {
    ...adminDeps(rt),
    mail: {
      send: async (kind, subscriber) => (await rt.apiContext()).mail.send(kind, subscriber),
      withhold: async (kind, subscriber) => (await rt.apiContext()).mail.withhold(kind, subscriber),
    },
  };
}

/** Admin deps with the runtime's transactional mail (confirmation emails go to SES and out/confirm/). */
async function withMail(rt: Runtime): Promise<SubscriberAdminDeps> {
  const ctx = await rt.apiContext();
  return { ...adminDeps(rt), mail: ctx.mail };
}

const sectionsText = (s: Pick<Subscriber, "sections">) => (s.sections.length ? s.sections.join(", ") : "all");

function oneEmail(positionals: string[], command: string): string {
  if (positionals.length !== 1)
    throw new UsageError(`subscribers ${command} takes exactly one email address`);
  return positionals[0] as string;
}

/**
 * `digest subscribers add <email> [--name N] [--sections a,b] [--timezone Area/City] [--locale L]
 * [--hour H] [--pending] [--source S]`
 */
/** `--hour H`: the local delivery hour (0–23); an empty value returns to the configured default. */
function parseHour(value: string | undefined): number | null | undefined {
  if (value === undefined) return undefined;
  if (value === "") return null;
  const hour = Number(value);
  if (!/^\d{1,2}$/.test(value) || hour > 23) throw new UsageError(`--hour expects 0–23, got "${value}"`);
  return hour;
}

export async function addSubscriberCommand(rt: Runtime, io: Io, args: string[]): Promise<number> {
  const { values, positionals } = parseFlags(args, {
    name: { type: "string" },
    sections: { type: "string" },
    timezone: { type: "string" },
    locale: { type: "string" },
    hour: { type: "string" },
    pending: { type: "boolean" },
    source: { type: "string" },
  });
  const email = oneEmail(positionals, "add");
  const deps = values.pending ? await withMail(rt) : adminDeps(rt);
  const result = await addSubscriber(deps, {
    email,
    name: values.name,
    sections: values.sections === undefined ? undefined : parseSections(values.sections),
    timezone: values.timezone,
    locale: values.locale,
    deliveryHour: parseHour(values.hour),
    status: values.pending ? "pending" : "active",
    consent: {
      method: "admin",
      at: new Date().toISOString(),
      source: values.source?.trim() || "digest subscribers add",
    },
  });
  if (result.outcome === "invalid" || result.outcome === "failed") throw new CommandError(result.error);
  if ("blocked" in result) throw new CommandError(result.note);
  const s = result.subscriber;
  const verb = { imported: "added", updated: "updated", skipped: "unchanged" }[result.outcome];
  io.out(`${verb} ${s.email} (${s.status}; sections: ${sectionsText(s)})`);
  if (result.confirmationSent) io.out(`confirmation email sent to ${s.email}`);
  return 0;
}

/** How a reported row's line reads after `<file>:<line>: `; an invalid row is the reason alone (design.md). */
const REPORT_PREFIX: Record<ImportReport["kind"], string> = {
  invalid: "",
  failed: "",
  skipped: "skipped: ",
  note: "note: ",
};

/**
 * `digest subscribers import <file.csv> [--pending] [--source S]`: streams the file; good rows
 * import, each bad or skipped one is reported as file:line on stderr, in line order (the unchanged
 * ones counted in one line); ends with the summary.
 */
export async function importSubscribersCommand(rt: Runtime, io: Io, args: string[]): Promise<number> {
  const { values, positionals } = parseFlags(args, {
    pending: { type: "boolean" },
    source: { type: "string" },
  });
  if (positionals.length !== 1) throw new UsageError("subscribers import takes one CSV file");
  const file = positionals[0] as string;
  try {
    await access(file);
  } catch {
    throw new CommandError(`${file}: no such file`);
  }
  const deps = withLazyMail(rt);
  const started = Date.now();
  let summary: Awaited<ReturnType<typeof importSubscriberCsv>>;
  try {
    summary = await importSubscriberCsv(deps, createReadStream(file), {
      status: values.pending ? "pending" : "active",
      consent: {
        method: "import",
        at: new Date().toISOString(),
        source: values.source?.trim() || basename(file),
      },
      onReport: (r) => io.err(`${file}:${r.line}: ${REPORT_PREFIX[r.kind]}${r.reason}`),
      onProgress: io.interactive
        ? (rows) => io.err(`  … ${rows} rows (${Math.round(rows / ((Date.now() - started) / 1000 || 1))}/s)`)
        : undefined,
      progressEvery: 10_000,
    });
  } catch (err) {
    throw new CommandError(`${file}: ${(err as Error).message}`);
  }
  if (summary.unchanged > 0) {
    const rows = summary.unchanged === 1 ? "1 row" : `${summary.unchanged} rows`;
    io.err(
      `${file}: skipped: ${rows} unchanged (stored already as the file has ${summary.unchanged === 1 ? "it" : "them"})`,
    );
  }
  if (summary.confirmations > 0) io.err(`confirmation emails sent: ${summary.confirmations}`);
  io.out(importSummaryLine(summary));
  const kept = keptSummaryLine(summary);
  if (kept) io.out(kept);
  return summary.invalid > 0 || summary.failed > 0 ? 1 : 0;
}

function parseStatus(value: string | undefined): SubscriberStatus | undefined {
  if (value === undefined) return undefined;
  if (!(SUBSCRIBER_STATUSES as readonly string[]).includes(value)) {
    throw new UsageError(`--status must be one of ${SUBSCRIBER_STATUSES.join(", ")}`);
  }
  return value as SubscriberStatus;
}

function parseFilter(
  deps: SubscriberAdminDeps,
  values: { status?: string; section?: string },
): SubscriberFilter {
  const filter: SubscriberFilter = { status: parseStatus(values.status) };
  if (values.section !== undefined) {
    const resolved = resolveSectionFilter(values.section, deps);
    if ("outcome" in resolved) throw new UsageError(`--section: ${resolved.error}`);
    filter.section = resolved.section;
  }
  return filter;
}

/** All matching subscribers, sorted by address (the store pages per shard). */
async function sortedSubscribers(deps: SubscriberAdminDeps, filter: SubscriberFilter): Promise<Subscriber[]> {
  const items: Subscriber[] = [];
  for await (const s of allSubscribers(deps, filter)) items.push(s);
  return items.sort((a, b) => (a.email < b.email ? -1 : a.email > b.email ? 1 : 0));
}

/** `digest subscribers list [--status S] [--section S] [--json]` (section: who receives it, "all" included) */
export async function listSubscribersCommand(rt: Runtime, io: Io, args: string[]): Promise<number> {
  const { values, positionals } = parseFlags(args, {
    status: { type: "string" },
    section: { type: "string" },
    json: { type: "boolean" },
  });
  if (positionals.length > 0) throw new UsageError(`unexpected argument ${positionals[0]}`);
  const deps = adminDeps(rt);
  const items = await sortedSubscribers(deps, parseFilter(deps, values));
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

/** `digest subscribers show <email> [--json]`: the record with its consent evidence and suppression. */
export async function showSubscriberCommand(rt: Runtime, io: Io, args: string[]): Promise<number> {
  const { values, positionals } = parseFlags(args, { json: { type: "boolean" } });
  const email = oneEmail(positionals, "show");
  const deps = adminDeps(rt);
  const s = await findSubscriber(deps, email);
  if (!s) throw new CommandError(`${email.trim().toLowerCase()} is not a subscriber`);
  const d = await subscriberDetail(deps, s);
  if (values.json) {
    io.out(JSON.stringify(d, null, 2));
    return 0;
  }
  const rows: [string, string][] = [
    ["status", d.status],
    ["name", d.name ?? "-"],
    ["sections", sectionsText(d)],
    ["timezone", d.timezone ?? `- (the digest's: ${rt.config.timeZone})`],
    ["locale", d.locale ?? `- (the digest's: ${rt.config.locale})`],
    ["created", d.createdAt],
    ["confirmed", d.confirmedAt ?? "-"],
    ["updated", d.updatedAt],
    [
      "consent",
      `${d.consent.method} at ${d.consent.at}${d.consent.source ? `, source: ${d.consent.source}` : ""}`,
    ],
    [
      "suppressed",
      d.suppression
        ? `${d.suppression.reason} at ${d.suppression.at}${d.suppression.detail ? ` (${d.suppression.detail})` : ""}`
        : "no",
    ],
    ["id", d.id],
  ];
  io.out(d.email);
  for (const [k, v] of rows) io.out(`  ${`${k}:`.padEnd(12)}${v}`);
  return 0;
}

/**
 * `digest subscribers update <email> [--name N] [--sections a,b] [--timezone Z] [--locale L] [--hour H]
 * [--pause|--resume]`: an empty value clears (--name "", --sections "" = all sections, --timezone "" =
 * the digest's zone, --locale "" = the digest's language).
 */
export async function updateSubscriberCommand(rt: Runtime, io: Io, args: string[]): Promise<number> {
  const { values, positionals } = parseFlags(args, {
    name: { type: "string" },
    sections: { type: "string" },
    timezone: { type: "string" },
    locale: { type: "string" },
    hour: { type: "string" },
    pause: { type: "boolean" },
    resume: { type: "boolean" },
  });
  const email = oneEmail(positionals, "update");
  if (values.pause && values.resume) throw new UsageError("--pause and --resume exclude each other");
  const patch: SubscriberPatch = {
    name: values.name === undefined ? undefined : values.name || null,
    sections: values.sections === undefined ? undefined : parseSections(values.sections),
    timezone: values.timezone === undefined ? undefined : values.timezone || null,
    locale: values.locale === undefined ? undefined : values.locale || null,
    deliveryHour: parseHour(values.hour),
    status: values.pause ? "paused" : values.resume ? "active" : undefined,
  };
  if (Object.values(patch).every((v) => v === undefined)) {
    throw new UsageError(
      "nothing to change: give --name, --sections, --timezone, --locale, --hour, --pause or --resume",
    );
  }
  const result = await updateSubscriber(adminDeps(rt), email, patch);
  switch (result.outcome) {
    case "invalid":
    case "conflict":
      throw new CommandError(result.error);
    case "not-found":
      throw new CommandError(`${email.trim().toLowerCase()} is not a subscriber`);
    default: {
      const s = result.subscriber;
      io.out(`${result.outcome} ${s.email} (${s.status}; sections: ${sectionsText(s)})`);
      return 0;
    }
  }
}

/** `digest subscribers remove <email>`: unsubscribes (the record stays, so nobody re-adds them by mistake). */
export async function removeSubscriberCommand(rt: Runtime, io: Io, args: string[]): Promise<number> {
  const { positionals } = parseFlags(args, {});
  const email = oneEmail(positionals, "remove");
  const normalized = normalizeEmail(email);
  if ("error" in normalized) throw new CommandError(normalized.error);
  const result = await unsubscribeSubscriber(adminDeps(rt), normalized.email);
  if (result.outcome === "not-found") throw new CommandError(`${normalized.email} is not a subscriber`);
  const s = result.subscriber;
  io.out(s.status === "suppressed" ? `${s.email} is suppressed (left as is)` : `unsubscribed ${s.email}`);
  return 0;
}

/**
 * `digest subscribers erase <email>` (GDPR): deletes the record, its send-ledger details and outbox
 * copies, keeping only a keyed-hash suppression entry so the address is never mailed or re-added.
 */
export async function eraseSubscriberCommand(rt: Runtime, io: Io, args: string[]): Promise<number> {
  const { positionals } = parseFlags(args, {});
  const email = oneEmail(positionals, "erase");
  const result = await eraseSubscriber(
    {
      ...adminDeps(rt),
      ledger: new DynamoSendLedger(rt.db, rt.tables.sends),
      editions: new DynamoEditionStore(rt.db, rt.tables.editions),
      outbox: rt.outboxRoot ? new FolderOutbox(rt.outboxRoot) : null,
      audit: rt.auditLog(),
    },
    email,
  );
  if (result.outcome === "invalid") throw new CommandError(result.error);
  const who = email.trim().toLowerCase();
  if (result.outcome === "not-found") throw new CommandError(`${who} is not known here`);
  const removed = `${result.ledgerEntries} send-ledger entr${result.ledgerEntries === 1 ? "y" : "ies"} stripped, ${result.outboxFiles} outbox file${result.outboxFiles === 1 ? "" : "s"} removed`;
  io.out(
    result.alreadyErased
      ? `${who} was already erased (${removed})`
      : `erased ${who}: record deleted, ${removed}; only a keyed-hash suppression entry kept`,
  );
  return 0;
}

/** `digest subscribers export [--json] [--status S] [--section S]`: CSV (the import format plus status and dates) or JSON. */
export async function exportSubscribersCommand(rt: Runtime, io: Io, args: string[]): Promise<number> {
  const { values, positionals } = parseFlags(args, {
    json: { type: "boolean" },
    status: { type: "string" },
    section: { type: "string" },
  });
  if (positionals.length > 0) throw new UsageError(`unexpected argument ${positionals[0]}`);
  const deps = adminDeps(rt);
  const items = (await sortedSubscribers(deps, parseFilter(deps, values))).map(toView);
  if (values.json) {
    io.out(JSON.stringify(items, null, 2));
    return 0;
  }
  io.out(SUBSCRIBER_CSV_HEADER);
  for (const s of items) io.out(subscriberCsvLine(s));
  return 0;
}

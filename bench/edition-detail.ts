/**
 * Stage 6 (named only: `npm run bench -- --only detail`): GET /admin/editions/{id} for an edition of a
 * million recipients, through the API's router on dynalite (issue 15, item 1). The edition's ledger
 * counters are written directly as a million-recipient send leaves them (sending a million through
 * dynalite would take hours), beside a sample of real entries written through the ledger; the answer
 * is timed, its size and the items it read are counted. For comparison, the count the detail made
 * before the counters (every ledger entry read) is timed on `ledgerRows` real entries and scaled to a
 * million.
 */
import type { AddressInfo } from "node:net";
import { performance } from "node:perf_hooks";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { BatchWriteCommand, PutCommand } from "@aws-sdk/lib-dynamodb";
import dynalite from "dynalite";
import { documentClientOver } from "../functions/adapters/dynamo/client.js";
import { createTables } from "../functions/adapters/dynamo/create-tables.js";
import { DynamoEditionStore } from "../functions/adapters/dynamo/edition-store.js";
import { LEDGER_COUNTER_SHARDS } from "../functions/adapters/dynamo/ledger-counters.js";
import { DynamoSendLedger } from "../functions/adapters/dynamo/send-ledger.js";
import { tableNamesFromEnv } from "../functions/adapters/schema.js";
import { bearerTokenAuth } from "../functions/core/http/admin-auth.js";
import type { ApiContext } from "../functions/core/http/context.js";
import { apiFunctionRoutes, createApi } from "../functions/core/http/routes.js";
import type { DigestConfig } from "../functions/core/kernel/config.js";
import type { EditionRecord, LedgerCounts } from "../functions/core/kernel/ports.js";
import { BENCH_DAY, benchEditionStories } from "./fixtures.js";
import { median, percentile, round, sample } from "./stats.js";

export interface DetailResult {
  recipients: number;
  requests: number;
  medianMs: number;
  p95Ms: number;
  responseBytes: number;
  /** Items DynamoDB returned for one GET (meta, SES counter shards, ledger counter shards). */
  itemsRead: number;
  /** Ledger entries read by the count the detail made before the counters, and how long it took. */
  ledgerRows: number;
  entriesCountMs: number;
  /** That count scaled linearly to `recipients` entries (ms). */
  entriesCountAtScaleMs: number;
}

const TOKEN = "bench-admin-token-0123456789";

export async function benchEditionDetail(
  config: DigestConfig,
  opts: { recipients: number; ledgerRows: number; requests: number },
): Promise<DetailResult> {
  const server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const client = new DynamoDBClient({
    endpoint,
    region: "us-east-1",
    credentials: { accessKeyId: "bench", secretAccessKey: "bench" },
  });
  const tables = tableNamesFromEnv({});
  await createTables(client, tables);
  let itemsRead = 0;
  const raw = documentClientOver(client);
  const db = new Proxy(raw, {
    get(target, prop, receiver) {
      if (prop !== "send") return Reflect.get(target, prop, receiver);
      // biome-ignore lint/suspicious/noExplicitAny: counts whatever a command returns
      return async (command: any) => {
        const out = await target.send(command);
        // biome-ignore lint/suspicious/noExplicitAny: the same
        const o = out as any;
        itemsRead += (o.Item ? 1 : 0) + (o.Items?.length ?? 0);
        for (const items of Object.values(o.Responses ?? {})) itemsRead += (items as unknown[]).length;
        return out;
      };
    },
  });
  try {
    const editions = new DynamoEditionStore(db, tables.editions);
    const ledger = new DynamoSendLedger(db, tables.sends);
    const id = BENCH_DAY;
    const now = new Date().toISOString();
    const edition: EditionRecord = {
      editionId: id,
      date: BENCH_DAY,
      status: "sent",
      stories: benchEditionStories(40),
      leftOutBySection: {},
      sections: ["World", "Business", "Science", "Culture", "Sport"],
      createdAt: now,
      updatedAt: now,
      ledgerCounted: true,
    };
    await editions.replace(edition);
    const shares: LedgerCounts = {
      sending: 0,
      sent: Math.round(opts.recipients * 0.985),
      failed: Math.round(opts.recipients * 0.009),
      rejected: Math.round(opts.recipients * 0.001),
      suppressed: Math.round(opts.recipients * 0.002),
      skipped: 0,
    };
    shares.skipped = opts.recipients - shares.sent - shares.failed - shares.rejected - shares.suppressed;
    for (let shard = 0; shard < LEDGER_COUNTER_SHARDS; shard++) {
      const part = Object.fromEntries(Object.entries(shares).map(([s, n]) => [s, shard === 0 ? n : 0]));
      await raw.send(
        new PutCommand({
          TableName: tables.sends,
          Item: { editionId: `counts#${id}#${shard}`, subscriberId: "counts", ...part },
        }),
      );
    }
    await editions.addStats(id, { sent: shares.sent, delivered: shares.sent - 5000, bounced: 4000 });
    // The sample of real entries (not added to the million: they stand for its first rows).
    const lease = Date.now() + 60_000;
    for (let i = 0; i < 200; i++) {
      await ledger.claim(`${id}-sample`, `s-${i}`, "bench", lease);
      await ledger.markSent(`${id}-sample`, `s-${i}`, "bench", `m-${i}`);
    }
    await ledger.flushCounts();

    const api = createApi(
      apiFunctionRoutes,
      // Only the edition routes are called: they read config, clock, editions and the ledger.
      { config, clock: () => new Date(), editions, ledger } as unknown as ApiContext,
      bearerTokenAuth(TOKEN),
    );
    let bytes = 0;
    let readPerRequest = 0;
    const get = async () => {
      itemsRead = 0;
      const res = await api({
        method: "GET",
        path: `/admin/editions/${id}`,
        query: {},
        headers: { authorization: `Bearer ${TOKEN}` },
        body: "",
        sourceIp: "127.0.0.1",
        principal: null,
      });
      if (res.status !== 200) throw new Error(`GET /admin/editions/${id}: ${res.status} ${res.body}`);
      bytes = Buffer.byteLength(res.body);
      readPerRequest = itemsRead;
    };
    const times = await sample(opts.requests, 3, get);

    // The count before the counters: every entry of the edition's partition, page by page.
    const before = `${id}-entries`;
    for (let i = 0; i < opts.ledgerRows; i += 25) {
      const rows = Array.from({ length: Math.min(25, opts.ledgerRows - i) }, (_, j) => ({
        PutRequest: {
          Item: {
            editionId: before,
            subscriberId: `00000000-0000-4000-8000-${String(i + j).padStart(12, "0")}`,
            state: "sent",
            owner: "send-fn-2f1c3a",
            messageId: `0100018c-${String(i + j).padStart(8, "0")}-a1b2c3d4-e5f6-4a5b-9c8d-000000000000`,
            sentAt: now,
            claimedAt: now,
            attempts: 1,
            expiresAt: Math.floor(Date.now() / 1000) + 180 * 86_400,
          },
        },
      }));
      await raw.send(new BatchWriteCommand({ RequestItems: { [tables.sends]: rows } }));
    }
    const t0 = performance.now();
    await ledger.countEntries(before);
    const entriesCountMs = performance.now() - t0;
    return {
      recipients: opts.recipients,
      requests: opts.requests,
      medianMs: round(median(times), 2),
      p95Ms: round(percentile(times, 95), 2),
      responseBytes: bytes,
      itemsRead: readPerRequest,
      ledgerRows: opts.ledgerRows,
      entriesCountMs: round(entriesCountMs, 1),
      entriesCountAtScaleMs: Math.round((entriesCountMs * opts.recipients) / opts.ledgerRows),
    };
  } finally {
    client.destroy();
    await new Promise<void>((r) => server.close(() => r()));
  }
}

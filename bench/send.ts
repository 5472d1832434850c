/**
 * Stage 3: an end-to-end local send. dynalite (temp dir) and the SESv2 endpoint, tables created,
 * N active subscribers written through DynamoSubscriberStore, 20 stories imported through
 * DynamoStoryStore; then composeEdition + deliverEdition with the real adapters, wired like
 * functions/local/runtime.ts does (outbox off). Every adapter call is timed to show where the time goes.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { documentClientOver } from "../functions/adapters/dynamo/client.js";
import { createTables } from "../functions/adapters/dynamo/create-tables.js";
import { DynamoEditionStore } from "../functions/adapters/dynamo/edition-store.js";
import { DynamoSendLedger } from "../functions/adapters/dynamo/send-ledger.js";
import { DynamoStoryStore } from "../functions/adapters/dynamo/story-store.js";
import { DynamoSubscriberStore } from "../functions/adapters/dynamo/subscriber-store.js";
import { DynamoSuppressionStore } from "../functions/adapters/dynamo/suppression-store.js";
import { tableNamesFromEnv } from "../functions/adapters/schema.js";
import { SesMailer } from "../functions/adapters/ses-mailer.js";
import type { DigestConfig } from "../functions/core/config.js";
import { createRenderer } from "../functions/core/render.js";
import {
  composeEdition,
  deliverEdition,
  type EditionDeps,
  type SendSummary,
} from "../functions/core/send-edition.js";
import { tokenBucketPacer } from "../functions/core/token-bucket.js";
import { loadTemplateSpec } from "../functions/local/template-loader.js";
import { BENCH_DAY, benchKeys, benchStories, benchSubscribers } from "./fixtures.js";
import { type ProfileSummary, startProfile } from "./profile.js";
import {
  type BenchServices,
  type ReceivedCounts,
  startChildServices,
  startInlineServices,
} from "./services.js";
import { CallRecorder, type CallStats, round } from "./stats.js";

export interface SendResult {
  services: "inline" | "child";
  subscribers: number;
  rate: number;
  concurrency: number;
  stories: number;
  setup: { insertMs: number; insertPerSec: number; importMs: number };
  composeMs: number;
  deliverMs: number;
  wallMs: number;
  sent: number;
  msgPerSec: number;
  ratePct: number;
  summary: SendSummary;
  received: ReceivedCounts;
  duplicates: number;
  peakRssMb: number;
  maxRssMb: number;
  servicesMaxRssMb: number | null;
  /** Event-loop utilisation of this process during deliverEdition (1 = the loop never idled). */
  eventLoopUtilization: number;
  /** CPU time of this process during deliverEdition, as a share of one core. */
  cpuCores: number;
  calls: Record<string, CallStats>;
  /** CPU profile of this process during deliverEdition, with --profile. */
  profile: ProfileSummary | null;
}

const LOCAL_CREDENTIALS = { accessKeyId: "local", secretAccessKey: "local" };

/** Runs `fn` over `items` with at most `limit` in flight. */
async function pool<T>(items: readonly T[], limit: number, fn: (item: T) => Promise<unknown>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) await fn(items[next++] as T);
    }),
  );
}

export async function benchSend(
  config: DigestConfig,
  opts: {
    subscribers: number;
    rate: number;
    stories: number;
    services: "inline" | "child";
    /** Profile deliverEdition; the .cpuprofile goes to this directory when it is a string. */
    profile: string | boolean;
  },
): Promise<SendResult> {
  const dir = await mkdtemp(join(tmpdir(), "digest-bench-"));
  let services: BenchServices | null = null;
  let dynamo: DynamoDBClient | null = null;
  let mailer: SesMailer | null = null;
  try {
    const start = opts.services === "child" ? startChildServices : startInlineServices;
    services = await start({ dir, maxSendRate: opts.rate });
    const region = "us-east-1";
    dynamo = new DynamoDBClient({
      region,
      credentials: LOCAL_CREDENTIALS,
      maxAttempts: 5,
      endpoint: services.dynamodb,
    });
    const db = documentClientOver(dynamo);
    const tables = tableNamesFromEnv({});
    await createTables(dynamo, tables);

    // Setup, not measured as part of the send.
    const subscriberStore = new DynamoSubscriberStore(db, tables.subscribers);
    const t0 = performance.now();
    await pool(benchSubscribers(opts.subscribers), 32, (s) => subscriberStore.put(s));
    const insertMs = performance.now() - t0;
    const storyStore = new DynamoStoryStore(db, tables.stories);
    const t1 = performance.now();
    for (const story of benchStories(opts.stories)) {
      const { editionId: _none, ...rest } = story;
      await storyStore.upsert(rest, BENCH_DAY);
    }
    const importMs = performance.now() - t1;

    mailer = new SesMailer(
      { region, credentials: LOCAL_CREDENTIALS, endpoint: services.sesv2 },
      { configurationSet: config.configurationSet },
    );
    const calls = new CallRecorder();
    const deps: EditionDeps = {
      config,
      stories: calls.wrap(storyStore, "stories"),
      subscribers: calls.wrap(subscriberStore, "subscribers"),
      suppressions: calls.wrap(new DynamoSuppressionStore(db, tables.suppressions), "suppressions"),
      editions: calls.wrap(new DynamoEditionStore(db, tables.editions), "editions"),
      ledger: calls.wrap(new DynamoSendLedger(db, tables.sends), "ledger"),
      mailer: calls.wrap(mailer, "mailer"),
      outbox: null,
      renderer: calls.wrap(createRenderer(await loadTemplateSpec()), "renderer"),
      keys: benchKeys(),
      createPacer: (rate) => calls.wrap(tokenBucketPacer(rate), "pacer"),
    };

    let peakRss = process.memoryUsage.rss();
    const rssTimer = setInterval(() => {
      peakRss = Math.max(peakRss, process.memoryUsage.rss());
    }, 50);
    const s0 = performance.now();
    const composed = await composeEdition(deps, BENCH_DAY);
    const s1 = performance.now();
    if (composed.kind !== "edition") throw new Error(`compose: ${composed.kind}`);
    const stopProfile = opts.profile ? await startProfile() : null;
    const elu0 = performance.eventLoopUtilization();
    const cpu0 = process.cpuUsage();
    const summary = await deliverEdition(deps, composed.edition);
    const s2 = performance.now();
    const cpu = process.cpuUsage(cpu0);
    const elu = performance.eventLoopUtilization(elu0);
    const profile = stopProfile
      ? await stopProfile(typeof opts.profile === "string" ? opts.profile : null, "deliver")
      : null;
    clearInterval(rssTimer);
    peakRss = Math.max(peakRss, process.memoryUsage.rss());

    const received = await services.received();
    const deliverMs = s2 - s1;
    const msgPerSec = (summary.sent * 1000) / deliverMs;
    return {
      services: services.mode,
      subscribers: opts.subscribers,
      rate: opts.rate,
      concurrency: config.sendConcurrency,
      stories: composed.edition.stories.length,
      setup: {
        insertMs: Math.round(insertMs),
        insertPerSec: round((opts.subscribers * 1000) / insertMs, 0),
        importMs: Math.round(importMs),
      },
      composeMs: round(s1 - s0, 1),
      deliverMs: round(deliverMs, 1),
      wallMs: round(s2 - s0, 1),
      sent: summary.sent,
      msgPerSec: round(msgPerSec, 1),
      ratePct: round((msgPerSec / opts.rate) * 100, 1),
      summary,
      received,
      duplicates: received.duplicateRecipients,
      peakRssMb: round(peakRss / 2 ** 20, 1),
      maxRssMb: round((process.resourceUsage().maxRSS * 1024) / 2 ** 20, 1),
      servicesMaxRssMb: received.maxRssBytes === null ? null : round(received.maxRssBytes / 2 ** 20, 1),
      eventLoopUtilization: round(elu.utilization, 3),
      cpuCores: round((cpu.user + cpu.system) / 1000 / deliverMs, 3),
      calls: calls.summary(),
      profile,
    };
  } finally {
    dynamo?.destroy();
    mailer?.client.destroy();
    await services?.close();
    await rm(dir, { recursive: true, force: true });
  }
}

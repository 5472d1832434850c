/**
 * Stage 3: an end-to-end local send. dynalite (temp dir) and the SESv2 endpoint (MaxSendRate enforced,
 * seeded fault injection), tables created, N active subscribers written through DynamoSubscriberStore,
 * 20 stories imported through DynamoStoryStore; then composeEdition + deliverEdition with the real
 * adapters, wired like functions/local/runtime.ts does (outbox off). Every adapter call is timed to
 * show where the time goes; the endpoint counts messages per recipient, so lost and duplicated
 * recipients are counted, not assumed.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import type { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { documentClientOver } from "../functions/adapters/dynamo/client.js";
import { createTables } from "../functions/adapters/dynamo/create-tables.js";
import { DynamoEditionStore } from "../functions/adapters/dynamo/edition-store.js";
import { DynamoSendLedger } from "../functions/adapters/dynamo/send-ledger.js";
import { DynamoStoryStore } from "../functions/adapters/dynamo/story-store.js";
import { DynamoSubscriberStore } from "../functions/adapters/dynamo/subscriber-store.js";
import { DynamoSuppressionStore } from "../functions/adapters/dynamo/suppression-store.js";
import { LocalQueue } from "../functions/adapters/local-queue.js";
import { tableNamesFromEnv } from "../functions/adapters/schema.js";
import { SesMailer } from "../functions/adapters/ses-mailer.js";
import type { QueueRunDeps } from "../functions/core/delivery/queue-run.js";
import { deliverEdition } from "../functions/core/delivery/send-edition.js";
import type { SendSummary } from "../functions/core/delivery/send-summary.js";
import { tokenBucketPacer } from "../functions/core/delivery/token-bucket.js";
import { composeEdition } from "../functions/core/edition/compose.js";
import { createRenderer } from "../functions/core/edition/render.js";
import type { DigestConfig } from "../functions/core/kernel/config.js";
import { loadTemplateSpec } from "../functions/local/template-loader.js";
import { BENCH_DAY, benchKeys, benchStories, benchSubscriberStream } from "./fixtures.js";
import { type ProfileSummary, startProfile } from "./profile.js";
import {
  type BenchServices,
  LOCAL_CREDENTIALS,
  localDynamoClient,
  type Received,
  type ServicesMode,
  startServices,
} from "./services.js";
import { CallRecorder, type CallStats, round } from "./stats.js";

/** What GetAccount reports when the endpoint has no MaxSendRate (functions/local/ses-endpoint.ts). */
export const UNLIMITED_REPORTED_RATE = 1000;

export interface SendOptions {
  subscribers: number;
  /** The endpoint's MaxSendRate; null: none (the sender then paces to the 1000/s GetAccount reports). */
  rate: number | null;
  stories: number;
  services: ServicesMode;
  /** Injected SendEmail failures, as shares of calls. */
  faults: { throttleRate: number; serverErrorRate: number; seed: number };
  /** Profile deliverEdition; the .cpuprofile goes to this directory when it is a string. */
  profile: string | boolean;
}

export interface SendResult {
  services: ServicesMode;
  subscribers: number;
  /** The endpoint's MaxSendRate, null when unlimited (a ceiling run). */
  rate: number | null;
  faults: SendOptions["faults"];
  concurrency: number;
  stories: number;
  setup: { insertMs: number; insertPerSec: number; importMs: number };
  composeMs: number;
  deliverMs: number;
  wallMs: number;
  /** N / rate: the shortest a send paced at the rate can take, ms (null when unlimited). */
  idealMs: number | null;
  sent: number;
  /** Messages sent per second over deliverEdition. */
  msgPerSec: number;
  /** Of the rate: msgPerSec / rate (null when unlimited). */
  ratePct: number | null;
  /** Messages sent per second over the wall time (compose + deliver). */
  wallMsgPerSec: number;
  /** Of the rate, over the wall time: idealMs / wallMs (null when unlimited). */
  wallRatePct: number | null;
  /** SendEmail calls the endpoint answered per second during deliverEdition (failed ones included). */
  callsPerSec: number;
  summary: SendSummary;
  received: Received;
  /** Recipients the endpoint never accepted a message for. */
  lost: number;
  /** Recipients the endpoint accepted more than one message for. */
  duplicates: number;
  peakRssMb: number;
  maxRssMb: number;
  /** V8 heap in use by this (the sender's) thread after the send. */
  heapUsedMb: number;
  /** V8 heap in use by the services' thread after the send (inline: the same heap as the sender's). */
  servicesHeapUsedMb: number;
  servicesMaxRssMb: number | null;
  /** Event-loop utilisation of this (the sender's) thread during deliverEdition (1 = never idle). */
  eventLoopUtilization: number;
  /** Event-loop utilisation of the services' thread during compose + deliver (inline: this thread's). */
  servicesEventLoopUtilization: number;
  /** CPU time of this process during deliverEdition (all its threads), in cores. */
  cpuCores: number;
  calls: Record<string, CallStats>;
  /** CPU profile of this thread during deliverEdition, with --profile. */
  profile: ProfileSummary | null;
}

/** Runs `fn` over `items` with at most `limit` in flight. */
async function pool<T>(items: Iterator<T>, limit: number, fn: (item: T) => Promise<unknown>): Promise<void> {
  await Promise.all(
    Array.from({ length: limit }, async () => {
      for (let next = items.next(); !next.done; next = items.next()) await fn(next.value);
    }),
  );
}

export async function benchSend(config: DigestConfig, opts: SendOptions): Promise<SendResult> {
  const dir = await mkdtemp(join(tmpdir(), "digest-bench-"));
  let services: BenchServices | null = null;
  let dynamo: DynamoDBClient | null = null;
  let mailer: SesMailer | null = null;
  try {
    services = await startServices(opts.services, { dir, maxSendRate: opts.rate, faults: opts.faults });
    const region = "us-east-1";
    dynamo = localDynamoClient(services.dynamodb);
    const db = documentClientOver(dynamo);
    const tables = tableNamesFromEnv({});
    await createTables(dynamo, tables);

    // Setup, not measured as part of the send.
    const subscriberStore = new DynamoSubscriberStore(db, tables.subscribers);
    const t0 = performance.now();
    await pool(benchSubscriberStream(opts.subscribers), 32, (s) => subscriberStore.put(s));
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
    const deps: QueueRunDeps = {
      config,
      stories: calls.wrap(storyStore, "stories"),
      subscribers: calls.wrap(subscriberStore, "subscribers"),
      suppressions: calls.wrap(
        // A fixed erasure key: the bench erases nobody, it only looks addresses up.
        new DynamoSuppressionStore(db, tables.suppressions, async () => Buffer.alloc(32, 7)),
        "suppressions",
      ),
      editions: calls.wrap(new DynamoEditionStore(db, tables.editions), "editions"),
      ledger: calls.wrap(new DynamoSendLedger(db, tables.sends), "ledger"),
      mailer: calls.wrap(mailer, "mailer"),
      outbox: null,
      renderer: calls.wrap(createRenderer(await loadTemplateSpec()), "renderer"),
      keys: benchKeys(),
      createPacer: (rate) => calls.wrap(tokenBucketPacer(rate), "pacer"),
      inProcessQueue: (opts) => new LocalQueue(opts),
    };

    const before = await services.received();
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
    const heapUsed = process.memoryUsage().heapUsed;

    const received = await services.received();
    const deliverMs = s2 - s1;
    const wallMs = s2 - s0;
    const msgPerSec = (summary.sent * 1000) / deliverMs;
    const answered = (r: Received) =>
      r.stats.accepted + r.stats.throttled + r.stats.failed + r.stats.rejected;
    const idealMs = opts.rate === null ? null : (opts.subscribers * 1000) / opts.rate;
    return {
      services: services.mode,
      subscribers: opts.subscribers,
      rate: opts.rate,
      faults: opts.faults,
      concurrency: config.sendConcurrency,
      stories: composed.edition.stories.length,
      setup: {
        insertMs: Math.round(insertMs),
        insertPerSec: round((opts.subscribers * 1000) / insertMs, 0),
        importMs: Math.round(importMs),
      },
      composeMs: round(s1 - s0, 1),
      deliverMs: round(deliverMs, 1),
      wallMs: round(wallMs, 1),
      idealMs: idealMs === null ? null : round(idealMs, 1),
      sent: summary.sent,
      msgPerSec: round(msgPerSec, 1),
      ratePct: opts.rate === null ? null : round((msgPerSec / opts.rate) * 100, 1),
      wallMsgPerSec: round((summary.sent * 1000) / wallMs, 1),
      wallRatePct: idealMs === null ? null : round((idealMs / wallMs) * 100, 1),
      callsPerSec: round(((answered(received) - answered(before)) * 1000) / deliverMs, 1),
      summary,
      received,
      lost: opts.subscribers - received.recipients,
      duplicates: received.duplicateRecipients,
      peakRssMb: round(peakRss / 2 ** 20, 1),
      maxRssMb: round((process.resourceUsage().maxRSS * 1024) / 2 ** 20, 1),
      heapUsedMb: round(heapUsed / 2 ** 20, 1),
      servicesHeapUsedMb: round(received.heapUsedBytes / 2 ** 20, 1),
      servicesMaxRssMb: received.maxRssBytes === null ? null : round(received.maxRssBytes / 2 ** 20, 1),
      eventLoopUtilization: round(elu.utilization, 3),
      servicesEventLoopUtilization: round(
        (received.eventLoop.active - before.eventLoop.active) /
          Math.max(
            1e-9,
            received.eventLoop.active +
              received.eventLoop.idle -
              before.eventLoop.active -
              before.eventLoop.idle,
          ),
        3,
      ),
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

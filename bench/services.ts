/**
 * The local services of the send bench: dynalite (persisted in a temp dir, as `digest` runs it) and the
 * SESv2 endpoint with the bench's MaxSendRate and injected faults. Three placements:
 *
 *   thread  a worker thread of this process, as `digest` runs them (functions/local/services-thread.ts)
 *   inline  this thread, sharing the sender's event loop (how `digest` ran them before)
 *   child   a child process (bench/services-child.ts)
 *
 * The endpoint counts accepted messages per recipient (functions/local/service-host.ts), so
 * duplicates and lost recipients are seen without holding every message in memory.
 */
import { fork } from "node:child_process";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import {
  type ReceivedCounts,
  type ServiceHostOptions,
  type ServiceReport,
  startServiceHost,
} from "../functions/local/service-host.js";
import { startServicesThread } from "../functions/local/services-thread.js";
import type { SesEndpoint } from "../functions/local/ses-endpoint.js";

export type ServicesMode = "thread" | "inline" | "child";

/** The credentials the bench's clients sign with, as `digest` signs for its embedded services. */
export const LOCAL_CREDENTIALS = { accessKeyId: "local", secretAccessKey: "local" };

/** A DynamoDB client on the embedded dynalite, made as the CLI makes it (functions/local/runtime.ts). */
export function localDynamoClient(endpoint: string): DynamoDBClient {
  return new DynamoDBClient({
    region: "us-east-1",
    credentials: LOCAL_CREDENTIALS,
    maxAttempts: 5,
    endpoint,
  });
}
export const SERVICES_MODES: readonly ServicesMode[] = ["thread", "inline", "child"];

export interface Received extends ReceivedCounts {
  stats: SesEndpoint["stats"];
  /** Peak RSS of the process running the services, bytes (child mode only; else null). */
  maxRssBytes: number | null;
  /** V8 heap in use by the services' thread, bytes (inline: this thread's, sender included). */
  heapUsedBytes: number;
  /** The services' event loop since it started, ms busy and idle (inline: this thread's). */
  eventLoop: { active: number; idle: number };
}

export interface BenchServices {
  mode: ServicesMode;
  dynamodb: string;
  sesv2: string;
  /** Counts so far. */
  received(): Promise<Received>;
  close(): Promise<void>;
}

export interface ServiceOptions {
  dir: string;
  /** The endpoint's MaxSendRate; null: unlimited (GetAccount then reports 1000/s). */
  maxSendRate: number | null;
  /** Injected SendEmail faults, shares of all calls (seeded). */
  faults: { throttleRate: number; serverErrorRate: number; seed: number };
}

export function hostOptions(opts: ServiceOptions): ServiceHostOptions {
  return {
    dynamodbPath: join(opts.dir, "dynamodb"),
    ses: {
      ...(opts.maxSendRate === null ? {} : { maxSendRate: opts.maxSendRate }),
      faults: opts.faults,
      // A 100,000-recipient run must not hit the endpoint's own daily quota.
      max24HourSend: 10_000_000,
    },
    countRecipients: true,
  };
}

function received(report: ServiceReport, maxRssBytes: number | null): Received {
  if (!report.ses || !report.received) throw new Error("services report without SES counts");
  return {
    ...report.received,
    stats: report.ses,
    maxRssBytes,
    heapUsedBytes: report.memory.heapUsedBytes,
    eventLoop: report.eventLoop,
  };
}

export async function startServices(mode: ServicesMode, opts: ServiceOptions): Promise<BenchServices> {
  if (mode === "child") return startChildServices(opts);
  const host =
    mode === "thread"
      ? await startServicesThread(hostOptions(opts))
      : await startServiceHost(hostOptions(opts));
  if (!host.dynamodb || !host.sesv2) throw new Error("services did not start");
  return {
    mode,
    dynamodb: host.dynamodb,
    sesv2: host.sesv2,
    received: async () => received(await host.report(), null),
    close: () => host.close(),
  };
}

/** Messages between this process and bench/services-child.ts. */
export type ChildRequest = { type: "received" } | { type: "close" };
export type ChildReply =
  | { type: "ready"; dynamodb: string; sesv2: string }
  | { type: "received"; report: ServiceReport }
  | { type: "closed" }
  | { type: "error"; message: string };

async function startChildServices(opts: ServiceOptions): Promise<BenchServices> {
  const script = join(fileURLToPath(new URL(".", import.meta.url)), "services-child.ts");
  const child = fork(script, [JSON.stringify(hostOptions(opts))], {
    execArgv: ["--import", "tsx"],
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
  const next = (type: ChildReply["type"]) =>
    new Promise<ChildReply>((resolve, reject) => {
      const onMessage = (msg: ChildReply) => {
        if (msg.type !== type && msg.type !== "error") return;
        cleanup();
        if (msg.type === "error") reject(new Error(`services child: ${msg.message}`));
        else resolve(msg);
      };
      const onExit = (code: number | null) => {
        cleanup();
        reject(new Error(`services child exited (${code}) before "${type}"`));
      };
      const cleanup = () => {
        child.off("message", onMessage);
        child.off("exit", onExit);
      };
      child.on("message", onMessage);
      child.once("exit", onExit);
    });
  const ready = await next("ready");
  if (ready.type !== "ready") throw new Error("services child: unexpected reply");
  const request = (msg: ChildRequest) => child.send(msg);
  return {
    mode: "child",
    dynamodb: ready.dynamodb,
    sesv2: ready.sesv2,
    async received() {
      const reply = next("received");
      request({ type: "received" });
      const msg = await reply;
      if (msg.type !== "received") throw new Error("services child: unexpected reply");
      return received(msg.report, msg.report.memory.maxRssBytes);
    },
    async close() {
      if (child.exitCode !== null) return;
      const closed = next("closed").catch(() => undefined);
      request({ type: "close" });
      await closed;
      if (child.exitCode === null) {
        await new Promise<void>((r) => {
          const t = setTimeout(() => {
            child.kill();
            r();
          }, 5000);
          child.once("exit", () => {
            clearTimeout(t);
            r();
          });
        });
      }
    },
  };
}

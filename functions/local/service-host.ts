import type { Server } from "node:http";
import { performance } from "node:perf_hooks";
import dynalite from "dynalite";
import { guardServer, type ServiceCredential } from "./service-guard.js";
import { type SesEndpoint, type SesEndpointOptions, startSesEndpoint } from "./ses-endpoint.js";

/**
 * The embedded services, run by whichever thread calls `startServiceHost`: dynalite (persisted under a
 * directory) and the SESv2 endpoint, each on 127.0.0.1. `digest` runs them on a worker thread of their
 * own (services-thread.ts, services-worker.ts), so the sender's event loop is not theirs; the bench
 * can also run them inline for comparison.
 */

export interface ServiceHostOptions {
  /** dynalite's data directory; null starts no DynamoDB. */
  dynamodbPath: string | null;
  /**
   * The SESv2 endpoint's options; null starts none. The `reject` hook is left out: a function cannot be
   * handed to another thread.
   */
  ses: Omit<SesEndpointOptions, "reject"> | null;
  /**
   * Count the accepted messages per recipient (and drop them) instead of keeping them: how the bench
   * proves "no duplicates, nobody lost" on long runs without holding every message.
   */
  countRecipients?: boolean;
  /**
   * The only credential whose signed requests both services answer (a data directory's own, see
   * services.ts); without one any signature passes. Requests from web pages are refused either way.
   */
  credential?: ServiceCredential | null;
}

/** What the services saw so far. */
export interface ServiceReport {
  /** The SES endpoint's SendEmail outcomes; null without an endpoint. */
  ses: SesEndpoint["stats"] | null;
  /** With `countRecipients`: accepted messages by recipient. */
  received: ReceivedCounts | null;
  /** Memory of the host: `rssBytes` and `maxRssBytes` are process-wide, `heapUsedBytes` this thread's. */
  memory: { rssBytes: number; maxRssBytes: number; heapUsedBytes: number };
  /**
   * The host thread's event loop since it started, ms busy and ms idle (performance.eventLoopUtilization):
   * two reports give its utilisation in between.
   */
  eventLoop: { active: number; idle: number };
}

export interface ReceivedCounts {
  /** Messages the endpoint accepted. */
  messages: number;
  /** Distinct recipients among them. */
  recipients: number;
  /** Recipients who received more than one message. */
  duplicateRecipients: number;
  /** Messages beyond the first per recipient. */
  extraMessages: number;
}

export interface ServiceHost {
  dynamodb: string | null;
  sesv2: string | null;
  report(): Promise<ServiceReport>;
  close(): Promise<void>;
}

/** Counts destinations of drained messages, keeping one number per recipient. */
export class RecipientCounter {
  private readonly perRecipient = new Map<string, number>();
  private messages = 0;

  drain(ses: Pick<SesEndpoint, "messages">): void {
    for (const m of ses.messages.splice(0)) {
      this.messages++;
      for (const d of m.destinations) {
        const key = d.toLowerCase();
        this.perRecipient.set(key, (this.perRecipient.get(key) ?? 0) + 1);
      }
    }
  }

  counts(): ReceivedCounts {
    let duplicateRecipients = 0;
    let extraMessages = 0;
    for (const n of this.perRecipient.values()) {
      if (n > 1) {
        duplicateRecipients++;
        extraMessages += n - 1;
      }
    }
    return {
      messages: this.messages,
      recipients: this.perRecipient.size,
      duplicateRecipients,
      extraMessages,
    };
  }
}

export function listen(server: Server): Promise<string> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      server.off("error", reject);
      const address = server.address();
      if (!address || typeof address === "string") return reject(new Error("no address"));
      resolve(`http://127.0.0.1:${address.port}`);
    });
  });
}

export async function startServiceHost(opts: ServiceHostOptions): Promise<ServiceHost> {
  let db: Server | null = null;
  let ses: SesEndpoint | null = null;
  let timer: NodeJS.Timeout | null = null;
  const closeAll = async () => {
    if (timer) clearInterval(timer);
    await ses?.close();
    const server = db;
    if (server) await new Promise<void>((r) => server.close(() => r()));
  };
  try {
    let dynamodb: string | null = null;
    if (opts.dynamodbPath !== null) {
      db = dynalite({
        path: opts.dynamodbPath,
        createTableMs: 0,
        deleteTableMs: 0,
        updateTableMs: 0,
      }) as Server;
      guardServer(db, opts.credential ?? null);
      dynamodb = await listen(db);
    }
    const counter = opts.countRecipients ? new RecipientCounter() : null;
    if (opts.ses !== null) {
      // Counting drains the kept messages every 100 ms, so they must be kept until then.
      ses = await startSesEndpoint(counter ? { ...opts.ses, retainMessages: undefined } : opts.ses);
      guardServer(ses.server, opts.credential ?? null);
      const endpoint = ses;
      if (counter) timer = setInterval(() => counter.drain(endpoint), 100);
    }
    const endpoint = ses;
    let closing: Promise<void> | null = null;
    return {
      dynamodb,
      sesv2: ses?.url ?? null,
      async report() {
        if (counter && endpoint) counter.drain(endpoint);
        const memory = process.memoryUsage();
        const elu = performance.eventLoopUtilization();
        return {
          ses: endpoint ? { ...endpoint.stats } : null,
          received: counter ? counter.counts() : null,
          memory: {
            rssBytes: memory.rss,
            maxRssBytes: process.resourceUsage().maxRSS * 1024,
            heapUsedBytes: memory.heapUsed,
          },
          eventLoop: { active: elu.active, idle: elu.idle },
        };
      },
      close() {
        closing ??= closeAll();
        return closing;
      },
    };
  } catch (err) {
    await closeAll().catch(() => undefined);
    throw err;
  }
}

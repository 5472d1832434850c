/**
 * The local services of the send bench: dynalite (persisted in a temp dir, as `digest` runs it) and the
 * SESv2 endpoint. Either in this process (as a `digest send` that owns its data directory runs them) or
 * in a child process (bench/services-child.ts), which gives them a core of their own.
 *
 * The endpoint keeps every accepted message; a timer drains that list and counts the messages per
 * recipient, so duplicates are seen without holding every message in memory.
 */
import { fork } from "node:child_process";
import type { Server } from "node:http";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import dynalite from "dynalite";
import { type SesEndpoint, startSesEndpoint } from "../functions/local/ses-endpoint.js";

export interface ReceivedCounts {
  /** Messages the endpoint accepted. */
  messages: number;
  /** Distinct recipients among them. */
  recipients: number;
  /** Recipients who received more than one message. */
  duplicateRecipients: number;
  /** Messages beyond the first per recipient. */
  extraMessages: number;
  stats: SesEndpoint["stats"];
  /** Peak RSS of the process running the services, bytes (child mode only; else null). */
  maxRssBytes: number | null;
}

export interface BenchServices {
  mode: "inline" | "child";
  dynamodb: string;
  sesv2: string;
  /** Counts so far (drains the endpoint's message list first). */
  received(): Promise<ReceivedCounts>;
  close(): Promise<void>;
}

export interface ServiceOptions {
  dir: string;
  maxSendRate: number;
}

/** Counts destinations of drained messages. */
export class RecipientCounter {
  private readonly perRecipient = new Map<string, number>();
  private messages = 0;

  drain(ses: SesEndpoint): void {
    for (const m of ses.messages.splice(0)) {
      this.messages++;
      for (const d of m.destinations) {
        const key = d.toLowerCase();
        this.perRecipient.set(key, (this.perRecipient.get(key) ?? 0) + 1);
      }
    }
  }

  counts(ses: SesEndpoint, maxRssBytes: number | null): ReceivedCounts {
    this.drain(ses);
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
      stats: { ...ses.stats },
      maxRssBytes,
    };
  }
}

export async function startInlineServices(opts: ServiceOptions): Promise<BenchServices> {
  const db = dynalite({
    path: join(opts.dir, "dynamodb"),
    createTableMs: 0,
    deleteTableMs: 0,
    updateTableMs: 0,
  }) as Server;
  const dynamodb = await listen(db);
  const ses = await startSesEndpoint({ maxSendRate: opts.maxSendRate });
  const counter = new RecipientCounter();
  const timer = setInterval(() => counter.drain(ses), 100);
  return {
    mode: "inline",
    dynamodb,
    sesv2: ses.url,
    received: async () => counter.counts(ses, null),
    async close() {
      clearInterval(timer);
      await ses.close();
      await new Promise<void>((r) => db.close(() => r()));
    },
  };
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

/** Messages between this process and bench/services-child.ts. */
export type ChildRequest = { type: "received" } | { type: "close" };
export type ChildReply =
  | { type: "ready"; dynamodb: string; sesv2: string }
  | { type: "received"; counts: ReceivedCounts }
  | { type: "closed" }
  | { type: "error"; message: string };

export async function startChildServices(opts: ServiceOptions): Promise<BenchServices> {
  const script = join(fileURLToPath(new URL(".", import.meta.url)), "services-child.ts");
  const child = fork(script, [opts.dir, String(opts.maxSendRate)], {
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
      return msg.counts;
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

import { Worker } from "node:worker_threads";
import type { ServiceHost, ServiceHostOptions, ServiceReport } from "./service-host.js";

/**
 * Runs the embedded services (service-host.ts) on a worker thread of this process, so dynalite and the
 * SESv2 endpoint get a core of their own while the sender (SDK clients, MIME building) keeps the main
 * event loop. A thread, not a child process: it lives and dies with its process, so services.json's
 * `pid` still names whoever serves, and a killed owner leaves nothing running behind it.
 */

/** Parent → worker. */
export type ToServicesWorker = { type: "report"; id: number } | { type: "close" };
/** Worker → parent. */
export type FromServicesWorker =
  | { type: "ready"; dynamodb: string | null; sesv2: string | null }
  | { type: "report"; id: number; report: ServiceReport }
  | { type: "closed" }
  | { type: "error"; message: string };

export interface ServicesThreadOptions {
  /** Called once if the thread stops without being closed (an uncaught error in it). */
  onUnexpectedExit?: (err: Error) => void;
  /** How long close() waits for the services to shut down before terminating the thread. Default 5 s. */
  closeTimeoutMs?: number;
}

/**
 * The worker's entry. Run from TypeScript sources (tsx), a worker does not inherit the tsx loader of
 * its parent on Node 20, so it registers tsx before importing the entry; compiled, it starts directly.
 */
function spawn(opts: ServiceHostOptions): Worker {
  const fromSources = import.meta.url.endsWith(".ts");
  const entry = new URL(fromSources ? "./services-worker.ts" : "./services-worker.js", import.meta.url);
  if (!fromSources) return new Worker(entry, { workerData: opts });
  const tsx = import.meta.resolve("tsx/esm/api");
  const boot = `import(${JSON.stringify(tsx)}).then((m) => { m.register(); return import(${JSON.stringify(entry.href)}); })`;
  return new Worker(boot, { eval: true, workerData: opts });
}

export async function startServicesThread(
  opts: ServiceHostOptions,
  threadOpts: ServicesThreadOptions = {},
): Promise<ServiceHost> {
  const worker = spawn(opts);
  let exited = false;
  let closing = false;
  let failure: Error | null = null;
  const waiting = new Set<{ reject(err: Error): void }>();
  worker.on("error", (err) => {
    failure ??= err;
  });
  worker.once("exit", (code) => {
    exited = true;
    const err = failure ?? new Error(`the embedded services thread stopped (exit code ${code})`);
    for (const w of waiting) w.reject(err);
    waiting.clear();
    if (!closing) threadOpts.onUnexpectedExit?.(err);
  });

  /** The next message of `type` from the worker (an "error" message or the thread's exit rejects). */
  const next = <T extends FromServicesWorker["type"]>(
    type: T,
    match: (msg: Extract<FromServicesWorker, { type: T }>) => boolean = () => true,
  ) =>
    new Promise<Extract<FromServicesWorker, { type: T }>>((resolve, reject) => {
      const entry = {
        reject: (err: Error) => {
          worker.off("message", onMessage);
          waiting.delete(entry);
          reject(err);
        },
      };
      const onMessage = (msg: FromServicesWorker) => {
        if (msg.type === "error") return entry.reject(new Error(`embedded services: ${msg.message}`));
        if (msg.type !== type || !match(msg as Extract<FromServicesWorker, { type: T }>)) return;
        worker.off("message", onMessage);
        waiting.delete(entry);
        resolve(msg as Extract<FromServicesWorker, { type: T }>);
      };
      if (exited) return reject(failure ?? new Error("the embedded services thread is not running"));
      waiting.add(entry);
      worker.on("message", onMessage);
    });

  const post = (msg: ToServicesWorker) => worker.postMessage(msg);
  let ready: Extract<FromServicesWorker, { type: "ready" }>;
  try {
    ready = await next("ready");
  } catch (err) {
    closing = true;
    await worker.terminate();
    throw err;
  }
  let reports = 0;
  let closed: Promise<void> | null = null;
  return {
    dynamodb: ready.dynamodb,
    sesv2: ready.sesv2,
    async report() {
      const id = ++reports;
      const reply = next("report", (m) => m.id === id);
      post({ type: "report", id });
      return (await reply).report;
    },
    close() {
      closed ??= (async () => {
        closing = true;
        if (exited) return;
        const done = next("closed").then(
          () => true,
          () => false,
        );
        post({ type: "close" });
        const timeout = new Promise<boolean>((r) =>
          setTimeout(() => r(false), threadOpts.closeTimeoutMs ?? 5000).unref(),
        );
        await Promise.race([done, timeout]);
        if (!exited) await worker.terminate();
      })();
      return closed;
    },
  };
}

import { randomBytes } from "node:crypto";
import { readFileSync, rmSync } from "node:fs";
import { chmod, mkdir, open, readFile, rm, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import type { ServiceCredential } from "./service-guard.js";
import type { ServiceHost, ServiceHostOptions } from "./service-host.js";
import { isAlive, otherUsers, takeLease, waitForOtherUsers } from "./service-users.js";
import { startServicesThread } from "./services-thread.js";

/**
 * The embedded services of a data directory: dynalite (persisted under it) and the SESv2 endpoint, both
 * on 127.0.0.1, run by the process that owns them on a worker thread of its own (services-thread.ts),
 * so they do not share the sender's event loop. dynalite locks its directory, so the first process owns
 * them and publishes their endpoints (and its own pid) in services.json; later processes on the same
 * directory reuse them, each under a lease (service-users.ts). The owner, asked to close, keeps the
 * services up until no live process holds a lease, then removes services.json, stops them and removes
 * services.lock; when it exits without closing, its files go with it; a killed owner's files are taken
 * over by the next process.
 *
 * The services answer only requests signed with the directory's own credential (services-credential.json,
 * generated once) and never a web page (service-guard.ts); that file and services.json are readable by
 * their owner only, so another user, or a page that finds the port, gets nothing.
 */

export interface ServiceEndpoints {
  dynamodb: string;
  sesv2: string;
  pid: number;
}

export interface EmbeddedServices {
  endpoints: { dynamodb: string | null; sesv2: string | null };
  /** The credential the embedded services accept; null when none is used. */
  credentials: ServiceCredential | null;
  /** True when this process started the services (and must keep running for others to use them). */
  owned: boolean;
  close(): Promise<void>;
}

async function reachable(url: string): Promise<boolean> {
  try {
    const res = await fetch(url, { method: "GET", signal: AbortSignal.timeout(1500) });
    await res.arrayBuffer();
    return true;
  } catch {
    return false;
  }
}

async function readEndpoints(file: string): Promise<ServiceEndpoints | null> {
  try {
    return JSON.parse(await readFile(file, "utf8")) as ServiceEndpoints;
  } catch {
    return null;
  }
}

/** Owner-only: the services' files name a port and a credential. */
const PRIVATE = 0o600;

/**
 * The data directory's own credential for its embedded services: generated once (random, like an AWS
 * access key pair) into services-credential.json, readable by the owner only, then read by every
 * `digest` process on the directory.
 */
export async function servicesCredential(home: string): Promise<ServiceCredential> {
  const file = join(home, "services-credential.json");
  const read = async () => JSON.parse(await readFile(file, "utf8")) as ServiceCredential;
  try {
    return await read();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw err;
  }
  const credential: ServiceCredential = {
    accessKeyId: `DIGEST${randomBytes(10).toString("hex").toUpperCase()}`,
    secretAccessKey: randomBytes(30).toString("base64url"),
  };
  try {
    await writeFile(file, `${JSON.stringify(credential, null, 2)}\n`, { flag: "wx", mode: PRIVATE });
  } catch (err) {
    // Another process created it first: use theirs.
    if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
    return read();
  }
  return credential;
}

/**
 * Starts (or joins) the embedded services for `home`. `need` says which are wanted: a service whose
 * endpoint is configured elsewhere (AWS_ENDPOINT_URL_*) is not started.
 */
export async function openEmbeddedServices(
  home: string,
  need: { dynamodb: boolean; sesv2: boolean },
  opts: {
    mode?: ServicesMode;
    /** Where the owner says that it waits for other processes before stopping; default stderr. */
    onWait?: (line: string) => void;
    /**
     * This process exits when it is done with the services (a `digest` command): joined, it counts as
     * their user until it is gone, not only until close() (service-users.ts, untilGone).
     */
    untilExit?: boolean;
  } = {},
): Promise<EmbeddedServices> {
  if (!need.dynamodb && !need.sesv2) {
    return {
      endpoints: { dynamodb: null, sesv2: null },
      credentials: null,
      owned: false,
      close: async () => {},
    };
  }
  const mode = opts.mode ?? servicesModeFromEnv();
  await mkdir(home, { recursive: true, mode: 0o700 });
  const credentials = await servicesCredential(home);
  const file = join(home, "services.json");
  const lock = join(home, "services.lock");
  const onWait = opts.onWait ?? ((line: string) => process.stderr.write(`digest: ${line}\n`));
  // Taken before looking at services.json: an owner that unpublishes sees it and waits (see close()).
  const lease = await takeLease(home, { untilGone: opts.untilExit });
  try {
    const joined = await joinOrOwn(file, lock, need, credentials, async () => {
      await lease.release();
      return startOwned(home, file, lock, mode, need, credentials, onWait);
    });
    if (joined.owned) return joined;
    return { ...joined, close: () => lease.end() };
  } catch (err) {
    await lease.release();
    throw err;
  }
}

/** Joins the published services of `home`, or (when nobody holds the lock) becomes their owner. */
async function joinOrOwn(
  file: string,
  lock: string,
  need: { dynamodb: boolean; sesv2: boolean },
  credentials: ServiceCredential,
  own: () => Promise<EmbeddedServices>,
): Promise<EmbeddedServices> {
  for (let attempt = 0; attempt < 100; attempt++) {
    let handle: Awaited<ReturnType<typeof open>> | null = null;
    try {
      handle = await open(lock, "wx", PRIVATE);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
    }
    if (handle) {
      await handle.writeFile(String(process.pid));
      await handle.close();
      return own();
    }
    const ownerPid = Number((await readFile(lock, "utf8").catch(() => "")) || Number.NaN);
    const published = await readEndpoints(file);
    if (published && published.pid === ownerPid && isAlive(ownerPid)) {
      if ((await reachable(published.dynamodb)) && (await reachable(published.sesv2))) {
        return {
          endpoints: {
            dynamodb: need.dynamodb ? published.dynamodb : null,
            sesv2: need.sesv2 ? published.sesv2 : null,
          },
          credentials,
          owned: false,
          close: async () => {},
        };
      }
    }
    if (Number.isFinite(ownerPid) && !isAlive(ownerPid)) {
      // The owner died without cleaning up (killed): take over.
      await rm(file, { force: true });
      await rm(lock, { force: true });
      continue;
    }
    // The owner is alive but still starting up, or stopping its services.
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(
    `the data directory ${dirname(file)} is held by another digest process that does not answer`,
  );
}

/** How the owner runs its services: on a worker thread (default) or on the main thread. */
export type ServicesMode = "thread" | "inline";

/** DIGEST_EMBEDDED_SERVICES=inline keeps the services on the main thread (as before the thread). */
export function servicesModeFromEnv(env: NodeJS.ProcessEnv = process.env): ServicesMode {
  const value = env.DIGEST_EMBEDDED_SERVICES;
  if (value === undefined || value === "" || value === "thread") return "thread";
  if (value === "inline") return "inline";
  throw new Error(`DIGEST_EMBEDDED_SERVICES: expected "thread" or "inline", got "${value}"`);
}

async function startOwned(
  home: string,
  file: string,
  lock: string,
  mode: ServicesMode,
  need: { dynamodb: boolean; sesv2: boolean },
  credentials: ServiceCredential,
  onWait: (line: string) => void,
): Promise<EmbeddedServices> {
  const options: ServiceHostOptions = {
    dynamodbPath: join(home, "dynamodb"),
    ses: { retainMessages: 0 },
    credential: credentials,
  };
  // Only while they are still ours (after a crash of the thread another process may have taken over).
  const ours = () => {
    try {
      return readFileSync(lock, "utf8") === String(process.pid);
    } catch {
      return false;
    }
  };
  const removeFiles = () => {
    if (!ours()) return;
    rmSync(file, { force: true });
    rmSync(lock, { force: true });
  };
  // process.exit() and a normal exit skip close(): still leave no files behind. (A kill leaves them;
  // the next process takes over, see openEmbeddedServices.)
  process.on("exit", removeFiles);
  let host: ServiceHost | null = null;
  try {
    host =
      mode === "inline"
        ? await (await import("./service-host.js")).startServiceHost(options)
        : await startServicesThread(options, {
            onUnexpectedExit(err) {
              removeFiles();
              process.stderr.write(`digest: the embedded services stopped: ${err.message}\n`);
            },
          });
    const { dynamodb, sesv2 } = host;
    if (!dynamodb || !sesv2) throw new Error("the embedded services did not start");
    const endpoints: ServiceEndpoints = { dynamodb, sesv2, pid: process.pid };
    const publish = async () => {
      await writeFile(file, `${JSON.stringify(endpoints, null, 2)}\n`, { mode: PRIVATE });
      await chmod(file, PRIVATE);
    };
    await publish();
    const owned = host;
    let closing: Promise<void> | null = null;
    return {
      // Both run for every process on the directory; this one uses only those it needs.
      endpoints: { dynamodb: need.dynamodb ? dynamodb : null, sesv2: need.sesv2 ? sesv2 : null },
      credentials,
      owned: true,
      close() {
        closing ??= (async () => {
          // Other processes finish their work first. Then services.json goes (nobody new joins), and
          // one more look catches a process that took its lease just before: publish again, wait again.
          for (;;) {
            const everyoneDone = await waitForOtherUsers(home, onWait);
            if (ours()) rmSync(file, { force: true });
            if (!everyoneDone || (await otherUsers(home)).length === 0) break;
            await publish();
          }
          process.off("exit", removeFiles);
          await owned.close();
          if (ours()) rmSync(lock, { force: true });
        })();
        return closing;
      },
    };
  } catch (err) {
    process.off("exit", removeFiles);
    await host?.close().catch(() => undefined);
    await rm(lock, { force: true });
    throw err;
  }
}

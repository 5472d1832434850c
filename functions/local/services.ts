import { mkdir, open, readFile, rm, writeFile } from "node:fs/promises";
import type { Server } from "node:http";
import { join } from "node:path";
import dynalite from "dynalite";
import { type SesEndpoint, startSesEndpoint } from "./ses-endpoint.js";

/**
 * The embedded services of a data directory: dynalite (in-process, persisted under it) and the SESv2
 * endpoint, both on 127.0.0.1. dynalite locks its directory, so the first process owns them and
 * publishes their endpoints in services.json; later processes on the same directory reuse them.
 */

export interface ServiceEndpoints {
  dynamodb: string;
  sesv2: string;
  pid: number;
}

export interface EmbeddedServices {
  endpoints: { dynamodb: string | null; sesv2: string | null };
  /** True when this process started the services (and must keep running for others to use them). */
  owned: boolean;
  close(): Promise<void>;
}

const isAlive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
};

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

function listen(server: Server): Promise<string> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      if (!address || typeof address === "string") return reject(new Error("no address"));
      resolve(`http://127.0.0.1:${address.port}`);
    });
  });
}

/**
 * Starts (or joins) the embedded services for `home`. `need` says which are wanted: a service whose
 * endpoint is configured elsewhere (AWS_ENDPOINT_URL_*) is not started.
 */
export async function openEmbeddedServices(
  home: string,
  need: { dynamodb: boolean; sesv2: boolean },
): Promise<EmbeddedServices> {
  if (!need.dynamodb && !need.sesv2) {
    return { endpoints: { dynamodb: null, sesv2: null }, owned: false, close: async () => {} };
  }
  await mkdir(home, { recursive: true });
  const file = join(home, "services.json");
  const lock = join(home, "services.lock");
  for (let attempt = 0; attempt < 100; attempt++) {
    let handle: Awaited<ReturnType<typeof open>> | null = null;
    try {
      handle = await open(lock, "wx");
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
    }
    if (handle) {
      await handle.writeFile(String(process.pid));
      await handle.close();
      return startOwned(home, file, lock);
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
    // The owner is alive but still starting up.
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`the data directory ${home} is held by another digest process that does not answer`);
}

async function startOwned(home: string, file: string, lock: string): Promise<EmbeddedServices> {
  const db = dynalite({
    path: join(home, "dynamodb"),
    createTableMs: 0,
    deleteTableMs: 0,
    updateTableMs: 0,
  }) as Server;
  let ses: SesEndpoint | null = null;
  try {
    const dynamodb = await listen(db);
    ses = await startSesEndpoint({ retainMessages: 0 });
    const endpoints: ServiceEndpoints = { dynamodb, sesv2: ses.url, pid: process.pid };
    await writeFile(file, `${JSON.stringify(endpoints, null, 2)}\n`);
    const sesEndpoint = ses;
    let closed = false;
    return {
      endpoints: { dynamodb, sesv2: ses.url },
      owned: true,
      async close() {
        if (closed) return;
        closed = true;
        await rm(file, { force: true });
        await rm(lock, { force: true });
        await sesEndpoint.close();
        await new Promise<void>((r) => db.close(() => r()));
      },
    };
  } catch (err) {
    await ses?.close();
    db.close();
    await rm(lock, { force: true });
    throw err;
  }
}

import { randomBytes } from "node:crypto";
import { rmSync } from "node:fs";
import { mkdir, readdir, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";

/**
 * Who uses a data directory's embedded services besides their owner: each `digest` process that joins
 * holds a lease, a file named after its pid in `services.users/`, removed when it closes or exits. The
 * owner, asked to stop, keeps the services up while a live process holds a lease; a lease whose
 * process is gone (killed) is dropped, so it holds nobody back.
 */

const USERS = "services.users";

/** True while a process with this pid runs (EPERM: it runs, as another user). */
export const isAlive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
};

export interface Lease {
  /** Gives the lease up now (a process that goes on running without the services). */
  release(): Promise<void>;
  /** What a joined process does when it stops using the services: release, or (untilGone) nothing. */
  end(): Promise<void>;
}

/**
 * Registers this process as a user of `home`'s services until `release()` or exit. With `untilGone`
 * (a `digest` command, whose process ends with its work) the lease outlives `end()` and exit: it goes
 * once the process no longer exists, which an owner waiting for it sees only after the process has
 * exited and its parent has reaped it; released on exit instead, a process slowed down after its last
 * request could still be running when the owner, done waiting, exits. The leases of processes that
 * are gone are dropped here and by owners (otherUsers).
 */
export async function takeLease(home: string, opts: { untilGone?: boolean } = {}): Promise<Lease> {
  const dir = join(home, USERS);
  await mkdir(dir, { recursive: true, mode: 0o700 });
  await otherUsers(home);
  const file = join(dir, `${process.pid}-${randomBytes(4).toString("hex")}`);
  await writeFile(file, `${process.pid}\n`, { flag: "wx", mode: 0o600 });
  const removeOnExit = () => rmSync(file, { force: true });
  if (!opts.untilGone) process.on("exit", removeOnExit);
  let released: Promise<void> | null = null;
  const release = () => {
    released ??= (async () => {
      process.off("exit", removeOnExit);
      await rm(file, { force: true });
    })();
    return released;
  };
  return { release, end: opts.untilGone ? async () => {} : release };
}

/** Pids of the other live processes holding a lease on `home`'s services; drops the leases of dead ones. */
export async function otherUsers(home: string): Promise<number[]> {
  const dir = join(home, USERS);
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return [];
    throw err;
  }
  const pids = new Set<number>();
  for (const name of names) {
    const pid = Number(name.split("-")[0]);
    // The same process's own leases: closing is its own business (it stops using them with it).
    if (!Number.isInteger(pid) || pid <= 0 || pid === process.pid) continue;
    if (isAlive(pid)) pids.add(pid);
    else await rm(join(dir, name), { force: true });
  }
  return [...pids];
}

/**
 * Resolves once no other live process holds a lease on `home`'s services, telling `onWait` whenever
 * the number it waits for changes. SIGINT or SIGTERM while waiting ends the wait early (the second
 * interrupt of a `digest serve` whose first one started the shutdown). Returns false when interrupted.
 */
export async function waitForOtherUsers(home: string, onWait: (line: string) => void): Promise<boolean> {
  let interrupted = false;
  const interrupt = () => {
    interrupted = true;
  };
  let told = 0;
  try {
    for (;;) {
      const pids = await otherUsers(home);
      if (pids.length === 0) return true;
      if (interrupted) return false;
      if (told === 0) {
        process.on("SIGINT", interrupt);
        process.on("SIGTERM", interrupt);
      }
      if (pids.length !== told) {
        told = pids.length;
        const what = told === 1 ? "1 other digest process" : `${told} other digest processes`;
        onWait(
          `waiting for ${what} using the embedded services of ${home} (pid ${pids.join(", ")}) to finish; interrupt again to stop now`,
        );
      }
      await new Promise((r) => setTimeout(r, 200));
    }
  } finally {
    process.off("SIGINT", interrupt);
    process.off("SIGTERM", interrupt);
  }
}

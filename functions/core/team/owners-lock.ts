import { randomUUID } from "node:crypto";
import type { TeamStore } from "./ports.js";

/**
 * Changes that may leave the team without an owner (demoting or removing an owner) run one at a time:
 * each checks "is this the last owner?" and then writes, and two such changes side by side (two owners
 * demoting each other) would both pass the check. DynamoDB has no lock across items, so the team
 * table holds one (TeamStore.lockOwners: a conditional write with an expiry, so a crashed holder
 * frees it after LEASE_MS).
 */

const LEASE_MS = 15_000;
/** How long a change waits for another to finish before it is refused as busy. */
const WAIT_MS = 10_000;
const RETRY_MS = 50;

export type OwnersBusy = { outcome: "conflict"; error: string };

export async function whileOwnersLocked<T>(
  team: TeamStore,
  change: () => Promise<T>,
  clock: () => Date = () => new Date(),
): Promise<T | OwnersBusy> {
  const holder = randomUUID();
  const giveUpAt = clock().getTime() + WAIT_MS;
  for (;;) {
    const now = clock();
    if (await team.lockOwners(holder, now, new Date(now.getTime() + LEASE_MS))) break;
    if (now.getTime() >= giveUpAt)
      return { outcome: "conflict", error: "another change to the team's owners is under way: try again" };
    await new Promise((resolve) => setTimeout(resolve, RETRY_MS));
  }
  try {
    return await change();
  } finally {
    await team.unlockOwners(holder);
  }
}

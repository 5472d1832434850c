import type { ApprovalMode, DigestConfig } from "../kernel/config.js";
import { parseDay, zonedTimeToUtc } from "../kernel/dates.js";
import type { EditionApproval, EditionRecord, EditionStore } from "../kernel/ports.js";

/**
 * Approval of the daily edition (config `approval`): with "required" a composed edition waits in
 * "awaiting-approval" until an editor approves it; with "deadline HH:MM" it waits too, and goes out at
 * HH:MM in the newsroom's zone unless an editor holds it (then only an approval sends it). Approving
 * moves it to "sending", after which the send is the one every edition takes (compose's fan-out
 * deployed, `deliverEdition` locally). The status change is one conditional write, so an approval and
 * the deadline racing each other release the edition once.
 */

export interface ApprovalDeps {
  editions: EditionStore;
  config: Pick<DigestConfig, "approval" | "timeZone">;
  clock?: () => Date;
}

const now = (deps: { clock?: () => Date }) => (deps.clock ?? (() => new Date()))();

/** The instant `at` ("HH:MM") falls at on `day` in `timeZone`. */
export function deadlineOf(day: string, at: string, timeZone: string): Date {
  const [year, month, dayOfMonth] = parseDay(day);
  const [hour, minute] = at.split(":").map(Number);
  return zonedTimeToUtc({ year, month, day: dayOfMonth, hour, minute }, timeZone);
}

/** What an edition of `day` composed under `mode` records about its approval; undefined: it needs none. */
export function approvalFor(mode: ApprovalMode, day: string, timeZone: string): EditionApproval | undefined {
  if (mode.mode === "none") return undefined;
  if (mode.mode === "required") return { mode: "required" };
  return { mode: "deadline", deadline: deadlineOf(day, mode.at, timeZone).toISOString() };
}

/** When a waiting edition goes out by itself: its deadline unless held; null when only an approval sends it. */
export function releaseTime(edition: EditionRecord): Date | null {
  const a = edition.approval;
  if (edition.status !== "awaiting-approval" || !a?.deadline || a.heldAt) return null;
  return new Date(a.deadline);
}

export type ApprovalResult =
  | { outcome: "not-found" }
  | { outcome: "refused"; reason: string }
  | { outcome: "approved" | "held"; edition: EditionRecord };

async function changeApproval(
  deps: ApprovalDeps,
  editionId: string,
  by: string,
  action: "approve" | "hold",
): Promise<ApprovalResult> {
  const stamp = { at: now(deps).toISOString(), by };
  const changed =
    action === "approve"
      ? await deps.editions.releaseApproval(editionId, stamp)
      : await deps.editions.holdApproval(editionId, stamp);
  const edition = await deps.editions.get(editionId);
  if (!edition) return { outcome: "not-found" };
  if (!changed) {
    return {
      outcome: "refused",
      reason: `edition ${editionId} is ${edition.status}: only an edition awaiting approval can be ${action === "approve" ? "approved" : "held"}`,
    };
  }
  return { outcome: action === "approve" ? "approved" : "held", edition };
}

/**
 * An editor approves an edition awaiting approval: it becomes "sending" (the caller starts the send).
 * Refused for an edition in any other state.
 */
export function approveEdition(deps: ApprovalDeps, editionId: string, by: string): Promise<ApprovalResult> {
  return changeApproval(deps, editionId, by, "approve");
}

/** An editor holds an edition awaiting approval: its deadline no longer sends it; an approval still does. */
export function holdEdition(deps: ApprovalDeps, editionId: string, by: string): Promise<ApprovalResult> {
  return changeApproval(deps, editionId, by, "hold");
}

/** Who releases an edition whose deadline passed. */
export const DEADLINE_RELEASE = "deadline";

export type Gate =
  /** Send it now: it needed no approval, was approved, or its deadline just released it. */
  | { go: true; edition: EditionRecord }
  /** It waits; `until`: its deadline (null: until an approval). */
  | { go: false; edition: EditionRecord; until: Date | null };

/**
 * What the daily run does with the edition compose returned: an edition awaiting approval waits,
 * unless its deadline has come and no editor held it, in which case this releases it and it goes.
 * Any other edition goes on as before (the callers deal with cancelled and halted ones).
 */
export async function approvalGate(deps: ApprovalDeps, edition: EditionRecord): Promise<Gate> {
  if (edition.status !== "awaiting-approval") return { go: true, edition };
  const due = releaseTime(edition);
  if (!due || due.getTime() > now(deps).getTime()) return { go: false, edition, until: due };
  const stamp = { at: now(deps).toISOString(), by: DEADLINE_RELEASE };
  if (await deps.editions.releaseApproval(edition.editionId, stamp, { unlessHeld: true })) {
    return { go: true, edition: (await deps.editions.get(edition.editionId)) ?? edition };
  }
  // Held or approved meanwhile: whoever approved it starts its send.
  const current = (await deps.editions.get(edition.editionId)) ?? edition;
  return { go: false, edition: current, until: releaseTime(current) };
}

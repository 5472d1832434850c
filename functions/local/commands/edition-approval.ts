import type { QueueRunDeps } from "../../core/delivery/queue-run.js";
import { approvalGate, approveEdition, holdEdition } from "../../core/edition/approval.js";
import { type ApproverDirectory, requestApproval } from "../../core/edition/approval-mail.js";
import type { ComposeResult } from "../../core/edition/compose.js";
import type { EditionRecord } from "../../core/kernel/ports.js";
import { cliActor } from "../cli-audit.js";
import { CommandError, type Io, parseFlags, UsageError } from "../cli-support.js";
import type { Runtime } from "../runtime.js";
import { deliverAndReport } from "./send.js";

/**
 * Approval on the command line (config `approval`, core/edition/approval.ts): what `digest send` does
 * with an edition that waits, and `digest editions approve|hold <id>`.
 */

/** Mails the approval request when this run composed an edition that waits; says who got it. */
export async function notifyApprovers(
  io: Io,
  deps: QueueRunDeps,
  composed: Extract<ComposeResult, { kind: "edition" }>,
  team: ApproverDirectory | null = null,
): Promise<void> {
  if (!composed.composedNow || composed.edition.status !== "awaiting-approval") return;
  const { sent, failed } = await requestApproval({ ...deps, team }, composed.edition);
  if (sent.length > 0) io.err(`approval requested from ${sent.join(", ")}`);
  else if (failed.length === 0)
    io.err("approval requested from nobody: set approvalNotify (DIGEST_APPROVAL_NOTIFY)");
  for (const f of failed) io.err(`digest: the approval request to ${f.email} failed: ${f.error}`);
}

/**
 * The edition `digest send` delivers, once approval allows: at once without approval; with a deadline,
 * this process waits for it (a held edition stops waiting) unless `wait` is false; null when nothing
 * is to be sent by this run (it waits for an approval, or was approved and sent by the approver).
 */
export async function waitForApproval(
  io: Io,
  deps: QueueRunDeps,
  composed: Extract<ComposeResult, { kind: "edition" }>,
  opts: { wait: boolean; sleep?: (ms: number) => Promise<void>; team?: ApproverDirectory | null },
): Promise<EditionRecord | null> {
  await notifyApprovers(io, deps, composed, opts.team ?? null);
  const sleep = opts.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  let gate = await approvalGate(deps, composed.edition);
  while (!gate.go && gate.until && opts.wait) {
    io.err(
      `edition ${gate.edition.editionId} goes out at ${gate.until.toISOString()} unless held ` +
        `(digest editions hold ${gate.edition.editionId}); waiting`,
    );
    await sleep(Math.max(0, gate.until.getTime() - Date.now()));
    const current = await deps.editions.get(gate.edition.editionId);
    if (!current) return null;
    gate = await approvalGate(deps, current);
  }
  if (gate.go) return gate.edition;
  const id = gate.edition.editionId;
  if (gate.edition.status !== "awaiting-approval") {
    io.out(`edition ${id} is ${gate.edition.status}: its approval started the send`);
  } else if (gate.edition.approval?.heldAt) {
    io.out(`edition ${id} is held: digest editions approve ${id} sends it`);
  } else if (gate.until) {
    io.out(`edition ${id} goes out at ${gate.until.toISOString()}: rerun digest send then, or approve it`);
  } else {
    io.out(`edition ${id} awaits approval: digest editions approve ${id}`);
  }
  return null;
}

function editionIdArg(args: string[], verb: string): string {
  const { positionals } = parseFlags(args, {});
  if (positionals.length !== 1) throw new UsageError(`editions ${verb} takes one edition id`);
  return positionals[0] as string;
}

/**
 * `digest editions approve <id>`: approves an edition awaiting approval and sends it from this
 * process, as `digest send` would (with deliveryMode "local" the hourly dispatch delivers it). Exit 1
 * for an unknown edition or one not awaiting approval.
 */
export async function approveEditionCommand(rt: Runtime, io: Io, args: string[]): Promise<number> {
  const id = editionIdArg(args, "approve");
  const deps = await rt.deps();
  const result = await approveEdition(deps, id, cliActor());
  if (result.outcome === "not-found") throw new CommandError(`no edition ${id}`);
  if (result.outcome === "refused") throw new CommandError(result.reason);
  if (rt.config.deliveryMode === "local") {
    io.out(`approved edition ${id}: the hourly dispatch delivers it (digest dispatch)`);
    return 0;
  }
  io.err(`approved edition ${id}: sending`);
  return deliverAndReport(rt, io, deps, result.edition);
}

/**
 * `digest editions hold <id>`: holds an edition awaiting approval, so its deadline does not send it;
 * `digest editions approve <id>` still does. Exit 1 for an unknown edition or one not waiting.
 */
export async function holdEditionCommand(rt: Runtime, io: Io, args: string[]): Promise<number> {
  const id = editionIdArg(args, "hold");
  const result = await holdEdition(await rt.deps(), id, cliActor());
  if (result.outcome === "not-found") throw new CommandError(`no edition ${id}`);
  if (result.outcome === "refused") throw new CommandError(result.reason);
  io.out(`edition ${id} is held: nothing goes out until digest editions approve ${id}`);
  return 0;
}

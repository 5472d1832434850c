import type { EditionRecord } from "../kernel/ports.js";
import type { QueueRunDeps } from "./queue-run.js";
import { deliverEdition } from "./send-edition.js";
import type { SendSummary } from "./send-summary.js";

/**
 * What an API context carries when it sends an approved edition itself (`digest serve`: the same
 * `deliverEdition` as `digest send` and `digest editions approve`). Deployed it is absent: the api
 * function only approves, and compose's approval round (infra/triggers.ts, every minute while config
 * `approval` is not "none") fans the approved edition out as the daily schedule would have.
 */
export interface ApprovedSending {
  sendApproved(edition: EditionRecord): Promise<SendSummary>;
}

/** `ctx` that sends approved editions from this process over `deps`. */
export function withApprovedSending<C extends object>(ctx: C, deps: QueueRunDeps): C & ApprovedSending {
  return Object.assign(ctx, { sendApproved: (edition: EditionRecord) => deliverEdition(deps, edition) });
}

/** The context's sender of approved editions, or null where another function sends them. */
export function approvedSending(ctx: object): ApprovedSending | null {
  const fn = (ctx as Partial<ApprovedSending>).sendApproved;
  return typeof fn === "function" ? { sendApproved: fn } : null;
}

import { ALL_SECTIONS, fillPersonalSlots, personalSlots, variantKey } from "../edition/edition.js";
import { isStale, rerenderIfStale } from "../edition/edition-rerender.js";
import { localeVariantKey, type Renderer, renderVariant } from "../edition/variant.js";
import type { DigestConfig } from "../kernel/config.js";
import { readerLocale } from "../kernel/config.js";
import { limiter } from "../kernel/limiter.js";
import {
  type EditionRecord,
  type EditionStore,
  MailError,
  type Mailer,
  type Outbox,
  type SendLedger,
  type StoryStore,
  type SubscriberStore,
  type SuppressionStore,
} from "../kernel/ports.js";
import { backoffMs } from "../kernel/retry.js";
import type { Subscriber } from "../subscribers/subscribers.js";
import { type SigningKey, signToken } from "../subscribers/tokens.js";
import { composeMessage, type PreparedVariant, prepareVariant } from "./message.js";
import { errorText, RecipientSendError } from "./recipient-send-error.js";
import { rateVerdict, type SendAlert } from "./safety-pause.js";
import { QUOTA_STOP, QuotaBudget, quotaStopReason } from "./send-quota.js";
import { countOutcome, emptySummary, type RecipientOutcome, type SendSummary } from "./send-summary.js";

/**
 * The sending engine of one edition, shared by every way recipients reach it: the send Lambda (one
 * queue message at a time), the local run (the same messages from the in-process queue) and
 * `resend-failed`. One engine per process and edition holds the pacer, the concurrency limit, the
 * rendered variants and the safety pause; each queue message counts into its own tally.
 */

/** Waits until one more message may go out (the SES rate). */
export interface Pacer {
  take(): Promise<void>;
}

export interface EditionDeps {
  config: DigestConfig;
  stories: StoryStore;
  subscribers: SubscriberStore;
  suppressions: SuppressionStore;
  editions: EditionStore;
  ledger: SendLedger;
  mailer: Mailer;
  outbox: Outbox | null;
  renderer: Renderer;
  /** The first key signs. */
  keys: readonly SigningKey[];
  createPacer(ratePerSecond: number): Pacer;
  clock?: () => Date;
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
  /** Told after each recipient an engine handled: how many so far and the engine's running counts. */
  onProgress?: (done: number, summary: SendSummary) => void;
  /** Told once when the send pauses itself (bounce or complaint rate over the limit): alert someone. */
  onAlert?: (alert: SendAlert) => void;
  /**
   * Told what went wrong without stopping the send (the outbox copy of an accepted message could not
   * be written). Default: console.warn. Names subscribers by id, never by address.
   */
  onWarning?: (message: string) => void;
}

export interface DeliverOptions {
  /**
   * Continue an edition the safety pause halted (an operator's explicit decision). The rates are then
   * judged afresh: only bounces, complaints and sends after the resume count towards a new pause.
   */
  resumeHalted?: boolean;
}

/** Tries per recipient for throttling and 5xx before it is left as failed for a rerun. */
export const MAX_SEND_ATTEMPTS = 8;

const now = (deps: EditionDeps) => (deps.clock ?? (() => new Date()))();

/** Delivers one edition to recipients handed to it; shared by the local run and the send Lambda. */
export interface EditionSender {
  /** Everything this engine did, over all the recipients handed to it. */
  summary: SendSummary;
  /**
   * Sends to one subscriber unless the ledger says they had it, counting the outcome into `summary`
   * and into `tally` (one queue message's own counts) when given; never throws for a mail failure.
   * Any other error rejects with a RecipientSendError once the recipient is settled: counted (as
   * failed unless it got further) and its claim released. At most `sendConcurrency` recipients are
   * in progress per engine, whoever calls.
   */
  deliverOne(subscriber: Subscriber, suppressed: boolean, tally?: SendSummary): Promise<RecipientOutcome>;
  /** The edition was halted by the safety pause before and not resumed: nothing will be sent. */
  refused: boolean;
}

/**
 * Prepares sending `edition`: renders (or loads) the all-sections variant, writes the outbox copy, and
 * paces to the mailer's MaxSendRate. Each recipient is claimed in the ledger (under an owner id of its
 * own, so a redelivered queue message in the same process waits for the first attempt's lease instead
 * of sending again), gets the variant of their sections with their own signed links, and counts as sent
 * only once SES returned a MessageId. Throttling and 5xx are retried with backoff.
 *
 * Daily quota: the engine reads GetAccount's Max24HourSend and SentLast24Hours once (`dailyQuota`) and
 * sends no more than what is left: the few recipients already claimed when it runs out are left
 * "failed" (transient, so a rerun claims them again), the rest are not claimed at all, all count as
 * remaining, and `stoppedBecause` names the quota. SES refusing a message for the quota (another
 * sender used it, or the mailer cannot read it) stops the engine the same way.
 *
 * Safety pause: at start and every `rateCheckEvery` recipients the sender re-reads the edition's SES
 * counters; when the bounce or complaint rate passed its limit (after `rateMinimumSends`) it stops
 * sending new messages, marks the edition "partial" with `haltedBecause` at once (so concurrent
 * senders stop at their next check) and calls `onAlert`. A halted edition is refused (`refused`,
 * every recipient counted as remaining) unless `resumeHalted` is given.
 */
export async function createEditionSender(
  deps: EditionDeps,
  edition: EditionRecord,
  opts: DeliverOptions & {
    /** Messages of this edition the ledger counted as sent before this sender started, when known. */
    sentBefore?: number;
  } = {},
): Promise<EditionSender> {
  const { config } = deps;
  const sleep = deps.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const random = deps.random ?? Math.random;
  const ownerBase = `${process.pid}-${Math.random().toString(36).slice(2, 10)}`;
  let owners = 0;
  const summary = emptySummary(edition);
  const record = (outcome: RecipientOutcome, tally: SendSummary | undefined) => {
    countOutcome(summary, outcome);
    if (tally) {
      countOutcome(tally, outcome);
      if (outcome === "remaining") {
        tally.stoppedBecause ??= summary.stoppedBecause;
        tally.haltedBecause ??= summary.haltedBecause;
      }
    }
    return outcome;
  };

  // Never a copy older than a correction: one made stale while the edition awaited approval is
  // rendered again first (its releaser did so already, unless it could not: edition-rerender.ts).
  const read = await deps.editions.get(edition.editionId);
  const stored = read && isStale(read) ? await rerenderIfStale(deps, edition.editionId) : read;
  // What variants are rendered from: the edition as stored now (its stories as corrected).
  const current = stored ?? edition;
  const haltedBefore = stored?.haltedBecause ?? null;
  if (haltedBefore && !opts.resumeHalted) {
    summary.haltedBecause = haltedBefore;
    summary.stoppedBecause = `edition halted: ${haltedBefore}`;
    const refuse = async (_sub: Subscriber, _suppressed: boolean, tally?: SendSummary) =>
      record("remaining", tally);
    return { summary, deliverOne: refuse, refused: true };
  }
  const sentBefore = opts.sentBefore ?? 0;
  // Resuming: what happened before the pause was accepted by the operator; only what follows counts.
  const before = haltedBefore ? await deps.editions.getStats(edition.editionId) : {};
  const baseline = haltedBefore
    ? {
        sent: sentBefore,
        bounced: before.bounced ?? 0,
        complained: before.complained ?? 0,
        delivered: before.delivered ?? 0,
      }
    : { sent: 0, bounced: 0, complained: 0, delivered: 0 };
  if (haltedBefore) await deps.editions.setStatus(edition.editionId, "sending");

  const checkRates = async () => {
    if (summary.stoppedBecause) return;
    const [current, stats] = await Promise.all([
      deps.editions.get(edition.editionId),
      deps.editions.getStats(edition.editionId),
    ]);
    const bounced = (stats.bounced ?? 0) - baseline.bounced;
    const complained = (stats.complained ?? 0) - baseline.complained;
    // Sends: what this process knows (the ledger at start plus its own) or what SES events prove
    // (each delivery or bounce was a send), whichever is more: never more than really went out, so a
    // rate reads high rather than low.
    const known = sentBefore + summary.sent - baseline.sent;
    const proven = (stats.delivered ?? 0) - baseline.delivered + bounced;
    const counts = { sent: Math.max(known, proven), bounced, complained };
    const reason = current?.haltedBecause ?? rateVerdict(counts, config);
    if (!reason || summary.stoppedBecause) return;
    summary.haltedBecause = reason;
    summary.stoppedBecause = `sending paused: ${reason}`;
    if (current?.haltedBecause) return; // another sender tripped it and alerted
    await deps.editions.setStatus(edition.editionId, "partial", reason);
    deps.onAlert?.({ editionId: edition.editionId, reason, ...counts });
  };
  let checking: Promise<void> | null = null;
  const checkSafety = () => {
    checking ??= checkRates().finally(() => {
      checking = null;
    });
    return checking;
  };

  const warn = deps.onWarning ?? ((message: string) => console.warn(message));
  const slots = personalSlots(edition.slotNonce);
  const variants = new Map<string, Promise<PreparedVariant>>();
  const variantFor = (key: string) => {
    let v = variants.get(key);
    if (!v) {
      v = (async () => {
        const revision = current.revision ?? 0;
        let rendered = await deps.editions.getVariant(edition.editionId, key);
        // Absent, or rendered before a correction of the edition's stories: rendered (again) now.
        if (!rendered || (rendered.revision ?? 0) < revision) {
          rendered = {
            ...renderVariant(deps, current, key),
            ...(current.revision !== undefined ? { revision } : {}),
          };
          await deps.editions.putVariant(edition.editionId, rendered);
        }
        if (key === ALL_SECTIONS && deps.outbox) {
          const generic = {
            unsubscribeUrl: `${config.publicBaseUrl}/unsubscribe`,
            preferencesUrl: `${config.publicBaseUrl}/preferences`,
          };
          // A local copy: the send does not depend on it.
          await deps.outbox
            .writeEdition(
              edition.editionId,
              fillPersonalSlots(rendered.html, generic, slots),
              fillPersonalSlots(rendered.text, generic, slots),
            )
            .catch((err: unknown) =>
              warn(
                `outbox: cannot write digest.html / digest.txt of ${edition.editionId}: ${errorText(err)}`,
              ),
            );
        }
        return prepareVariant(rendered.subject, rendered.html, rendered.text, slots);
      })();
      variants.set(key, v);
    }
    return v;
  };
  await variantFor(ALL_SECTIONS);

  const rate = (await deps.mailer.maxSendRate()) ?? config.fallbackSendRate;
  const pacer = deps.createPacer(rate);
  // The daily quota, read once per engine: it sends what is left of it and stops cleanly there,
  // rather than running into SES's refusal. Without it, that refusal is what stops the run.
  const quota = (await deps.mailer.dailyQuota?.()) ?? null;
  const budget = quota ? new QuotaBudget(quota) : null;
  const signingKey = deps.keys[0];
  if (!signingKey) throw new Error("no signing key configured");
  const domain = config.senderAddress.split("@")[1] ?? "localhost";
  const leaseMs = config.sendLeaseSeconds * 1000;

  const attempt = async (sub: Subscriber, suppressed: boolean): Promise<RecipientOutcome> => {
    const id = edition.editionId;
    if (summary.stoppedBecause) return "remaining";
    if (suppressed) {
      await deps.ledger.markNotSent(id, sub.id, "suppressed");
      return "suppressed";
    }
    const sectionKey = variantKey(sub.sections, edition.sections);
    if (sectionKey === null) {
      await deps.ledger.markNotSent(id, sub.id, "skipped");
      return "skipped";
    }
    // One variant per language and section set: rendered once, shared by every reader of both.
    const key = localeVariantKey(sectionKey, readerLocale(config, sub.locale), config.locale);
    const owner = `${ownerBase}-${++owners}`;
    for (;;) {
      const claim = await deps.ledger.claim(id, sub.id, owner, now(deps).getTime() + leaseMs);
      if (claim.claimed) break;
      const { entry } = claim;
      if (entry.state === "sent") return "already_sent";
      if (entry.state === "rejected") return "rejected";
      // Another attempt holds a live lease on this recipient: wait for it to send or to lapse.
      await sleep(Math.max(50, Math.min(leaseMs, (entry.leaseUntil ?? 0) - now(deps).getTime() + 10)));
    }
    try {
      return await sendAsOwner(sub, key, owner);
    } catch (err) {
      // Not a mail failure (those are handled below): a bug, an SDK or a store failure. Release the
      // claim as a transient failure, as a MailError would be at the end of its tries, so that a
      // redelivery or a rerun claims it at once instead of waiting out the lease. Best effort: if the
      // store is what fails, the lease still runs out.
      await deps.ledger
        .markFailed(id, sub.id, owner, `unexpected error: ${errorText(err)}`, false)
        .catch(() => {});
      throw err;
    }
  };

  /** Sends to a recipient `owner` has claimed, within the daily quota. */
  const sendAsOwner = async (sub: Subscriber, key: string, owner: string): Promise<RecipientOutcome> => {
    const id = edition.editionId;
    // After the claim, so someone already sent counts as such even when the quota is used up.
    if (budget && !(await budget.reserve())) {
      summary.stoppedBecause ??= quotaStopReason(budget);
      await deps.ledger.markFailed(id, sub.id, owner, "not attempted: daily sending quota used up", false);
      return "remaining";
    }
    let accepted = false;
    try {
      return await sendClaimed(sub, key, owner, () => {
        accepted = true;
        budget?.commit();
      });
    } finally {
      if (!accepted) budget?.release();
    }
  };

  /**
   * Builds and sends the message of a claimed recipient, retrying throttling and 5xx; `onAccepted` is
   * told as soon as SES returned a MessageId.
   */
  const sendClaimed = async (
    sub: Subscriber,
    key: string,
    owner: string,
    onAccepted: () => void,
  ): Promise<RecipientOutcome> => {
    const id = edition.editionId;
    const variant = await variantFor(key);
    const links = {
      unsubscribeUrl: `${config.publicBaseUrl}/unsubscribe?t=${signToken("unsubscribe", sub.id, signingKey, now(deps))}`,
      preferencesUrl: `${config.publicBaseUrl}/preferences?t=${signToken("preferences", sub.id, signingKey, now(deps))}`,
    };
    const raw = await composeMessage(
      variant,
      {
        from: { name: config.senderName, address: config.senderAddress },
        to: { name: sub.name, address: sub.email },
        replyTo: config.replyTo,
        listId: config.listId,
        feedbackId: `${id}:daily:digest:${domain}`,
        unsubscribeMailto: config.unsubscribeMailto,
      },
      links,
    );
    for (let tries = 0; ; tries++) {
      await pacer.take();
      try {
        const messageId = await deps.mailer.sendRaw(raw, { to: sub.email, editionId: id });
        onAccepted();
        // SES returned a MessageId: the recipient is sent, whatever happens to the local copy. A copy
        // that cannot be written (a full disk) is warned about, never a reason to mail them again.
        await deps.outbox?.writeMessage(id, sub.email, raw).catch((err: unknown) => {
          warn(
            `outbox: cannot keep the copy of ${id} for subscriber ${sub.id} (sent, MessageId ${messageId}): ${errorText(err)}`,
          );
        });
        await deps.ledger.markSent(id, sub.id, owner, messageId);
        return "sent";
      } catch (err) {
        if (!(err instanceof MailError)) throw err;
        if (err.kind === "quota") {
          summary.stoppedBecause ??= `${QUOTA_STOP} (${err.message})`;
          await deps.ledger.markFailed(id, sub.id, owner, err.message, false);
          return "remaining";
        }
        if (err.kind === "permanent" || tries + 1 >= MAX_SEND_ATTEMPTS) {
          await deps.ledger.markFailed(id, sub.id, owner, err.message, err.kind === "permanent");
          return err.kind === "permanent" ? "rejected" : "failed";
        }
        await sleep(backoffMs(tries, random));
      }
    }
  };
  await checkSafety();
  const slot = limiter(Math.max(1, config.sendConcurrency));
  let done = 0;
  // The safety check runs inside the recipient's slot: with one slot nobody is sent before it is done.
  const deliverOne = (sub: Subscriber, suppressed: boolean, tally?: SendSummary) =>
    slot(async () => {
      // An unexpected error still counts the recipient (as failed, retryable: not sent) before it is
      // rethrown, so the counts stay whole whoever catches it.
      let outcome: RecipientOutcome = "failed";
      let failure: { error: unknown } | null = null;
      try {
        outcome = await attempt(sub, suppressed);
      } catch (error) {
        failure = { error };
      }
      record(outcome, tally);
      try {
        if (++done % config.rateCheckEvery === 0) await checkSafety();
        deps.onProgress?.(done, summary);
      } catch (error) {
        failure ??= { error };
      }
      if (failure) throw new RecipientSendError(sub.email, outcome, failure.error);
      return outcome;
    });
  return { summary, deliverOne, refused: false };
}

import type { DigestConfig } from "./config.js";
import {
  ALL_SECTIONS,
  buildView,
  capStories,
  type EditionStory,
  fillPersonalSlots,
  HTML_BUDGET_BYTES,
  rankStories,
  sectionComparator,
  sectionsOfVariant,
  toEditionStory,
  variantKey,
} from "./edition.js";
import { composeMessage, type PreparedVariant, prepareVariant } from "./message.js";
import {
  type EditionRecord,
  type EditionStore,
  MailError,
  type Mailer,
  type Outbox,
  type RenderedVariant,
  type SendLedger,
  type StoryStore,
  type SubscriberStore,
  type SuppressionStore,
} from "./ports.js";
import { backoffMs } from "./retry.js";
import type { Subscriber } from "./subscribers.js";
import { type SigningKey, signToken } from "./tokens.js";
import type { EditionView } from "./types.js";

/**
 * The daily job: compose the edition of a day (select, dedupe, rank, cap, freeze) and deliver it to
 * every active subscriber exactly once, resuming where an earlier run stopped.
 */

export interface Renderer {
  html(view: EditionView): string;
  text(view: EditionView): string;
}

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
  onProgress?: (done: number, summary: SendSummary) => void;
  /** Told once when the send pauses itself (bounce or complaint rate over the limit): alert someone. */
  onAlert?: (alert: SendAlert) => void;
}

/** The safety pause tripped: the edition stops sending until an operator resumes it. */
export interface SendAlert {
  editionId: string;
  reason: string;
  /** The counts the verdict was made on (since the last resume, when there was one). */
  sent: number;
  bounced: number;
  complained: number;
}

export interface DeliverOptions {
  /**
   * Continue an edition the safety pause halted (an operator's explicit decision). The rates are then
   * judged afresh: only bounces, complaints and sends after the resume count towards a new pause.
   */
  resumeHalted?: boolean;
}

export interface SendSummary {
  editionId: string;
  stories: number;
  recipients: number;
  sent: number;
  alreadySent: number;
  skipped: number;
  suppressed: number;
  failed: number;
  /** Recipients not attempted because the daily quota ran out; a rerun sends them. */
  remaining: number;
  /** Of `failed`, those that failed transiently (throttling/5xx to the end): a retry may still reach them. */
  retryable: number;
  /** Why the run stopped early, when it did. */
  stoppedBecause: string | null;
  /**
   * Set when the edition is halted by the safety pause: tripped during this run, or tripped earlier
   * and this run refused to continue (nothing sent) because `resumeHalted` was not given.
   */
  haltedBecause: string | null;
}

export type ComposeResult =
  | { kind: "edition"; edition: EditionRecord }
  | { kind: "empty"; reason: string }
  | { kind: "cancelled"; edition: EditionRecord };

/** Tries per recipient for throttling and 5xx before it is left as failed for a rerun. */
export const MAX_SEND_ATTEMPTS = 8;
const SUBSCRIBER_PAGE = 100;

const now = (deps: EditionDeps) => (deps.clock ?? (() => new Date()))();

/** Edition id of a day: the day itself (one edition a day). */
export const editionIdFor = (day: string) => day;

function canonicalSection(section: string, known: readonly string[]): string {
  return known.find((k) => k.toLowerCase() === section.toLowerCase()) ?? section;
}

/**
 * Renders one variant (a set of sections) of an edition. Pure given the edition, so a rerun or a
 * different process renders the same bytes.
 */
export function renderVariant(
  deps: Pick<EditionDeps, "config" | "renderer">,
  edition: Pick<EditionRecord, "date" | "stories" | "sections" | "leftOutBySection">,
  key: string,
): RenderedVariant {
  const sections = new Set(sectionsOfVariant(key, edition.sections).map((s) => s.toLowerCase()));
  const stories = edition.stories.filter((s) => sections.has(s.section.toLowerCase()));
  const leftOut = Object.entries(edition.leftOutBySection)
    .filter(([section]) => key === ALL_SECTIONS || sections.has(section.toLowerCase()))
    .reduce((n, [, count]) => n + count, 0);
  const view = buildView({ config: deps.config, date: edition.date, stories, leftOut });
  return { key, subject: view.subject, html: deps.renderer.html(view), text: deps.renderer.text(view) };
}

/**
 * Selects the day's stories not yet sent in another edition, ranks and caps them so the HTML stays
 * under Gmail's clip, and freezes the result as the edition. An edition that already exists past
 * "building" is returned as stored: a rerun sends exactly what the first run chose.
 */
export async function composeEdition(
  deps: EditionDeps,
  day: string,
  opts: { dryRun?: boolean } = {},
): Promise<ComposeResult> {
  const editionId = editionIdFor(day);
  const existing = await deps.editions.get(editionId);
  if (existing?.status === "cancelled") return { kind: "cancelled", edition: existing };
  if (existing && existing.status !== "building") return { kind: "edition", edition: existing };

  const known = deps.config.sections;
  const candidates = (await deps.stories.listDay(day))
    .filter((s) => s.editionId === null || s.editionId === editionId)
    .map((s) => ({ ...toEditionStory(s), section: canonicalSection(s.section, known) }));
  if (candidates.length === 0) return { kind: "empty", reason: `no stories for ${day}: nothing to send` };

  const ranked = rankStories(candidates, known);
  const fits = (subset: readonly EditionStory[]) => {
    const sections = [...new Set(subset.map((s) => s.section))];
    const sample = renderVariant(
      deps,
      { date: day, stories: [...subset], sections, leftOutBySection: {} },
      ALL_SECTIONS,
    );
    return Buffer.byteLength(sample.html) <= HTML_BUDGET_BYTES;
  };
  const kept = capStories(ranked, deps.config.maxStories, fits);
  const keptIds = new Set(kept.map((s) => s.id));
  const leftOutBySection: Record<string, number> = {};
  for (const s of ranked) {
    if (!keptIds.has(s.id)) leftOutBySection[s.section] = (leftOutBySection[s.section] ?? 0) + 1;
  }
  const at = now(deps).toISOString();
  const edition: EditionRecord = {
    editionId,
    date: day,
    status: "building",
    stories: kept,
    leftOutBySection,
    sections: [...new Set(kept.map((s) => s.section))].sort(sectionComparator(known)),
    createdAt: existing?.createdAt ?? at,
    updatedAt: at,
  };
  if (opts.dryRun) return { kind: "edition", edition };

  // building → stories marked → sending: a crash in between leaves "building", which a rerun redoes.
  await deps.editions.replace(edition);
  await deps.stories.markInEdition([...keptIds], editionId);
  const sending: EditionRecord = { ...edition, status: "sending", updatedAt: now(deps).toISOString() };
  await deps.editions.replace(sending);
  return { kind: "edition", edition: sending };
}

/** Pages through every active subscriber (one Query per page of the sharded status index). */
async function* activeSubscribers(store: SubscriberStore): AsyncGenerator<Subscriber[]> {
  let cursor: string | null = null;
  do {
    const page = await store.list({ status: "active" }, cursor, SUBSCRIBER_PAGE);
    if (page.items.length > 0) yield page.items;
    cursor = page.nextCursor;
  } while (cursor);
}

/** Delivers one edition to recipients handed to it; shared by the local run and the send Lambda. */
export interface EditionSender {
  summary: SendSummary;
  /** Sends to one subscriber unless the ledger says they had it; never throws for a mail failure. */
  deliverOne(subscriber: Subscriber, suppressed: boolean): Promise<void>;
  /** The edition was halted by the safety pause before and not resumed: nothing will be sent. */
  refused: boolean;
}

/**
 * Prepares sending `edition`: renders (or loads) the all-sections variant, writes the outbox copy, and
 * paces to the mailer's MaxSendRate. Each recipient is claimed in the ledger, gets the variant of their
 * sections with their own signed links, and counts as sent only once SES returned a MessageId.
 * Throttling and 5xx are retried with backoff; a daily-quota stop leaves the rest for a rerun.
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
  const owner = `${process.pid}-${Math.random().toString(36).slice(2, 10)}`;
  const summary: SendSummary = {
    editionId: edition.editionId,
    stories: edition.stories.length,
    recipients: 0,
    sent: 0,
    alreadySent: 0,
    skipped: 0,
    suppressed: 0,
    failed: 0,
    remaining: 0,
    retryable: 0,
    stoppedBecause: null,
    haltedBecause: null,
  };

  const stored = await deps.editions.get(edition.editionId);
  const haltedBefore = stored?.haltedBecause ?? null;
  if (haltedBefore && !opts.resumeHalted) {
    summary.haltedBecause = haltedBefore;
    summary.stoppedBecause = `edition halted: ${haltedBefore}`;
    const refuse = async () => {
      summary.remaining++;
    };
    return { summary, deliverOne: refuse, refused: true };
  }
  const sentBefore = opts.sentBefore ?? 0;
  // Resuming: what happened before the pause was accepted by the operator; only what follows counts.
  const before = stored?.stats ?? {};
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
    const current = await deps.editions.get(edition.editionId);
    const stats = current?.stats ?? {};
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

  const variants = new Map<string, Promise<PreparedVariant>>();
  const variantFor = (key: string) => {
    let v = variants.get(key);
    if (!v) {
      v = (async () => {
        let rendered = await deps.editions.getVariant(edition.editionId, key);
        if (!rendered) {
          rendered = renderVariant(deps, edition, key);
          await deps.editions.putVariant(edition.editionId, rendered);
        }
        if (key === ALL_SECTIONS && deps.outbox) {
          const generic = {
            unsubscribeUrl: `${config.publicBaseUrl}/unsubscribe`,
            preferencesUrl: `${config.publicBaseUrl}/preferences`,
          };
          await deps.outbox.writeEdition(
            edition.editionId,
            fillPersonalSlots(rendered.html, generic),
            fillPersonalSlots(rendered.text, generic),
          );
        }
        return prepareVariant(rendered.subject, rendered.html, rendered.text);
      })();
      variants.set(key, v);
    }
    return v;
  };
  await variantFor(ALL_SECTIONS);

  const rate = (await deps.mailer.maxSendRate()) ?? config.fallbackSendRate;
  const pacer = deps.createPacer(rate);
  const signingKey = deps.keys[0];
  if (!signingKey) throw new Error("no signing key configured");
  const domain = config.senderAddress.split("@")[1] ?? "localhost";
  const leaseMs = config.sendLeaseSeconds * 1000;

  const deliverOne = async (sub: Subscriber, suppressed: boolean): Promise<void> => {
    const id = edition.editionId;
    if (summary.stoppedBecause) {
      summary.remaining++;
      return;
    }
    if (suppressed) {
      await deps.ledger.markNotSent(id, sub.id, "suppressed");
      summary.suppressed++;
      return;
    }
    const key = variantKey(sub.sections, edition.sections);
    if (key === null) {
      await deps.ledger.markNotSent(id, sub.id, "skipped");
      summary.skipped++;
      return;
    }
    for (;;) {
      const claim = await deps.ledger.claim(id, sub.id, owner, now(deps).getTime() + leaseMs);
      if (claim.claimed) break;
      const { entry } = claim;
      if (entry.state === "sent") {
        summary.alreadySent++;
        return;
      }
      if (entry.state === "rejected") {
        summary.failed++;
        return;
      }
      // Another process holds a live lease on this recipient: wait for it to send or to lapse.
      await sleep(Math.max(50, Math.min(leaseMs, (entry.leaseUntil ?? 0) - now(deps).getTime() + 10)));
    }
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
    for (let attempt = 0; ; attempt++) {
      await pacer.take();
      try {
        const messageId = await deps.mailer.sendRaw(raw, { to: sub.email, editionId: id });
        // Outbox first: a crash between the two leaves the recipient claimable, so the rerun resends
        // and rewrites it; the other order could record "sent" with no copy in the outbox.
        await deps.outbox?.writeMessage(id, sub.email, raw);
        await deps.ledger.markSent(id, sub.id, owner, messageId);
        summary.sent++;
        return;
      } catch (err) {
        if (!(err instanceof MailError)) throw err;
        if (err.kind === "quota") {
          summary.stoppedBecause ??= `daily sending quota reached (${err.message})`;
          await deps.ledger.markFailed(id, sub.id, owner, err.message, false);
          summary.remaining++;
          return;
        }
        if (err.kind === "permanent" || attempt + 1 >= MAX_SEND_ATTEMPTS) {
          await deps.ledger.markFailed(id, sub.id, owner, err.message, err.kind === "permanent");
          summary.failed++;
          if (err.kind !== "permanent") summary.retryable++;
          return;
        }
        await sleep(backoffMs(attempt, random));
      }
    }
  };
  await checkSafety();
  let done = 0;
  const deliverChecked = async (sub: Subscriber, suppressed: boolean) => {
    await deliverOne(sub, suppressed);
    if (++done % config.rateCheckEvery === 0) await checkSafety();
  };
  return { summary, deliverOne: deliverChecked, refused: false };
}

/**
 * Sends the edition to every active subscriber who has not had it (the local run: pages through the
 * status index with `sendConcurrency` workers), then records the edition's final status. An edition
 * halted by the safety pause is left alone (nothing sent) unless `opts.resumeHalted`.
 */
export async function deliverEdition(
  deps: EditionDeps,
  edition: EditionRecord,
  opts: DeliverOptions = {},
): Promise<SendSummary> {
  const { config } = deps;
  const sentBefore = (await deps.ledger.counts(edition.editionId)).sent;
  const { summary, deliverOne, refused } = await createEditionSender(deps, edition, { ...opts, sentBefore });
  if (refused) return summary;
  let done = 0;
  const pages = activeSubscribers(deps.subscribers);
  const queue: { sub: Subscriber; suppressed: boolean }[] = [];
  let exhausted = false;
  // Concurrent calls to next() on an async generator are queued in order, so workers can share it.
  const nextRecipient = async () => {
    while (queue.length === 0 && !exhausted) {
      const page = await pages.next();
      if (page.done) {
        exhausted = true;
        break;
      }
      const suppressed = await deps.suppressions.suppressed(page.value.map((s) => s.email));
      for (const sub of page.value) queue.push({ sub, suppressed: suppressed.has(sub.email) });
      summary.recipients += page.value.length;
    }
    return queue.shift();
  };
  let pageLock: Promise<unknown> = Promise.resolve();
  const takeRecipient = () => {
    const result = pageLock.then(nextRecipient);
    pageLock = result.catch(() => undefined);
    return result;
  };
  const workers = Array.from({ length: config.sendConcurrency }, async () => {
    for (let item = await takeRecipient(); item; item = await takeRecipient()) {
      await deliverOne(item.sub, item.suppressed);
      done++;
      deps.onProgress?.(done, summary);
    }
  });
  await Promise.all(workers);

  const status = summary.failed > 0 || summary.stoppedBecause ? "partial" : "sent";
  await deps.editions.setStatus(edition.editionId, status, summary.haltedBecause ?? undefined);
  return summary;
}

/**
 * Sends the edition to the given addresses (one queue message of the send Lambda): each is looked up
 * again, so someone who unsubscribed or was suppressed after fan-out is not mailed. Recipients run
 * with `sendConcurrency` in parallel; the edition's status is left to the ledger's counts.
 */
export async function deliverRecipients(
  deps: EditionDeps,
  edition: EditionRecord,
  emails: readonly string[],
): Promise<SendSummary> {
  const { summary, deliverOne } = await createEditionSender(deps, edition);
  const found = await Promise.all(emails.map((email) => deps.subscribers.get(email)));
  const active = found.filter((s): s is Subscriber => s?.status === "active");
  summary.recipients = active.length;
  const suppressed = await deps.suppressions.suppressed(active.map((s) => s.email));
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(deps.config.sendConcurrency, active.length) }, async () => {
      while (next < active.length) {
        const sub = active[next++] as Subscriber;
        await deliverOne(sub, suppressed.has(sub.email));
      }
    }),
  );
  return summary;
}

/**
 * The safety pause's verdict on an edition's counters: why it must stop (complaints first, they hurt
 * more), or null. Rates count only from `rateMinimumSends` sent messages on and trip when they pass
 * (exceed) the configured limits.
 */
export function rateVerdict(
  counts: { sent: number; bounced: number; complained: number },
  limits: Pick<DigestConfig, "bounceRateLimit" | "complaintRateLimit" | "rateMinimumSends">,
): string | null {
  const { sent } = counts;
  if (sent <= 0 || sent < limits.rateMinimumSends) return null;
  const pct = (r: number) => `${Number((r * 100).toFixed(2))}%`;
  const over = (what: string, n: number, limit: number) =>
    n / sent > limit
      ? `${what} rate ${pct(n / sent)} (${n} of ${sent} sent) passed the ${pct(limit)} limit`
      : null;
  return (
    over("complaint", counts.complained, limits.complaintRateLimit) ??
    over("bounce", counts.bounced, limits.bounceRateLimit)
  );
}

/** Formats the summary line of `digest send` (the contract other tools parse). */
export function summaryLine(s: SendSummary): string {
  return (
    `edition=${s.editionId} stories=${s.stories} recipients=${s.recipients} sent=${s.sent} ` +
    `already_sent=${s.alreadySent} skipped=${s.skipped} suppressed=${s.suppressed} failed=${s.failed}` +
    (s.remaining > 0 ? ` remaining=${s.remaining}` : "")
  );
}

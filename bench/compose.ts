/**
 * Stage 2: personalised MIME messages per second on one core. One 40-story variant is prepared once;
 * then, as deliverEdition does per recipient, two links are signed and composeMessage builds the MIME,
 * for distinct subscribers in turn, for a fixed time.
 */
import { performance } from "node:perf_hooks";
import { composeMessage, prepareVariant } from "../functions/core/delivery/message.js";
import { buildView } from "../functions/core/edition/edition.js";
import { createRenderer } from "../functions/core/edition/render.js";
import type { DigestConfig } from "../functions/core/kernel/config.js";
import { signToken } from "../functions/core/subscribers/tokens.js";
import { loadTemplateSpec } from "../functions/local/template-loader.js";
import { BENCH_DAY, benchEditionStories, benchKeys, benchSubscribers } from "./fixtures.js";
import { round } from "./stats.js";

export interface ComposeResult {
  stories: number;
  seconds: number;
  messages: number;
  distinctSubscribers: number;
  msgPerSec: number;
  meanMessageBytes: number;
  /** prepareVariant (QP-encoding the variant once), ms. */
  prepareMs: number;
  /** Of the per-message time, the share spent signing the two links. */
  signShare: number;
}

export async function benchCompose(
  config: DigestConfig,
  opts: { stories: number; seconds: number; subscribers: number },
): Promise<ComposeResult> {
  const renderer = createRenderer(await loadTemplateSpec());
  const view = buildView({ config, date: BENCH_DAY, stories: benchEditionStories(opts.stories), leftOut: 0 });
  const html = renderer.html(view);
  const text = renderer.text(view);
  const t0 = performance.now();
  const variant = prepareVariant(view.subject, html, text);
  const prepareMs = performance.now() - t0;

  const subscribers = benchSubscribers(opts.subscribers);
  const [key] = benchKeys();
  if (!key) throw new Error("no key");
  const domain = config.senderAddress.split("@")[1] ?? "localhost";
  const envelopeBase = {
    from: { name: config.senderName, address: config.senderAddress },
    replyTo: config.replyTo,
    listId: config.listId,
    feedbackId: `${BENCH_DAY}:daily:digest:${domain}`,
    unsubscribeMailto: config.unsubscribeMailto,
  };

  const one = async (i: number, timeSign: boolean): Promise<{ bytes: number; signMs: number }> => {
    const sub = subscribers[i % subscribers.length];
    if (!sub) throw new Error("no subscriber");
    const s0 = timeSign ? performance.now() : 0;
    const now = new Date();
    const links = {
      unsubscribeUrl: `${config.publicBaseUrl}/unsubscribe?t=${signToken("unsubscribe", sub.id, key, now)}`,
      preferencesUrl: `${config.publicBaseUrl}/preferences?t=${signToken("preferences", sub.id, key, now)}`,
    };
    const signMs = timeSign ? performance.now() - s0 : 0;
    const raw = await composeMessage(
      variant,
      { ...envelopeBase, to: { name: sub.name, address: sub.email } },
      links,
    );
    return { bytes: raw.length, signMs };
  };

  // Warm-up: JIT and MailComposer's lazy paths.
  for (let i = 0; i < 50; i++) await one(i, false);

  let messages = 0;
  let bytes = 0;
  let signMs = 0;
  const start = performance.now();
  const until = start + opts.seconds * 1000;
  while (performance.now() < until) {
    // Time the signing on every 16th message only, so the probe does not weigh on the figure.
    const r = await one(messages, messages % 16 === 0);
    messages++;
    bytes += r.bytes;
    signMs += r.signMs;
  }
  const elapsedMs = performance.now() - start;
  const sampled = Math.ceil(messages / 16);
  return {
    stories: opts.stories,
    seconds: round(elapsedMs / 1000, 2),
    messages,
    distinctSubscribers: Math.min(messages, subscribers.length),
    msgPerSec: round((messages * 1000) / elapsedMs, 1),
    meanMessageBytes: Math.round(bytes / Math.max(1, messages)),
    prepareMs: round(prepareMs),
    signShare: round(signMs / sampled / (elapsedMs / messages), 3),
  };
}

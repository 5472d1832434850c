/**
 * Optional stage `--only ceilings`: the throughput of each per-recipient step of a send on its own,
 * against fresh local services (placed as `--services` says; no rate limit, no faults on the SES
 * endpoint), at the configured sendConcurrency: ledger.claim, ledger.markSent, a rerun's refused
 * claim, mailer.sendRaw of a real message. The slowest bounds what deliverEdition can reach locally, and together they explain its
 * per-message cost.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { documentClientOver } from "../functions/adapters/dynamo/client.js";
import { createTables } from "../functions/adapters/dynamo/create-tables.js";
import { DynamoSendLedger } from "../functions/adapters/dynamo/send-ledger.js";
import { tableNamesFromEnv } from "../functions/adapters/schema.js";
import { SesMailer } from "../functions/adapters/ses-mailer.js";
import { composeMessage, prepareVariant } from "../functions/core/delivery/message.js";
import { buildView } from "../functions/core/edition/edition.js";
import { createRenderer } from "../functions/core/edition/render.js";
import type { DigestConfig } from "../functions/core/kernel/config.js";
import { loadTemplateSpec } from "../functions/local/template-loader.js";
import { BENCH_DAY, benchEditionStories } from "./fixtures.js";
import { LOCAL_CREDENTIALS, localDynamoClient, type ServicesMode, startServices } from "./services.js";
import { round } from "./stats.js";

export interface Ceiling {
  step: string;
  ops: number;
  opsPerSec: number;
  meanMs: number;
}

async function measure(step: string, ops: number, concurrency: number, fn: (i: number) => Promise<unknown>) {
  let next = 0;
  let busy = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < ops) {
        const i = next++;
        const s = performance.now();
        await fn(i);
        busy += performance.now() - s;
      }
    }),
  );
  const ms = performance.now() - t0;
  return { step, ops, opsPerSec: round((ops * 1000) / ms, 0), meanMs: round(busy / ops, 2) };
}

export async function benchCeilings(
  config: DigestConfig,
  opts: { ops: number; services: ServicesMode },
): Promise<Ceiling[]> {
  const dir = await mkdtemp(join(tmpdir(), "digest-bench-"));
  const services = await startServices(opts.services, {
    dir,
    maxSendRate: null,
    faults: { throttleRate: 0, serverErrorRate: 0, seed: 1 },
  });
  const dynamo = localDynamoClient(services.dynamodb);
  const mailer = new SesMailer({
    region: "us-east-1",
    credentials: LOCAL_CREDENTIALS,
    endpoint: services.sesv2,
  });
  try {
    const tables = tableNamesFromEnv({});
    await createTables(dynamo, tables);
    const ledger = new DynamoSendLedger(documentClientOver(dynamo), tables.sends);
    const renderer = createRenderer(await loadTemplateSpec());
    const view = buildView({ config, date: BENCH_DAY, stories: benchEditionStories(20), leftOut: 0 });
    const variant = prepareVariant(view.subject, renderer.html(view), renderer.text(view));
    const link = `${config.publicBaseUrl}/unsubscribe?t=${"x".repeat(96)}`;
    const raw = await composeMessage(
      variant,
      {
        from: { name: config.senderName, address: config.senderAddress },
        to: { name: "Bench Reader", address: "reader@mail.example" },
        listId: config.listId,
        feedbackId: "bench",
      },
      { unsubscribeUrl: link, preferencesUrl: link },
    );
    const c = config.sendConcurrency;
    const lease = () => Date.now() + 60_000;
    const out: Ceiling[] = [];
    // Warm-up of both clients and servers (the JIT included: short runs otherwise measure it).
    const warm = Math.min(200, opts.ops);
    await measure("warm-up", warm, c, (i) => ledger.claim("warm", `s${i}`, "o", lease()));
    await measure("warm-up", warm, c, (i) => ledger.markSent("warm", `s${i}`, "o", "m"));
    await measure("warm-up", warm, c, (i) => ledger.claim("warm", `s${i}`, "p", lease()));
    await measure("warm-up", 20, c, () => mailer.sendRaw(raw, { to: "reader@mail.example", editionId: "e" }));
    out.push(await measure("ledger.claim", opts.ops, c, (i) => ledger.claim("e", `s${i}`, "o", lease())));
    out.push(await measure("ledger.markSent", opts.ops, c, (i) => ledger.markSent("e", `s${i}`, "o", "m")));
    // A rerun's claim of someone already sent: refused by the condition, then the entry is read.
    out.push(
      await measure("ledger.claim, already sent (rerun)", opts.ops, c, (i) =>
        ledger.claim("e", `s${i}`, "p", lease()),
      ),
    );
    out.push(
      await measure(`mailer.sendRaw (${raw.length} B)`, opts.ops, c, () =>
        mailer.sendRaw(raw, { to: "reader@mail.example", editionId: "e" }),
      ),
    );
    return out;
  } finally {
    dynamo.destroy();
    mailer.client.destroy();
    await services.close();
    await rm(dir, { recursive: true, force: true });
  }
}

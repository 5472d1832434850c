/**
 * `npm run bench`: render, compose and local end-to-end send figures of the digest. Prints readable
 * tables, then one line `BENCH_JSON {…}` for tools.
 *
 *   --quick                 smoke run: tiny N, few iterations (test/bench-smoke.test.ts)
 *   --n 10000 --rate 500    subscribers and SES MaxSendRate of the send stage (default 2000 at 1000/s)
 *   --concurrency 8         sendConcurrency of the send stage (default: the config default)
 *   --services child        run dynalite and the SES endpoint in a child process (default: inline)
 *   --only render,compose   run only these stages (render, compose, send; and ceilings, which
 *                           only runs when named: each per-recipient send step on its own)
 *   --profile               CPU-profile deliverEdition (this process) and summarise it by package
 *   --profile-dir DIR       also write DIR/deliver.cpuprofile (implies --profile)
 */
import { cpus, loadavg } from "node:os";
import { parseArgs } from "node:util";
import { benchCeilings, type Ceiling } from "./ceilings.js";
import { benchCompose, type ComposeResult } from "./compose.js";
import { benchConfig } from "./fixtures.js";
import { benchRender, type RenderResult } from "./render.js";
import { benchSend, type SendResult } from "./send.js";
import { fmt, table } from "./stats.js";

const STAGES = ["render", "compose", "send", "ceilings"] as const;
const DEFAULT_STAGES = "render,compose,send";
type Stage = (typeof STAGES)[number];

function options() {
  const { values } = parseArgs({
    options: {
      quick: { type: "boolean", default: false },
      n: { type: "string" },
      rate: { type: "string" },
      concurrency: { type: "string" },
      services: { type: "string", default: "inline" },
      only: { type: "string" },
      profile: { type: "boolean", default: false },
      "profile-dir": { type: "string" },
    },
    strict: true,
  });
  const int = (name: string, raw: string | undefined, fallback: number) => {
    if (raw === undefined) return fallback;
    const n = Number(raw);
    if (!Number.isInteger(n) || n <= 0) throw new Error(`--${name}: expected a positive whole number`);
    return n;
  };
  const quick = values.quick ?? false;
  const services = values.services;
  if (services !== "inline" && services !== "child") throw new Error("--services: inline or child");
  const only = (values.only ?? DEFAULT_STAGES).split(",").map((s) => s.trim());
  for (const s of only) if (!STAGES.includes(s as Stage)) throw new Error(`--only: unknown stage ${s}`);
  return {
    quick,
    stages: new Set(only as Stage[]),
    n: int("n", values.n, quick ? 40 : 2000),
    rate: int("rate", values.rate, 1000),
    concurrency: values.concurrency === undefined ? undefined : int("concurrency", values.concurrency, 8),
    services: services as "inline" | "child",
    profile: values["profile-dir"] ?? values.profile ?? false,
    render: quick
      ? { sizes: [10, 40], runs: 10, warmup: 3, mjmlRuns: 1, mjmlWarmup: 0 }
      : { sizes: [10, 40], runs: 200, warmup: 30, mjmlRuns: 10, mjmlWarmup: 2 },
    compose: quick
      ? { stories: 40, seconds: 0.3, subscribers: 2000 }
      : { stories: 40, seconds: 3, subscribers: 50_000 },
  };
}

function printRender(r: RenderResult): void {
  const rows: (string | number)[][] = [];
  for (const c of r.precompiled) {
    rows.push([
      `precompiled, ${c.stories} stories`,
      c.runs,
      fmt(c.medianMs, 3),
      fmt(c.p95Ms, 3),
      c.htmlBytes,
    ]);
  }
  for (const c of r.mjml) {
    const pre = r.precompiled.find((p) => p.stories === c.stories);
    const x = pre ? ` (${fmt(c.medianMs / pre.medianMs, 0)}x)` : "";
    rows.push([
      `runtime mjml2html, ${c.stories} stories`,
      c.runs,
      `${fmt(c.medianMs, 1)}${x}`,
      "-",
      c.htmlBytes,
    ]);
  }
  console.log(
    table(
      "1. Render one edition (buildView + html + text)",
      ["case", "runs", "median ms", "p95 ms", "HTML bytes"],
      rows,
    ),
  );
  console.log(
    `   runtime path: Handlebars.compile of digest.mjml once (${fmt(r.mjmlTemplateCompileMs, 1)} ms), not in the runs`,
  );
}

function printCompose(c: ComposeResult): void {
  console.log(
    table(
      `2. Personalised MIME, one core (${c.stories}-story variant, signToken x2 + composeMessage)`,
      ["figure", "value"],
      [
        ["messages / s", fmt(c.msgPerSec, 0)],
        ["mean message bytes", c.meanMessageBytes],
        ["messages (distinct subscribers)", `${c.messages} (${c.distinctSubscribers})`],
        ["duration s", fmt(c.seconds, 2)],
        ["prepareVariant once, ms", fmt(c.prepareMs, 2)],
        ["share of time signing links", `${fmt(c.signShare * 100, 1)}%`],
      ],
    ),
  );
}

function printSend(s: SendResult): void {
  const sum = s.summary;
  console.log(
    table(
      `3. End-to-end local send (${s.subscribers} subscribers, SES rate ${s.rate}/s, concurrency ${s.concurrency}, services ${s.services})`,
      ["figure", "value"],
      [
        ["setup: insert subscribers", `${s.setup.insertMs} ms (${s.setup.insertPerSec}/s)`],
        ["setup: import stories", `${s.setup.importMs} ms (${s.stories} in edition)`],
        ["composeEdition ms", fmt(s.composeMs, 1)],
        ["deliverEdition ms", fmt(s.deliverMs, 1)],
        ["wall ms (compose + deliver)", fmt(s.wallMs, 1)],
        ["achieved msg/s (deliver)", `${fmt(s.msgPerSec, 1)} (${fmt(s.ratePct, 1)}% of ${s.rate})`],
        ["sent / recipients", `${s.sent} / ${sum.recipients}`],
        ["skipped / suppressed / failed", `${sum.skipped} / ${sum.suppressed} / ${sum.failed}`],
        ["endpoint: accepted / throttled", `${s.received.stats.accepted} / ${s.received.stats.throttled}`],
        ["endpoint: messages / recipients", `${s.received.messages} / ${s.received.recipients}`],
        ["duplicates (recipients > 1 msg)", `${s.duplicates} (${s.received.extraMessages} extra msgs)`],
        ["peak RSS MB (sampled, send)", fmt(s.peakRssMb, 1)],
        ["max RSS MB (process lifetime)", fmt(s.maxRssMb, 1)],
        ...(s.servicesMaxRssMb === null ? [] : [["max RSS MB (services child)", fmt(s.servicesMaxRssMb, 1)]]),
        ["event-loop utilisation (deliver)", fmt(s.eventLoopUtilization, 3)],
        ["CPU of this process (cores)", fmt(s.cpuCores, 2)],
      ],
    ),
  );
  console.log(
    table(
      "   adapter calls during compose + deliver (latency as seen by the caller)",
      ["call", "calls", "total ms", "mean ms", "p95 ms", "max ms"],
      Object.entries(s.calls).map(([name, c]) => [
        name,
        c.calls,
        fmt(c.totalMs, 0),
        fmt(c.meanMs, 3),
        fmt(c.p95Ms, 3),
        fmt(c.maxMs, 1),
      ]),
    ),
  );
  const chain = ["ledger.claim", "pacer.take", "mailer.sendRaw", "ledger.markSent"]
    .map((k) => s.calls[k]?.meanMs ?? 0)
    .reduce((a, b) => a + b, 0);
  if (chain > 0) {
    console.log(
      `   per recipient: claim + pacer + sendRaw + markSent = ${fmt(chain, 2)} ms mean, ` +
        `so ${s.concurrency} workers cap at ~${fmt((s.concurrency * 1000) / chain, 0)} msg/s (Little's law on these latencies; compose/sign not included)`,
    );
  }
  if (s.profile) {
    const rows = (list: { name: string; ms: number; share: number }[]) =>
      list.map((p) => [p.name, fmt(p.ms, 0), `${fmt(p.share * 100, 1)}%`]);
    const title = `   CPU profile of deliverEdition, this process (${fmt(s.profile.totalMs, 0)} ms sampled)`;
    console.log(table(title, ["self time in", "ms", "share"], rows(s.profile.byGroup)));
    console.log(
      table("   top packages", ["self time in", "ms", "share"], rows(s.profile.byPackage.slice(0, 12))),
    );
    if (s.profile.file) console.log(`   profile written to ${s.profile.file}`);
  }
}

async function main(): Promise<void> {
  const opts = options();
  const config = benchConfig(opts.concurrency === undefined ? {} : { sendConcurrency: opts.concurrency });
  const load = () => loadavg().map((l) => fmt(l, 2));
  console.log(
    `digest bench${opts.quick ? " (quick)" : ""}: node ${process.version}, ${cpus().length} CPUs ` +
      `(${cpus()[0]?.model ?? "?"}), load average ${load().join(" ")} — figures vary with other load on the machine`,
  );
  const t0 = performance.now();
  let render: RenderResult | null = null;
  let compose: ComposeResult | null = null;
  let send: SendResult | null = null;
  if (opts.stages.has("render")) {
    render = await benchRender(config, opts.render);
    printRender(render);
  }
  if (opts.stages.has("compose")) {
    compose = await benchCompose(config, opts.compose);
    printCompose(compose);
  }
  if (opts.stages.has("send")) {
    send = await benchSend(config, {
      subscribers: opts.n,
      rate: opts.rate,
      stories: 20,
      services: opts.services,
      profile: opts.profile,
    });
    printSend(send);
  }
  let ceilings: Ceiling[] | null = null;
  if (opts.stages.has("ceilings")) {
    ceilings = await benchCeilings(config, { ops: opts.quick ? 50 : 600 });
    console.log(
      table(
        `4. Per-recipient send steps alone (local services inline, concurrency ${config.sendConcurrency})`,
        ["step", "ops", "ops / s", "mean ms"],
        ceilings.map((c) => [c.step, c.ops, c.opsPerSec, fmt(c.meanMs, 2)]),
      ),
    );
  }
  const totalSeconds = (performance.now() - t0) / 1000;
  console.log(`\nbench done in ${fmt(totalSeconds, 1)} s (load average now ${load().join(" ")})`);
  const json = {
    quick: opts.quick,
    node: process.version,
    cpus: cpus().length,
    loadAverage: loadavg().map((l) => Math.round(l * 100) / 100),
    totalSeconds: Math.round(totalSeconds * 10) / 10,
    render,
    compose,
    send,
    ...(ceilings ? { ceilings } : {}),
  };
  console.log(`BENCH_JSON ${JSON.stringify(json)}`);
}

try {
  await main();
} catch (err) {
  console.error(err instanceof Error ? (err.stack ?? err.message) : err);
  process.exitCode = 1;
}

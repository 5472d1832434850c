/**
 * `npm run bench`: render, compose, local end-to-end send and Lambda bundle figures of the digest.
 * Prints readable tables, a summary, then one line `BENCH_JSON {…}` for tools. Nothing is asserted.
 *
 *   --quick                 smoke run: tiny N, few iterations (test/bench-smoke.test.ts)
 *   --n 10000               subscribers of the send stage (default 10000; quick 40)
 *   --rate 100              the SES endpoint's MaxSendRate, enforced (default 100; 0: none, the sender
 *                           then paces to the 1000/s GetAccount reports)
 *   --server-errors 0.015   share of SendEmail calls answered 500 InternalFailure (default 0.015)
 *   --throttles 0.015       share answered 429 TooManyRequests on top of the rate limit (default 0.015)
 *   --seed 1                fault-injection seed
 *   --ceiling-n 2000        also send to this many with no rate limit (same faults): the machine's
 *                           ceiling; 0 skips it (default 2000; quick 40)
 *   --concurrency 8         sendConcurrency of the send stage (default: the config default)
 *   --services thread       where dynalite and the SES endpoint run: thread (a worker thread, as
 *                           `digest` runs them; default), inline (the sender's event loop), child
 *   --only render,compose   run only these stages (render, compose, send, bundles; and ceilings and
 *                           import and detail, which only run when named: each per-recipient send
 *                           step on its own; subscriber import rows/s beside a raw BatchWriteItem
 *                           ceiling; GET /admin/editions/{id} of a 1,000,000-recipient edition)
 *   --import-n 20000        rows of the import stage (default 20000; quick 200)
 *   --compose-stories 40    stories in the compose stage's variant (default 40, the cap's worst case)
 *   --bundle-runs 3         cold imports measured per Lambda bundle (default 3, after one unmeasured;
 *                           quick 1, none unmeasured)
 *   --assembly DIR          the bundles stage measures the bundles of this cloud assembly (synthesized
 *                           with bundling and asset metadata) instead of synthesizing the stack; its
 *                           synth time is then not measured (the test suite's smoke run shares its synth)
 *   --import-job-rows 500000 rows of the import-job stage (only when named: --only import-job; default
 *                           500,000, a migration; quick 2000): a subscriber import run as a job
 *   --search-n 100000       subscribers of the search stage (only when named: --only search; default
 *                           100,000; quick 2000): the admin's search, one page of each kind, beside
 *                           the Scan-filter search it replaced
 *   --profile               CPU-profile deliverEdition (this thread) and summarise it by package
 *   --profile-dir DIR       also write DIR/deliver.cpuprofile (implies --profile)
 *
 * The default run takes about 2.5 minutes on 2 cores (the paced send is N / rate = 100 s of it). The
 * 100,000-subscriber figure: `npm run bench -- --only send --n 100000 --ceiling-n 0` (about 20 minutes).
 */
import { cpus, loadavg } from "node:os";
import { parseArgs } from "node:util";
import { type BundlesResult, benchBundles } from "./bundles.js";
import { benchCeilings, type Ceiling } from "./ceilings.js";
import { benchCompose, type ComposeResult } from "./compose.js";
import { benchEditionDetail, type DetailResult } from "./edition-detail.js";
import { benchConfig } from "./fixtures.js";
import { benchImport, type ImportBenchResult } from "./import.js";
import { benchImportJob, type ImportJobResult } from "./import-job.js";
import { benchRender, type RenderResult } from "./render.js";
import { benchSearch, type SearchResult } from "./search.js";
import { benchSend, type SendResult, UNLIMITED_REPORTED_RATE } from "./send.js";
import { SERVICES_MODES, type ServicesMode } from "./services.js";
import { fmt, table } from "./stats.js";

// The SDK's Node 20 support notice is noise here (as in bin/digest.js); it is read when a client is made.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";

const STAGES = [
  "render",
  "compose",
  "send",
  "bundles",
  "ceilings",
  "import",
  "detail",
  "import-job",
  "search",
] as const;
const DEFAULT_STAGES = "render,compose,send,bundles";
type Stage = (typeof STAGES)[number];

function options() {
  const { values } = parseArgs({
    options: {
      quick: { type: "boolean", default: false },
      n: { type: "string" },
      rate: { type: "string" },
      "server-errors": { type: "string" },
      throttles: { type: "string" },
      seed: { type: "string" },
      "ceiling-n": { type: "string" },
      concurrency: { type: "string" },
      services: { type: "string", default: "thread" },
      only: { type: "string" },
      "bundle-runs": { type: "string" },
      assembly: { type: "string" },
      "compose-stories": { type: "string" },
      "import-n": { type: "string" },
      "import-job-rows": { type: "string" },
      "search-n": { type: "string" },
      profile: { type: "boolean", default: false },
      "profile-dir": { type: "string" },
    },
    strict: true,
  });
  const int = (name: string, raw: string | undefined, fallback: number, min = 1) => {
    if (raw === undefined) return fallback;
    const n = Number(raw);
    if (!Number.isInteger(n) || n < min) throw new Error(`--${name}: expected a whole number >= ${min}`);
    return n;
  };
  const share = (name: string, raw: string | undefined, fallback: number) => {
    if (raw === undefined) return fallback;
    const n = Number(raw);
    if (!Number.isFinite(n) || n < 0 || n >= 0.5)
      throw new Error(`--${name}: expected a share from 0 to 0.5`);
    return n;
  };
  const quick = values.quick ?? false;
  const services = values.services as ServicesMode;
  if (!SERVICES_MODES.includes(services)) throw new Error(`--services: ${SERVICES_MODES.join(", ")}`);
  const only = (values.only ?? DEFAULT_STAGES).split(",").map((s) => s.trim());
  for (const s of only) if (!STAGES.includes(s as Stage)) throw new Error(`--only: unknown stage ${s}`);
  return {
    quick,
    stages: new Set(only as Stage[]),
    n: int("n", values.n, quick ? 40 : 10_000),
    rate: int("rate", values.rate, 100, 0) || null,
    faults: {
      serverErrorRate: share("server-errors", values["server-errors"], 0.015),
      throttleRate: share("throttles", values.throttles, 0.015),
      seed: int("seed", values.seed, 1, 0),
    },
    ceilingN: int("ceiling-n", values["ceiling-n"], quick ? 40 : 2000, 0),
    concurrency: values.concurrency === undefined ? undefined : int("concurrency", values.concurrency, 8),
    services,
    bundleRuns: int("bundle-runs", values["bundle-runs"], quick ? 1 : 3),
    importRows: int("import-n", values["import-n"], quick ? 200 : 20_000),
    assembly: values.assembly,
    importJobRows: int("import-job-rows", values["import-job-rows"], quick ? 2000 : 500_000),
    searchN: int("search-n", values["search-n"], quick ? 2000 : 100_000),
    profile: values["profile-dir"] ?? values.profile ?? false,
    render: quick
      ? { sizes: [10, 40], runs: 10, warmup: 3, mjmlRuns: 1, mjmlWarmup: 0 }
      : { sizes: [10, 40], runs: 200, warmup: 30, mjmlRuns: 10, mjmlWarmup: 2 },
    compose: quick
      ? { stories: 40, seconds: 0.3, subscribers: 2000 }
      : { stories: int("compose-stories", values["compose-stories"], 40), seconds: 3, subscribers: 50_000 },
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

function printSearch(r: SearchResult): void {
  const n = r.subscribers.toLocaleString("en-US");
  console.log(
    table(
      `9. Subscriber search, ${n} subscribers, one page of 50 (listSubscribers on dynalite, ${r.runs} runs)`,
      ["case", "median ms", "p95 ms", "found", "more pages"],
      [
        ...r.cases.map((c) => [c.label, fmt(c.medianMs, 1), fmt(c.p95Ms, 1), c.found, c.more ? "yes" : "no"]),
        [
          'before: Scan pages filtered by "mar", one request',
          fmt(r.scanOneRequestMs, 1),
          "-",
          r.scanOneRequestFound,
          "yes",
        ],
        [
          `before: every request to the end (${r.scanWholeTableRequests} requests)`,
          fmt(r.scanWholeTableMs, 0),
          "-",
          "-",
          "-",
        ],
      ],
    ),
  );
  console.log(
    `   seeding: ${n} subscribers with BatchWriteItem in ${r.seedSeconds} s (${r.seedRowsPerSec}/s)`,
  );
}

const pct = (share: number) => `${fmt(share * 100, 1)}%`;
const rateLabel = (s: SendResult) =>
  s.rate === null
    ? `no SES rate limit (paced to the ${UNLIMITED_REPORTED_RATE}/s GetAccount reports)`
    : `SES rate ${s.rate}/s`;

function printSend(title: string, s: SendResult): void {
  const sum = s.summary;
  const f = s.faults;
  const rows: (string | number)[][] = [
    ["setup: insert subscribers", `${s.setup.insertMs} ms (${s.setup.insertPerSec}/s)`],
    ["setup: import stories", `${s.setup.importMs} ms (${s.stories} in edition)`],
    ["composeEdition ms", fmt(s.composeMs, 1)],
    ["deliverEdition ms", fmt(s.deliverMs, 1)],
    ["wall ms (compose + deliver)", fmt(s.wallMs, 1)],
  ];
  if (s.idealMs !== null && s.rate !== null) {
    rows.push(
      ["N / rate ms", fmt(s.idealMs, 1)],
      ["wall vs N / rate", `${fmt(s.wallMs / s.idealMs, 3)}x (${fmt(s.wallRatePct ?? 0, 1)}% of rate)`],
      ["achieved msg/s (deliver)", `${fmt(s.msgPerSec, 1)} (${fmt(s.ratePct ?? 0, 1)}% of ${s.rate})`],
    );
  } else {
    rows.push(["achieved msg/s (deliver)", fmt(s.msgPerSec, 1)], ["msg/s (wall)", fmt(s.wallMsgPerSec, 1)]);
  }
  rows.push(
    ["SendEmail calls / s (deliver)", fmt(s.callsPerSec, 1)],
    ["sent / recipients", `${s.sent} / ${sum.recipients}`],
    ["skipped / suppressed / failed", `${sum.skipped} / ${sum.suppressed} / ${sum.failed}`],
    [
      "endpoint: accepted / 429 / 5xx",
      `${s.received.stats.accepted} / ${s.received.stats.throttled} / ${s.received.stats.failed}`,
    ],
    ["endpoint: messages / recipients", `${s.received.messages} / ${s.received.recipients}`],
    ["lost (recipients never accepted)", s.lost],
    ["duplicates (recipients > 1 msg)", `${s.duplicates} (${s.received.extraMessages} extra msgs)`],
    ["peak RSS MB (sampled, send)", fmt(s.peakRssMb, 1)],
    ["max RSS MB (process lifetime)", fmt(s.maxRssMb, 1)],
    ["heap used MB after send: sender", fmt(s.heapUsedMb, 1)],
    [`heap used MB after send: services (${s.services})`, fmt(s.servicesHeapUsedMb, 1)],
    ...(s.servicesMaxRssMb === null ? [] : [["max RSS MB (services child)", fmt(s.servicesMaxRssMb, 1)]]),
    ["event-loop utilisation: sender", fmt(s.eventLoopUtilization, 3)],
    [`event-loop utilisation: services (${s.services})`, fmt(s.servicesEventLoopUtilization, 3)],
    ["CPU of this process (cores)", fmt(s.cpuCores, 2)],
  );
  console.log(
    table(
      `${title} (${s.subscribers} subscribers, ${rateLabel(s)}, injected faults ${pct(f.serverErrorRate)} 5xx + ` +
        `${pct(f.throttleRate)} 429 (seed ${f.seed}), concurrency ${s.concurrency}, services ${s.services})`,
      ["figure", "value"],
      rows,
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
  const chain = ["ledger.claim", "mailer.sendRaw", "ledger.markSent"]
    .map((k) => s.calls[k]?.meanMs ?? 0)
    .reduce((a, b) => a + b, 0);
  if (chain > 0) {
    console.log(
      `   per recipient: claim + sendRaw + markSent = ${fmt(chain, 2)} ms mean, ` +
        `so ${s.concurrency} workers cap at ~${fmt((s.concurrency * 1000) / chain, 0)} msg/s (Little's law on these latencies; pacing, compose/sign not included)`,
    );
  }
  if (s.profile) {
    const rows = (list: { name: string; ms: number; share: number }[]) =>
      list.map((p) => [p.name, fmt(p.ms, 0), `${fmt(p.share * 100, 1)}%`]);
    const title = `   CPU profile of deliverEdition, this thread (${fmt(s.profile.totalMs, 0)} ms sampled)`;
    console.log(table(title, ["self time in", "ms", "share"], rows(s.profile.byGroup)));
    console.log(
      table("   top packages", ["self time in", "ms", "share"], rows(s.profile.byPackage.slice(0, 12))),
    );
    if (s.profile.file) console.log(`   profile written to ${s.profile.file}`);
  }
}

function printBundles(b: BundlesResult): void {
  const kib = (n: number) => fmt(n / 1024, 0);
  console.log(
    table(
      `4. Lambda bundles (${b.synthMs === null ? "of the given assembly" : `synth with esbuild bundling ${fmt(b.synthMs / 1000, 1)} s`}; cold import = fresh node process, median; ` +
        "SDK only = a bundle of just the function's @aws-sdk imports, built the same way)",
      [
        "function",
        "memory MB",
        "index.mjs KiB",
        "gzip KiB",
        "asset KiB (+map)",
        "cold import ms",
        "SDK only ms",
        "ratio",
        "CPU ms",
        "SDK only CPU ms",
        "CPU ratio",
        "runs ms (SDK only)",
      ],
      b.bundles.map((x) => [
        x.name,
        x.memoryMb,
        kib(x.codeBytes),
        kib(x.codeGzipBytes),
        kib(x.assetBytes),
        fmt(x.importMs, 0),
        fmt(x.baseline.importMs, 0),
        `${fmt(x.importRatio, 2)}x`,
        fmt(x.importCpuMs, 0),
        fmt(x.baseline.importCpuMs, 0),
        `${fmt(x.importCpuRatio, 2)}x`,
        `${x.importRunsMs.map((ms) => fmt(ms, 0)).join(" ")} (${x.baseline.importRunsMs.map((ms) => fmt(ms, 0)).join(" ")})`,
      ]),
    ),
  );
  for (const x of b.bundles) console.log(`   ${x.name}: ${x.sdkModules.join(", ") || "no SDK module"}`);
}

function printImport(r: ImportBenchResult): void {
  const rows: (string | number)[][] = r.raw.map((x) => [
    `raw BatchWriteItem, 25 a request, ${x.concurrency} in flight`,
    fmt(x.itemsPerSec, 0),
    fmt(x.ms / 1000, 1),
  ]);
  rows.push(
    ["import (importSubscriberCsv, empty list)", fmt(r.import.rowsPerSec, 0), fmt(r.import.ms / 1000, 1)],
    [
      "re-import of the same file (all unchanged)",
      fmt(r.reimport.rowsPerSec, 0),
      fmt(r.reimport.ms / 1000, 1),
    ],
  );
  console.log(
    table(
      `6. Subscriber import, ${r.rows} rows, embedded DynamoDB (worker thread)`,
      ["case", "rows / s", "s"],
      rows,
    ),
  );
  console.log(
    `   import ${fmt(r.import.rowsPerSec, 0)} rows/s = ${fmt(r.ratio * 100, 1)}% of the raw ceiling ${fmt(r.ceilingPerSec, 0)} items/s`,
  );
}

function printSummary(r: {
  render: RenderResult | null;
  compose: ComposeResult | null;
  send: SendResult | null;
  ceiling: SendResult | null;
  bundles: BundlesResult | null;
}): void {
  const rows: (string | number)[][] = [];
  const c40 = r.render?.precompiled.find((c) => c.stories === 40);
  if (c40) rows.push(["render one edition, 40 stories (median)", `${fmt(c40.medianMs, 2)} ms`]);
  if (r.compose) rows.push(["personalised MIME, one core", `${fmt(r.compose.msgPerSec, 0)} msg/s`]);
  for (const s of [r.send, r.ceiling]) {
    if (!s) continue;
    const label = s.rate === null ? "no rate limit (ceiling)" : `rate ${s.rate}/s`;
    rows.push([
      `send ${s.subscribers} at ${label}`,
      s.idealMs === null
        ? `${fmt(s.msgPerSec, 1)} msg/s, wall ${fmt(s.wallMs / 1000, 1)} s`
        : `wall ${fmt(s.wallMs / 1000, 1)} s vs N/rate ${fmt(s.idealMs / 1000, 1)} s = ${fmt(s.wallRatePct ?? 0, 1)}% of rate`,
    ]);
    rows.push(["   lost / duplicates / peak RSS", `${s.lost} / ${s.duplicates} / ${fmt(s.peakRssMb, 0)} MB`]);
  }
  for (const b of r.bundles?.bundles ?? []) {
    rows.push([
      `bundle ${b.name}`,
      `${fmt(b.codeBytes / 1024, 0)} KiB, cold import ${fmt(b.importMs, 0)} ms = ${fmt(b.importRatio, 2)}x its SDK's ` +
        `${fmt(b.baseline.importMs, 0)} ms (CPU ${fmt(b.importCpuMs, 0)} ms = ${fmt(b.importCpuRatio, 2)}x)`,
    ]);
  }
  if (rows.length > 0) console.log(table("Summary", ["figure", "value"], rows));
}

async function main(): Promise<void> {
  const opts = options();
  const config = benchConfig(opts.concurrency === undefined ? {} : { sendConcurrency: opts.concurrency });
  const load = () => loadavg().map((l) => fmt(l, 2));
  console.log(
    `digest bench${opts.quick ? " (quick)" : ""}: node ${process.version}, ${cpus().length} CPUs ` +
      `(${cpus()[0]?.model ?? "?"}), load average ${load().join(" ")}, ${new Date().toISOString()} — ` +
      "figures vary with other load on the machine",
  );
  const t0 = performance.now();
  let render: RenderResult | null = null;
  let compose: ComposeResult | null = null;
  let send: SendResult | null = null;
  let ceiling: SendResult | null = null;
  let bundles: BundlesResult | null = null;
  if (opts.stages.has("render")) {
    render = await benchRender(config, opts.render);
    printRender(render);
  }
  if (opts.stages.has("compose")) {
    compose = await benchCompose(config, opts.compose);
    printCompose(compose);
  }
  if (opts.stages.has("send")) {
    const common = { stories: 20, services: opts.services, faults: opts.faults };
    send = await benchSend(config, {
      ...common,
      subscribers: opts.n,
      rate: opts.rate,
      profile: opts.profile,
    });
    printSend("3. End-to-end local send", send);
    if (opts.ceilingN > 0) {
      ceiling = await benchSend(config, {
        ...common,
        subscribers: opts.ceilingN,
        rate: null,
        profile: false,
      });
      printSend("3b. The same with no rate limit: this machine's ceiling", ceiling);
    }
  }
  if (opts.stages.has("bundles")) {
    bundles = await benchBundles({ runs: opts.bundleRuns, assembly: opts.assembly, warmUp: !opts.quick });
    printBundles(bundles);
  }
  let ceilings: Ceiling[] | null = null;
  if (opts.stages.has("ceilings")) {
    ceilings = await benchCeilings(config, { ops: opts.quick ? 50 : 2000, services: opts.services });
    console.log(
      table(
        `5. Per-recipient send steps alone (local services ${opts.services}, concurrency ${config.sendConcurrency})`,
        ["step", "ops", "ops / s", "mean ms"],
        ceilings.map((c) => [c.step, c.ops, c.opsPerSec, fmt(c.meanMs, 2)]),
      ),
    );
  }
  let importBench: ImportBenchResult | null = null;
  if (opts.stages.has("import")) {
    importBench = await benchImport(config, { rows: opts.importRows, rawConcurrencies: [1, 4, 8] });
    printImport(importBench);
  }
  let detail: DetailResult | null = null;
  if (opts.stages.has("detail")) {
    detail = await benchEditionDetail(config, {
      recipients: 1_000_000,
      ledgerRows: opts.quick ? 500 : 20_000,
      requests: opts.quick ? 5 : 50,
    });
    const d = detail;
    console.log(
      table(
        `7. GET /admin/editions/{id}, ${d.recipients.toLocaleString("en-US")} recipients (API router on dynalite)`,
        ["figure", "value"],
        [
          [`median / p95 of ${d.requests} requests`, `${fmt(d.medianMs, 2)} / ${fmt(d.p95Ms, 2)} ms`],
          ["response bytes (Lambda's limit: 6 MB)", d.responseBytes],
          ["items read per request", d.itemsRead],
          [`before the counters: count of ${d.ledgerRows} entries`, `${fmt(d.entriesCountMs, 0)} ms`],
          [
            `   scaled to ${d.recipients.toLocaleString("en-US")} entries`,
            `${fmt(d.entriesCountAtScaleMs / 1000, 1)} s (API Gateway's limit: 29 s)`,
          ],
        ],
      ),
    );
  }
  let importJob: ImportJobResult | null = null;
  if (opts.stages.has("import-job")) {
    importJob = await benchImportJob({ rows: opts.importJobRows, services: opts.services, log: console.log });
    console.log(
      table(
        `8. Subscriber import as a job (${importJob.rows} rows, local services ${opts.services})`,
        ["figure", "value"],
        [
          ["status", importJob.status],
          ["rows / s", importJob.rowsPerSec],
          ["seconds", importJob.seconds],
          [
            "imported / invalid / reported",
            `${importJob.counts.imported} / ${importJob.counts.invalid} / ${importJob.counts.reported}`,
          ],
          ...importJob.progress.map((p) => [
            `progress at ${p.seconds} s`,
            `${p.rows} rows, ${p.percent}% of the file`,
          ]),
        ],
      ),
    );
  }
  let search: SearchResult | null = null;
  if (opts.stages.has("search")) {
    search = await benchSearch({ subscribers: opts.searchN, runs: opts.quick ? 3 : 20, pageSize: 50 });
    printSearch(search);
  }
  printSummary({ render, compose, send, ceiling, bundles });
  const totalSeconds = (performance.now() - t0) / 1000;
  console.log(`\nbench done in ${fmt(totalSeconds, 1)} s (load average now ${load().join(" ")})`);
  const json = {
    quick: opts.quick,
    date: new Date().toISOString(),
    node: process.version,
    cpus: cpus().length,
    cpuModel: cpus()[0]?.model ?? null,
    loadAverage: loadavg().map((l) => Math.round(l * 100) / 100),
    totalSeconds: Math.round(totalSeconds * 10) / 10,
    render,
    compose,
    send,
    ceiling,
    bundles,
    ...(ceilings ? { ceilings } : {}),
    ...(importBench ? { import: importBench } : {}),
    ...(detail ? { detail } : {}),
    ...(importJob ? { importJob } : {}),
    ...(search ? { search } : {}),
  };
  console.log(`BENCH_JSON ${JSON.stringify(json)}`);
}

try {
  await main();
} catch (err) {
  console.error(err instanceof Error ? (err.stack ?? err.message) : err);
  process.exitCode = 1;
}

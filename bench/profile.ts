/**
 * `--profile DIR`: a V8 CPU profile of one stage of this process (the send stage's deliverEdition),
 * written as DIR/<name>.cpuprofile (open it in Chrome DevTools) and summarised by package.
 */
import { mkdir, writeFile } from "node:fs/promises";
import type { Profiler } from "node:inspector";
import { Session } from "node:inspector/promises";
import { join } from "node:path";
import { round } from "./stats.js";

export interface ProfileSummary {
  file: string | null;
  totalMs: number;
  /** Self time by package (node_modules package, node: module, project file), largest first. */
  byPackage: { name: string; ms: number; share: number }[];
  /** The same, rolled up into a few groups (local DynamoDB, AWS SDK, Node runtime, ...). */
  byGroup: { name: string; ms: number; share: number }[];
}

const GROUPS: [string, RegExp][] = [
  [
    "dynalite + leveldb (local DynamoDB)",
    /^(dynalite|classic-level|abstract-level|level|level-.*|memory-level|big\.js|lock|async|lazy|buffer-crc32|once)$/,
  ],
  [
    "AWS SDK clients (DynamoDB, SESv2)",
    /^(@smithy\/|@aws-sdk\/|@aws-crypto\/|tslib$|fast-xml-parser$|bowser$)/,
  ],
  ["MIME composition (nodemailer, tokens)", /^(nodemailer$|functions\/core\/(message|tokens)\.ts)/],
  ["SES endpoint (local)", /^functions\/local\/ses-endpoint\.ts/],
  ["Node runtime (http, streams, crypto, timers)", /^node:/],
  ["garbage collection", /^\(gc\)$/],
  ["idle", /^\(idle\)$/],
];
const groupOf = (bucket: string) => GROUPS.find(([, re]) => re.test(bucket))?.[0] ?? "other";

export async function startProfile(): Promise<(dir: string | null, name: string) => Promise<ProfileSummary>> {
  const session = new Session();
  session.connect();
  await session.post("Profiler.enable");
  await session.post("Profiler.setSamplingInterval", { interval: 500 });
  await session.post("Profiler.start");
  return async (dir, name) => {
    const { profile } = await session.post("Profiler.stop");
    session.disconnect();
    let file: string | null = null;
    if (dir) {
      await mkdir(dir, { recursive: true });
      file = join(dir, `${name}.cpuprofile`);
      await writeFile(file, JSON.stringify(profile));
    }
    return { file, ...summarise(profile) };
  };
}

function bucketOf(frame: Profiler.ProfileNode["callFrame"]): string {
  if (frame.functionName === "(garbage collector)") return "(gc)";
  if (frame.functionName === "(idle)") return "(idle)";
  if (frame.functionName === "(program)") return "(program)";
  const url = frame.url;
  if (!url) return "(native)";
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (pkg?.[1]) return pkg[1];
  if (url.startsWith("node:")) return url.replace(/^node:(internal\/)?/, "node:").replace(/\/.*$/, "");
  const project = /\/(functions|bench|templates)\/(.*)$/.exec(url);
  return project ? `${project[1]}/${project[2]}` : url;
}

/**
 * Self time by bucket. Native frames (no script URL: C++ bindings, builtins) count for the nearest
 * JavaScript caller, so a classic-level read counts for classic-level and a hash for its caller.
 */
function summarise(profile: Profiler.Profile): Omit<ProfileSummary, "file"> {
  const nodes = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const bucketCache = new Map<number, string>();
  const bucketFor = (id: number): string => {
    const cached = bucketCache.get(id);
    if (cached) return cached;
    const frame = nodes.get(id)?.callFrame;
    let bucket = frame ? bucketOf(frame) : "(native)";
    if (bucket === "(native)") {
      const up = parent.get(id);
      const caller = up === undefined ? null : bucketFor(up);
      if (caller && !caller.startsWith("(")) bucket = caller;
    }
    bucketCache.set(id, bucket);
    return bucket;
  };
  const self = new Map<string, number>();
  let total = 0;
  const samples = profile.samples ?? [];
  const deltas = profile.timeDeltas ?? [];
  for (let i = 0; i < samples.length; i++) {
    const us = deltas[i] ?? 0;
    const bucket = bucketFor(samples[i] as number);
    self.set(bucket, (self.get(bucket) ?? 0) + us);
    total += us;
  }
  const rows = (m: Map<string, number>) =>
    [...m]
      .sort((a, b) => b[1] - a[1])
      .map(([name, us]) => ({ name, ms: round(us / 1000, 0), share: round(us / Math.max(1, total), 3) }));
  const groups = new Map<string, number>();
  for (const [bucket, us] of self) groups.set(groupOf(bucket), (groups.get(groupOf(bucket)) ?? 0) + us);
  return { totalMs: round(total / 1000, 0), byPackage: rows(self), byGroup: rows(groups) };
}

/**
 * `npm start`: the daily job end to end on the embedded services, with no AWS account. Creates a
 * fresh data directory (./.digest/demo), imports the sample stories (they carry no date: the import
 * dates them, so they are today's) and subscribers, sends today's edition to the outbox and says
 * where to look.
 */
import { mkdir, readdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import { dirname, join, relative, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";
import { dayInZone } from "../core/kernel/dates.js";
import { main } from "./cli.js";
import { type Io, processIo } from "./cli-support.js";
import { digestHome, loadConfig, outboxRoot } from "./runtime.js";

/** Project root, from this file's location (functions/local/). */
const projectRoot = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
/** The sample stories and subscribers shipped with the project. */
export const samplesDir = join(projectRoot, "samples");

/** Written into the demo data directory; only a directory carrying it (or an empty one) is ever deleted. */
const MARKER = ".digest-demo";

/** Order of the sample sections in the email when the configuration names none. */
const DEMO_SECTIONS = "World,Science,Business,Technology,Culture,Sport";

/** The demo's data directory: $DIGEST_DEMO_HOME (tests only) or ./.digest/demo. */
export const demoHome = (env: NodeJS.ProcessEnv = process.env) =>
  resolve(env.DIGEST_DEMO_HOME || join(".digest", "demo"));

/** A path for display: relative to the working directory when inside it, else absolute. */
function shown(path: string): string {
  const rel = relative(process.cwd(), path);
  return rel === "" ? "." : rel.startsWith("..") || resolve(rel) !== path ? path : rel;
}

const isWithin = (inner: string, outer: string) => inner === outer || inner.startsWith(outer + sep);

const isAlive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
};

/**
 * Empties the demo data directory (creating it when missing) and marks it as the demo's. Returns an
 * error message instead when deleting it could hurt: it holds the working directory, the project or
 * $DIGEST_HOME, it is a non-empty directory the demo did not create, or a live process owns it.
 */
async function freshDemoHome(dir: string, env: NodeJS.ProcessEnv): Promise<string | null> {
  const home = digestHome(env);
  if (
    dir === resolve(sep) ||
    isWithin(process.cwd(), dir) ||
    isWithin(projectRoot, dir) ||
    isWithin(home, dir)
  ) {
    return `refusing to use ${dir} as the demo data directory: it holds ${isWithin(home, dir) ? `DIGEST_HOME (${home})` : "the project or the working directory"}`;
  }
  let entries: string[] | null = null;
  try {
    if (!(await stat(dir)).isDirectory()) return `${dir} exists and is not a directory`;
    entries = await readdir(dir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw err;
  }
  if (entries && entries.length > 0) {
    if (!entries.includes(MARKER)) {
      return `refusing to delete ${dir}: it is not a demo data directory (no ${MARKER} file)`;
    }
    const owner = Number((await readFile(join(dir, "services.lock"), "utf8").catch(() => "")) || Number.NaN);
    if (Number.isFinite(owner) && owner !== process.pid && isAlive(owner)) {
      return `${dir} is in use by process ${owner} (a digest serve?): stop it first`;
    }
    await rm(dir, { recursive: true, force: true });
  }
  await mkdir(dir, { recursive: true });
  await writeFile(
    join(dir, MARKER),
    "Created by `npm start` (functions/local/demo.ts); deleted on its next run.\n",
  );
  return null;
}

/** The .eml files in `dir` written since `since` (epoch ms). */
async function emlWrittenSince(dir: string, since: number): Promise<number> {
  let count = 0;
  for (const name of await readdir(dir).catch(() => [] as string[])) {
    if (!name.endsWith(".eml")) continue;
    if ((await stat(join(dir, name))).mtimeMs >= since) count++;
  }
  return count;
}

/**
 * Runs the demo: fresh data directory, the sample stories (dated by their import, so today in the
 * configured zone) and subscribers, then `digest send` for today, each step through the real `digest`
 * command in-process. Stops at the first step that fails. Returns the exit code (0 when the edition went out).
 */
export async function runDemo(env: NodeJS.ProcessEnv = process.env, io: Io = processIo): Promise<number> {
  const started = Date.now();
  const dir = demoHome(env);
  // The demo always runs on the embedded services, never on an endpoint configured for other work.
  const runEnv: NodeJS.ProcessEnv = { ...env, DIGEST_HOME: dir };
  delete runEnv.AWS_ENDPOINT_URL;
  delete runEnv.AWS_ENDPOINT_URL_DYNAMODB;
  delete runEnv.AWS_ENDPOINT_URL_SESV2;
  let config: Awaited<ReturnType<typeof loadConfig>>;
  try {
    config = await loadConfig(runEnv);
  } catch (err) {
    io.err(`demo: ${(err as Error).message}`);
    return 1;
  }
  if (config.sections.length === 0) runEnv.DIGEST_SECTIONS = DEMO_SECTIONS;
  const today = dayInZone(new Date(), config.timeZone);
  const outbox = outboxRoot(runEnv);

  const problem = await freshDemoHome(dir, env);
  if (problem) {
    io.err(`demo: ${problem}`);
    return 1;
  }
  io.out(`${config.brandName} demo: edition ${today} (${config.timeZone}), data in ${shown(dir)}`);

  let sendOutput: string[] = [];
  const steps: string[][] = [
    ["init"],
    ["stories", "import", shown(join(samplesDir, "stories"))],
    ["subscribers", "import", shown(join(samplesDir, "subscribers.csv"))],
    ["send", "--date", today],
  ];
  for (const argv of steps) {
    io.out(`\n$ digest ${argv.join(" ")}`);
    const lines: string[] = [];
    const stepIo: Io = {
      out: (line) => {
        lines.push(line);
        io.out(`  ${line}`);
      },
      err: (line) => io.err(`  ${line}`),
      interactive: io.interactive,
    };
    const code = await main(argv, stepIo, runEnv);
    if (code !== 0) {
      io.err(`\ndemo: "digest ${argv[0]}" exited with ${code}; stopped`);
      return code;
    }
    sendOutput = lines;
  }

  const summary = sendOutput.find((l) => l.startsWith("edition="));
  const editionId = /^edition=(\S+)/.exec(summary ?? "")?.[1];
  if (!editionId) {
    io.err(`\ndemo: no edition was sent (${sendOutput.join(" ") || "no output"})`);
    return 1;
  }
  const editionDir = join(outbox, editionId);
  const written = await emlWrittenSince(editionDir, started);
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  io.out(`\nDone in ${seconds} s. Have a look:`);
  io.out(`  ${shown(join(editionDir, "digest.html"))}   the edition, all sections (open in a browser)`);
  io.out(`  ${shown(join(editionDir, "digest.txt"))}    its plain-text part`);
  io.out(
    `  ${shown(editionDir)}${sep}*.eml  ${written} message${written === 1 ? "" : "s"} as sent, one per subscriber`,
  );
  io.out(`  DIGEST_HOME=${shown(dir)} npx digest stories list --date ${today}`);
  return 0;
}

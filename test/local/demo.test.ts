import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { dayInZone } from "../../functions/core/kernel/dates.js";
import { readSubscriberCsv } from "../../functions/core/subscribers/subscriber-csv.js";
import { main } from "../../functions/local/cli.js";
import type { Io } from "../../functions/local/cli-support.js";
import { runDemo, samplesDir } from "../../functions/local/demo.js";

let root: string;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), "digest-demo-test-"));
  await writeFile(join(root, "config.json"), "{}\n");
});

afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

function capture(): Io & { lines: string[]; errors: string[] } {
  const lines: string[] = [];
  const errors: string[] = [];
  return { lines, errors, out: (l) => lines.push(l), err: (l) => errors.push(l), interactive: false };
}

/** The test's environment: no DIGEST_* or endpoint settings of the developer, everything under `root`. */
function demoEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (!k.startsWith("DIGEST_") && !k.startsWith("AWS_ENDPOINT_URL")) env[k] = v;
  }
  return {
    ...env,
    DIGEST_CONFIG: join(root, "config.json"),
    DIGEST_HOME: join(root, "home"),
    DIGEST_DEMO_HOME: join(root, "demo"),
    DIGEST_OUTBOX: join(root, "out"),
    ...extra,
  };
}

/** Addresses that should get the edition: active subscribers choosing no sections or one with a story. */
async function expectedRecipients(env: NodeJS.ProcessEnv, day: string): Promise<string[]> {
  const io = capture();
  expect(
    await main(["stories", "list", "--date", day, "--json"], io, {
      ...env,
      DIGEST_HOME: env.DIGEST_DEMO_HOME,
    }),
  ).toBe(0);
  const sections = new Set(
    (JSON.parse(io.lines.join("\n")) as Array<{ section: string }>).map((s) => s.section.toLowerCase()),
  );
  const emails: string[] = [];
  for await (const row of readSubscriberCsv(await readFile(join(samplesDir, "subscribers.csv"), "utf8"))) {
    if ("error" in row) throw new Error(`samples/subscribers.csv:${row.line}: ${row.error}`);
    const chosen = row.sections ?? [];
    if (chosen.length === 0 || chosen.some((s) => sections.has(s.toLowerCase())))
      emails.push(row.email.toLowerCase());
  }
  return emails.sort();
}

async function runAndCheck(env: NodeJS.ProcessEnv, timeZone: string) {
  const before = dayInZone(new Date(), timeZone);
  const io = capture();
  const code = await runDemo(env, io);
  expect(
    io.errors.filter((l) => !/outbox:/.test(l)),
    io.errors.join("\n"),
  ).toEqual([]);
  expect(code).toBe(0);
  const after = dayInZone(new Date(), timeZone);

  const summary = io.lines.find((l) => /edition=\S+ .*sent=\d+/.test(l));
  expect(summary, io.lines.join("\n")).toBeDefined();
  const [, editionId, sent] = /edition=(\S+) .*\bsent=(\d+) already_sent=0 /.exec(summary ?? "") ?? [];
  expect([before, after]).toContain(editionId);
  // A fresh data directory: every sample story and subscriber is new.
  expect(io.lines).toContainEqual(expect.stringMatching(/imported=\d+ updated=0 skipped=0 invalid=0/));

  const day = editionId as string;
  const dir = join(root, "out", day);
  const emls = (await readdir(dir))
    .filter((f) => f.endsWith(".eml"))
    .map((f) => f.slice(0, -4))
    .sort();
  const expected = await expectedRecipients(env, day);
  expect(expected.length).toBeGreaterThan(0);
  expect(emls).toEqual(expected);
  expect(Number(sent)).toBe(expected.length);
  expect(io.lines).toContainEqual(expect.stringContaining(`${expected.length} messages`));

  const html = await readFile(join(dir, "digest.html"), "utf8");
  // The sample's headline markup (<b>best</b>) is read as text at import: neither a tag nor a literal one.
  expect(html).toContain("Tea &amp; toast: the best breakfast spots by the river");
  expect(html).not.toContain("&lt;b&gt;");
  expect(html).not.toContain("<b>best");
  expect(html).toMatch(/href="https:\/\/[^"]+\/stories\/[^"]+"/); // the story without a URL: hosted copy
  expect(html).not.toContain("utm_");
  const text = await readFile(join(dir, "digest.txt"), "utf8");
  expect(text).toContain("Tea & toast: the best breakfast spots by the river");
  return day;
}

describe("npm start (runDemo)", () => {
  it("imports the samples, sends today's edition to the outbox and runs again on a fresh directory", async () => {
    await runAndCheck(demoEnv(), "UTC");
    expect((await stat(join(root, "demo", ".digest-demo"))).isFile()).toBe(true);

    // Again, in a zone far from UTC: a fresh directory (nothing "already sent"), dates in that zone.
    const zone = "Pacific/Kiritimati";
    await runAndCheck(demoEnv({ DIGEST_TIME_ZONE: zone }), zone);
  }, 120_000);

  it("refuses to delete a directory it did not create", async () => {
    const foreign = join(root, "not-a-demo");
    await mkdir(foreign, { recursive: true });
    await writeFile(join(foreign, "notes.txt"), "keep me\n");
    const io = capture();
    expect(await runDemo(demoEnv({ DIGEST_DEMO_HOME: foreign }), io)).toBe(1);
    expect(io.errors.join("\n")).toMatch(/refusing to delete/);
    expect(await readFile(join(foreign, "notes.txt"), "utf8")).toBe("keep me\n");
  });

  it("never uses DIGEST_HOME as the demo directory", async () => {
    const home = join(root, "home-in-use");
    await mkdir(home, { recursive: true });
    await writeFile(join(home, ".digest-demo"), "");
    const io = capture();
    expect(await runDemo(demoEnv({ DIGEST_HOME: home, DIGEST_DEMO_HOME: home }), io)).toBe(1);
    expect(io.errors.join("\n")).toMatch(/DIGEST_HOME/);
    expect((await stat(join(home, ".digest-demo"))).isFile()).toBe(true);
  });
});

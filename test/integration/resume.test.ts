import { type ChildProcess, spawn } from "node:child_process";
import { readdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it } from "vitest";
import { openEmbeddedServices } from "../../functions/local/services.js";
import { startTestStack, story, type TestStack, writeStories } from "../helpers/services.js";

const DAY = "2031-03-14";
const BIN = fileURLToPath(new URL("../../bin/digest.js", import.meta.url));
let stack: TestStack;

afterEach(async () => {
  await stack?.close();
});

function runBin(
  args: string[],
  env: NodeJS.ProcessEnv,
): { child: ChildProcess; done: Promise<{ code: number | null; out: string; err: string }> } {
  const child = spawn(process.execPath, [BIN, ...args], { env, stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  let err = "";
  child.stdout?.on("data", (d) => {
    out += d;
  });
  child.stderr?.on("data", (d) => {
    err += d;
  });
  const done = new Promise<{ code: number | null; out: string; err: string }>((resolve) =>
    child.on("close", (code) => resolve({ code, out, err })),
  );
  return { child, done };
}

describe("resuming an interrupted send", () => {
  it("after the sending process is killed, a rerun reaches everybody; only in-flight messages may repeat", async () => {
    // The endpoint's GetAccount says 10/s, so the send is paced and can be killed half-way.
    stack = await startTestStack({ maxSendRate: 10 }, { DIGEST_SEND_LEASE_SECONDS: "1" });
    await stack.digest([
      "stories",
      "import",
      await writeStories(stack, "s.ndjson", [story(DAY, 1), story(DAY, 2)]),
    ]);
    const csv = join(stack.dir, "subs.csv");
    const emails = Array.from({ length: 40 }, (_, i) => `reader${i}@example.com`);
    await writeFile(csv, `email,name\n${emails.map((e, i) => `${e},Reader ${i}`).join("\n")}\n`);
    expect((await stack.digest(["subscribers", "import", csv])).code).toBe(0);

    const { child, done } = runBin(["send", "--date", DAY], stack.env);
    // However long the process takes to start on a busy machine (a 20 s deadline here once ran out
    // with 3 sent): the send is paced, so 12 of 40 leaves it half-way; the test's timeout is the net.
    while (stack.ses.messages.length < 12 && child.exitCode === null)
      await new Promise((r) => setTimeout(r, 20));
    child.kill("SIGKILL");
    const killed = await done;
    expect(killed.code).toBeNull();
    const beforeRerun = stack.ses.messages.length;
    expect(beforeRerun).toBeGreaterThanOrEqual(12);
    expect(beforeRerun).toBeLessThan(40);

    const rerun = await stack.digest(["send", "--date", DAY]);
    expect(rerun.code).toBe(0);
    const counts = new Map<string, number>();
    for (const m of stack.ses.messages)
      for (const d of m.destinations) counts.set(d, (counts.get(d) ?? 0) + 1);
    expect([...counts.keys()].sort()).toEqual([...emails].sort());
    const duplicates = [...counts.values()].reduce((n, c) => n + c - 1, 0);
    // At most the messages in flight when the process died (one per concurrent sender).
    expect(duplicates).toBeLessThanOrEqual(8);
    const already = Number(rerun.out.match(/already_sent=(\d+)/)?.[1]);
    const sent = Number(rerun.out.match(/ sent=(\d+)/)?.[1]);
    expect(already + sent).toBe(40);
    expect(already).toBeGreaterThanOrEqual(beforeRerun - 8);
    const files = (await readdir(join(stack.dir, "out", DAY))).filter((f) => f.endsWith(".eml"));
    expect(files).toHaveLength(40);

    // A third run finds everybody sent.
    const third = await stack.digest(["send", "--date", DAY]);
    expect(third.out).toMatch(/sent=0 already_sent=40 /);
  }, 120_000);
});

describe("embedded services shared through services.json", () => {
  it("a second digest process reuses the owner's services instead of opening the locked data dir", async () => {
    stack = await startTestStack();
    const home = join(stack.dir, "shared-home");
    const owner = await openEmbeddedServices(home, { dynamodb: true, sesv2: true });
    try {
      const published = JSON.parse(await readFile(join(home, "services.json"), "utf8"));
      expect(published).toMatchObject({
        pid: process.pid,
        dynamodb: owner.endpoints.dynamodb,
        sesv2: owner.endpoints.sesv2,
      });
      const env: NodeJS.ProcessEnv = { ...stack.env, DIGEST_HOME: home };
      delete env.AWS_ENDPOINT_URL_DYNAMODB;
      delete env.AWS_ENDPOINT_URL_SESV2;
      const init = await runBin(["init"], env).done;
      expect(init.err).toBe("");
      expect(init.code).toBe(0);
      const list = await runBin(["subscribers", "list", "--json"], env).done;
      expect(list.code).toBe(0);
      expect(JSON.parse(list.out)).toEqual([]);
      // The joiner leaves the owner's services running.
      expect(JSON.parse(await readFile(join(home, "services.json"), "utf8")).pid).toBe(process.pid);
    } finally {
      await owner.close();
    }
  });

  it("takes over from an owner that died without cleaning up", async () => {
    stack = await startTestStack();
    const home = join(stack.dir, "stale-home");
    await import("node:fs/promises").then((fs) => fs.mkdir(home, { recursive: true }));
    // A pid that is not running: the largest pid Linux hands out is below 2^22.
    await writeFile(join(home, "services.lock"), "4194303");
    await writeFile(
      join(home, "services.json"),
      JSON.stringify({ pid: 4194303, dynamodb: "http://127.0.0.1:9", sesv2: "http://127.0.0.1:9" }),
    );
    const env: NodeJS.ProcessEnv = { ...stack.env, DIGEST_HOME: home };
    delete env.AWS_ENDPOINT_URL_DYNAMODB;
    delete env.AWS_ENDPOINT_URL_SESV2;
    const init = await runBin(["init"], env).done;
    expect(init.code).toBe(0);
    const left = await readdir(home);
    expect(left).not.toContain("services.json");
    expect(left).not.toContain("services.lock");
  });
});

/**
 * Keeps `npm run bench` from rotting: runs `bench/run.ts --quick` (every default stage, tiny N, the
 * services on their thread, faults injected) and checks that it exits cleanly and prints its
 * BENCH_JSON line with every figure. Speed is never asserted here (the bench reports it). Its bundles
 * stage measures the bundles of the run's shared synth (test/twin/bundled-assembly.ts), which the
 * deployed-stack twin reads too, rather than bundling the stack a second time.
 */
import { execFile } from "node:child_process";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { describe, expect, inject, it } from "vitest";
import { sharedBundledAssembly, TWIN_CONTEXT } from "./twin/bundled-assembly.js";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const run = promisify(execFile);

describe("bench --quick", () => {
  it("exits 0 and prints a complete BENCH_JSON line", { timeout: 300_000 }, async () => {
    const { outdir } = await sharedBundledAssembly(inject("bundledAssemblies"), TWIN_CONTEXT);
    // Node with tsx's loader, as `npx tsx` runs it, without starting npm first.
    const bench = ["--import", "tsx", "bench/run.ts", "--quick", "--assembly", outdir];
    const { stdout } = await run(process.execPath, bench, {
      cwd: root,
      timeout: 240_000,
      maxBuffer: 16 * 1024 * 1024,
    });
    const line = stdout.split("\n").find((l) => l.startsWith("BENCH_JSON "));
    expect(line, stdout).toBeDefined();
    const json = JSON.parse((line as string).slice("BENCH_JSON ".length));

    expect(json).toMatchObject({ quick: true, cpus: expect.any(Number) });
    expect(json.render.precompiled.map((c: { stories: number }) => c.stories)).toEqual([10, 40]);
    for (const c of json.render.precompiled) {
      expect(c).toEqual(
        expect.objectContaining({
          runs: expect.any(Number),
          medianMs: expect.any(Number),
          p95Ms: expect.any(Number),
          htmlBytes: expect.any(Number),
        }),
      );
    }
    expect(json.render.mjml.map((c: { stories: number }) => c.stories)).toEqual([10, 40]);
    for (const c of json.render.mjml) {
      expect(c).toEqual(
        expect.objectContaining({ medianMs: expect.any(Number), htmlBytes: expect.any(Number) }),
      );
    }
    expect(json.render.htmlBytes40).toBeGreaterThan(0);

    expect(json.compose).toEqual(
      expect.objectContaining({
        stories: 40,
        messages: expect.any(Number),
        msgPerSec: expect.any(Number),
        meanMessageBytes: expect.any(Number),
      }),
    );
    expect(json.compose.messages).toBeGreaterThan(0);

    const sendFigures = expect.objectContaining({
      subscribers: expect.any(Number),
      wallMs: expect.any(Number),
      msgPerSec: expect.any(Number),
      callsPerSec: expect.any(Number),
      sent: expect.any(Number),
      lost: expect.any(Number),
      duplicates: expect.any(Number),
      peakRssMb: expect.any(Number),
      maxRssMb: expect.any(Number),
      eventLoopUtilization: expect.any(Number),
      servicesEventLoopUtilization: expect.any(Number),
      calls: expect.any(Object),
      services: "thread",
    });
    expect(json.send).toEqual(sendFigures);
    expect(json.send).toMatchObject({
      rate: expect.any(Number),
      idealMs: expect.any(Number),
      ratePct: expect.any(Number),
      wallRatePct: expect.any(Number),
      faults: { serverErrorRate: expect.any(Number), throttleRate: expect.any(Number) },
    });
    expect(json.ceiling).toEqual(sendFigures);
    expect(json.ceiling).toMatchObject({ rate: null, idealMs: null });
    // Not speed: the bench's own sends must be complete and exactly-once, or their figures mean nothing.
    for (const send of [json.send, json.ceiling]) {
      expect(send.sent).toBe(send.subscribers);
      expect(send.lost).toBe(0);
      expect(send.duplicates).toBe(0);
      expect(send.received.messages).toBe(send.subscribers);
    }

    expect(json.bundles.synthMs).toBeNull();
    expect(json.bundles.bundles.map((b: { name: string }) => b.name)).toEqual([
      "api",
      "compose",
      "ingest",
      "jobs",
      "send",
      "sesEvents",
      "storyImport",
    ]);
    for (const b of json.bundles.bundles) {
      expect(b).toEqual(
        expect.objectContaining({
          codeBytes: expect.any(Number),
          codeGzipBytes: expect.any(Number),
          importMs: expect.any(Number),
          baseline: expect.objectContaining({ codeBytes: expect.any(Number), importMs: expect.any(Number) }),
          importRatio: expect.any(Number),
          importCpuRatio: expect.any(Number),
        }),
      );
      // Every function talks to DynamoDB: its baseline imports at least that client.
      expect(b.sdkModules).toContain("@aws-sdk/client-dynamodb");
    }
  });
});

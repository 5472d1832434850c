import type { SpawnSyncOptions } from "node:child_process";
import { createRequire } from "node:module";
import { stackWithoutChecks } from "../infra/synth.js";
import type { CfnTemplate } from "./template.js";

/**
 * Synth with bundling, quietly: CDK reports on stderr and runs esbuild with stderr inherited, so both
 * are captured (esbuild's through spawnSync's stdio) and shown only when synth fails.
 */
export function synthQuietly(outdir: string, context: Record<string, unknown>): CfnTemplate {
  const captured: string[] = [];
  const childProcess = createRequire(import.meta.url)(
    "node:child_process",
  ) as typeof import("node:child_process");
  const spawnSync = childProcess.spawnSync;
  childProcess.spawnSync = ((cmd: string, args: string[], options: SpawnSyncOptions = {}) => {
    const proc = spawnSync(cmd, args, { ...options, stdio: "pipe" });
    captured.push(String(proc.stdout ?? ""), String(proc.stderr ?? ""));
    return proc;
  }) as typeof spawnSync;
  const streams = [process.stdout, process.stderr];
  const writes = streams.map((s) => s.write);
  for (const s of streams) {
    s.write = ((chunk: unknown) => {
      captured.push(String(chunk));
      return true;
    }) as typeof s.write;
  }
  try {
    const { app, stack } = stackWithoutChecks({
      bundle: true,
      outdir,
      context: { "aws:cdk:enable-asset-metadata": true, ...context },
    });
    return app.synth().getStackByName(stack.stackName).template as CfnTemplate;
  } catch (err) {
    (err as Error).message += `\n${captured.join("")}`;
    throw err;
  } finally {
    streams.forEach((s, i) => {
      s.write = writes[i] as typeof s.write;
    });
    childProcess.spawnSync = spawnSync;
  }
}

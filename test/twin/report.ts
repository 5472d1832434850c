import type { Twin } from "./twin.js";

/**
 * What the twin prints: the bundles (size, cold import) once it is up, and at the end of a file the
 * grants each function's role holds that no call of the day used (the least-privilege worklist).
 * Grants the Lambda service itself uses (tracing) are listed apart: no code of ours calls them.
 */

/** Actions the Lambda platform calls with the function's role, not the function's code. */
export const PLATFORM_ACTIONS = new Set(["xray:PutTraceSegments", "xray:PutTelemetryRecords"]);

const shortArn = (arn: string) =>
  arn.replace(/^arn:aws:[^:]+:[^:]*:\d*:/, "").replace(/NewsletterDigest-/g, "");

export function printReport(kind: "bundles" | "grants", twin: Twin): void {
  if (kind === "bundles") {
    const rows = Object.entries(twin.functions.functions).map(
      ([name, f]) =>
        `  ${name.padEnd(10)} ${(f.bytes / 1024).toFixed(0).padStart(5)} KiB  cold import ${f.importMs.toFixed(0)} ms`,
    );
    console.log(
      `twin: synth with bundling ${Math.round(twin.timings.synthMs)} ms, bundles loaded in ${Math.round(twin.timings.loadMs)} ms\n${rows.join("\n")}`,
    );
    return;
  }
  const lines: string[] = [];
  for (const [fn, grants] of Object.entries(twin.unusedGrants())) {
    const byResource = new Map<string, string[]>();
    for (const g of grants.filter((g) => !PLATFORM_ACTIONS.has(g.action))) {
      const resource = shortArn(g.resource);
      byResource.set(resource, [...(byResource.get(resource) ?? []), g.action.replace(/^\w+:/, "")]);
    }
    lines.push(`  ${fn}:${byResource.size ? "" : " none"}`);
    for (const [resource, actions] of byResource) lines.push(`    ${resource}: ${actions.join(", ")}`);
  }
  console.log(
    `twin: grants no call used (per function and resource; X-Ray's, used by Lambda itself, left out)\n${lines.join("\n")}`,
  );
}

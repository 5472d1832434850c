import type { Twin } from "./twin.js";

/**
 * What the twin prints, a line each when all is well: the bundles (size, cold import) once it is up,
 * and at the end of a file the grants each function's role holds that no call of the day used (the
 * least-privilege worklist: one line per function and resource when there are any).
 * Grants the Lambda service itself uses (tracing) are listed apart: no code of ours calls them.
 */

/** Actions the Lambda platform calls with the function's role, not the function's code. */
export const PLATFORM_ACTIONS = new Set(["xray:PutTraceSegments", "xray:PutTelemetryRecords"]);

const shortArn = (arn: string) =>
  arn.replace(/^arn:aws:[^:]+:[^:]*:\d*:/, "").replace(/NewsletterDigest-/g, "");

export function printReport(kind: "bundles" | "grants", twin: Twin): void {
  if (kind === "bundles") {
    const each = Object.entries(twin.functions.functions).map(
      ([name, f]) => `${name} ${(f.bytes / 1024).toFixed(0)}/${f.importMs.toFixed(0)}`,
    );
    console.log(
      `twin: synth with bundling (or waiting for the run's shared one) ${Math.round(twin.timings.synthMs)} ms, bundles loaded in ${Math.round(twin.timings.loadMs)} ms (KiB/cold import ms: ${each.join(", ")})`,
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
    if (byResource.size === 0) continue;
    lines.push(`  ${fn}:`);
    for (const [resource, actions] of byResource) lines.push(`    ${resource}: ${actions.join(", ")}`);
  }
  const heading =
    "twin: grants no call used (per function and resource; X-Ray's, used by Lambda itself, left out)";
  console.log(lines.length ? `${heading}\n${lines.join("\n")}` : `${heading}: none`);
}

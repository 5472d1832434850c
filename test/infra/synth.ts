import { readFileSync } from "node:fs";
import { App } from "aws-cdk-lib";
import { buildApp } from "../../infra/app.js";

/** The context cdk.json ships (the same values `npx cdk synth` uses), plus overrides. */
export function cdkJsonContext(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  const cdkJson = JSON.parse(readFileSync(new URL("../../cdk.json", import.meta.url), "utf8"));
  return { ...cdkJson.context, ...overrides };
}

/** Builds the app with cdk.json's context; bundling is skipped unless `bundle` (esbuild takes seconds). */
export function synthStack(
  opts: { context?: Record<string, unknown>; bundle?: boolean; outdir?: string } = {},
) {
  const app = new App({
    context: cdkJsonContext({ ...(opts.bundle ? {} : { "aws:cdk:bundling-stacks": [] }), ...opts.context }),
    outdir: opts.outdir,
  });
  const { stack } = buildApp(app);
  return { app, stack };
}

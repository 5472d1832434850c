import { readFileSync } from "node:fs";
import { App } from "aws-cdk-lib";
import { buildApp } from "../../infra/app.js";
import { readDeploymentConfig } from "../../infra/config.js";
import { DigestStack } from "../../infra/stack.js";

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

/**
 * The stack alone, without the checks synth runs (cdk-nag and CDK's default template rules, tens of
 * seconds on a busy machine; test/infra/stack.test.ts runs both): the same template, for tests that
 * run it (the deployed-stack twin) rather than review it.
 */
export function stackWithoutChecks(
  opts: { context?: Record<string, unknown>; bundle?: boolean; outdir?: string } = {},
): { app: App; stack: DigestStack } {
  const app = new App({
    context: cdkJsonContext({
      ...(opts.bundle ? {} : { "aws:cdk:bundling-stacks": [] }),
      "@aws-cdk/core:validateAgainstDefaultRules": false,
      ...opts.context,
    }),
    outdir: opts.outdir,
  });
  const config = readDeploymentConfig((key) => app.node.tryGetContext(key));
  const stack = new DigestStack(app, app.node.tryGetContext("digest:stackName") ?? "NewsletterDigest", {
    config,
  });
  return { app, stack };
}

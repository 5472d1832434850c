import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { App } from "aws-cdk-lib";
import { buildApp } from "../../infra/app.js";
import { DeploymentConfigError, readDeploymentConfig } from "../../infra/config.js";
import type { DigestStack } from "../../infra/stack.js";
import { removeAfterFile } from "../helpers/scratch.js";

/**
 * The configuration file the tests deploy: the example the repository ships (a developer's own
 * digest.config.json never changes what the tests see).
 */
export const EXAMPLE_CONFIG = fileURLToPath(new URL("../../digest.config.example.json", import.meta.url));

let outdirs = 0;

/**
 * Where an assembly goes when the caller names no folder: under the project's cdk.out (git-ignored),
 * removed after the test file (CDK's own default is a new folder in the system temp dir, left there).
 */
function scratchOutdir(): string {
  outdirs += 1;
  const dir = new URL(`../../cdk.out/test-${process.pid}-${outdirs}`, import.meta.url);
  return removeAfterFile(fileURLToPath(dir));
}

/** The context cdk.json ships (CDK feature flags), pointed at the example configuration, plus overrides. */
export function cdkJsonContext(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  const cdkJson = JSON.parse(readFileSync(new URL("../../cdk.json", import.meta.url), "utf8"));
  return { ...cdkJson.context, "digest:config": EXAMPLE_CONFIG, ...overrides };
}

/**
 * What reading the deployment configuration with cdk.json's context plus `overrides` refuses: the
 * DeploymentConfigError's message, "" when it is accepted (any other error is thrown).
 */
export function deploymentConfigProblems(overrides: Record<string, unknown>): string {
  const context = cdkJsonContext(overrides);
  try {
    readDeploymentConfig((key) => context[key]);
  } catch (err) {
    if (err instanceof DeploymentConfigError) return err.message;
    throw err;
  }
  return "";
}

/** Builds the app with cdk.json's context; bundling is skipped unless `bundle` (esbuild takes seconds). */
export function synthStack(
  opts: { context?: Record<string, unknown>; bundle?: boolean; outdir?: string } = {},
) {
  const app = new App({
    context: cdkJsonContext({ ...(opts.bundle ? {} : { "aws:cdk:bundling-stacks": [] }), ...opts.context }),
    outdir: opts.outdir ?? scratchOutdir(),
  });
  const { app: built, stack } = buildApp(app);
  return { app: built, stack };
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
    outdir: opts.outdir ?? scratchOutdir(),
  });
  return buildApp(app, { checks: false });
}

import { availableParallelism } from "node:os";
import { defineConfig } from "vitest/config";

/**
 * Test files that change what the whole process shares: process.env for the handlers they import
 * (whose clients are made at import), fake timers, a spy on stdout, the twin's per-function
 * process.env and SDK hook. Each runs in a process of its own; every other file shares a worker
 * process with others (isolate: false), which saves each file loading the SDK, MJML and the CLI again.
 */
const OWN_PROCESS = [
  "test/handlers/send.test.ts",
  "test/handlers/send-pacing.test.ts",
  "test/handlers/log-redaction.test.ts",
  "test/handlers/ses-events.test.ts",
  "test/handlers/compose-send-metrics.test.ts",
  "test/twin/deployed-day.test.ts",
  "test/twin/approval.test.ts",
  "test/twin/jwt.test.ts",
  "test/infra/signing-secret.test.ts",
];

export default defineConfig({
  test: {
    // Safety nets, not measurements: with two files at a time on 2 cores, a journey that takes 20 s
    // alone can take twice that, and a set-up that synthesizes the stack (tens of seconds alone) more on
    // a busy machine. No test asserts on time (speed goes into bench/).
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: "forks",
    // Vitest's default is one worker less than the cores: on a 2-core machine, one file at a time. Much
    // of the suite waits (on servers, child processes, Chromium), so a second file runs in that time.
    maxWorkers: Math.max(2, availableParallelism() - 1),
    // Makes the run's folder for the stack synthesized once with bundling (test/twin/bundled-assembly.ts).
    globalSetup: ["test/setup/global-setup.ts"],
    // Removes what a test file registered as scratch (test/helpers/scratch.ts) once its tests are done.
    setupFiles: ["test/setup/remove-scratch.ts"],
    env: {
      // Node 20 runs the suite here; Lambda runs nodejs24.x. The SDK's notice about that is noise.
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true",
      // The handlers' Powertools logger and EMF metrics write JSON to stdout. Tests that check what
      // they write turn them back on as the stack sets them (test/handlers/*); elsewhere it is noise.
      POWERTOOLS_LOG_LEVEL: "SILENT",
      POWERTOOLS_METRICS_DISABLED: "true",
    },
    projects: [
      {
        extends: true,
        test: { name: "shared", include: ["test/**/*.test.ts"], exclude: OWN_PROCESS, isolate: false },
      },
      { extends: true, test: { name: "own-process", include: OWN_PROCESS, isolate: true } },
    ],
  },
});

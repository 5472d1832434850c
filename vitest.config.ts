import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    pool: "forks",
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
  },
});

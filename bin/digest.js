#!/usr/bin/env node
// The `digest` command: runs the TypeScript sources through tsx (no build step after `npm ci`).
// Node 20 is supported here; Lambda runs nodejs22.x, so the SDK's Node-version notice is noise.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";
const { register } = await import("tsx/esm/api");
register();
const { main } = await import("../functions/local/cli.ts");
process.exitCode = await main(process.argv.slice(2));

#!/usr/bin/env node
// The `digest` command: runs the TypeScript sources through tsx (no build step after `npm ci`).
// Node 20 is supported here (Lambda runs nodejs24.x): the SDK's notice that its 2027 releases need
// Node 22 is noise for a local command.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";
const { register } = await import("tsx/esm/api");
register();
const { main } = await import("../functions/local/cli.ts");
// This process ends with the command: its hold on another process's embedded services lasts until then.
process.exitCode = await main(process.argv.slice(2), undefined, undefined, { untilExit: true });

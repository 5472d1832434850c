#!/usr/bin/env node
// `npm start`: the demo (functions/local/demo.ts), run through tsx like the `digest` command.
// Node 20 is supported here; Lambda runs nodejs22.x, so the SDK's Node-version notice is noise.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";
const { register } = await import("tsx/esm/api");
register();
const { runDemo } = await import("../functions/local/demo.ts");
process.exitCode = await runDemo();

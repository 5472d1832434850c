#!/usr/bin/env node
// `npm start`: the demo (functions/local/demo.ts), run through tsx like the `digest` command.
// Node 20 is supported here (Lambda runs nodejs24.x): the SDK's notice that its 2027 releases need
// Node 22 is noise for a local command.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";
const { register } = await import("tsx/esm/api");
register();
const { runDemo } = await import("../functions/local/demo.ts");
process.exitCode = await runDemo();

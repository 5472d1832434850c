// Loaded with `node --import` by cli-process.test.ts: records every module URL the process resolves
// (one a line) into the file named by DIGEST_TEST_IMPORTS, so a test can tell which modules a
// command loaded. The hooks run on Node's loader thread; register() hands them the file name.
import { register } from "node:module";

const hooks = `
import { appendFileSync } from "node:fs";
let file;
export function initialize(data) { file = data.file; }
export async function resolve(specifier, context, next) {
  const resolved = await next(specifier, context);
  appendFileSync(file, resolved.url + "\\n");
  return resolved;
}
`;

register(`data:text/javascript,${encodeURIComponent(hooks)}`, import.meta.url, {
  data: { file: process.env.DIGEST_TEST_IMPORTS },
});

import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { expect } from "vitest";
import { composeEdition } from "../../functions/core/edition/compose.js";
import { openRuntime } from "../../functions/local/runtime.js";
import { story, type TestStack, writeStories } from "./services.js";

/** Imports one story of `day` and `emails` as active subscribers into `stack`, through the CLI. */
export async function seedDay(stack: TestStack, day: string, emails: string[]): Promise<void> {
  await stack.digest(["stories", "import", await writeStories(stack, "s.ndjson", [story(day, 1)])]);
  const csv = join(stack.dir, "subs.csv");
  await writeFile(csv, `email\n${emails.join("\n")}\n`);
  expect((await stack.digest(["subscribers", "import", csv])).code).toBe(0);
}

/**
 * Readies `day`'s send on `stack` the way the send-path tests start: {@link seedDay}, then a runtime
 * opened on the stack and the edition composed (not sent). Returns the runtime (the caller closes it),
 * its deps and the edition; closes the runtime itself when composing fails.
 */
export async function composedEdition(stack: TestStack, day: string, emails: string[]) {
  await seedDay(stack, day, emails);
  const rt = await openRuntime({ env: stack.env });
  try {
    const deps = await rt.deps();
    const composed = await composeEdition(deps, day);
    if (composed.kind !== "edition") throw new Error(`no edition: ${composed.kind}`);
    return { rt, deps, edition: composed.edition };
  } catch (err) {
    await rt.close();
    throw err;
  }
}

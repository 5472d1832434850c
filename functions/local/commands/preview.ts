import { resolve } from "node:path";
import { dayInZone } from "../../core/kernel/dates.js";
import { projectRoot } from "../build-templates.js";
import { CommandError, type Io, parseFlags, requireDay, UsageError } from "../cli-support.js";
import { startPreviewServer } from "../preview/server.js";
import type { Runtime } from "../runtime.js";

/** Default port of `digest preview` (design.md; `digest serve` has 8787). */
export const PREVIEW_PORT = 8788;

function parsePort(value: string | undefined): number {
  if (value === undefined) return PREVIEW_PORT;
  const port = Number(value);
  if (!/^\d+$/.test(value) || port > 65535) throw new UsageError(`--port expects 0–65535, got "${value}"`);
  return port;
}

/**
 * `digest preview [--date D] [--port P] [--templates DIR]`: a local page on 127.0.0.1 showing the day's
 * edition as subscribers get it (nothing stored or sent but the tests one asks for), reloading when
 * the template in DIR (default templates/) changes. Runs until SIGINT/SIGTERM.
 */
export async function previewCommand(rt: Runtime, io: Io, args: string[]): Promise<number> {
  const { values, positionals } = parseFlags(args, {
    date: { type: "string" },
    port: { type: "string" },
    templates: { type: "string" },
  });
  if (positionals.length > 0) throw new UsageError(`unexpected argument ${positionals[0]}`);
  const day = requireDay(values.date, "--date") ?? dayInZone(new Date(), rt.config.timeZone);
  const port = parsePort(values.port);
  const templatesDir = resolve(values.templates ?? resolve(projectRoot, "templates"));
  let server: Awaited<ReturnType<typeof startPreviewServer>>;
  try {
    server = await startPreviewServer({
      deps: await rt.deps(),
      day,
      templatesDir,
      port,
      log: (line) => io.err(line),
    });
  } catch (err) {
    // A port in use is a CommandError already; a template that does not compile is said as it is.
    throw err instanceof CommandError ? err : new CommandError((err as Error).message);
  }
  io.out(`listening on ${server.url}`);
  io.err(`previewing ${day} from ${templatesDir}; edits to the template reload the page`);
  await new Promise<void>((done) => {
    process.once("SIGINT", done);
    process.once("SIGTERM", done);
  });
  await server.close();
  return 0;
}

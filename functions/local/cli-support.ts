import { type ParseArgsConfig, parseArgs } from "node:util";

/** A mistake in how the command was called: exit code 2. */
export class UsageError extends Error {
  override name = "UsageError";
}

/** A failure the user can act on, already explained: exit code 1, message only (no stack). */
export class CommandError extends Error {
  override name = "CommandError";
}

export interface Io {
  out(line: string): void;
  err(line: string): void;
  /** True when stderr is a terminal (progress is shown only then). */
  interactive: boolean;
}

/**
 * Lines written to a stream until its reader is gone. A reader that stops early (`digest stories list
 * | head -1`) closes the pipe: writing then fails with EPIPE, which is how a pipe says "enough", not a
 * failure of the command. Later lines are dropped and the command finishes as it would have (a send
 * is not cut off halfway because nobody reads its summary), with its own exit code. Any other write
 * error also stops the output rather than throwing from an event handler.
 */
export function lineWriter(stream: NodeJS.WritableStream): (line: string) => void {
  let open = true;
  stream.on("error", (err: NodeJS.ErrnoException) => {
    open = false;
    if (err.code !== "EPIPE" && stream !== process.stderr) {
      process.stderr.write(`digest: cannot write the output: ${err.message}\n`);
    }
  });
  return (line) => {
    if (open) stream.write(`${line}\n`);
  };
}

export const processIo: Io = {
  out: lineWriter(process.stdout),
  err: lineWriter(process.stderr),
  interactive: Boolean(process.stderr.isTTY),
};

type Options = NonNullable<ParseArgsConfig["options"]>;

/** parseArgs that turns unknown flags and missing values into UsageError. */
export function parseFlags<O extends Options>(args: string[], options: O) {
  try {
    return parseArgs({ args, options, allowPositionals: true, strict: true });
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
}

export const DAY_PATTERN = /^\d{4}-\d{2}-\d{2}$/;

export function requireDay(value: string | undefined, flag: string): string | undefined {
  if (value === undefined) return undefined;
  if (!DAY_PATTERN.test(value) || Number.isNaN(Date.parse(`${value}T00:00:00Z`))) {
    throw new UsageError(`${flag} expects a date as YYYY-MM-DD, got "${value}"`);
  }
  return value;
}

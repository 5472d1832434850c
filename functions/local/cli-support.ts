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

export const processIo: Io = {
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
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

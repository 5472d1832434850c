import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { ConfigError } from "../core/kernel/config.js";

/**
 * The one configuration file, `digest.config.json` (or the file $DIGEST_CONFIG names): read by local
 * `digest` runs and by `cdk synth`/`npm run deploy`, which hands the same settings to the Lambda
 * functions as environment variables and publishes them as the stack output `RuntimeConfig`, which
 * `digest --aws` reads. Its top-level keys are the digest's settings (functions/core/kernel/config.ts); the
 * `deploy` object holds what only the stack uses (infra/config.ts): sending domain, send hour, the
 * account's SES rate, deletion protection, feed polling, alarm email, stack name.
 */

export const CONFIG_FILE = "digest.config.json";
/** The member of the file that only `cdk synth` / `npm run deploy` read. */
export const DEPLOY_SECTION = "deploy";

export interface ConfigFile {
  /** Absolute path. */
  path: string;
  /** False when no file was named and ./digest.config.json does not exist: defaults only. */
  found: boolean;
  /** The digest's settings (every top-level key but `deploy`). */
  settings: Record<string, unknown>;
  /** The stack's own settings (the `deploy` object). */
  deploy: Record<string, unknown>;
}

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v);

/**
 * Reads the file at `named` (an explicit path: it must exist), else ./digest.config.json when present.
 * Throws ConfigError naming the file when it cannot be read or is not a JSON object.
 */
export function readConfigFile(named: string | undefined, cwd = process.cwd()): ConfigFile {
  const path = resolve(cwd, named || CONFIG_FILE);
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT" && !named) {
      return { path, found: false, settings: {}, deploy: {} };
    }
    throw new ConfigError(`cannot read config file ${path}: ${(err as Error).message}`);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new ConfigError(`config file ${path} is not valid JSON: ${(err as Error).message}`);
  }
  if (!isObject(value)) throw new ConfigError(`config file ${path}: expected a JSON object of settings`);
  const { [DEPLOY_SECTION]: deploy = {}, ...settings } = value;
  if (!isObject(deploy)) {
    throw new ConfigError(
      `config file ${path}: "${DEPLOY_SECTION}" must be an object of deployment settings`,
    );
  }
  return { path, found: true, settings, deploy };
}

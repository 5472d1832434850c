import { readFile } from "node:fs/promises";
import { resolve } from "node:path";
import { TABLE_ENV, TABLES, type TableName, type TableNames } from "../adapters/schema.js";
import { CONFIG_ENV } from "../core/kernel/config.js";
import { ERASURE_KEY_ENV, ERASURE_SECRET_ENV, QUEUE_ENV, TOKEN_SECRET_ENV } from "../handlers/env.js";
import { CommandError } from "./cli-support.js";

/**
 * `digest --aws`: what the deployed stack says about itself in its outputs, which `npm run deploy`
 * writes to cdk-outputs.json (`cdk deploy --outputs-file`): the tables, queue and signing secret
 * CloudFormation created, and `RuntimeConfig`, the settings its functions run with. The CLI takes
 * all of them from there (never local defaults or DIGEST_* variables), so a command run with --aws
 * sends from the sender, in the zone, with the sections and postal address the stack runs with.
 */

export const OUTPUTS_FILE = "cdk-outputs.json";

export interface DeployedStack {
  stackName: string;
  tables: TableNames;
  queueUrl: string | null;
  tokenSecretArn: string;
  /** The key erased addresses are hashed with, so erasures here and in the functions match. */
  erasureSecretArn: string;
  /** The stack's region, read from an ARN it created. */
  region: string | null;
  /** The digest's settings as the functions' DIGEST_* variables. */
  runtimeEnv: Record<string, string>;
  /** The admin console's Cognito user pool, where `digest --aws team …` invites people (null: older stack). */
  userPoolId: string | null;
}

/** Output names per table: `StoriesTableName`, … (as infra/outputs.ts names them). */
export const tableOutput = (name: TableName) => `${name[0]?.toUpperCase()}${name.slice(1)}TableName`;

/** Variables the deployed stack decides under --aws; set locally, they are ignored (and named). */
export function ignoredUnderAws(env: NodeJS.ProcessEnv): string[] {
  const decided = [
    ...Object.values(CONFIG_ENV),
    ...Object.values(TABLE_ENV),
    QUEUE_ENV,
    TOKEN_SECRET_ENV,
    "DIGEST_TOKEN_KEYS",
    ERASURE_SECRET_ENV,
    ERASURE_KEY_ENV,
    "DIGEST_CONFIG",
  ];
  return decided.filter((name) => env[name] !== undefined && env[name] !== "");
}

/**
 * Reads the deployed stack's outputs ($DIGEST_STACK_OUTPUTS, else ./cdk-outputs.json). Throws a
 * CommandError that says what to do when the file is missing, unreadable, or from an older stack.
 */
export async function readDeployedStack(env: NodeJS.ProcessEnv): Promise<DeployedStack> {
  const file = resolve(env.DIGEST_STACK_OUTPUTS || OUTPUTS_FILE);
  let all: Record<string, Record<string, string>>;
  try {
    all = JSON.parse(await readFile(file, "utf8"));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") {
      throw new CommandError(
        `--aws needs the deployed stack's outputs, and ${file} does not exist: ` +
          `"npm run deploy" writes it (or set DIGEST_STACK_OUTPUTS to the file cdk deploy --outputs-file wrote)`,
      );
    }
    throw new CommandError(`cannot read the stack outputs in ${file}: ${(err as Error).message}`);
  }
  const stacks = Object.entries(all ?? {}).filter(([, outputs]) => outputs && "RuntimeConfig" in outputs);
  if (stacks.length !== 1) {
    const found = Object.keys(all ?? {});
    throw new CommandError(
      stacks.length === 0
        ? `${file} holds no digest stack deployed by this version (stacks: ${found.join(", ") || "none"}; ` +
            `the RuntimeConfig output is missing): run "npm run deploy" again`
        : `${file} holds several digest stacks (${stacks.map(([n]) => n).join(", ")}): ` +
            "point DIGEST_STACK_OUTPUTS at a file with one",
    );
  }
  const [stackName, outputs] = stacks[0] as [string, Record<string, string>];
  const need = (key: string) => {
    const value = outputs[key];
    if (!value)
      throw new CommandError(`${file}: stack ${stackName} has no ${key} output: run "npm run deploy" again`);
    return value;
  };
  let runtimeEnv: Record<string, string>;
  try {
    runtimeEnv = JSON.parse(need("RuntimeConfig")) as Record<string, string>;
  } catch (err) {
    if (err instanceof CommandError) throw err;
    throw new CommandError(`${file}: the RuntimeConfig output of ${stackName} is not JSON`);
  }
  const tables = {} as TableNames;
  for (const name of Object.keys(TABLES) as TableName[]) tables[name] = need(tableOutput(name));
  const tokenSecretArn = need("TokenSecretArn");
  return {
    stackName,
    tables,
    queueUrl: outputs.SendQueueUrl ?? null,
    tokenSecretArn,
    erasureSecretArn: need("ErasureSecretArn"),
    region: tokenSecretArn.split(":")[3] || null,
    runtimeEnv,
    userPoolId: outputs.UserPoolId || null,
  };
}

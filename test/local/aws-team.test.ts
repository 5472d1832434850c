import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TABLES, type TableName, tableNamesFromEnv } from "../../functions/adapters/schema.js";
import { tableOutput } from "../../functions/local/deployed-stack.js";
import { type CognitoLocal, startCognitoLocal } from "../helpers/cognito-local.js";
import { startTestStack, type TestStack } from "../helpers/services.js";

/**
 * `digest --aws team add|remove` keeps the deployed console's Cognito user pool (the UserPoolId
 * output) in step with the team: here the "deployed" tables are dynalite's and the pool is
 * cognito-local's (AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER), through the real SDK clients.
 */

const POOL = "us-east-1_CliTeam01";
let stack: TestStack;
let cognito: CognitoLocal;
let awsEnv: NodeJS.ProcessEnv;

beforeAll(async () => {
  stack = await startTestStack();
  cognito = await startCognitoLocal([POOL]);
  const tables = tableNamesFromEnv(stack.env);
  const secret = (name: string) => `arn:aws:secretsmanager:us-east-1:111122223333:secret:${name}-AbCdEf`;
  const outputs = {
    RuntimeConfig: "{}",
    TokenSecretArn: secret("token"),
    ErasureSecretArn: secret("erasure"),
    UserPoolId: POOL,
    ...Object.fromEntries((Object.keys(TABLES) as TableName[]).map((n) => [tableOutput(n), tables[n]])),
  };
  const file = join(stack.dir, "cdk-outputs.json");
  await writeFile(file, JSON.stringify({ NewsletterDigest: outputs }));
  awsEnv = { DIGEST_STACK_OUTPUTS: file, AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER: cognito.url };
}, 60_000);

afterAll(async () => {
  await cognito?.close();
  await stack?.close();
});

const team = (...args: string[]) => stack.digest(["--aws", "team", ...args], awsEnv);

describe("digest --aws team", () => {
  it("add invites the person into the pool, in the role's group, and says so", async () => {
    const run = await team("add", "Mia@Example.com", "--role", "editor");
    expect(run.err).not.toMatch(/error|failed/i);
    expect(run.code).toBe(0);
    expect(run.out).toContain("added mia@example.com as editor");
    expect(run.out).toContain("invited: Cognito mailed mia@example.com a temporary password");
    expect(await cognito.user(POOL, "mia@example.com")).toMatchObject({
      status: "FORCE_CHANGE_PASSWORD",
      attributes: { email: "mia@example.com", email_verified: "true" },
    });
    expect(await cognito.groupsOf(POOL, "mia@example.com")).toEqual(["editor"]);
  });

  it("add again with another role moves the group, without a second invitation", async () => {
    const run = await team("add", "mia@example.com", "--role", "owner");
    expect(run.code).toBe(0);
    expect(run.out).toContain("mia@example.com: editor → owner");
    expect(run.out).toContain("can sign in to the admin console already");
    expect(await cognito.groupsOf(POOL, "mia@example.com")).toEqual(["owner"]);
  });

  it("remove deletes the sign-in with the member", async () => {
    expect((await team("add", "noah@example.com", "--role", "viewer")).code).toBe(0);
    const run = await team("remove", "noah@example.com");
    expect(run.code).toBe(0);
    expect(run.out).toContain("and their console sign-in");
    expect(await cognito.user(POOL, "noah@example.com")).toBeNull();
    const list = await team("list", "--json");
    expect(JSON.parse(list.out).map((m: { email: string }) => m.email)).toEqual(["mia@example.com"]);
  });

  it("without the pool in the outputs it refuses, saying what to do, and adds no one", async () => {
    const file = join(stack.dir, "old-outputs.json");
    const current = JSON.parse(
      await import("node:fs/promises").then((fs) =>
        fs.readFile(awsEnv.DIGEST_STACK_OUTPUTS as string, "utf8"),
      ),
    );
    const { UserPoolId: _, ...older } = current.NewsletterDigest;
    await writeFile(file, JSON.stringify({ NewsletterDigest: older }));
    const run = await stack.digest(["--aws", "team", "add", "zoe@example.com", "--role", "viewer"], {
      ...awsEnv,
      DIGEST_STACK_OUTPUTS: file,
    });
    expect(run.code).toBe(1);
    expect(run.err).toContain("UserPoolId");
    expect(run.err).toContain("npm run deploy");
    expect((await team("list", "--json")).out).not.toContain("zoe@example.com");
  });
});

import { type ChildProcess, spawn } from "node:child_process";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  AdminGetUserCommand,
  AdminListGroupsForUserCommand,
  CognitoIdentityProviderClient,
  CreateGroupCommand,
  UserNotFoundException,
} from "@aws-sdk/client-cognito-identity-provider";

/**
 * cognito-local (a real Cognito-speaking endpoint: the JSON protocol the SDK sends) on 127.0.0.1 with
 * a random port and a data directory of its own, in a child process (it keeps its data under its
 * working directory, `.cognito/`). The user pools named in `userPoolIds` exist from the start, with
 * the console's groups (what infra/console-auth.ts deploys): the stack's pool id, as the template
 * resolves, is what the code under test is given.
 */

export interface CognitoLocal {
  url: string;
  client: CognitoIdentityProviderClient;
  /** The user's groups, or null when the pool has no such user. */
  groupsOf(userPoolId: string, email: string): Promise<string[] | null>;
  /** What AdminGetUser says of the user, or null when there is none. */
  user(
    userPoolId: string,
    email: string,
  ): Promise<{ attributes: Record<string, string>; status: string } | null>;
  close(): Promise<void>;
}

const GROUPS = ["owner", "editor", "viewer"];

export async function startCognitoLocal(userPoolIds: string[]): Promise<CognitoLocal> {
  const dir = await mkdtemp(join(tmpdir(), "cognito-local-"));
  const db = join(dir, ".cognito", "db");
  await mkdir(db, { recursive: true });
  for (const id of userPoolIds)
    await writeFile(
      join(db, `${id}.json`),
      JSON.stringify({ Users: {}, Options: { Id: id, UsernameAttributes: ["email"] } }),
    );
  const start = createRequire(import.meta.url).resolve("cognito-local/lib/bin/start.js");
  const child: ChildProcess = spawn(process.execPath, [start], {
    cwd: dir,
    env: { PATH: process.env.PATH, PORT: "0", HOST: "127.0.0.1", NO_COLOR: "1" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  const url = await new Promise<string>((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      // biome-ignore lint/suspicious/noControlCharactersInRegex: pino-pretty may colour its lines
      const match = /running on (http:\/\/127\.0\.0\.1:\d+)/.exec(output.replace(/\x1b\[[0-9;]*m/g, ""));
      if (match) resolve(match[1] as string);
    };
    child.stdout?.on("data", onData);
    child.stderr?.on("data", onData);
    child.once("exit", (code) => reject(new Error(`cognito-local exited (${code}): ${output}`)));
  });
  const client = new CognitoIdentityProviderClient({
    endpoint: url,
    region: "us-east-1",
    credentials: { accessKeyId: "local", secretAccessKey: "local" },
  });
  for (const id of userPoolIds)
    for (const GroupName of GROUPS) await client.send(new CreateGroupCommand({ UserPoolId: id, GroupName }));
  const missing = (err: unknown) => err instanceof UserNotFoundException;
  return {
    url,
    client,
    async groupsOf(userPoolId, email) {
      try {
        // By the user's own name: cognito-local matches group members by it, not by the email alias.
        const { Username } = await client.send(
          new AdminGetUserCommand({ UserPoolId: userPoolId, Username: email }),
        );
        const out = await client.send(
          new AdminListGroupsForUserCommand({ UserPoolId: userPoolId, Username: Username ?? email }),
        );
        return (out.Groups ?? []).map((g) => g.GroupName ?? "").sort();
      } catch (err) {
        if (missing(err)) return null;
        throw err;
      }
    },
    async user(userPoolId, email) {
      try {
        const out = await client.send(new AdminGetUserCommand({ UserPoolId: userPoolId, Username: email }));
        const attributes = Object.fromEntries((out.UserAttributes ?? []).map((a) => [a.Name, a.Value]));
        return { attributes, status: out.UserStatus ?? "" };
      } catch (err) {
        if (missing(err)) return null;
        throw err;
      }
    },
    async close() {
      client.destroy();
      if (child.exitCode === null) {
        const exited = new Promise((resolve) => child.once("exit", resolve));
        child.kill();
        await exited;
      }
      await rm(dir, { recursive: true, force: true });
    },
  };
}

import { spawnSync } from "node:child_process";
import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { deployedStackEnv } from "../../functions/local/runtime.js";

const root = fileURLToPath(new URL("../..", import.meta.url));

describe("npm run deploy", () => {
  it("refuses while cdk.json still holds the example sender and domain, before calling cdk", () => {
    const run = spawnSync("npx", ["tsx", "infra/deploy.ts"], {
      cwd: root,
      encoding: "utf8",
      timeout: 60_000,
    });
    expect(run.status).toBe(1);
    expect(run.stderr).toContain("refusing to deploy");
    expect(run.stderr).toContain("digest:sendingDomain");
    expect(run.stderr).toContain("digest:senderAddress");
  });

  it("names a bad -c value before anything else runs", () => {
    const run = spawnSync("npx", ["tsx", "infra/deploy.ts", "-c", "digest:sendHour=31"], {
      cwd: root,
      encoding: "utf8",
      timeout: 60_000,
    });
    expect(run.status).toBe(1);
    expect(run.stderr).toMatch(/digest:sendHour: /);
  });
});

describe("digest --aws", () => {
  it("takes table names, secret, configuration set and URL from the stack outputs unless the environment sets them", async () => {
    const dir = await mkdtemp(join(tmpdir(), "digest-outputs-"));
    const file = join(dir, "cdk-outputs.json");
    await writeFile(
      file,
      JSON.stringify({
        NewsletterDigest: {
          ApiUrl: "https://abc123.execute-api.eu-west-1.amazonaws.com",
          StoriesTableName: "NewsletterDigest-StoriesTable-1",
          SubscribersTableName: "NewsletterDigest-SubscribersTable-2",
          SendsTableName: "NewsletterDigest-SendsTable-3",
          TokenSecretArn: "arn:aws:secretsmanager:eu-west-1:1:secret:x",
          ConfigurationSetName: "cs-1",
        },
      }),
    );
    const env = await deployedStackEnv({ DIGEST_STACK_OUTPUTS: file, DIGEST_TABLE_SENDS: "mine" });
    expect(env).toMatchObject({
      DIGEST_TABLE_STORIES: "NewsletterDigest-StoriesTable-1",
      DIGEST_TABLE_SUBSCRIBERS: "NewsletterDigest-SubscribersTable-2",
      DIGEST_TABLE_SENDS: "mine",
      DIGEST_TOKEN_SECRET_ARN: "arn:aws:secretsmanager:eu-west-1:1:secret:x",
      DIGEST_SES_CONFIGURATION_SET: "cs-1",
      DIGEST_PUBLIC_BASE_URL: "https://abc123.execute-api.eu-west-1.amazonaws.com",
    });
  });
});

import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const root = fileURLToPath(new URL("../..", import.meta.url));
/** `npm run deploy -- …` as the script runs it (tsx), without npm and npx starting first. */
const deploy = (...args: string[]) =>
  spawnSync(process.execPath, ["--import", "tsx", "infra/deploy.ts", ...args], {
    cwd: root,
    encoding: "utf8",
    timeout: 60_000,
  });

describe("npm run deploy", () => {
  it("refuses while the configuration still holds the example sender and domain, before calling cdk", () => {
    const run = deploy();
    expect(run.status).toBe(1);
    expect(run.stderr).toContain("refusing to deploy");
    expect(run.stderr).toContain("deploy.sendingDomain");
    expect(run.stderr).toContain("senderAddress");
  });

  it("names a bad -c value before anything else runs", () => {
    const run = deploy("-c", "digest:sendHour=31");
    expect(run.status).toBe(1);
    expect(run.stderr).toMatch(/digest:sendHour: /);
  });
});

import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { ConfigError } from "../../functions/core/kernel/config.js";
import { readConfigFile } from "../../functions/local/config-file.js";
import { loadConfig } from "../../functions/local/runtime.js";
import { DeploymentConfigError, readDeploymentConfig } from "../../infra/config.js";

/** digest.config.json is the one file: local runs and the deployment read the same settings from it. */

const dirs: string[] = [];
afterEach(async () => {
  for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true });
});

async function file(content: unknown): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "digest-config-"));
  dirs.push(dir);
  const path = join(dir, "digest.config.json");
  await writeFile(path, typeof content === "string" ? content : JSON.stringify(content));
  return path;
}

const newsroom = {
  senderAddress: "digest@news.lakeside-herald.org",
  postalAddress: "Lakeside Herald, 4 Quay Street, Wexmoor",
  timeZone: "Pacific/Auckland",
  sections: ["Harbour", "Weather"],
  maxStories: 12,
  deploy: { sendHour: 7, maxSendRate: 50 },
};

describe("the configuration file", () => {
  it("gives local runs and the deployment the same settings; DIGEST_* variables override locally only", async () => {
    const path = await file(newsroom);
    const local = await loadConfig({ DIGEST_CONFIG: path });
    const deployment = readDeploymentConfig(() => undefined, readConfigFile(path));
    expect(deployment.digest).toEqual(local);
    expect(deployment.stack).toMatchObject({
      sendingDomain: "news.lakeside-herald.org", // the sender's domain unless set
      sendHour: 7,
      maxSendRate: 50,
      stackName: "NewsletterDigest",
    });
    expect(deployment.environment).toMatchObject({
      DIGEST_SENDER_ADDRESS: "digest@news.lakeside-herald.org",
      DIGEST_SECTIONS: "Harbour,Weather",
      DIGEST_MAX_STORIES: "12",
    });
    const overridden = await loadConfig({ DIGEST_CONFIG: path, DIGEST_MAX_STORIES: "5" });
    expect(overridden.maxStories).toBe(5);
  });

  it("lets -c digest:<key> override any key for a deployment, and names each bad key where it was set", () => {
    const base = {
      path: "digest.config.json",
      settings: { timeZone: "Mars/Olympus" },
      deploy: { sendHour: 31 },
    };
    let message = "";
    try {
      readDeploymentConfig((key) => ({ "digest:maxStories": 0 })[key], base);
    } catch (err) {
      expect(err).toBeInstanceOf(DeploymentConfigError);
      message = (err as Error).message;
    }
    expect(message).toContain("digest.config.json");
    expect(message).toContain("timeZone: not an IANA time zone");
    expect(message).toContain("deploy.sendHour: ");
    expect(message).toContain("digest:maxStories: expected a whole number from 1 to 200");
    const fixed = readDeploymentConfig(
      (key) => ({ "digest:timeZone": "Europe/Berlin", "digest:sendHour": "5" })[key],
      base,
    );
    expect(fixed.digest.timeZone).toBe("Europe/Berlin");
    expect(fixed.stack.sendHour).toBe(5);
  });

  it("refuses unknown keys, in the settings and in deploy", () => {
    expect(() =>
      readDeploymentConfig(() => undefined, {
        path: "x",
        settings: { brandNmae: "typo" },
        deploy: { sendHours: 6 },
      }),
    ).toThrow(/brandNmae: unknown setting[\s\S]*deploy\.sendHours: unknown setting/);
  });

  it("is optional unless named; a named file that is missing or malformed is an error naming it", async () => {
    const dir = await mkdtemp(join(tmpdir(), "digest-config-"));
    dirs.push(dir);
    expect(readConfigFile(undefined, dir)).toMatchObject({ found: false, settings: {}, deploy: {} });
    expect(() => readConfigFile(join(dir, "nope.json"))).toThrow(ConfigError);
    expect(() => readConfigFile(join(dir, "nope.json"))).toThrow(/nope\.json/);
    expect(() => readConfigFile(undefined, dir)).not.toThrow();
    const bad = await file("{ not json");
    expect(() => readConfigFile(bad)).toThrow(/not valid JSON/);
    const list = await file([1, 2]);
    expect(() => readConfigFile(list)).toThrow(/JSON object/);
    const deploy = await file({ deploy: "yes" });
    expect(() => readConfigFile(deploy)).toThrow(/"deploy" must be an object/);
  });
});

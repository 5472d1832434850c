import { randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Template } from "aws-cdk-lib/assertions";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseTokenKeys, signingKeysFromEnv } from "../../functions/adapters/secret-keys.js";
import { signToken, verifyToken } from "../../functions/core/subscribers/tokens.js";
import { loadSigningKeys } from "../../functions/local/runtime.js";
import { type AwsStubs, startAwsStubs } from "../helpers/aws-stubs.js";
import {
  type CfnTemplate,
  type GenerateSecretString,
  generateLikeSecretsManager,
  secretGenerator,
} from "../helpers/deployed-template.js";
import { stackWithoutChecks } from "./synth.js";

/**
 * The link-signing secret: the value CloudFormation generates from the template is the format the
 * functions and the CLI read (one parser), and rotating it as the README says keeps old links valid.
 */

let generator: GenerateSecretString;
beforeAll(() => {
  // The template as deployed; cdk-nag's review of it is stack.test.ts's.
  const { stack } = stackWithoutChecks();
  generator = secretGenerator(Template.fromStack(stack).toJSON() as CfnTemplate);
}, 180_000);

describe("the generated signing secret", () => {
  it("is read as keys by the one parser, whatever the generator draws", () => {
    for (let i = 0; i < 20; i++) {
      const value = generateLikeSecretsManager(generator);
      const keys = parseTokenKeys(value);
      expect(keys).toHaveLength(1);
      expect(keys[0]?.secret.length).toBeGreaterThanOrEqual(32);
      const token = signToken("unsubscribe", "sub123", keys[0] as never);
      expect(verifyToken(token, "unsubscribe", keys).ok).toBe(true);
    }
  });

  it("is the same format DIGEST_TOKEN_KEYS takes locally", async () => {
    const value = generateLikeSecretsManager(generator);
    const home = await mkdtemp(join(tmpdir(), "digest-keys-"));
    try {
      const local = await loadSigningKeys(home, { DIGEST_TOKEN_KEYS: value });
      expect(local).toEqual(parseTokenKeys(value));
      expect(await signingKeysFromEnv({ DIGEST_TOKEN_KEYS: value })).toEqual(parseTokenKeys(value));
    } finally {
      await rm(home, { recursive: true, force: true });
    }
  });
});

describe("rotating the signing key (README: Rotating the signing key)", () => {
  it("keeps links signed with the old key valid, signs new links with the new one", () => {
    const generated = generateLikeSecretsManager(generator);
    const before = parseTokenKeys(generated);
    const oldLink = signToken("unsubscribe", "sub123", before[0] as never);
    const oldId = before[0]?.id as string;
    const value = JSON.parse(generated) as Record<string, string>;

    // Step 1: add the new key; the old one still signs, both verify.
    value.k2 = randomBytes(48).toString("base64");
    const added = parseTokenKeys(JSON.stringify(value));
    expect(added.map((k) => k.id)).toEqual([oldId, "k2"]);

    // Step 2: the new key signs; the old one stays, so the old link still works.
    value.current = "k2";
    const after = parseTokenKeys(JSON.stringify(value));
    expect(after[0]?.id).toBe("k2");
    expect(verifyToken(oldLink, "unsubscribe", after).ok).toBe(true);
    const newLink = signToken("unsubscribe", "sub123", after[0] as never);
    expect(verifyToken(newLink, "unsubscribe", after).ok).toBe(true);
    // Signed with k2: a function still holding the old value (step 1 skipped) would refuse it.
    expect(verifyToken(newLink, "unsubscribe", before).ok).toBe(false);
    expect(verifyToken(newLink, "unsubscribe", added).ok).toBe(true);
  });

  it("explains what is wrong with a value it cannot read, instead of guessing", () => {
    const key = randomBytes(48).toString("base64");
    expect(() => parseTokenKeys(JSON.stringify({ current: "k9", k1: key }))).toThrow(/current.*k9/);
    expect(() => parseTokenKeys(JSON.stringify({ k1: key }))).toThrow(/"current"/);
    expect(() => parseTokenKeys(JSON.stringify({ current: "k1", k1: "c2hvcnQ=" }))).toThrow(
      /at least 32 bytes/,
    );
    expect(() => parseTokenKeys(JSON.stringify({ current: "k1", k1: `${key}!` }))).toThrow(/base64/);
    expect(() => parseTokenKeys("kT9mQ2vX7pL4sN8wR1yB6cF3hJ5dG0zA2eU7iO9aS4qW1xE6rT8yU3iP5oL7kJ2h")).toThrow(
      /keyId/,
    );
  });
});

describe("the deployed functions read the secret the stack generated", () => {
  let stubs: AwsStubs;
  const arn = `arn:aws:secretsmanager:us-east-1:000000000000:secret:digest-token-${randomBytes(4).toString("hex")}`;
  const value = () => generateLikeSecretsManager(generator);
  let stored = "";
  beforeAll(async () => {
    stored = value();
    stubs = await startAwsStubs({ [arn]: stored });
  });
  afterAll(async () => {
    await stubs?.close();
  });

  it("from Secrets Manager, with the same parser", async () => {
    const saved = { ...process.env };
    Object.assign(process.env, {
      AWS_ENDPOINT_URL_SECRETS_MANAGER: stubs.url,
      AWS_REGION: "us-east-1",
      AWS_ACCESS_KEY_ID: "test",
      AWS_SECRET_ACCESS_KEY: "test",
    });
    try {
      const keys = await signingKeysFromEnv({ DIGEST_TOKEN_SECRET_ARN: arn });
      expect(keys).toEqual(parseTokenKeys(stored));
    } finally {
      process.env = saved;
    }
  });
});

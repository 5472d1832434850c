import { z } from "zod";
import { CONFIG_ENV, ConfigError, type DigestConfig, parseConfig } from "../functions/core/config.js";

/**
 * Deployment configuration from CDK context (`cdk.json` or `-c digest:key=value`). The digest's own
 * settings are validated by the same module the runtime uses (functions/core/config.ts) and reach the
 * Lambda functions through the same environment variable names; the keys below are the stack's own.
 */

const PREFIX = "digest:";

const domain = z
  .string()
  .trim()
  .toLowerCase()
  .regex(
    /^(?=.{4,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/,
    "not a domain name (e.g. news.example.org)",
  );

const bool = z.union([z.boolean(), z.enum(["true", "false"]).transform((v) => v === "true")]);

const stackSchema = z.object({
  sendingDomain: domain,
  sendHour: z.coerce.number({ message: "expected an hour 0–23" }).int().min(0).max(23),
  /** Messages per second the SES account may send (GetAccount MaxSendRate); sizes the send fleet. */
  maxSendRate: z.coerce.number({ message: "expected messages per second ≥ 1" }).min(1).max(10_000),
  deletionProtection: bool,
  /** Minutes between feed polls (the ingest function); it also runs 15 minutes before the send hour. */
  feedPollMinutes: z.coerce.number({ message: "expected minutes from 5 to 1440" }).int().min(5).max(1440),
  /** Optional: where the alarms are emailed. */
  alarmEmail: z.string().trim().email({ message: "not an email address" }).optional(),
  /**
   * About how many recipients a day's edition goes to: how long the send fleet takes to drain the
   * queue, hence how old its oldest message may get before the queue-age alarm calls it stuck.
   */
  expectedRecipients: z.coerce
    .number({ message: "expected a whole number of recipients ≥ 1" })
    .int()
    .min(1)
    .max(100_000_000),
});

export type StackSettings = z.infer<typeof stackSchema>;

export interface DeploymentConfig {
  stack: StackSettings;
  /** The digest's runtime settings (publicBaseUrl may be absent: then the API's own URL is used). */
  digest: DigestConfig;
  /** Context values for the runtime, as the environment variables the functions read. */
  environment: Record<string, string>;
  publicBaseUrlGiven: boolean;
}

export class DeploymentConfigError extends Error {
  override name = "DeploymentConfigError";
}

type ContextReader = (key: string) => unknown;

/** Reads and validates every `digest:*` context key; throws one error listing every bad key. */
export function readDeploymentConfig(get: ContextReader): DeploymentConfig {
  const problems: string[] = [];
  const raw = (key: string) => get(`${PREFIX}${key}`);
  const stack = stackSchema.safeParse({
    sendingDomain: raw("sendingDomain"),
    sendHour: raw("sendHour") ?? 6,
    maxSendRate: raw("maxSendRate") ?? 14,
    deletionProtection: raw("deletionProtection") ?? true,
    feedPollMinutes: raw("feedPollMinutes") ?? 30,
    alarmEmail: raw("alarmEmail"),
    expectedRecipients: raw("expectedRecipients") ?? 10_000,
  });
  if (!stack.success) {
    for (const issue of stack.error.issues) {
      const key = String(issue.path[0]);
      const message = issue.code === "invalid_type" && raw(key) === undefined ? "required" : issue.message;
      problems.push(`${PREFIX}${key}: ${message}`);
    }
  }
  const environment: Record<string, string> = {};
  for (const [key, envName] of Object.entries(CONFIG_ENV)) {
    const value = raw(key);
    if (value !== undefined && value !== null && value !== "")
      environment[envName] = Array.isArray(value) ? value.join(",") : String(value);
  }
  let digest: DigestConfig | null = null;
  try {
    digest = parseConfig({}, environment);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    for (const line of err.message.split("\n").slice(1)) {
      // "key (ENV): reason" → "digest:key: reason"
      problems.push(line.trim().replace(/^(\w+) \([A-Z_]+\):/, `${PREFIX}$1:`));
    }
  }
  if (stack.success && digest) {
    const senderDomain = digest.senderAddress.split("@")[1] ?? "";
    const sendingDomain = stack.data.sendingDomain;
    if (senderDomain !== sendingDomain && !senderDomain.endsWith(`.${sendingDomain}`)) {
      problems.push(
        `${PREFIX}senderAddress: ${digest.senderAddress} is not on the sending domain ${sendingDomain}`,
      );
    }
  }
  if (problems.length > 0 || !stack.success || !digest) {
    throw new DeploymentConfigError(
      `invalid deployment configuration (cdk.json context or -c flags):\n  ${problems.join("\n  ")}`,
    );
  }
  return { stack: stack.data, digest, environment, publicBaseUrlGiven: Boolean(raw("publicBaseUrl")) };
}

/** True while the configuration still carries the example values shipped in cdk.json. */
export function usesExampleValues(config: DeploymentConfig): string[] {
  const examples: string[] = [];
  if (/(^|\.)example\.(com|org|net)$/.test(config.stack.sendingDomain))
    examples.push(`${PREFIX}sendingDomain`);
  if (/@(.+\.)?example\.(com|org|net)$/.test(config.digest.senderAddress))
    examples.push(`${PREFIX}senderAddress`);
  if (/Example Street/.test(config.digest.postalAddress)) examples.push(`${PREFIX}postalAddress`);
  return examples;
}

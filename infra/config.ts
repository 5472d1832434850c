import { z } from "zod";
import { CONFIG_ENV, ConfigError, type DigestConfig, parseConfig } from "../functions/core/kernel/config.js";
import { type ConfigFile, DEPLOY_SECTION } from "../functions/local/config-file.js";

/**
 * The deployment's configuration: the same file local runs read (digest.config.json, see
 * functions/local/config-file.ts), its `deploy` object for the stack's own settings, and
 * `-c digest:<key>=<value>` on the cdk/deploy command line as a documented override of any key. The
 * digest's settings are validated by the module the runtime uses (functions/core/kernel/config.ts) and reach
 * the functions as the same environment variables; DIGEST_* variables of the deploying shell are not
 * read (a local override never leaks into a deployment).
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

/** The name a federated IdP has in the pool (and on the hosted UI's button). */
const providerName = z
  .string()
  .trim()
  .regex(/^[A-Za-z0-9][A-Za-z0-9-]{0,30}[A-Za-z0-9]$/, "2–32 letters, digits and hyphens")
  .refine((n) => !/^(cognito|google|facebook|loginwithamazon|signinwithapple)$/i.test(n), {
    message: "is the name of a provider Cognito has built in",
  });
const httpsUrl = z
  .string()
  .trim()
  .url({ message: "not a URL" })
  .refine((u) => u.startsWith("https://"), { message: "must be https" });

/**
 * A newsroom's own identity provider, federated through the console's user pool (infra/console-auth.ts).
 * OIDC: the client secret stays in Secrets Manager (`clientSecretName`: the name or ARN of a secret
 * holding it as plain text), which CloudFormation resolves at deploy time: never in the template.
 * Roles are no claim of the IdP's: a federated person's role is their team membership, by email.
 */
const consoleIdpSchema = z.preprocess(
  // -c digest:consoleIdp='{"kind":"oidc",…}' arrives as a string.
  (value) => {
    if (typeof value !== "string") return value;
    try {
      return JSON.parse(value);
    } catch {
      return value;
    }
  },
  z.discriminatedUnion(
    "kind",
    [
      z
        .object({
          kind: z.literal("oidc"),
          name: providerName,
          issuer: httpsUrl,
          clientId: z.string().trim().min(1, "required"),
          clientSecretName: z
            .string()
            .trim()
            .regex(/^(arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:)?[\w/+=.@-]{1,512}$/, {
              message: "a Secrets Manager secret name or ARN",
            }),
          scopes: z.array(z.string().regex(/^\S+$/)).nonempty().default(["openid", "email", "profile"]),
        })
        .strict(),
      z
        .object({
          kind: z.literal("saml"),
          name: providerName,
          metadataUrl: httpsUrl,
          /** The assertion's attribute carrying the address. */
          emailAttribute: z
            .string()
            .trim()
            .min(1)
            .default("http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress"),
        })
        .strict(),
    ],
    { message: 'expected {"kind": "oidc", …} or {"kind": "saml", …}' },
  ),
);
export type ConsoleIdp = z.infer<typeof consoleIdpSchema>;

const stackSchema = z.object({
  /** The SES domain identity; default: the sender address's domain. */
  sendingDomain: domain,
  sendHour: z.coerce.number({ message: "expected an hour 0–23" }).int().min(0).max(23).default(6),
  /** Messages per second the SES account may send (GetAccount MaxSendRate); sizes the send fleet. */
  maxSendRate: z.coerce
    .number({ message: "expected messages per second ≥ 1" })
    .min(1)
    .max(10_000)
    .default(14),
  deletionProtection: bool.default(true),
  /** Minutes between feed polls (the ingest function); it also runs 15 minutes before the send hour. */
  feedPollMinutes: z.coerce
    .number({ message: "expected minutes from 5 to 1440" })
    .int()
    .min(5)
    .max(1440)
    .default(30),
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
    .max(100_000_000)
    .default(10_000),
  stackName: z
    .string()
    .regex(/^[A-Za-z][A-Za-z0-9-]{0,127}$/, "a CloudFormation stack name (letters, digits, -)")
    .default("NewsletterDigest"),
  /** Optional: the readers' host name (links in emails, pages); CloudFront serves it (infra/cdn.ts). */
  publicDomain: domain.optional(),
  /** The ACM certificate of publicDomain; CloudFront only takes certificates from us-east-1. */
  certificateArn: z
    .string()
    .trim()
    .regex(
      /^arn:aws[a-z-]*:acm:[a-z0-9-]+:\d{12}:certificate\/[A-Za-z0-9-]+$/,
      "not an ACM certificate ARN (arn:aws:acm:us-east-1:<account>:certificate/<id>)",
    )
    .refine((arn) => arn.split(":")[3] === "us-east-1", {
      message: "CloudFront only uses certificates from us-east-1: request or import it there",
    })
    .optional(),
  /** Optional: the Route 53 hosted zone of publicDomain; the stack then adds its alias records. */
  hostedZoneId: z
    .string()
    .trim()
    .regex(/^Z[A-Z0-9]{1,31}$/, "not a Route 53 hosted zone id (Z followed by letters and digits)")
    .optional(),
  /**
   * Multi-factor sign-in to the admin console (the Cognito user pool): "required" (default: every
   * member sets up an authenticator app at first sign-in), "optional" (members may) or "off".
   */
  consoleMfa: z
    .enum(["off", "optional", "required"], { message: "expected off, optional or required" })
    .default("required"),
  /**
   * The prefix of the console's Cognito sign-in domain (<prefix>.auth.<region>.amazoncognito.com):
   * unique in the region; lower-case letters, digits and hyphens; no "aws", "amazon" or "cognito".
   * Default: the stack name in lower case and the account id.
   */
  consoleDomainPrefix: z
    .string()
    .trim()
    .regex(/^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/, "lower-case letters, digits and hyphens (at most 63)")
    .refine((p) => !/aws|amazon|cognito/.test(p), { message: 'may not contain "aws", "amazon" or "cognito"' })
    .optional(),
  /** Optional: the newsroom's own IdP (OIDC or SAML) on the console's sign-in page, beside Cognito's. */
  consoleIdp: consoleIdpSchema.optional(),
});

export type StackSettings = z.infer<typeof stackSchema>;
const STACK_KEYS = Object.keys(stackSchema.shape) as (keyof StackSettings)[];

export interface DeploymentConfig {
  stack: StackSettings;
  /**
   * The digest's runtime settings (publicBaseUrl may be absent: then the public URL the stack serves,
   * https://<publicDomain> or the CloudFront distribution's own, is used).
   */
  digest: DigestConfig;
  /** The digest's settings as the environment variables the functions read. */
  environment: Record<string, string>;
  publicBaseUrlGiven: boolean;
}

export class DeploymentConfigError extends Error {
  override name = "DeploymentConfigError";
}

type ContextReader = (key: string) => unknown;

/** No configuration file: defaults and context only. */
const NO_FILE: Pick<ConfigFile, "path" | "settings" | "deploy"> = {
  path: "digest.config.json (absent)",
  settings: {},
  deploy: {},
};

const given = (value: unknown) => value !== undefined && value !== null && value !== "";

/**
 * Validates the deployment's settings: `file` (digest.config.json) overlaid by `-c digest:<key>` context
 * values from `get`. Throws one DeploymentConfigError listing every bad key, each named where it was
 * set: `digest:<key>` (context), `<key>` or `deploy.<key>` (the file).
 */
export function readDeploymentConfig(
  get: ContextReader,
  file: Pick<ConfigFile, "path" | "settings" | "deploy"> = NO_FILE,
): DeploymentConfig {
  const problems: string[] = [];
  const fromContext = (key: string) => get(`${PREFIX}${key}`);
  const nameOf = (key: string, deploy: boolean) =>
    given(fromContext(key)) ? `${PREFIX}${key}` : deploy ? `${DEPLOY_SECTION}.${key}` : key;

  // The digest's settings: the file's, then context overrides, as the functions' environment.
  const settings: Record<string, unknown> = { ...file.settings };
  for (const key of Object.keys(CONFIG_ENV)) {
    const value = fromContext(key);
    if (given(value)) settings[key] = value;
  }
  const environment: Record<string, string> = {};
  for (const [key, envName] of Object.entries(CONFIG_ENV)) {
    const value = settings[key];
    if (given(value)) environment[envName] = Array.isArray(value) ? value.join(",") : String(value);
  }
  for (const key of Object.keys(settings)) {
    if (!(key in CONFIG_ENV)) problems.push(`${key}: unknown setting`);
  }
  let digest: DigestConfig | null = null;
  try {
    digest = parseConfig({}, environment);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    for (const line of err.message.split("\n").slice(1)) {
      // "key (ENV): reason" → "<where it was set>: reason"
      const match = /^\s*(\w+) \([A-Z_]+\): (.*)$/.exec(line);
      problems.push(match ? `${nameOf(match[1] as string, false)}: ${match[2]}` : line.trim());
    }
  }

  // The stack's own settings.
  const raw: Record<string, unknown> = { ...file.deploy };
  for (const key of STACK_KEYS) {
    const value = fromContext(key);
    if (given(value)) raw[key] = value;
  }
  for (const key of Object.keys(file.deploy)) {
    if (!STACK_KEYS.includes(key as keyof StackSettings))
      problems.push(`${DEPLOY_SECTION}.${key}: unknown setting`);
  }
  const senderDomain = digest?.senderAddress.split("@")[1];
  if (!given(raw.sendingDomain) && senderDomain) raw.sendingDomain = senderDomain;
  const stack = stackSchema.safeParse(raw);
  if (!stack.success) {
    for (const issue of stack.error.issues) {
      const key = String(issue.path[0]);
      const message = issue.code === "invalid_type" && raw[key] === undefined ? "required" : issue.message;
      const inner = issue.path.slice(1).join(".");
      problems.push(`${nameOf(key, true)}${inner ? `.${inner}` : ""}: ${message}`);
    }
  }
  if (stack.success && digest && senderDomain) {
    const sendingDomain = stack.data.sendingDomain;
    if (senderDomain !== sendingDomain && !senderDomain.endsWith(`.${sendingDomain}`)) {
      problems.push(
        `${nameOf("senderAddress", false)}: ${digest.senderAddress} is not on the sending domain ${sendingDomain}`,
      );
    }
  }
  if (stack.success) {
    const { publicDomain, certificateArn, hostedZoneId } = stack.data;
    if (publicDomain && !certificateArn)
      problems.push(
        `${nameOf("certificateArn", true)}: required with publicDomain (an ACM certificate for ${publicDomain} in us-east-1)`,
      );
    if (!publicDomain && certificateArn)
      problems.push(`${nameOf("certificateArn", true)}: only used with publicDomain, which is not set`);
    if (!publicDomain && hostedZoneId)
      problems.push(`${nameOf("hostedZoneId", true)}: only used with publicDomain, which is not set`);
  }
  if (problems.length > 0 || !stack.success || !digest) {
    throw new DeploymentConfigError(
      `invalid deployment configuration (${file.path}, -c ${PREFIX}<key>=<value> overrides):\n  ${problems.join("\n  ")}`,
    );
  }
  return { stack: stack.data, digest, environment, publicBaseUrlGiven: given(settings.publicBaseUrl) };
}

/**
 * The digest's settings exactly as the functions get them (DIGEST_* variables), with what only the
 * deployment knows: its configuration set and, unless configured, the public URL (the CloudFront
 * distribution's, infra/cdn.ts) as the public base URL. The stack publishes this as its `RuntimeConfig` output; `digest --aws` reads it.
 */
export function deployedRuntimeEnvironment(
  config: DeploymentConfig,
  deployed: { configurationSet: string; publicUrl: string },
): Record<string, string> {
  return {
    ...config.environment,
    [CONFIG_ENV.configurationSet]: deployed.configurationSet,
    ...(config.publicBaseUrlGiven ? {} : { [CONFIG_ENV.publicBaseUrl]: deployed.publicUrl }),
  };
}

/** The settings that still hold the example values (names as in digest.config.json). */
export function usesExampleValues(config: DeploymentConfig): string[] {
  const examples: string[] = [];
  if (/(^|\.)example\.(com|org|net)$/.test(config.stack.sendingDomain))
    examples.push(`${DEPLOY_SECTION}.sendingDomain`);
  if (/@(.+\.)?example\.(com|org|net)$/.test(config.digest.senderAddress)) examples.push("senderAddress");
  if (/Example Street/.test(config.digest.postalAddress)) examples.push("postalAddress");
  return examples;
}

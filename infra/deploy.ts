import { spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { ConfigError } from "../functions/core/kernel/config.js";
import { readConfigFile } from "../functions/local/config-file.js";
import { DeploymentConfigError, readDeploymentConfig, usesExampleValues } from "./config.js";

/**
 * `npm run deploy [-- cdk deploy flags]`: refuses while the configuration (digest.config.json and -c
 * overrides, as synth reads them) still carries the example sender, domain or postal address, deploys
 * with the CDK CLI, then prints the DNS records the sending domain needs and how to point
 * `digest --aws` at the stack (its outputs, RuntimeConfig included, go to cdk-outputs.json).
 */

const root = fileURLToPath(new URL("..", import.meta.url));
const OUTPUTS = "cdk-outputs.json";
const args = process.argv.slice(2);

/** cdk.json's context overlaid with `-c key=value` / `--context key=value` flags. */
function context(): Record<string, unknown> {
  const values: Record<string, unknown> = { ...JSON.parse(readFileSync(`${root}/cdk.json`, "utf8")).context };
  for (let i = 0; i < args.length; i++) {
    const flag = args[i];
    const pair =
      flag === "-c" || flag === "--context"
        ? args[i + 1]
        : flag?.startsWith("--context=")
          ? flag.slice(10)
          : undefined;
    if (pair?.includes("=")) values[pair.slice(0, pair.indexOf("="))] = pair.slice(pair.indexOf("=") + 1);
  }
  return values;
}

function preflight(): void {
  const values = context();
  let examples: string[];
  try {
    const named = values["digest:config"] ?? process.env.DIGEST_CONFIG;
    const file = readConfigFile(typeof named === "string" ? named : undefined, root);
    examples = usesExampleValues(readDeploymentConfig((key) => values[key], file));
  } catch (err) {
    if (err instanceof DeploymentConfigError || err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`);
      process.exit(1);
    }
    throw err;
  }
  if (examples.length > 0) {
    process.stderr.write(
      `refusing to deploy: these settings still hold example values:\n  ${examples.join("\n  ")}\n` +
        "Set your own in digest.config.json (start from digest.config.example.json), e.g.\n" +
        '  { "senderAddress": "digest@news.yourpaper.org", "postalAddress": "Your Paper, 1 High Street, Town",\n' +
        '    "deploy": { "sendingDomain": "news.yourpaper.org" } }\n' +
        "or override a key on the command line: npm run deploy -- -c digest:<key>=<value>\n",
    );
    process.exit(1);
  }
}

function printNextSteps(): void {
  if (!existsSync(`${root}/${OUTPUTS}`)) return;
  const outputs = Object.values(JSON.parse(readFileSync(`${root}/${OUTPUTS}`, "utf8")))[0] as Record<
    string,
    string
  >;
  const dns = Object.entries(outputs)
    .filter(([key]) => /^(DkimRecord\d|MailFromMx|MailFromSpf|Dmarc)$/.test(key))
    .map(([, value]) => `  ${value}`);
  process.stdout.write(
    `\nDNS records the sending domain needs (SES verifies the domain once the DKIM records resolve):\n${dns.join("\n")}\n` +
      `\nReaders' links: ${outputs.PublicUrl} (CloudFront: ${outputs.DistributionDomainName}; a custom domain without ` +
      `deploy.hostedZoneId needs a CNAME to it)\nAdmin API (SigV4): ${outputs.ApiUrl}\n` +
      `Use the deployed stack from this machine: npx digest --aws <command> (reads ${OUTPUTS}).\n`,
  );
}

preflight();
const result = spawnSync("npx", ["cdk", "deploy", "--outputs-file", OUTPUTS, ...args], {
  cwd: root,
  stdio: "inherit",
});
if (result.status === 0) printNextSteps();
process.exit(result.status ?? 1);

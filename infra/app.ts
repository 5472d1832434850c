import { App, Tags, Validations } from "aws-cdk-lib";
import { AwsSolutionsChecks } from "cdk-nag";
import { ConfigError } from "../functions/core/kernel/config.js";
import { ensureTemplatesBuilt } from "../functions/local/build-templates.js";
import { readConfigFile } from "../functions/local/config-file.js";
import { DeploymentConfigError, readDeploymentConfig } from "./config.js";
import { acknowledgeNagFindings } from "./nag.js";
import { DigestStack } from "./stack.js";

/**
 * The CDK app: `npx cdk synth` / `npm run synth`, `npm run deploy`. Configuration comes from the file
 * local runs read (`-c digest:config=<path>`, else $DIGEST_CONFIG, else ./digest.config.json), with
 * `-c digest:<key>=<value>` overriding any key; an invalid value stops synth with a message naming it.
 */
export function buildApp(app = new App(), opts: { checks?: boolean } = {}): { app: App; stack: DigestStack } {
  const config = readDeploymentConfig((key) => app.node.tryGetContext(key), deploymentConfigFile(app));
  const stack = new DigestStack(app, config.stack.stackName, {
    config,
    env: { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION },
    description: "Serverless newsletter digest: daily MJML edition sent through Amazon SES",
  });
  Tags.of(stack).add("app", "newsletter-digest");
  acknowledgeNagFindings(stack);
  // cdk-nag v3: a validation plugin, run on every synth; unacknowledged findings fail it. Only tests
  // that run the template rather than review it (the deployed-stack twin) leave it out.
  if (opts.checks !== false) Validations.of(app).addPlugins(new AwsSolutionsChecks(app, { verbose: true }));
  return { app, stack };
}

/** The configuration file the deployment reads (see buildApp). */
export function deploymentConfigFile(app: App) {
  const named: unknown = app.node.tryGetContext("digest:config") ?? process.env.DIGEST_CONFIG;
  try {
    return readConfigFile(typeof named === "string" ? named : undefined);
  } catch (err) {
    if (err instanceof ConfigError) throw new DeploymentConfigError(err.message);
    throw err;
  }
}

const isMain = process.argv[1] && import.meta.url.endsWith(process.argv[1].split("/").pop() ?? "");
if (isMain) {
  try {
    // The Lambda bundles import the compiled template: build it before esbuild runs.
    await ensureTemplatesBuilt();
    buildApp().app.synth();
  } catch (err) {
    if (err instanceof DeploymentConfigError) {
      process.stderr.write(`${err.message}\n`);
      process.exit(1);
    }
    throw err;
  }
}

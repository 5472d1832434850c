import { App, Tags, Validations } from "aws-cdk-lib";
import { AwsSolutionsChecks } from "cdk-nag";
import { ensureTemplatesBuilt } from "../functions/local/build-templates.js";
import { DeploymentConfigError, readDeploymentConfig } from "./config.js";
import { acknowledgeNagFindings } from "./nag.js";
import { DigestStack } from "./stack.js";

/**
 * The CDK app: `npx cdk synth` / `npm run synth`, `npm run deploy`. Configuration comes from cdk.json
 * context or `-c digest:key=value`; an invalid value stops synth with a message naming the key.
 */
export function buildApp(app = new App()): { app: App; stack: DigestStack } {
  const config = readDeploymentConfig((key) => app.node.tryGetContext(key));
  const stack = new DigestStack(app, app.node.tryGetContext("digest:stackName") ?? "NewsletterDigest", {
    config,
    env: { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION },
    description: "Serverless newsletter digest: daily MJML edition sent through Amazon SES",
  });
  Tags.of(stack).add("app", "newsletter-digest");
  acknowledgeNagFindings(stack);
  // cdk-nag v3: a validation plugin, run on every synth; unacknowledged findings fail it.
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app, { verbose: true }));
  return { app, stack };
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

import {
  CfnOutput,
  type aws_cognito as cognito,
  type aws_dynamodb as dynamodb,
  type aws_lambda_nodejs as nodejs,
  type Stack,
  type aws_secretsmanager as secretsmanager,
  type aws_ses as ses,
  type aws_sqs as sqs,
} from "aws-cdk-lib";
import { TABLE_ENV, TABLES, type TableName } from "../functions/adapters/schema.js";
import { CONFIG_ENV } from "../functions/core/kernel/config.js";
import { ERASURE_SECRET_ENV, QUEUE_ENV, TOKEN_SECRET_ENV } from "../functions/handlers/env.js";
import type { AsyncFailureQueues } from "./async-failures.js";
import type { PublicFrontDoor } from "./cdn.js";
import { type DeploymentConfig, deployedRuntimeEnvironment } from "./config.js";
import type { Monitoring } from "./monitoring.js";

/**
 * The stack's outputs: where things are (API URL, table and queue names, secrets, the dashboard),
 * what `digest --aws` runs with, and the DNS records the sending domain needs (printed by
 * `npm run deploy`).
 */
export function digestOutputs(
  stack: Stack,
  from: {
    config: DeploymentConfig;
    apiUrl: string;
    /** Where readers' links point (infra/cdn.ts). */
    publicUrl: string;
    frontDoor: PublicFrontDoor;
    tables: Record<TableName, dynamodb.TableV2>;
    sendQueue: sqs.Queue;
    deadLetters: sqs.Queue;
    tokenSecret: secretsmanager.Secret;
    erasureSecret: secretsmanager.Secret;
    configurationSet: ses.ConfigurationSet;
    identity: ses.EmailIdentity;
    compose: nodejs.NodejsFunction;
    sesEvents: nodejs.NodejsFunction;
    asyncFailures: AsyncFailureQueues;
    monitoring: Monitoring;
    console: { url: string; userPool: cognito.UserPool; client: cognito.UserPoolClient; signInHost: string };
  },
): void {
  const { config, apiUrl, tables, sendQueue, deadLetters, tokenSecret, erasureSecret, configurationSet } =
    from;
  const { identity, compose, sesEvents, asyncFailures, monitoring, publicUrl, frontDoor } = from;
  const settings = config.stack;
  const out = (id: string, value: string, description: string) =>
    new CfnOutput(stack, id, { value, description, exportName: `${stack.stackName}-${id}` });
  out(
    "ApiUrl",
    apiUrl,
    "Base URL of the HTTP API (/admin, SigV4-signed; links sent before the CDN keep working)",
  );
  out(
    "PublicUrl",
    publicUrl,
    "Where readers' links point: the CloudFront distribution (custom domain if set)",
  );
  out(
    "DistributionDomainName",
    frontDoor.distribution.distributionDomainName,
    "The distribution's own host: the CNAME/alias target of deploy.publicDomain",
  );
  out("ConsoleUrl", from.console.url, "The admin console (sign-in through the Cognito hosted UI)");
  out(
    "UserPoolId",
    from.console.userPool.userPoolId,
    "The console's Cognito user pool (inviting people: docs/operations.md)",
  );
  out(
    "UserPoolClientId",
    from.console.client.userPoolClientId,
    "The console's app client (ID tokens' audience)",
  );
  out("ConsoleSignInDomain", from.console.signInHost, "The console's Cognito hosted UI host");
  out("DistributionId", frontDoor.distribution.distributionId, "CloudFront distribution (invalidations)");
  for (const name of Object.keys(TABLES) as TableName[]) {
    out(
      `${name[0]?.toUpperCase()}${name.slice(1)}TableName`,
      tables[name].tableName,
      `env ${TABLE_ENV[name]}`,
    );
  }
  out("SendQueueUrl", sendQueue.queueUrl, `env ${QUEUE_ENV}`);
  out("TokenSecretArn", tokenSecret.secretArn, `env ${TOKEN_SECRET_ENV}`);
  out("ErasureSecretArn", erasureSecret.secretArn, `env ${ERASURE_SECRET_ENV}`);
  out("ConfigurationSetName", configurationSet.configurationSetName, `env ${CONFIG_ENV.configurationSet}`);
  out(
    "DashboardUrl",
    `https://${stack.region}.console.aws.amazon.com/cloudwatch/home?region=${stack.region}` +
      `#dashboards:name=${monitoring.dashboard.dashboardName}`,
    "CloudWatch dashboard of the daily flow",
  );
  out("AlarmTopicArn", monitoring.topic.topicArn, "SNS topic every alarm notifies");
  out("ComposeFunctionName", compose.functionName, "The compose function (rerun a day: README)");
  out("SesEventsFunctionName", sesEvents.functionName, "The ses-events function (redrive: README)");
  out(
    "ComposeFailuresQueueUrl",
    asyncFailures.compose.queueUrl,
    "Failed compose invocations (redrive: README)",
  );
  out(
    "SesEventsFailuresQueueUrl",
    asyncFailures.sesEvents.queueUrl,
    "Failed ses-events invocations (redrive: README)",
  );
  out(
    "SendDeadLettersQueueUrl",
    deadLetters.queueUrl,
    "Send messages that failed five times (redrive: README)",
  );
  // What `digest --aws` runs with: the functions' own settings (not exported: it is no cross-stack value).
  new CfnOutput(stack, "RuntimeConfig", {
    description: "The digest settings the functions run with (DIGEST_* variables), read by digest --aws",
    value: stack.toJsonString(
      deployedRuntimeEnvironment(config, {
        configurationSet: configurationSet.configurationSetName,
        publicUrl,
      }),
    ),
  });
  // The DNS records the sending domain needs (printed by `npm run deploy`).
  for (const [i, record] of identity.dkimRecords.entries()) {
    out(`DkimRecord${i + 1}`, `${record.name} CNAME ${record.value}`, "DNS: Easy DKIM");
  }
  const mailFrom = `mail.${settings.sendingDomain}`;
  out("MailFromMx", `${mailFrom} MX 10 feedback-smtp.${stack.region}.amazonses.com`, "DNS: custom MAIL FROM");
  out("MailFromSpf", `${mailFrom} TXT "v=spf1 include:amazonses.com ~all"`, "DNS: custom MAIL FROM");
  out(
    "Dmarc",
    `_dmarc.${settings.sendingDomain} TXT "v=DMARC1; p=none; rua=mailto:dmarc-reports@${settings.sendingDomain}"`,
    "DNS: DMARC (start with p=none, tighten to quarantine once reports are clean)",
  );
}

import { join } from "node:path";
import { fileURLToPath } from "node:url";
import {
  type Duration,
  aws_lambda as lambda,
  aws_logs as logs,
  aws_lambda_nodejs as nodejs,
  RemovalPolicy,
} from "aws-cdk-lib";
import type { Construct } from "constructs";
import { serviceName } from "../functions/handlers/metric-names.js";

const root = fileURLToPath(new URL("..", import.meta.url));

/**
 * One of the digest's functions: the handler functions/handlers/<name>.ts bundled by esbuild (ESM,
 * minified, source maps, the AWS SDK left to the runtime), with a log group of its own and tracing.
 */
export function digestFunction(
  scope: Construct,
  name: string,
  description: string,
  props: { timeout: Duration; memorySize: number; environment: Record<string, string> },
): nodejs.NodejsFunction {
  const logGroup = new logs.LogGroup(scope, `${name}Logs`, {
    retention: logs.RetentionDays.ONE_MONTH,
    removalPolicy: RemovalPolicy.DESTROY,
  });
  return new nodejs.NodejsFunction(
    scope,
    `${name.replace(/-(\w)/g, (_, c: string) => c.toUpperCase())}Function`,
    {
      description,
      entry: join(root, "functions", "handlers", `${name}.ts`),
      handler: "handler",
      projectRoot: root,
      depsLockFilePath: join(root, "package-lock.json"),
      runtime: lambda.Runtime.NODEJS_24_X,
      architecture: lambda.Architecture.ARM_64,
      timeout: props.timeout,
      memorySize: props.memorySize,
      logGroup,
      tracing: lambda.Tracing.ACTIVE,
      // Also the `service` dimension of the function's metrics (metric-names.ts).
      environment: { ...props.environment, POWERTOOLS_SERVICE_NAME: serviceName(name) },
      bundling: {
        format: nodejs.OutputFormat.ESM,
        target: "node24",
        minify: true,
        sourceMap: true,
        sourcesContent: false,
        mainFields: ["module", "main"],
        // The Node.js runtime ships the AWS SDK v3; everything else is bundled.
        externalModules: ["@aws-sdk/*"],
        banner: "import { createRequire } from 'module'; const require = createRequire(import.meta.url);",
      },
    },
  );
}

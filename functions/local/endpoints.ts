/**
 * Which endpoint the environment configures for an AWS service, by the AWS SDKs' rules ("Service-specific
 * endpoints" in the SDKs and Tools reference): the service's own AWS_ENDPOINT_URL_<SERVICE> first, then
 * the global AWS_ENDPOINT_URL; none at all when AWS_IGNORE_CONFIGURED_ENDPOINT_URLS=true. `digest` embeds
 * a service only when this returns null (and never under --aws).
 */

export type ServiceId = "dynamodb" | "sesv2" | "secretsmanager" | "sqs" | "cognito-identity-provider";

/** The variable of each service, from the SDKs' table of service identifiers. */
export const ENDPOINT_ENV: Record<ServiceId, string> = {
  dynamodb: "AWS_ENDPOINT_URL_DYNAMODB",
  sesv2: "AWS_ENDPOINT_URL_SESV2",
  secretsmanager: "AWS_ENDPOINT_URL_SECRETS_MANAGER",
  sqs: "AWS_ENDPOINT_URL_SQS",
  "cognito-identity-provider": "AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER",
};

/** The endpoint `env` configures for `service`, or null when it configures none. */
export function configuredEndpoint(
  env: Record<string, string | undefined>,
  service: ServiceId,
): string | null {
  if (env.AWS_IGNORE_CONFIGURED_ENDPOINT_URLS?.trim().toLowerCase() === "true") return null;
  return env[ENDPOINT_ENV[service]] || env.AWS_ENDPOINT_URL || null;
}

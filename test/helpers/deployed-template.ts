import { randomInt } from "node:crypto";

/**
 * What CloudFormation would make of the synthesized template, for tests that need the deployed values
 * without an AWS account: references resolved to invented physical names of the right shape (a table's
 * name, a queue's URL, a secret's ARN), and the generated secret drawn as Secrets Manager draws it.
 */

export interface CfnTemplate {
  Resources: Record<string, { Type: string; Properties?: Record<string, unknown> }>;
  Outputs?: Record<string, { Value: unknown }>;
}

export const ACCOUNT = "123456789012";
export const REGION = "eu-west-2";

/** The physical id CloudFormation's Ref returns for a resource of this type (invented, right shape). */
function physicalRef(logicalId: string, type: string, stackName: string): string {
  const name = `${stackName}-${logicalId}-1A2B3C4D`;
  switch (type) {
    case "AWS::SecretsManager::Secret":
      return `arn:aws:secretsmanager:${REGION}:${ACCOUNT}:secret:${logicalId}-AbCdEf`;
    case "AWS::SQS::Queue":
      return `https://sqs.${REGION}.amazonaws.com/${ACCOUNT}/${name}`;
    case "AWS::ApiGatewayV2::Api":
      return "abc123defg";
    case "AWS::Cognito::UserPool":
      return `${REGION}_AbCdEfGhI`;
    default:
      return name;
  }
}

const PSEUDO: Record<string, string> = {
  "AWS::Region": REGION,
  "AWS::AccountId": ACCOUNT,
  "AWS::URLSuffix": "amazonaws.com",
  "AWS::Partition": "aws",
};

/** Resolves Ref, Fn::Join, Fn::Select over Fn::Split and Fn::GetAtt (as `<physical>.<attr>`) in `value`; other intrinsics throw. */
export function resolveIntrinsics(
  value: unknown,
  template: CfnTemplate,
  stackName = "NewsletterDigest",
): string {
  if (typeof value === "string") return value;
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  const node = value as Record<string, unknown>;
  if ("Ref" in node) {
    const ref = node.Ref as string;
    if (PSEUDO[ref]) return PSEUDO[ref];
    const resource = template.Resources[ref];
    if (!resource) throw new Error(`Ref to unknown resource ${ref}`);
    return physicalRef(ref, resource.Type, stackName);
  }
  if ("Fn::Join" in node) {
    const [separator, parts] = node["Fn::Join"] as [string, unknown[]];
    return parts.map((p) => resolveIntrinsics(p, template, stackName)).join(separator);
  }
  if ("Fn::Select" in node) {
    const [index, list] = node["Fn::Select"] as [number | string, unknown];
    const items = resolveList(list, template, stackName);
    const item = items[Number(index)];
    if (item === undefined) throw new Error(`Fn::Select ${index} out of ${items.length}`);
    return item;
  }
  if ("Fn::GetAtt" in node) {
    const [id, attribute] = node["Fn::GetAtt"] as [string, string];
    if (template.Resources[id]?.Type === "AWS::CloudFront::Distribution" && attribute === "DomainName")
      return "d111111abcdef8.cloudfront.net";
    return `${resolveIntrinsics({ Ref: id }, template, stackName)}.${attribute}`;
  }
  throw new Error(`cannot resolve ${JSON.stringify(value)}`);
}

/** A list intrinsic (`Fn::Split`, or a literal array) resolved to its strings. */
function resolveList(value: unknown, template: CfnTemplate, stackName: string): string[] {
  if (Array.isArray(value)) return value.map((v) => resolveIntrinsics(v, template, stackName));
  const node = value as Record<string, unknown>;
  if ("Fn::Split" in node) {
    const [separator, source] = node["Fn::Split"] as [string, unknown];
    return resolveIntrinsics(source, template, stackName).split(separator);
  }
  throw new Error(`cannot resolve the list ${JSON.stringify(value)}`);
}

/** The outputs file `cdk deploy --outputs-file` would write for this template. */
export function deployedOutputs(template: CfnTemplate, stackName = "NewsletterDigest") {
  const outputs: Record<string, string> = {};
  for (const [key, output] of Object.entries(template.Outputs ?? {})) {
    outputs[key] = resolveIntrinsics(output.Value, template, stackName);
  }
  return { [stackName]: outputs };
}

/** A function's environment as deployed (the function whose logical id starts with `prefix`). */
export function deployedEnvironment(template: CfnTemplate, prefix: string): Record<string, string> {
  const entry = Object.entries(template.Resources).find(
    ([id, r]) => r.Type === "AWS::Lambda::Function" && id.startsWith(prefix),
  );
  if (!entry) throw new Error(`no function ${prefix}* in the template`);
  const environment = entry[1].Properties?.Environment as { Variables: Record<string, unknown> } | undefined;
  const variables = environment?.Variables ?? {};
  return Object.fromEntries(
    Object.entries(variables).map(([k, v]) => [k, resolveIntrinsics(v, template)] as [string, string]),
  );
}

export interface GenerateSecretString {
  SecretStringTemplate?: string;
  GenerateStringKey?: string;
  PasswordLength?: number;
  ExcludePunctuation?: boolean;
  ExcludeCharacters?: string;
  ExcludeUppercase?: boolean;
  ExcludeLowercase?: boolean;
  ExcludeNumbers?: boolean;
  IncludeSpace?: boolean;
}

/** What Secrets Manager's generator makes of GenerateSecretString (GetRandomPassword's character classes). */
export function generateLikeSecretsManager(g: GenerateSecretString): string {
  const punctuation = "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~";
  let chars = "";
  if (!g.ExcludeUppercase) chars += "ABCDEFGHIJKLMNOPQRSTUVWXYZ";
  if (!g.ExcludeLowercase) chars += "abcdefghijklmnopqrstuvwxyz";
  if (!g.ExcludeNumbers) chars += "0123456789";
  if (!g.ExcludePunctuation) chars += punctuation;
  if (g.IncludeSpace) chars += " ";
  chars = [...chars].filter((c) => !(g.ExcludeCharacters ?? "").includes(c)).join("");
  const password = Array.from({ length: g.PasswordLength ?? 32 }, () => chars[randomInt(chars.length)]).join(
    "",
  );
  if (g.SecretStringTemplate === undefined) return password;
  const value = JSON.parse(g.SecretStringTemplate) as Record<string, string>;
  value[g.GenerateStringKey as string] = password;
  return JSON.stringify(value);
}

/** The generated link-signing secret's GenerateSecretString. */
export function secretGenerator(template: CfnTemplate): GenerateSecretString {
  const secret = Object.entries(template.Resources).find(
    ([id, r]) => r.Type === "AWS::SecretsManager::Secret" && id.startsWith("TokenSigningSecret"),
  )?.[1];
  return secret?.Properties?.GenerateSecretString as GenerateSecretString;
}

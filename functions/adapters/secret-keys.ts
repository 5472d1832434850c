import { getSecret } from "@aws-lambda-powertools/parameters/secrets";
import { parseSigningKeys, type SigningKey } from "../core/tokens.js";
import { TOKEN_SECRET_ENV } from "../handlers/env.js";

/**
 * Signing keys from Secrets Manager (cached by Powertools for five minutes). The stack's generated
 * secret is a random string used as the key ("s1"); a value in DIGEST_TOKEN_KEYS form
 * ("keyId:base64[,…]") is read as such, which is how keys rotate without breaking old links.
 */
export async function signingKeysFromSecret(arn: string): Promise<SigningKey[]> {
  const value = await getSecret<string>(arn, { maxAge: 300 });
  if (!value) throw new Error(`secret ${arn} is empty`);
  return /^[\w-]+:[A-Za-z0-9+/=]+(,|$)/.test(value)
    ? parseSigningKeys(value)
    : [{ id: "s1", secret: Buffer.from(value, "utf8") }];
}

/**
 * The signing keys the environment names, as deployed functions find them: DIGEST_TOKEN_KEYS when set
 * ("keyId:base64[,…]"), else the Secrets Manager secret whose ARN is in DIGEST_TOKEN_SECRET_ARN.
 * Returns null when neither is set.
 */
export async function signingKeysFromEnv(env: NodeJS.ProcessEnv): Promise<SigningKey[] | null> {
  if (env.DIGEST_TOKEN_KEYS) return parseSigningKeys(env.DIGEST_TOKEN_KEYS);
  const arn = env[TOKEN_SECRET_ENV];
  return arn ? signingKeysFromSecret(arn) : null;
}

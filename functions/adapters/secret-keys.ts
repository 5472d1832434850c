import { getSecret } from "@aws-lambda-powertools/parameters/secrets";
import { parseSigningKeys, type SigningKey } from "../core/tokens.js";

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

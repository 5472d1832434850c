import { getSecret } from "@aws-lambda-powertools/parameters/secrets";
import { parseSigningKeys, type SigningKey } from "../core/tokens.js";
import { ERASURE_KEY_ENV, ERASURE_SECRET_ENV, TOKEN_SECRET_ENV } from "../handlers/env.js";

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

/** The erasure key from DIGEST_ERASURE_KEY (base64, at least 32 bytes); null when it is not set. */
export function erasureKeyFromVariable(env: NodeJS.ProcessEnv): Buffer | null {
  const text = env[ERASURE_KEY_ENV];
  if (!text) return null;
  const key = Buffer.from(text, "base64");
  if (key.length < 32) throw new Error(`${ERASURE_KEY_ENV} must be at least 32 bytes, base64`);
  return key;
}

/**
 * The key erased addresses are hashed with, as deployed functions find it: DIGEST_ERASURE_KEY when
 * set, else the Secrets Manager secret whose ARN is in DIGEST_ERASURE_SECRET_ARN (the stack's
 * generated string, used as the key). Throws when neither is set: an erased address could not be
 * recognised, so nothing that may mail or re-add one may run.
 */
export async function erasureKeyFromEnv(env: NodeJS.ProcessEnv): Promise<Buffer> {
  const fromVariable = erasureKeyFromVariable(env);
  if (fromVariable) return fromVariable;
  const arn = env[ERASURE_SECRET_ENV];
  if (!arn)
    throw new Error(
      `neither ${ERASURE_KEY_ENV} nor ${ERASURE_SECRET_ENV} is set: erased addresses cannot be recognised`,
    );
  const value = await getSecret<string>(arn, { maxAge: 300 });
  if (!value) throw new Error(`secret ${arn} is empty`);
  return Buffer.from(value, "utf8");
}

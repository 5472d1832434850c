import { getSecret, type SecretsProvider } from "@aws-lambda-powertools/parameters/secrets";
import { parseSigningKeys, type SigningKey } from "../core/subscribers/tokens.js";
import { ERASURE_KEY_ENV, ERASURE_SECRET_ENV, TOKEN_SECRET_ENV } from "../handlers/env.js";

/**
 * The link-signing keys, in one format wherever they come from: the Secrets Manager secret the stack
 * generates (read by the functions, and by `digest --aws`) and DIGEST_TOKEN_KEYS.
 *
 * The secret is a JSON object: "current" names the key that signs, every other member is a key id and
 * its secret as base64 (at least 32 bytes), e.g. {"current":"k2","k1":"…","k2":"…"}. Every listed key
 * verifies, so a rotation adds a key and moves "current" to it; the old ones stay for the links already
 * in inboxes (README: "Rotating the signing key"). The stack generates {"current":"k1","k1":<64
 * letters and digits>}: valid base64, 48 bytes.
 *
 * DIGEST_TOKEN_KEYS takes that JSON too, or the short form "keyId:base64[,keyId:base64…]" (the first
 * signs) that the local data directory's token-keys file holds.
 */

/** The member of the secret that names the signing key. */
export const CURRENT_KEY_FIELD = "current";
/** The id of the key the stack generates. */
export const GENERATED_KEY_ID = "k1";

const KEY_ID = /^[A-Za-z0-9_-]{1,64}$/;
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const FORMAT = `expected {"${CURRENT_KEY_FIELD}": keyId, keyId: base64 secret, …} or keyId:base64[,keyId:base64…]`;

/**
 * Parses the signing keys (see above); the signing key comes first. Throws an error saying what is
 * wrong (never guesses at a value of another shape).
 */
export function parseTokenKeys(text: string): SigningKey[] {
  const value = text.trim();
  if (!value.startsWith("{")) {
    try {
      return parseSigningKeys(value);
    } catch (err) {
      throw new Error(`${(err as Error).message} (${FORMAT})`);
    }
  }
  let members: Record<string, unknown>;
  try {
    members = JSON.parse(value) as Record<string, unknown>;
  } catch {
    throw new Error(`token keys: not valid JSON; ${FORMAT}`);
  }
  const current = members[CURRENT_KEY_FIELD];
  if (typeof current !== "string") throw new Error(`token keys: no "${CURRENT_KEY_FIELD}" member; ${FORMAT}`);
  const keys: SigningKey[] = [];
  for (const [id, secret] of Object.entries(members)) {
    if (id === CURRENT_KEY_FIELD) continue;
    if (!KEY_ID.test(id)) throw new Error(`token keys: "${id}" is not a key id (1–64 of A-Z a-z 0-9 _ -)`);
    if (typeof secret !== "string" || !BASE64.test(secret)) {
      throw new Error(`token key ${id}: the secret must be base64 (e.g. openssl rand -base64 48)`);
    }
    const bytes = Buffer.from(secret, "base64");
    if (bytes.length < 32) throw new Error(`token key ${id}: secret must be at least 32 bytes`);
    keys.push({ id, secret: bytes });
  }
  const signing = keys.find((k) => k.id === current);
  if (!signing)
    throw new Error(`token keys: "${CURRENT_KEY_FIELD}" names ${current}, which is not among the keys`);
  return [signing, ...keys.filter((k) => k !== signing)];
}

/**
 * Signing keys from the Secrets Manager secret `arn` (cached by Powertools for five minutes, so a
 * rotated value reaches every function within that time). `provider` brings its own client (the CLI
 * points it at the endpoint and credentials of its environment).
 */
export async function signingKeysFromSecret(arn: string, provider?: SecretsProvider): Promise<SigningKey[]> {
  const value = provider
    ? await provider.get(arn, { maxAge: 300 })
    : await getSecret<string>(arn, { maxAge: 300 });
  if (typeof value !== "string" || !value) throw new Error(`secret ${arn} is empty`);
  try {
    return parseTokenKeys(value);
  } catch (err) {
    throw new Error(`secret ${arn}: ${(err as Error).message}`);
  }
}

/**
 * The signing keys the environment names, as deployed functions find them: DIGEST_TOKEN_KEYS when set,
 * else the Secrets Manager secret whose ARN is in DIGEST_TOKEN_SECRET_ARN. Returns null when neither is set.
 */
export async function signingKeysFromEnv(
  env: NodeJS.ProcessEnv,
  provider?: SecretsProvider,
): Promise<SigningKey[] | null> {
  if (env.DIGEST_TOKEN_KEYS) return parseTokenKeys(env.DIGEST_TOKEN_KEYS);
  const arn = env[TOKEN_SECRET_ENV];
  return arn ? signingKeysFromSecret(arn, provider) : null;
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
  return erasureKeyFromSecret(arn);
}

/** The erasure key from the stack's secret `arn` (its generated string is the key); see signingKeysFromSecret. */
export async function erasureKeyFromSecret(arn: string, provider?: SecretsProvider): Promise<Buffer> {
  const value = provider
    ? await provider.get(arn, { maxAge: 300 })
    : await getSecret<string>(arn, { maxAge: 300 });
  if (typeof value !== "string" || !value) throw new Error(`secret ${arn} is empty`);
  return Buffer.from(value, "utf8");
}

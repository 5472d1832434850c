import { RemovalPolicy, aws_secretsmanager as secretsmanager } from "aws-cdk-lib";
import type { Construct } from "constructs";
import { CURRENT_KEY_FIELD, GENERATED_KEY_ID } from "../functions/adapters/secret-keys.js";

/** The two secrets the functions read: the link-signing keys and the key of erased addresses' hashes. */
export function digestSecrets(
  scope: Construct,
  settings: { deletionProtection: boolean },
): { tokenSecret: secretsmanager.Secret; erasureSecret: secretsmanager.Secret } {
  // The format functions/adapters/secret-keys.ts reads: {"current":"k1","k1":<64 letters and digits,
  // valid base64 of 48 bytes>}. Rotation adds keys to it by hand (README: Rotating the signing key).
  const tokenSecret = new secretsmanager.Secret(scope, "TokenSigningSecret", {
    description: `Link-signing keys: {"${CURRENT_KEY_FIELD}": keyId, keyId: base64 secret, ...}; rotate by adding a key (README)`,
    generateSecretString: {
      secretStringTemplate: JSON.stringify({ [CURRENT_KEY_FIELD]: GENERATED_KEY_ID }),
      generateStringKey: GENERATED_KEY_ID,
      passwordLength: 64,
      excludePunctuation: true,
      includeSpace: false,
    },
    removalPolicy: settings.deletionProtection ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
  });
  // The key of erased addresses' suppression entries (HMAC-SHA256): kept as long as the table is,
  // since an entry only matches a later sign-up of the address under the same key.
  const erasureSecret = new secretsmanager.Secret(scope, "ErasureKeySecret", {
    description: "HMAC key of erased (GDPR) addresses' suppression entries; never rotate",
    generateSecretString: { passwordLength: 64, excludePunctuation: true, includeSpace: false },
    removalPolicy: settings.deletionProtection ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
  });
  return { tokenSecret, erasureSecret };
}

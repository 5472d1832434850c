import { aws_cognito as cognito, Duration, Fn, RemovalPolicy, SecretValue, Stack } from "aws-cdk-lib";
import type { Construct } from "constructs";
import type { ConsoleIdp, StackSettings } from "./config.js";

/**
 * Who may sign in to the admin console: a Cognito user pool. Nobody signs themselves up; an owner
 * invites people (AdminCreateUser mails a temporary password, docs/operations.md "Inviting people"),
 * and a person's user-pool group (owner, editor, viewer) is their role unless the team table names
 * them. Sign-in goes through the pool's hosted UI with OAuth 2.0 authorization code + PKCE; the
 * console's app client is public (a browser keeps no secret), and the console sends the ID token as
 * its bearer, which the api function verifies (functions/adapters/jwt-identity.ts).
 */

/** The roles of the console contract, as user-pool groups (highest wins when a person is in several). */
export const CONSOLE_GROUPS = ["owner", "editor", "viewer"] as const;

/** What the console asks the hosted UI for: an ID token with the person's email. */
export const CONSOLE_SCOPES = ["openid", "email", "profile"];

export interface ConsoleAuth {
  userPool: cognito.UserPool;
  domain: cognito.UserPoolDomain;
  /** The newsroom's own IdP (deploy.consoleIdp), when it has one. */
  federated: cognito.IUserPoolIdentityProvider | null;
  /** The hosted UI's host (<prefix>.auth.<region>.amazoncognito.com), as the console's config names it. */
  signInHost: string;
}

export function consoleAuth(
  scope: Construct,
  settings: Pick<
    StackSettings,
    "consoleMfa" | "consoleDomainPrefix" | "stackName" | "deletionProtection" | "consoleIdp"
  >,
): ConsoleAuth {
  const mfa = {
    off: cognito.Mfa.OFF,
    optional: cognito.Mfa.OPTIONAL,
    required: cognito.Mfa.REQUIRED,
  }[settings.consoleMfa];
  const userPool = new cognito.UserPool(scope, "ConsoleUserPool", {
    userPoolName: `${settings.stackName}-console`,
    selfSignUpEnabled: false,
    signInAliases: { email: true },
    signInCaseSensitive: false,
    autoVerify: { email: true },
    standardAttributes: { email: { required: true, mutable: true } },
    mfa,
    // An authenticator app only: SMS codes need an SNS role and spending limits, and are phishable.
    ...(settings.consoleMfa === "off" ? {} : { mfaSecondFactor: { otp: true, sms: false } }),
    passwordPolicy: {
      minLength: 12,
      requireLowercase: true,
      requireUppercase: true,
      requireDigits: true,
      requireSymbols: true,
      tempPasswordValidity: Duration.days(7),
    },
    accountRecovery: cognito.AccountRecovery.EMAIL_ONLY,
    userInvitation: {
      emailSubject: "You are invited to the newsletter's admin console",
      emailBody:
        "You have been invited to the newsletter's admin console. Sign in with {username} and the temporary " +
        "password {####}; you will choose your own password (and, if required, set up an authenticator app).",
    },
    featurePlan: cognito.FeaturePlan.ESSENTIALS,
    deletionProtection: settings.deletionProtection,
    removalPolicy: settings.deletionProtection ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
  });
  CONSOLE_GROUPS.forEach((group, precedence) => {
    new cognito.CfnUserPoolGroup(scope, `ConsoleGroup-${group}`, {
      userPoolId: userPool.userPoolId,
      groupName: group,
      // Lower wins in Cognito's own precedence (the role claim it would pick): owner first.
      precedence,
      description: `Console role ${group} (docs/security.md)`,
    });
  });
  const prefix =
    settings.consoleDomainPrefix ?? Fn.join("-", [settings.stackName.toLowerCase(), Stack.of(scope).account]);
  const domain = userPool.addDomain("ConsoleSignInDomain", { cognitoDomain: { domainPrefix: prefix } });
  // "https://<host>" → "<host>"
  const signInHost = Fn.select(2, Fn.split("/", domain.baseUrl()));
  const federated = settings.consoleIdp ? federatedProvider(scope, userPool, settings.consoleIdp) : null;
  // The app client needs the console's URL, which comes from the CloudFront distribution, itself
  // needing signInHost (its CSP): consoleClient adds it once the distribution exists.
  return { userPool, domain, signInHost, federated };
}

/**
 * The newsroom's IdP in the pool: its people sign in on the hosted UI's button of that name, and the
 * pool keeps a user for each, with the address the IdP asserts (the one attribute mapped). Their role
 * is their team membership by that address (the auth check, http/admin-auth.ts): the IdP's own groups
 * are not the console's roles, so an owner adds them (`digest --aws team add`, the Team page). The
 * OIDC client secret is a Secrets Manager dynamic reference, resolved by CloudFormation at deploy time.
 */
function federatedProvider(
  scope: Construct,
  userPool: cognito.UserPool,
  idp: ConsoleIdp,
): cognito.IUserPoolIdentityProvider {
  if (idp.kind === "oidc") {
    return new cognito.UserPoolIdentityProviderOidc(scope, "ConsoleIdp", {
      userPool,
      name: idp.name,
      issuerUrl: idp.issuer,
      clientId: idp.clientId,
      // A {{resolve:secretsmanager:…}} reference: the template names the secret, never its value.
      clientSecret: SecretValue.secretsManager(idp.clientSecretName).unsafeUnwrap(),
      scopes: idp.scopes,
      attributeRequestMethod: cognito.OidcAttributeRequestMethod.GET,
      // email_verified too: the api's JWT check believes no address its issuer marks unverified.
      attributeMapping: {
        email: cognito.ProviderAttribute.other("email"),
        custom: { email_verified: cognito.ProviderAttribute.other("email_verified") },
      },
    });
  }
  return new cognito.UserPoolIdentityProviderSaml(scope, "ConsoleIdp", {
    userPool,
    name: idp.name,
    metadata: cognito.UserPoolIdentityProviderSamlMetadata.url(idp.metadataUrl),
    attributeMapping: { email: cognito.ProviderAttribute.other(idp.emailAttribute) },
  });
}

/**
 * The console's app client: public (no secret: a browser keeps none), authorization code only, back
 * to `consoleUrl` only. The console sends a PKCE challenge (S256); Cognito then redeems the code only
 * with its verifier, so an intercepted code is worthless.
 */
export function consoleClient(auth: ConsoleAuth, consoleUrl: string): cognito.UserPoolClient {
  const client = auth.userPool.addClient("ConsoleClient", {
    userPoolClientName: "admin-console",
    generateSecret: false,
    authFlows: { userSrp: true },
    oAuth: {
      flows: { authorizationCodeGrant: true, implicitCodeGrant: false, clientCredentials: false },
      scopes: [cognito.OAuthScope.OPENID, cognito.OAuthScope.EMAIL, cognito.OAuthScope.PROFILE],
      callbackUrls: [consoleUrl],
      logoutUrls: [consoleUrl],
    },
    // Cognito's own sign-in (invited people) and, when configured, the newsroom's IdP.
    supportedIdentityProviders: [
      cognito.UserPoolClientIdentityProvider.COGNITO,
      ...(auth.federated ? [cognito.UserPoolClientIdentityProvider.custom(auth.federated.providerName)] : []),
    ],
    preventUserExistenceErrors: true,
    enableTokenRevocation: true,
    idTokenValidity: Duration.hours(1),
    accessTokenValidity: Duration.hours(1),
    refreshTokenValidity: Duration.hours(12),
  });
  // The client names the provider: CloudFormation must create the provider first.
  if (auth.federated) client.node.addDependency(auth.federated);
  return client;
}

import { Annotations, Match, Template } from "aws-cdk-lib/assertions";
import { describe, expect, it } from "vitest";
import { deploymentConfigProblems, stackWithoutChecks, synthStack } from "./synth.js";

/**
 * deploy.consoleIdp: a newsroom's own identity provider federated through the console's user pool,
 * OIDC or SAML, beside Cognito's own sign-in; none by default (console.test.ts). The OIDC client
 * secret is a Secrets Manager reference resolved at deploy time, never a value in the template.
 */

const OIDC = {
  kind: "oidc",
  name: "Newsroom-SSO",
  issuer: "https://sso.lakeside-herald.org",
  clientId: "digest-console",
  clientSecretName: "newsroom/console-oidc-secret",
};
const SAML = { kind: "saml", name: "HeraldAD", metadataUrl: "https://adfs.lakeside-herald.org/metadata.xml" };

type Resource = { Properties: Record<string, unknown>; DependsOn?: string[] };
function only(template: Template, type: string): [string, Resource] {
  const all = Object.entries(template.findResources(type)) as [string, Resource][];
  expect(all, type).toHaveLength(1);
  return all[0] as [string, Resource];
}

const problems = (idp: unknown) => deploymentConfigProblems({ "digest:consoleIdp": idp });

describe("deploy.consoleIdp", () => {
  it("OIDC: a provider with the email mapped, its secret a Secrets Manager reference; the app client offers it; cdk-nag clean", () => {
    const { app, stack } = synthStack({ context: { "digest:consoleIdp": JSON.stringify(OIDC) } });
    // cdk-nag runs as a validation plugin during synth: unacknowledged findings throw here.
    app.synth();
    expect(Annotations.fromStack(stack).findError("*", Match.anyValue())).toEqual([]);
    const template = Template.fromStack(stack);
    const [providerId, provider] = only(template, "AWS::Cognito::UserPoolIdentityProvider");
    const p = provider.Properties;
    expect(p.ProviderName).toBe("Newsroom-SSO");
    expect(p.ProviderType).toBe("OIDC");
    expect(p.AttributeMapping).toEqual({ email: "email", email_verified: "email_verified" });
    expect(p.ProviderDetails).toMatchObject({
      oidc_issuer: OIDC.issuer,
      client_id: OIDC.clientId,
      authorize_scopes: "openid email profile",
      client_secret: "{{resolve:secretsmanager:newsroom/console-oidc-secret:SecretString:::}}",
    });
    const [, client] = only(template, "AWS::Cognito::UserPoolClient");
    // The provider's Ref is its name (Newsroom-SSO).
    expect(client.Properties.SupportedIdentityProviders).toEqual(["COGNITO", { Ref: providerId }]);
    expect(client.DependsOn).toContain(providerId);
  }, 240_000);

  it("SAML: a provider from the metadata URL with the email claim mapped", () => {
    const template = Template.fromStack(stackWithoutChecks({ context: { "digest:consoleIdp": SAML } }).stack);
    const [providerId, provider] = only(template, "AWS::Cognito::UserPoolIdentityProvider");
    expect(provider.Properties).toMatchObject({
      ProviderName: "HeraldAD",
      ProviderType: "SAML",
      ProviderDetails: { MetadataURL: SAML.metadataUrl },
      AttributeMapping: { email: "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress" },
    });
    const [, client] = only(template, "AWS::Cognito::UserPoolClient");
    expect(client.Properties.SupportedIdentityProviders).toEqual(["COGNITO", { Ref: providerId }]);
  }, 120_000);

  it("none: no provider, Cognito's sign-in alone", () => {
    const template = Template.fromStack(stackWithoutChecks().stack);
    expect(template.findResources("AWS::Cognito::UserPoolIdentityProvider")).toEqual({});
    const [, client] = only(template, "AWS::Cognito::UserPoolClient");
    expect(client.Properties.SupportedIdentityProviders).toEqual(["COGNITO"]);
  }, 120_000);

  it("refuses a bad provider, naming the key and field; never takes a secret value", () => {
    expect(problems({ ...OIDC, issuer: "http://sso.lakeside-herald.org" })).toContain(
      "digest:consoleIdp.issuer: must be https",
    );
    expect(problems({ ...OIDC, clientSecret: "s3cret" })).toMatch(/digest:consoleIdp.*clientSecret/);
    expect(problems({ ...OIDC, name: "COGNITO" })).toContain("digest:consoleIdp.name");
    expect(problems({ kind: "ldap", name: "x" })).toContain("digest:consoleIdp");
    expect(problems({ ...SAML, metadataUrl: "not a url" })).toContain("digest:consoleIdp.metadataUrl");
    expect(problems("{not json")).toContain("digest:consoleIdp");
    expect(problems(OIDC)).toBe("");
  });
});

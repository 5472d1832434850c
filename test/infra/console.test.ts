import { existsSync } from "node:fs";
import { Template } from "aws-cdk-lib/assertions";
import { beforeAll, describe, expect, it } from "vitest";
import { MEMBER_DIRECTORY_ACTIONS } from "../../functions/adapters/cognito-member-directory.js";
import { consoleCsp } from "../../functions/core/http/console-csp.js";
import { CONSOLE_DIST } from "../../infra/console-site.js";
import type { DigestStack } from "../../infra/stack.js";
import { stackWithoutChecks } from "./synth.js";

/**
 * The admin console's deployed side (issue 17): the Cognito user pool people sign in with, the console
 * served from a private bucket through the CloudFront distribution with a strict CSP, and its
 * config.json. cdk-nag over the same stack runs in stack.test.ts.
 */

let stack: DigestStack;
let template: Template;

beforeAll(() => {
  ({ stack } = stackWithoutChecks());
  template = Template.fromStack(stack);
}, 120_000);

type Resource = { Properties: Record<string, unknown> };
const only = (type: string) => {
  const all = Object.entries(template.findResources(type)) as [string, Resource][];
  expect(all, type).toHaveLength(1);
  return all[0] as [string, Resource];
};
const json = (v: unknown) => JSON.stringify(v);

describe("sign-in: the Cognito user pool", () => {
  it("has no self sign-up (owners invite), requires an authenticator app by default, signs in by email", () => {
    const [, pool] = only("AWS::Cognito::UserPool");
    expect(pool.Properties.AdminCreateUserConfig).toMatchObject({ AllowAdminCreateUserOnly: true });
    expect(pool.Properties.MfaConfiguration).toBe("ON");
    expect(pool.Properties.EnabledMfas).toEqual(["SOFTWARE_TOKEN_MFA"]);
    expect(pool.Properties.UsernameAttributes).toEqual(["email"]);
    expect(pool.Properties.Policies).toMatchObject({ PasswordPolicy: { MinimumLength: 12 } });
  });

  it("has the console's roles as groups and a hosted-UI domain", () => {
    const groups = Object.values(template.findResources("AWS::Cognito::UserPoolGroup")) as Resource[];
    expect(groups.map((g) => g.Properties.GroupName).sort()).toEqual(["editor", "owner", "viewer"]);
    const [, domain] = only("AWS::Cognito::UserPoolDomain");
    // Unique in the region by default: the stack's name and the account (deploy.consoleDomainPrefix overrides).
    expect(domain.Properties.Domain).toEqual({
      "Fn::Join": ["-", ["newsletterdigest", { Ref: "AWS::AccountId" }]],
    });
  });

  it("has one public app client: authorization code only (PKCE), no secret, back to /console/ on the distribution", () => {
    const [, client] = only("AWS::Cognito::UserPoolClient");
    const p = client.Properties;
    expect(p.GenerateSecret).toBe(false);
    expect(p.AllowedOAuthFlows).toEqual(["code"]);
    expect(p.AllowedOAuthFlowsUserPoolClient).toBe(true);
    expect(p.AllowedOAuthScopes).toEqual(expect.arrayContaining(["openid", "email"]));
    expect(p.SupportedIdentityProviders).toEqual(["COGNITO"]);
    const [distributionId] = only("AWS::CloudFront::Distribution");
    for (const urls of [p.CallbackURLs, p.LogoutURLs]) {
      expect(urls as unknown[]).toHaveLength(1);
      expect(json(urls)).toContain(distributionId);
      expect(json(urls)).toContain("/console/");
    }
  });

  it("lets the api function alone make the team's Cognito calls, exactly those, on this pool", () => {
    const poolId = only("AWS::Cognito::UserPool")[0];
    const cognitoStatements = (
      Object.entries(template.findResources("AWS::IAM::Policy")) as [string, Resource][]
    )
      .flatMap(([policyId, policy]) =>
        (
          policy.Properties.PolicyDocument as { Statement: { Action: unknown; Resource: unknown }[] }
        ).Statement.map((statement) => ({ policyId, ...statement })),
      )
      .filter((s) => json(s.Action).includes("cognito-idp:"));
    expect(cognitoStatements).toEqual([
      {
        policyId: expect.stringMatching(/^apiFunctionServiceRoleDefaultPolicy/),
        Effect: "Allow",
        Action: [...MEMBER_DIRECTORY_ACTIONS].sort(),
        Resource: { "Fn::GetAtt": [poolId, "Arn"] },
      },
    ]);
  });

  it("takes its MFA setting from deploy.consoleMfa", () => {
    const off = Template.fromStack(stackWithoutChecks({ context: { "digest:consoleMfa": "off" } }).stack);
    const [pool] = Object.values(off.findResources("AWS::Cognito::UserPool")) as Resource[];
    expect(pool?.Properties.MfaConfiguration).toBe("OFF");
  }, 120_000);
});

describe("the console on the distribution", () => {
  const behavior = () => {
    const [, distribution] = only("AWS::CloudFront::Distribution");
    const config = distribution.Properties.DistributionConfig as {
      CacheBehaviors: Record<string, unknown>[];
    };
    return config.CacheBehaviors.find((b) => b.PathPattern === "/console*") ?? expect.fail("no /console*");
  };

  it("is served from a private bucket that only this distribution reads (origin access control)", () => {
    const [oacId, oac] = only("AWS::CloudFront::OriginAccessControl");
    expect(oac.Properties.OriginAccessControlConfig).toMatchObject({
      OriginAccessControlOriginType: "s3",
      SigningBehavior: "always",
      SigningProtocol: "sigv4",
    });
    const [, distribution] = only("AWS::CloudFront::Distribution");
    expect(json(distribution)).toContain(oacId);
    const bucketId = stack.getLogicalId(stack.console.site.bucket.node.defaultChild as never);
    const bucket = template.toJSON().Resources[bucketId];
    expect(bucket.Properties.PublicAccessBlockConfiguration).toEqual({
      BlockPublicAcls: true,
      BlockPublicPolicy: true,
      IgnorePublicAcls: true,
      RestrictPublicBuckets: true,
    });
    const policies = Object.values(template.findResources("AWS::S3::BucketPolicy")) as Resource[];
    const policy = policies.find((p) => json(p.Properties.Bucket).includes(bucketId));
    const reads = json(policy).match(/"Principal":\{"Service":"cloudfront.amazonaws.com"\}/g);
    expect(reads).toHaveLength(1);
    expect(json(policy)).toContain("AWS:SourceArn");
    expect(behavior()).toMatchObject({
      ViewerProtocolPolicy: "redirect-to-https",
      AllowedMethods: ["GET", "HEAD"],
    });
  });

  it("sends the console's strict Content-Security-Policy: scripts from itself only, the sign-in host, never framed", () => {
    const [policyId, policy] = only("AWS::CloudFront::ResponseHeadersPolicy");
    expect(json(behavior().ResponseHeadersPolicyId)).toContain(policyId);
    const headers = (policy.Properties.ResponseHeadersPolicyConfig as Record<string, Record<string, unknown>>)
      .SecurityHeadersConfig as Record<string, Record<string, unknown>>;
    const csp = headers.ContentSecurityPolicy as { ContentSecurityPolicy: unknown; Override: boolean };
    expect(csp.Override).toBe(true);
    // The policy text joined with the sign-in host (a reference to the user pool's domain).
    const parts = (csp.ContentSecurityPolicy as { "Fn::Join": [string, unknown[]] })["Fn::Join"][1];
    const text = parts.map((p) => (typeof p === "string" ? p : "<sign-in host>")).join("");
    // The policy `digest serve` sends, with the sign-in host: one text (core/http/console-csp.ts).
    expect(text).toBe(consoleCsp("<sign-in host>"));
    expect(text).toContain("default-src 'self'");
    expect(text).toContain("script-src 'self';");
    expect(text).not.toContain("unsafe-eval");
    // Inline styles only, for the email in the preview frame, which inherits the policy; never a script.
    expect(text.match(/'unsafe-inline'/g)).toHaveLength(1);
    expect(text).toContain("style-src 'self' 'unsafe-inline';");
    expect(text).toContain("connect-src 'self' https://<sign-in host>;");
    expect(text).toContain("frame-ancestors 'none'");
    expect(json(parts)).toContain("ConsoleUserPoolConsoleSignInDomain");
    expect(headers.FrameOptions).toMatchObject({ FrameOption: "DENY" });
    expect(headers.StrictTransportSecurity).toMatchObject({ AccessControlMaxAgeSec: 31_536_000 });
  });

  it("answers the app's own routes with index.html, files as they are, /console with /console/", () => {
    const [id] =
      (Object.entries(template.findResources("AWS::CloudFront::Function")) as [string, Resource][]).find(
        ([fnId]) => fnId.startsWith("ConsoleRoutes"),
      ) ?? expect.fail("no ConsoleRoutes function");
    expect(json(behavior().FunctionAssociations)).toContain(id);
    const code = String(template.toJSON().Resources[id].Properties.FunctionCode);
    const route = new Function(`${code}; return handler;`)() as (event: unknown) => {
      uri?: string;
      statusCode?: number;
      headers?: Record<string, { value: string }>;
    };
    const uri = (path: string) => route({ request: { uri: path, headers: {} } });
    expect(uri("/console/").uri).toBe("/console/index.html");
    expect(uri("/console/editions/2026-12-07").uri).toBe("/console/index.html");
    expect(uri("/console/assets/index-abc123.js").uri).toBe("/console/assets/index-abc123.js");
    expect(uri("/console/config.json").uri).toBe("/console/config.json");
    expect(uri("/console")).toMatchObject({ statusCode: 301, headers: { location: { value: "/console/" } } });
  });

  it("deploys the built console (or a page saying to build it) and config.json under console/, then invalidates", () => {
    const [, deployment] = only("Custom::CDKBucketDeployment");
    const p = deployment.Properties;
    expect(p.DestinationBucketKeyPrefix).toBe("console/");
    expect(p.SourceObjectKeys as unknown[]).toHaveLength(2);
    expect(p.DistributionPaths).toEqual(["/console*"]);
    // config.json's values are deploy-time references: the distribution (api, redirect), the client, the domain.
    const markers = json(p.SourceMarkers);
    for (const ref of [
      "PublicDistribution",
      "ConsoleUserPoolConsoleClient",
      "ConsoleUserPoolConsoleSignInDomain",
    ])
      expect(markers).toContain(ref);
    expect(stack.console.site.built).toBe(existsSync(CONSOLE_DIST));
  });

  it("says where the console is and which user pool to invite people to", () => {
    const outputs = template.toJSON().Outputs;
    expect(json(outputs.ConsoleUrl.Value)).toContain("/console/");
    expect(json(outputs.UserPoolId.Value)).toContain("ConsoleUserPool");
  });
});

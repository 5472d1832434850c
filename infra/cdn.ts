import {
  aws_certificatemanager as acm,
  type aws_apigatewayv2 as apigw,
  aws_cloudfront as cloudfront,
  Duration,
  Fn,
  aws_cloudfront_origins as origins,
  RemovalPolicy,
  aws_route53 as route53,
  Stack,
  aws_s3 as s3,
  aws_secretsmanager as secretsmanager,
} from "aws-cdk-lib";
import type { Construct } from "constructs";
import { ORIGIN_VERIFY_HEADER } from "../functions/handlers/env.js";
import type { StackSettings } from "./config.js";

/**
 * The readers' front door: a CloudFront distribution in front of the HTTP API's public routes, on
 * the configured domain (deploy.publicDomain, its us-east-1 certificate, optionally its Route 53
 * alias records) or on the distribution's own *.cloudfront.net name. Links in emails use it; the
 * execute-api URL stays reachable, so links already in inboxes keep working.
 *
 * - Everything is passed through uncached by default (sign-up, confirm, unsubscribe with RFC 8058
 *   one-click POST, preferences: personal, token-bearing pages that say `no-store` anyway).
 * - The archive and hosted stories are cached as long as the pages' own Cache-Control says
 *   (functions/core/http/public-routes.ts PUBLIC_CACHE; their 404s say no-store): a link scanner's
 *   burst on a story link is answered at the edge, not by the 50-odd requests a second of the stage.
 * - Every forwarded request carries the reader's address (CloudFront-Viewer-Address) and a generated
 *   secret (ORIGIN_VERIFY_HEADER): the api function believes the address only beside the secret
 *   (functions/handlers/api.ts), since the execute-api URL stays public. Sign-up limits per client
 *   and consent records then name the reader, not the edge location.
 * - /admin is forwarded uncached with the caller's Authorization header (the admin console, served
 *   here under /console/ by infra/console-site.ts, calls it on its own origin with its bearer token);
 *   the api function checks that token. SigV4-signed scripts call <ApiUrl>/iam/admin instead: a
 *   signature is for the execute-api host and could not pass through here.
 */

/** What the API reads from a viewer's request; never Host (API Gateway answers only to its own). */
const FORWARDED_HEADERS = [
  "accept",
  "accept-language",
  "content-type",
  "origin",
  "referer",
  "user-agent",
  // The viewer's address, added by CloudFront: the API's source IP would otherwise be the edge's.
  "CloudFront-Viewer-Address",
];

/**
 * The paths CloudFront caches (as long as the page's Cache-Control says): only pages without a
 * personal link or token. test/api/cache-headers.test.ts holds every public route to this.
 */
export const CACHED_PATH_PATTERNS = ["/archive*", "/stories/*"] as const;

export interface PublicFrontDoor {
  distribution: cloudfront.Distribution;
  /** https://<publicDomain>, else https://<distribution>.cloudfront.net; no trailing slash. */
  publicUrl: string;
  logs: s3.Bucket;
  /**
   * The value of ORIGIN_VERIFY_HEADER on forwarded requests: a dynamic reference to a generated
   * secret, resolved by CloudFormation at deploy time (never in the template in clear).
   */
  originSecret: secretsmanager.Secret;
  originSecretValue: string;
  /** Whether it serves deploy.publicDomain with its own certificate (TLS 1.2 minimum). */
  customDomain: boolean;
}

export function publicFrontDoor(
  scope: Construct,
  httpApi: apigw.HttpApi,
  settings: Pick<StackSettings, "publicDomain" | "certificateArn" | "hostedZoneId" | "deletionProtection">,
): PublicFrontDoor {
  const apiDomain = `${httpApi.apiId}.execute-api.${Stack.of(scope).region}.${Stack.of(scope).urlSuffix}`;
  const originSecret = new secretsmanager.Secret(scope, "OriginVerifySecret", {
    description: `Sent by CloudFront to the API in ${ORIGIN_VERIFY_HEADER}: vouches for CloudFront-Viewer-Address`,
    generateSecretString: { passwordLength: 48, excludePunctuation: true, includeSpace: false },
    // Nothing outlives the stack that holds it: a new one is deployed to both ends at once.
    removalPolicy: RemovalPolicy.DESTROY,
  });
  const originSecretValue = originSecret.secretValue.unsafeUnwrap();
  const origin = new origins.HttpOrigin(apiDomain, {
    customHeaders: { [ORIGIN_VERIFY_HEADER]: originSecretValue },
    protocolPolicy: cloudfront.OriginProtocolPolicy.HTTPS_ONLY,
    originSslProtocols: [cloudfront.OriginSslPolicy.TLS_V1_2],
  });
  const passThrough = new cloudfront.OriginRequestPolicy(scope, "PublicOriginRequests", {
    comment: "Digest: the viewer headers the API reads, every query string (tokens), no cookies",
    headerBehavior: cloudfront.OriginRequestHeaderBehavior.allowList(...FORWARDED_HEADERS),
    queryStringBehavior: cloudfront.OriginRequestQueryStringBehavior.all(),
    cookieBehavior: cloudfront.OriginRequestCookieBehavior.none(),
  });
  const pageCache = new cloudfront.CachePolicy(scope, "PublicPageCache", {
    comment: "Digest: archive and stories, as long as the page's Cache-Control says (none: not cached)",
    defaultTtl: Duration.seconds(0),
    minTtl: Duration.seconds(0),
    maxTtl: Duration.days(1),
    // The archive pages by ?before=; nothing else changes a cached page.
    queryStringBehavior: cloudfront.CacheQueryStringBehavior.allowList("before"),
    headerBehavior: cloudfront.CacheHeaderBehavior.none(),
    cookieBehavior: cloudfront.CacheCookieBehavior.none(),
    enableAcceptEncodingGzip: true,
    enableAcceptEncodingBrotli: true,
  });
  const cachedPages: cloudfront.BehaviorOptions = {
    origin,
    cachePolicy: pageCache,
    allowedMethods: cloudfront.AllowedMethods.ALLOW_GET_HEAD,
    viewerProtocolPolicy: cloudfront.ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
    compress: true,
  };
  // CloudFront forwards a viewer's Authorization header only when it is part of the cache key, and a
  // header in the key needs a TTL above zero: the maximum is one second, the default none, so an
  // admin answer is only ever kept if the API says so, and then only for the same bearer.
  const adminPassThrough = new cloudfront.CachePolicy(scope, "AdminPassThrough", {
    comment: "Digest: /admin, uncached; Authorization in the key so it reaches the API",
    defaultTtl: Duration.seconds(0),
    minTtl: Duration.seconds(0),
    maxTtl: Duration.seconds(1),
    headerBehavior: cloudfront.CacheHeaderBehavior.allowList("authorization"),
    queryStringBehavior: cloudfront.CacheQueryStringBehavior.all(),
    cookieBehavior: cloudfront.CacheCookieBehavior.none(),
  });
  // Standard logs: the requests the edge answered itself never reach the API's access log.
  const logs = new s3.Bucket(scope, "CdnLogs", {
    encryption: s3.BucketEncryption.S3_MANAGED,
    blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
    enforceSSL: true,
    // CloudFront's standard logging writes with an ACL.
    objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_PREFERRED,
    lifecycleRules: [{ expiration: Duration.days(90) }],
    removalPolicy: settings.deletionProtection ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
  });
  const { publicDomain, certificateArn } = settings;
  const distribution = new cloudfront.Distribution(scope, "PublicDistribution", {
    comment: "Digest: public pages (subscribe, unsubscribe, preferences, archive, stories)",
    defaultBehavior: {
      origin,
      cachePolicy: cloudfront.CachePolicy.CACHING_DISABLED,
      originRequestPolicy: passThrough,
      // POST: sign-up, preferences and RFC 8058 one-click unsubscribe.
      allowedMethods: cloudfront.AllowedMethods.ALLOW_ALL,
      viewerProtocolPolicy: cloudfront.ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
      compress: true,
    },
    additionalBehaviors: {
      ...Object.fromEntries(CACHED_PATH_PATTERNS.map((path) => [path, cachedPages])),
      "/admin*": {
        origin,
        cachePolicy: adminPassThrough,
        originRequestPolicy: passThrough,
        allowedMethods: cloudfront.AllowedMethods.ALLOW_ALL,
        viewerProtocolPolicy: cloudfront.ViewerProtocolPolicy.HTTPS_ONLY,
      },
    },
    ...(publicDomain && certificateArn
      ? {
          domainNames: [publicDomain],
          certificate: acm.Certificate.fromCertificateArn(scope, "PublicCertificate", certificateArn),
          minimumProtocolVersion: cloudfront.SecurityPolicyProtocol.TLS_V1_2_2021,
        }
      : {}),
    httpVersion: cloudfront.HttpVersion.HTTP2_AND_3,
    priceClass: cloudfront.PriceClass.PRICE_CLASS_100,
    enableLogging: true,
    logBucket: logs,
    logFilePrefix: "cloudfront/",
  });
  if (publicDomain && settings.hostedZoneId) {
    // Plain record sets: the zone's name is not needed, only its id (an alias to CloudFront's zone).
    for (const type of ["A", "AAAA"]) {
      new route53.CfnRecordSet(scope, `PublicDomain${type}`, {
        hostedZoneId: settings.hostedZoneId,
        name: `${publicDomain}.`,
        type,
        aliasTarget: { dnsName: distribution.distributionDomainName, hostedZoneId: CLOUDFRONT_ZONE_ID },
      });
    }
  }
  const publicUrl = publicDomain
    ? `https://${publicDomain}`
    : Fn.join("", ["https://", distribution.distributionDomainName]);
  return {
    distribution,
    publicUrl,
    logs,
    originSecret,
    originSecretValue,
    customDomain: Boolean(publicDomain && certificateArn),
  };
}

/** The hosted zone id of every CloudFront distribution's alias target (fixed by AWS). */
const CLOUDFRONT_ZONE_ID = "Z2FDTNDATAQYW2";

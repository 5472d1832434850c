import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import {
  aws_cloudfront as cloudfront,
  Duration,
  aws_cloudfront_origins as origins,
  RemovalPolicy,
  aws_s3 as s3,
  aws_s3_deployment as s3deploy,
} from "aws-cdk-lib";
import type { Construct } from "constructs";
import { consoleCsp } from "../functions/core/http/console-csp.js";
import type { PublicFrontDoor } from "./cdn.js";
import { CONSOLE_SCOPES } from "./console-auth.js";

/**
 * The admin console on the readers' CloudFront distribution (infra/cdn.ts), under /console/: the
 * built single-page app (console/dist, `npm run build:console`) in a private bucket read by CloudFront
 * alone (origin access control), a strict Content-Security-Policy on every console response, and
 * /console/config.json written at deploy time with where the API and the sign-in are. The console
 * calls the API through the same distribution (its /admin behaviour, infra/cdn.ts): same origin, so
 * no CORS and the CSP's 'self' covers the API.
 */

/** The console's path on the distribution; the console is built with this base (console/vite.config.ts). */
export const CONSOLE_PATH = "/console/";

/** Where `npm run build:console` writes the console. */
export const CONSOLE_DIST = fileURLToPath(new URL("../console/dist", import.meta.url));

/** Served when the stack is synthesized before the console was built (say so instead of a blank page). */
const PLACEHOLDER = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Admin console not built</title></head>
<body><h1>The admin console was not built</h1>
<p>This deployment was made without <code>console/dist</code>. Run <code>npm run build:console</code>, then deploy again.</p>
</body></html>
`;

/**
 * Viewer requests under /console: /console → /console/; a path whose last segment has no file
 * extension is a route of the app (its router), answered with index.html. Files are served as they are
 * (a missing one is S3's 403, never index.html passing for a script).
 */
const SPA_FALLBACK = `function handler(event) {
  var request = event.request;
  var uri = request.uri;
  if (uri === "/console") {
    return { statusCode: 301, statusDescription: "Moved Permanently", headers: { location: { value: "/console/" } } };
  }
  var last = uri.substring(uri.lastIndexOf("/") + 1);
  if (last.indexOf(".") === -1) request.uri = "/console/index.html";
  return request;
}`;

export interface ConsoleSite {
  bucket: s3.Bucket;
  deployment: s3deploy.BucketDeployment;
  headers: cloudfront.ResponseHeadersPolicy;
  /** Whether console/dist was there at synth (else a placeholder page is deployed). */
  built: boolean;
}

export function consoleSite(
  scope: Construct,
  props: {
    frontDoor: PublicFrontDoor;
    /** The console's URL (<publicUrl>/console/): OAuth redirect and logout URL. */
    consoleUrl: string;
    signInHost: string;
    clientId: string;
    deletionProtection: boolean;
  },
): ConsoleSite {
  const { frontDoor } = props;
  const bucket = new s3.Bucket(scope, "ConsoleBucket", {
    encryption: s3.BucketEncryption.S3_MANAGED,
    blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
    enforceSSL: true,
    serverAccessLogsBucket: frontDoor.logs,
    serverAccessLogsPrefix: "s3/console/",
    removalPolicy: props.deletionProtection ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
  });
  const headers = new cloudfront.ResponseHeadersPolicy(scope, "ConsoleHeaders", {
    comment: "Digest admin console: strict CSP, no framing, HSTS",
    securityHeadersBehavior: {
      contentSecurityPolicy: { contentSecurityPolicy: consoleCsp(props.signInHost), override: true },
      frameOptions: { frameOption: cloudfront.HeadersFrameOption.DENY, override: true },
      contentTypeOptions: { override: true },
      referrerPolicy: { referrerPolicy: cloudfront.HeadersReferrerPolicy.NO_REFERRER, override: true },
      strictTransportSecurity: {
        accessControlMaxAge: Duration.days(365),
        includeSubdomains: true,
        override: true,
      },
    },
  });
  const fallback = new cloudfront.Function(scope, "ConsoleRoutes", {
    comment: "Digest console: /console → /console/, app routes → index.html",
    code: cloudfront.FunctionCode.fromInline(SPA_FALLBACK),
    runtime: cloudfront.FunctionRuntime.JS_2_0,
  });
  frontDoor.distribution.addBehavior("/console*", origins.S3BucketOrigin.withOriginAccessControl(bucket), {
    cachePolicy: cloudfront.CachePolicy.CACHING_OPTIMIZED,
    allowedMethods: cloudfront.AllowedMethods.ALLOW_GET_HEAD,
    viewerProtocolPolicy: cloudfront.ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
    responseHeadersPolicy: headers,
    compress: true,
    functionAssociations: [{ function: fallback, eventType: cloudfront.FunctionEventType.VIEWER_REQUEST }],
  });

  const built = existsSync(CONSOLE_DIST);
  const config = {
    api: frontDoor.publicUrl,
    auth: {
      kind: "cognito",
      domain: props.signInHost,
      clientId: props.clientId,
      redirectUri: props.consoleUrl,
      scopes: CONSOLE_SCOPES,
    },
  };
  const deployment = new s3deploy.BucketDeployment(scope, "ConsoleDeployment", {
    destinationBucket: bucket,
    destinationKeyPrefix: "console/",
    sources: [
      built ? s3deploy.Source.asset(CONSOLE_DIST) : s3deploy.Source.data("index.html", PLACEHOLDER),
      s3deploy.Source.jsonData("config.json", config),
    ],
    // Browsers revalidate (ETag) and CloudFront is invalidated on each deployment: a new console is
    // seen at once; its hashed files make revalidation cheap.
    cacheControl: [s3deploy.CacheControl.noCache()],
    distribution: frontDoor.distribution,
    distributionPaths: ["/console*"],
    memoryLimit: 512,
  });
  return { bucket, deployment, headers, built };
}

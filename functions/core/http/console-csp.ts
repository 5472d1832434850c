/**
 * The admin console's Content-Security-Policy, one text for `digest serve` and the deployed
 * CloudFront response headers: only the console's own scripts (no inline script, no eval), calls to
 * itself (and, deployed, to the sign-in host for the OAuth token exchange), never framed by anyone.
 *
 * The edition preview is the email's stored HTML in a sandboxed srcdoc frame, and a srcdoc frame
 * inherits this policy: emails carry inline styles (and dark-mode rules in a <style>) and remote
 * images, hence style-src 'unsafe-inline' and img-src https:. No script can run in that frame: the
 * sandbox and script-src both forbid it, so the inline styles cannot carry one.
 */
export function consoleCsp(signInHost?: string): string {
  const signIn = signInHost ? ` https://${signInHost}` : "";
  return [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data: https:",
    "font-src 'self'",
    `connect-src 'self'${signIn}`,
    "frame-src 'self'",
    "frame-ancestors 'none'",
    `form-action 'self'${signIn}`,
    "base-uri 'none'",
    "object-src 'none'",
    ...(signInHost ? ["upgrade-insecure-requests"] : []),
  ].join("; ");
}

/** Environment variables the stack sets for the handlers, beyond the config keys and table names. */
export const QUEUE_ENV = "DIGEST_SEND_QUEUE_URL";
/** Messages per second one send function paces itself to at most (the fleet's share of the configured maxSendRate). */
export const SEND_RATE_ENV = "DIGEST_SEND_RATE_PER_FUNCTION";
/** Send functions that may run at once (the event source's maxConcurrency): how many share the account's rate. */
export const SEND_FLEET_SIZE_ENV = "DIGEST_SEND_FLEET_SIZE";
/**
 * Deliveries of a send-queue message before SQS moves it to the dead-letter queue (the redrive
 * policy's maxReceiveCount): on its last one the send function settles it in its edition's round.
 */
export const SEND_MAX_RECEIVES_ENV = "DIGEST_SEND_MAX_RECEIVES";
/** Secrets Manager ARN of the link-signing key; DIGEST_TOKEN_KEYS, when set, wins (tests, local). */
export const TOKEN_SECRET_ENV = "DIGEST_TOKEN_SECRET_ARN";
/** Seconds the ingest function waits for one feed (whole request); default 10. */
/** The daily schedule's hour (stack setting sendHour), for the overview's next send. */
export const SEND_HOUR_ENV = "DIGEST_SEND_HOUR";
export const FEED_TIMEOUT_ENV = "DIGEST_FEED_TIMEOUT_SECONDS";
/**
 * Secrets Manager ARN of the key erased addresses are hashed with (HMAC-SHA256) on the suppression
 * list; DIGEST_ERASURE_KEY (base64), when set, wins (tests, local).
 */
export const ERASURE_SECRET_ENV = "DIGEST_ERASURE_SECRET_ARN";
export const ERASURE_KEY_ENV = "DIGEST_ERASURE_KEY";
/**
 * The value CloudFront (infra/cdn.ts) sends in ORIGIN_VERIFY_HEADER to the API: with it, the api
 * function believes the CloudFront-Viewer-Address header (the reader's address; the connection's is
 * the edge's). A dynamic reference to a generated secret, resolved at deploy time.
 */
export const ORIGIN_VERIFY_ENV = "DIGEST_ORIGIN_VERIFY";
/** The header CloudFront adds to every request it forwards to the API. */
export const ORIGIN_VERIFY_HEADER = "x-digest-origin-verify";
/** The job queue's URL: the api enqueues started jobs there; the jobs function consumes it. */
export const JOB_QUEUE_ENV = "DIGEST_JOB_QUEUE_URL";
/** The private bucket of job files (uploads, reports, exports). */
export const JOB_BUCKET_ENV = "DIGEST_JOB_BUCKET";
/**
 * Who signs the console's sign-in tokens (JWTs) the api function accepts on /admin routes
 * (functions/adapters/jwt-identity.ts). Deployed: the stack's Cognito user pool and its console app
 * client (ID tokens). A generic OIDC issuer instead: JWT_ISSUER_ENV, JWT_AUDIENCE_ENV, optionally
 * JWT_JWKS_URI_ENV (default <issuer>/.well-known/jwks.json) and JWT_GROUPS_CLAIM_ENV (default "groups").
 */
export const USER_POOL_ID_ENV = "DIGEST_USER_POOL_ID";
export const USER_POOL_CLIENT_ID_ENV = "DIGEST_USER_POOL_CLIENT_ID";
export const JWT_ISSUER_ENV = "DIGEST_JWT_ISSUER";
export const JWT_AUDIENCE_ENV = "DIGEST_JWT_AUDIENCE";
export const JWT_JWKS_URI_ENV = "DIGEST_JWT_JWKS_URI";
export const JWT_GROUPS_CLAIM_ENV = "DIGEST_JWT_GROUPS_CLAIM";
/**
 * Scripts with AWS credentials call the admin API SigV4-signed at <ApiUrl>/iam/admin/… (routes behind
 * the IAM authorizer, infra/http-api.ts); the handlers see the path without this prefix.
 */
export const IAM_ROUTE_PREFIX = "/iam";

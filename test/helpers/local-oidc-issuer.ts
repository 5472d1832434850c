import { execFileSync } from "node:child_process";
import { generateKeyPairSync, randomUUID } from "node:crypto";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { createServer } from "node:https";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { SimpleFetcher } from "aws-jwt-verify/https";
import { SimpleJwksCache } from "aws-jwt-verify/jwk";
import Provider from "oidc-provider";

/**
 * A real OpenID Connect issuer on 127.0.0.1 for the JWT tests: oidc-provider 8 behind HTTPS (a
 * self-signed certificate made with openssl for this run), signing ID tokens with its own RSA key and
 * publishing that key at its JWKS endpoint, which the verifier fetches over HTTPS like any issuer's.
 * ID tokens come from oidc-provider's own IdToken model (the object its token endpoint issues them
 * with), for a registered client, with the claims the test names; no login pages to drive.
 */
export interface LocalOidcIssuer {
  /** The `iss` of its tokens: its own https://127.0.0.1:<port>, or the one asked for. */
  issuer: string;
  /** Where it publishes its signing keys (always this server's, whatever the issuer string). */
  jwksUri: string;
  /** This server's self-signed certificate (PEM), for a client that is to trust it. */
  certificate: string;
  /** A JWKS cache whose HTTPS fetcher trusts this server's self-signed certificate. */
  jwksCache(): SimpleJwksCache;
  /** A signed ID token for `clientId` (a registered client) with `claims` (sub required). */
  idToken(
    clientId: string,
    claims: Record<string, unknown>,
    options?: { expiresAt?: number },
  ): Promise<string>;
  close(): Promise<void>;
}

/** Every claim an ID token of these tests may carry, released under the one scope asked for. */
const CLAIMS = ["sub", "email", "email_verified", "groups", "roles", "cognito:groups", "token_use"];

export async function startLocalOidcIssuer(options: {
  clients: string[];
  /** Tokens name this issuer instead of the server's URL (e.g. a Cognito user pool's). */
  issuer?: string;
}): Promise<LocalOidcIssuer> {
  const dir = await mkdtemp(join(tmpdir(), "oidc-issuer-"));
  execFileSync(
    "openssl",
    [
      ...["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"],
      ...["-keyout", join(dir, "key.pem"), "-out", join(dir, "cert.pem"), "-days", "2"],
      ...["-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"],
    ],
    { stdio: "ignore" },
  );
  const [key, cert] = await Promise.all([
    readFile(join(dir, "key.pem"), "utf8"),
    readFile(join(dir, "cert.pem"), "utf8"),
  ]);
  await rm(dir, { recursive: true, force: true });

  let handle: ((req: never, res: never) => void) | null = null;
  const server = createServer({ key, cert }, (req, res) => handle?.(req as never, res as never));
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const origin = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const issuer = options.issuer ?? origin;

  const signingKey = generateKeyPairSync("rsa", { modulusLength: 2048 }).privateKey.export({ format: "jwk" });
  const provider = new Provider(issuer, {
    clients: options.clients.map((client_id) => ({
      client_id,
      token_endpoint_auth_method: "none",
      redirect_uris: ["https://console.example/console/"],
      response_types: ["code"],
      grant_types: ["authorization_code"],
    })),
    jwks: { keys: [{ ...signingKey, kid: randomUUID(), alg: "RS256", use: "sig" }] },
    claims: { openid: CLAIMS },
    // What oidc-provider warns about when left to its quick-start defaults: its in-memory store given
    // by name (a subclass is no default, so no warning in every test run), cookie keys.
    adapter: await memoryAdapter(),
    cookies: { keys: [randomUUID()] },
    ttl: { IdToken: 3600 },
    features: { devInteractions: { enabled: false } },
  });
  handle = provider.callback();
  // The JWKS endpoint's path, from the provider's discovery document (not assumed).
  const discovery = (await (
    await fetchTrusting(`${origin}/.well-known/openid-configuration`, cert)
  ).json()) as {
    jwks_uri: string;
  };
  const jwksUri = `${origin}${new URL(discovery.jwks_uri).pathname}`;

  return {
    issuer,
    jwksUri,
    certificate: cert,
    jwksCache: () =>
      new SimpleJwksCache({ fetcher: new SimpleFetcher({ defaultRequestOptions: { ca: cert } }) }),
    async idToken(clientId, claims, tokenOptions = {}) {
      const client = await provider.Client.find(clientId);
      if (!client) throw new Error(`no client ${clientId} at the local issuer`);
      const token = new provider.IdToken(claims, { client });
      token.scope = "openid";
      return token.issue({ use: "idtoken", ...tokenOptions });
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((err) => (err ? reject(err) : resolve()));
      }),
  };
}

/** GET over HTTPS trusting `ca` (Node's fetch has no per-request CA; node:https has). */
async function fetchTrusting(url: string, ca: string): Promise<{ json(): Promise<unknown> }> {
  const { request } = await import("node:https");
  return new Promise((resolve, reject) => {
    request(url, { ca }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => resolve({ json: async () => JSON.parse(Buffer.concat(chunks).toString("utf8")) }));
      res.on("error", reject);
    })
      .on("error", reject)
      .end();
  });
}

/** oidc-provider's own in-memory store, as a class of our own (see the adapter option above). */
async function memoryAdapter(): Promise<new (name: string) => object> {
  // Not in the package's typings: its file, which the package exports (it has no "exports" map).
  const path: string = "oidc-provider/lib/adapters/memory_adapter.js";
  const { default: MemoryAdapter } = (await import(path)) as { default: new (name: string) => object };
  return class TestIssuerStore extends MemoryAdapter {};
}

/** The part of oidc-provider 8 (no bundled types) the tests' local OIDC issuer uses. */
declare module "oidc-provider" {
  import type { IncomingMessage, ServerResponse } from "node:http";

  interface ClientMetadata {
    client_id: string;
    token_endpoint_auth_method?: string;
    redirect_uris?: string[];
    response_types?: string[];
    grant_types?: string[];
  }
  interface Configuration {
    /** The store's class, made once per model name. */
    adapter?: new (
      name: string,
    ) => object;
    clients?: ClientMetadata[];
    jwks?: { keys: Record<string, unknown>[] };
    claims?: Record<string, string[]>;
    cookies?: { keys: string[] };
    ttl?: { IdToken?: number };
    features?: { devInteractions?: { enabled: boolean } };
    findAccount?: (
      ctx: unknown,
      sub: string,
    ) => Promise<{ accountId: string; claims: () => Promise<Record<string, unknown>> } | undefined>;
  }
  interface Client {
    clientId: string;
  }
  interface IdToken {
    scope: string;
    issue(options: { use: "idtoken"; expiresAt?: number }): Promise<string>;
  }
  export default class Provider {
    constructor(issuer: string, configuration?: Configuration);
    readonly issuer: string;
    callback(): (req: IncomingMessage, res: ServerResponse) => void;
    Client: { find(id: string): Promise<Client | undefined> };
    IdToken: new (
      claims: Record<string, unknown>,
      options: { client: Client },
    ) => IdToken;
  }
}

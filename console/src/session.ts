import { type ConsoleConfig, call, type Role, setApiBase, setSessionToken } from "./api";

/**
 * Sign-in. Locally, `digest serve` prints a one-time link `/console/#signin=<code>`: the console trades
 * the code for a session token (POST /admin/session), drops the fragment and keeps the token in
 * sessionStorage (gone with the tab). Deployed, Cognito's hosted UI signs people in (OAuth 2.0 code +
 * PKCE) and its ID token is the bearer.
 */

export interface Me {
  email: string | null;
  role: Role;
  via: string;
}

export async function loadConfig(): Promise<ConsoleConfig> {
  const res = await fetch("config.json", { headers: { accept: "application/json" } });
  if (!res.ok) throw new Error(`config.json: ${res.status}`);
  const config = (await res.json()) as ConsoleConfig;
  setApiBase(config.api);
  return config;
}

/** Trades `#signin=<code>` in the URL for a session; true when the URL carried one and it worked. */
export async function exchangeSignInCode(): Promise<boolean> {
  const match = /^#signin=([^&]+)/.exec(location.hash);
  if (!match) return false;
  history.replaceState(null, "", `${location.pathname}${location.search}#/`);
  const code = decodeURIComponent(match[1] as string);
  const answer = await call<{ token: string }>("/admin/session", {
    method: "POST",
    json: { code },
    anonymous: true,
  });
  setSessionToken(answer.token);
  return true;
}

/** Who the token belongs to, and their role (GET /admin/me). */
export function loadMe(): Promise<Me> {
  return call<Me>("/admin/me");
}

const PKCE_KEY = "digest-console-pkce";

function base64url(bytes: Uint8Array): string {
  let s = "";
  for (const b of bytes) s += String.fromCharCode(b);
  return btoa(s).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

/** Sends the browser to Cognito's hosted UI (authorization code with a PKCE challenge). */
export async function startCognitoSignIn(auth: Extract<ConsoleConfig["auth"], { kind: "cognito" }>) {
  const verifier = base64url(crypto.getRandomValues(new Uint8Array(32)));
  const state = base64url(crypto.getRandomValues(new Uint8Array(16)));
  const challenge = base64url(
    new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(verifier))),
  );
  sessionStorage.setItem(PKCE_KEY, JSON.stringify({ verifier, state }));
  const url = new URL(`https://${auth.domain}/oauth2/authorize`);
  url.search = new URLSearchParams({
    response_type: "code",
    client_id: auth.clientId,
    redirect_uri: auth.redirectUri,
    scope: auth.scopes.join(" "),
    state,
    code_challenge: challenge,
    code_challenge_method: "S256",
  }).toString();
  location.assign(url.href);
}

/** Back from the hosted UI with `?code=&state=`: trades the code for tokens; true when it did. */
export async function finishCognitoSignIn(
  auth: Extract<ConsoleConfig["auth"], { kind: "cognito" }>,
): Promise<boolean> {
  const params = new URLSearchParams(location.search);
  const code = params.get("code");
  if (!code) return false;
  const saved = JSON.parse(sessionStorage.getItem(PKCE_KEY) ?? "null") as {
    verifier: string;
    state: string;
  } | null;
  sessionStorage.removeItem(PKCE_KEY);
  history.replaceState(null, "", `${location.pathname}#/`);
  if (!saved || saved.state !== params.get("state")) throw new Error("the sign-in answer does not match");
  const res = await fetch(`https://${auth.domain}/oauth2/token`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({
      grant_type: "authorization_code",
      client_id: auth.clientId,
      code,
      redirect_uri: auth.redirectUri,
      code_verifier: saved.verifier,
    }).toString(),
  });
  if (!res.ok) throw new Error(`sign-in failed (${res.status})`);
  const tokens = (await res.json()) as { id_token: string };
  setSessionToken(tokens.id_token);
  return true;
}

const RANK: Record<Role, number> = { viewer: 0, editor: 1, owner: 2 };

/** Whether `role` may do what needs `need`. */
export function allows(role: Role, need: Role): boolean {
  return RANK[role] >= RANK[need];
}

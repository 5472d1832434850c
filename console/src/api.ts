/**
 * The console's one way to the API: JSON calls to the /admin routes with the bearer token from sign-in.
 * A refused call (403) carries the API's own message ("this needs the editor role; you are a viewer");
 * a route this server does not have yet (404 from the router) is "not available", not an error page.
 */

export type Role = "owner" | "editor" | "viewer";

export interface ConsoleConfig {
  api: string;
  auth:
    | { kind: "local" }
    | { kind: "cognito"; domain: string; clientId: string; redirectUri: string; scopes: string[] };
}

export class ApiError extends Error {
  override name = "ApiError";
  constructor(
    readonly status: number,
    message: string,
    readonly body: Record<string, unknown> | null,
  ) {
    super(message);
  }
  /** The router's own 404 for a path it has no route for: the feature is not on this server yet. */
  get unavailable(): boolean {
    return this.status === 404 && this.message === "not found";
  }
}

const TOKEN_KEY = "digest-console-token";

let base = "";

export function setApiBase(url: string): void {
  base = url.replace(/\/+$/, "");
}

export function apiUrl(path: string): string {
  return `${base}${path}`;
}

export function sessionToken(): string | null {
  return sessionStorage.getItem(TOKEN_KEY);
}

export function setSessionToken(token: string | null): void {
  if (token === null) sessionStorage.removeItem(TOKEN_KEY);
  else sessionStorage.setItem(TOKEN_KEY, token);
}

/** Called when the API says the token is no good (401): the app shows the sign-in screen. */
let onSignedOut: () => void = () => {};
export function whenSignedOut(handler: () => void): void {
  onSignedOut = handler;
}

type Query = Record<string, string | number | boolean | null | undefined>;

export function withQuery(path: string, query: Query = {}): string {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) {
    if (v !== undefined && v !== null && v !== "") params.set(k, String(v));
  }
  const qs = params.toString();
  return qs ? `${path}?${qs}` : path;
}

export interface CallOptions {
  method?: string;
  query?: Query;
  json?: unknown;
  /** A raw body (CSV) with its content type. */
  body?: string | Blob;
  type?: string;
  /** Sends no Authorization (the sign-in exchange). */
  anonymous?: boolean;
  /** Answer as text instead of JSON (exports, the text preview). */
  text?: boolean;
}

/** Calls `path` (with the API base) and returns its JSON (or text); throws ApiError for any non-2xx. */
export async function call<T = unknown>(path: string, opts: CallOptions = {}): Promise<T> {
  const headers: Record<string, string> = { accept: opts.text ? "*/*" : "application/json" };
  const token = sessionToken();
  if (token && !opts.anonymous) headers.authorization = `Bearer ${token}`;
  let body: string | Blob | undefined = opts.body;
  if (opts.json !== undefined) {
    body = JSON.stringify(opts.json);
    headers["content-type"] = "application/json";
  } else if (opts.type) {
    headers["content-type"] = opts.type;
  }
  const res = await fetch(apiUrl(withQuery(path, opts.query)), {
    method: opts.method ?? "GET",
    headers,
    body,
  });
  const text = await res.text();
  let json: Record<string, unknown> | null = null;
  try {
    json = text ? (JSON.parse(text) as Record<string, unknown>) : null;
  } catch {
    json = null;
  }
  if (!res.ok) {
    const message =
      typeof json?.error === "string" ? json.error : text.slice(0, 200) || `${res.status} ${res.statusText}`;
    if (res.status === 401 && !opts.anonymous) onSignedOut();
    throw new ApiError(res.status, message, json);
  }
  return (opts.text ? text : json) as T;
}

/** What a failed call shows the person: the API's message; a missing route as "not available here". */
export function describeError(err: unknown): string {
  if (err instanceof ApiError) {
    if (err.unavailable) return "Not available on this server yet.";
    if (err.status === 403) return `Not allowed: ${err.message}`;
    return err.message;
  }
  return (err as Error)?.message ?? String(err);
}

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

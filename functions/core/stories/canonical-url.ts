/**
 * URL canonicalisation for story identity, and the check applied before a URL goes into an href.
 */

/**
 * Query parameters that only say where a click came from (ad and e-mail click ids, newsletter and
 * analytics tags); removed from canonical URLs, names compared case-insensitively. `ref` and `source`
 * are not here on purpose: too many sites use them for content (a git ref, a product variant).
 */
const TRACKING_PARAMS = new Set([
  // ad click ids: Meta, Google (incl. iOS app variants), Microsoft, Yandex, X/Twitter, TikTok, LinkedIn
  "fbclid",
  "gclid",
  "gclsrc",
  "dclid",
  "gbraid",
  "wbraid",
  "msclkid",
  "yclid",
  "twclid",
  "ttclid",
  "li_fat_id",
  // e-mail and marketing platforms: Mailchimp, HubSpot, Marketo, Vero, Omeda
  "mc_cid",
  "mc_eid",
  "_hsenc",
  "_hsmi",
  "__hstc",
  "__hssc",
  "__hsfp",
  "mkt_tok",
  "vero_id",
  "vero_conv",
  "oly_anon_id",
  "oly_enc_id",
  // analytics cross-domain linkers and share tags
  "_ga",
  "_gl",
  "igshid",
  "ref_src",
  "ref_url",
  "s_cid",
]);

function isTrackingParam(name: string): boolean {
  const n = name.toLowerCase();
  return n.startsWith("utm_") || TRACKING_PARAMS.has(n);
}

function decodeParamName(raw: string): string {
  const name = raw.split("=", 1)[0] ?? "";
  try {
    return decodeURIComponent(name.replace(/\+/g, " "));
  } catch {
    return name;
  }
}

/** Parses `raw` (trimmed) as an absolute http(s) URL with a host; returns null otherwise. */
function parseHttpUrl(raw: string): URL | null {
  const trimmed = raw.trim();
  // Require the "scheme://" form: `new URL("http:example.com")` would otherwise be accepted.
  if (!/^https?:\/\//i.test(trimmed)) return null;
  let url: URL;
  try {
    url = new URL(trimmed);
  } catch {
    return null;
  }
  if ((url.protocol !== "http:" && url.protocol !== "https:") || url.hostname === "") return null;
  return url;
}

/**
 * Returns the canonical form of an absolute http(s) URL, or null when `raw` is not one.
 * Scheme and host are lower-cased and default ports dropped (WHATWG URL serialisation), the fragment is
 * removed, and so are tracking parameters (`utm_*` and the click ids and marketing tags listed in
 * TRACKING_PARAMS); other parameters keep their order and their encoding, because this is also the
 * link readers follow (see {@link urlIdentity} for the order-free form used for identity).
 */
export function canonicalUrl(raw: string): string | null {
  const url = parseHttpUrl(raw);
  if (url === null) return null;
  url.hash = "";
  const kept = url.search
    .slice(1)
    .split("&")
    .filter((pair) => pair !== "" && !isTrackingParam(decodeParamName(pair)));
  url.search = kept.length > 0 ? `?${kept.join("&")}` : "";
  return url.href;
}

/**
 * Returns the key a story's identity is hashed from: its canonical URL with the remaining query
 * parameters sorted by name (stable, so repeated names keep their order) and `http:` read as `https:`,
 * so the same article linked by two feeds that order parameters differently, or one still on http, is
 * one story. Returns null when `raw` is not an absolute http(s) URL.
 */
export function urlIdentity(raw: string): string | null {
  const canonical = canonicalUrl(raw);
  if (canonical === null) return null;
  const url = new URL(canonical);
  if (url.protocol === "http:") url.protocol = "https:";
  const pairs = url.search
    .slice(1)
    .split("&")
    .filter((p) => p !== "");
  if (pairs.length > 1) {
    const named = pairs.map((pair) => ({ pair, name: decodeParamName(pair) }));
    named.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    url.search = `?${named.map((p) => p.pair).join("&")}`;
  }
  return url.href;
}

/**
 * Returns `raw` as a serialised URL when it is an absolute, parseable http(s) URL, else null. Use it
 * before putting any URL into an href: it rejects `javascript:`, `data:` and relative URLs, and the
 * serialised form has quotes, spaces and angle brackets percent-encoded.
 */
export function safeHttpUrl(raw: string): string | null {
  return parseHttpUrl(raw)?.href ?? null;
}

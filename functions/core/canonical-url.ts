/**
 * URL canonicalisation for story identity, and the check applied before a URL goes into an href.
 */

/** Query parameters that only track where a click came from; removed from canonical URLs (names compared case-insensitively). */
const TRACKING_PARAMS = new Set([
  "fbclid",
  "gclid",
  "mc_cid",
  "mc_eid",
  "ref_src",
  "igshid",
  "_hsenc",
  "_hsmi",
  "yclid",
  "msclkid",
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
 * removed, and so are tracking parameters (`utm_*`, `fbclid`, `gclid`, `mc_cid`, `mc_eid`, `ref_src`,
 * `igshid`, `_hsenc`, `_hsmi`, `yclid`, `msclkid`); other parameters keep their order and their encoding.
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
 * Returns `raw` as a serialised URL when it is an absolute, parseable http(s) URL, else null. Use it
 * before putting any URL into an href: it rejects `javascript:`, `data:` and relative URLs, and the
 * serialised form has quotes, spaces and angle brackets percent-encoded.
 */
export function safeHttpUrl(raw: string): string | null {
  return parseHttpUrl(raw)?.href ?? null;
}

/**
 * Top-level MIME headers and RFC 5322 address lists, read the way the local SES endpoint reads a raw
 * message to find its sender and recipients (ses-endpoint.ts; the deployed-stack twin reads them too).
 */

/** Unfolded top-level MIME headers, names lower-cased; repeated headers joined with ", ". */
export function parseHeaders(raw: Buffer): Map<string, string> {
  const text = raw.subarray(0, Math.min(raw.length, 256 * 1024)).toString("latin1");
  const end = text.search(/\r?\n\r?\n/);
  const block = (end === -1 ? text : text.slice(0, end)).replace(/\r?\n[ \t]+/g, " ");
  const headers = new Map<string, string>();
  for (const line of block.split(/\r?\n/)) {
    const colon = line.indexOf(":");
    if (colon <= 0) continue;
    const name = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim();
    const prev = headers.get(name);
    headers.set(name, prev ? `${prev}, ${value}` : value);
  }
  return headers;
}

/**
 * Addresses from an RFC 5322 address-list header value: `a@b`, `Name <a@b>`, `"Last, First" <a@b>`,
 * groups `team: a@b, c@d;` and (comments). Not a full parser, but handles what mail libraries emit.
 */
export function parseAddressList(value: string): string[] {
  const out: string[] = [];
  let token = "";
  let quoted = false;
  let angle = false;
  let comment = 0;
  const flush = () => {
    const t = token.trim();
    token = "";
    if (!t) return;
    const m = /<([^<>]*)>/.exec(t);
    const addr = (m ? m[1] : t)?.trim();
    if (addr?.includes("@")) out.push(addr);
  };
  for (let i = 0; i < value.length; i++) {
    const c = value[i] as string;
    if (quoted) {
      if (c === "\\") i++;
      else if (c === '"') quoted = false;
      continue; // display names are not needed
    }
    if (comment > 0) {
      if (c === "(") comment++;
      else if (c === ")") comment--;
      continue;
    }
    if (c === '"') quoted = true;
    else if (c === "(") comment++;
    else if (c === "<") {
      angle = true;
      token += c;
    } else if (c === ">") {
      angle = false;
      token += c;
    } else if (!angle && c === ":")
      token = ""; // group name
    else if (!angle && (c === "," || c === ";")) flush();
    else token += c;
  }
  flush();
  return out;
}

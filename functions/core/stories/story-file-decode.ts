/**
 * The bytes of an import file as text: UTF-8 or UTF-16 with a BOM, or the charset an HTML page declares;
 * a binary or undecodable file is refused with the offset of its first bad byte.
 */

/** The reason given for a file that is not text. */
export const BINARY_FILE = "binary file, not a story";

const utf8 = new TextDecoder("utf-8", { fatal: true });

/** The encoding an HTML page declares in its first bytes (`<meta charset>` or http-equiv), if any. */
function declaredCharset(bytes: Uint8Array): string | null {
  const head = new TextDecoder("latin1").decode(bytes.subarray(0, 2048));
  return /<meta[^>]+charset\s*=\s*["']?([\w-]+)/i.exec(head)?.[1]?.toLowerCase() ?? null;
}

/** Labels that mean windows-1252 on the web (WHATWG Encoding: latin1 and ISO-8859-1 included). */
const WINDOWS_1252_LABELS = new Set([
  "windows-1252",
  "cp1252",
  "latin1",
  "iso-8859-1",
  "iso8859-1",
  "us-ascii",
  "ascii",
]);

/** Code points of windows-1252 bytes 0x80–0x9F (the rest are Latin-1); 0 where the byte is undefined. */
const WINDOWS_1252_HIGH = [
  0x20ac, 0, 0x201a, 0x0192, 0x201e, 0x2026, 0x2020, 0x2021, 0x02c6, 0x2030, 0x0160, 0x2039, 0x0152, 0,
  0x017d, 0, 0, 0x2018, 0x2019, 0x201c, 0x201d, 0x2022, 0x2013, 0x2014, 0x02dc, 0x2122, 0x0161, 0x203a,
  0x0153, 0, 0x017e, 0x0178,
];

/** Decoded here because Node 20's TextDecoder reads "windows-1252" as ISO-8859-1 (C1 controls for “ ” ‘ ’ …). */
function decodeWindows1252(bytes: Uint8Array): string {
  let out = "";
  for (const b of bytes) {
    const high = b >= 0x80 && b <= 0x9f ? WINDOWS_1252_HIGH[b - 0x80] : 0;
    out += String.fromCharCode(high || b);
  }
  return out;
}

/**
 * Decodes the bytes of an import file into text: UTF-8 (a BOM is allowed), UTF-16 with a BOM, or, for
 * an HTML page that is not UTF-8, the charset its `<meta>` declares (windows-1252, ISO-8859-1…).
 * Returns `{ error }` for a file with NUL bytes or that is not valid in its encoding, with the byte
 * offset of the first bad sequence.
 */
export function decodeStoryFile(fileName: string, bytes: Uint8Array): { text: string } | { error: string } {
  if (bytes[0] === 0xff && bytes[1] === 0xfe) return { text: new TextDecoder("utf-16le").decode(bytes) };
  if (bytes[0] === 0xfe && bytes[1] === 0xff) return { text: new TextDecoder("utf-16be").decode(bytes) };
  const nul = bytes.indexOf(0);
  if (nul >= 0) return { error: `${BINARY_FILE} (a NUL byte at offset ${nul})` };
  try {
    return { text: utf8.decode(bytes) };
  } catch {
    const charset = /\.html?$/i.test(fileName) ? declaredCharset(bytes) : null;
    if (charset !== null && WINDOWS_1252_LABELS.has(charset)) return { text: decodeWindows1252(bytes) };
    if (charset !== null && charset !== "utf-8" && charset !== "utf8") {
      try {
        return { text: new TextDecoder(charset, { fatal: true }).decode(bytes) };
      } catch {
        // An unknown label or bytes invalid in it: reported below like any other undecodable file.
      }
    }
    return { error: `${BINARY_FILE} (not valid UTF-8 at byte ${firstInvalidUtf8(bytes)})` };
  }
}

/** Offset of the first byte that does not start or continue a valid UTF-8 sequence (the length if none). */
function firstInvalidUtf8(bytes: Uint8Array): number {
  let i = 0;
  while (i < bytes.length) {
    const c = bytes[i] ?? 0;
    if (c < 0x80) {
      i++;
      continue;
    }
    // Length of the sequence and the range its second byte must fall in (no overlongs, no surrogates).
    let extra: number;
    let [lo, hi] = [0x80, 0xbf];
    if (c >= 0xc2 && c <= 0xdf) extra = 1;
    else if (c >= 0xe0 && c <= 0xef) {
      extra = 2;
      if (c === 0xe0) lo = 0xa0;
      if (c === 0xed) hi = 0x9f;
    } else if (c >= 0xf0 && c <= 0xf4) {
      extra = 3;
      if (c === 0xf0) lo = 0x90;
      if (c === 0xf4) hi = 0x8f;
    } else return i;
    for (let k = 1; k <= extra; k++) {
      const next = bytes[i + k];
      if (next === undefined) return i;
      if (k === 1 ? next < lo || next > hi : (next & 0xc0) !== 0x80) return i;
    }
    i += extra + 1;
  }
  return bytes.length;
}

/**
 * Email addresses in free text (log lines, error messages, request paths), plain or URL-encoded
 * ("a%40b.org"): what must never reach a log, since an erasure cannot reach into one.
 */
const ADDRESS = /[^\s"'<>(),;:[\]\\/?#&=]+(?:@|%40)[^\s"'<>(),;:[\]\\/?#&=@]+\.[a-z]{2,}/gi;

/** `text` with every address in it replaced by "<email>". */
export function redactAddresses(text: string): string {
  return text.replace(ADDRESS, "<email>");
}

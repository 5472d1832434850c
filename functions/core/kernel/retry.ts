/** Exponential backoff with full jitter: a random wait in [0, min(cap, base·2^attempt)). */
export function backoffMs(attempt: number, random: () => number, baseMs = 100, capMs = 10_000): number {
  return Math.floor(random() * Math.min(capMs, baseMs * 2 ** attempt));
}

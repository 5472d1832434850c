/**
 * A small seeded PRNG (mulberry32) for what must repeat run after run: the local SES endpoint's
 * injected faults and the bench's generated data. Not for anything secret.
 */

/** Returns a generator of numbers uniform in [0, 1), the same sequence for the same 32-bit `seed`. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

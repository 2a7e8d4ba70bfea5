/**
 * A seeded PRNG (mulberry32): uniform numbers in [0, 1), the same sequence
 * for the same seed in every JavaScript engine, so every sampled figure and
 * every random start is the same on every run.
 */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** `size` distinct rows out of `count`, chosen with a fixed seed, in increasing order. */
export function sampleRows(count: number, size: number, seed: number): Int32Array {
  const rows = Int32Array.from({ length: count }, (_, row) => row);
  if (size >= count) return rows;
  const random = seededRandom(seed);
  // partial Fisher-Yates: the first `size` slots end up a uniform sample
  for (let slot = 0; slot < size; slot++) {
    const pick = slot + Math.floor(random() * (count - slot));
    [rows[slot], rows[pick]] = [rows[pick], rows[slot]];
  }
  return rows.subarray(0, size).sort();
}

/**
 * A seeded xorshift32 generator: tiny, and the same sequence in every
 * JavaScript engine, so sampled figures are the same on every run.
 * Returns a function giving whole numbers in [0, bound).
 */
export function seededRandom(seed: number): (bound: number) => number {
  let state = seed >>> 0 || 0x9e3779b9;
  return (bound) => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return (state >>> 0) % bound;
  };
}

/** `size` distinct rows out of `count`, chosen with a fixed seed, in increasing order. */
export function sampleRows(count: number, size: number, seed: number): Int32Array {
  const rows = Int32Array.from({ length: count }, (_, row) => row);
  if (size >= count) return rows;
  const next = seededRandom(seed);
  // partial Fisher-Yates: the first `size` slots end up a uniform sample
  for (let slot = 0; slot < size; slot++) {
    const pick = slot + next(count - slot);
    [rows[slot], rows[pick]] = [rows[pick], rows[slot]];
  }
  return rows.subarray(0, size).sort();
}

import { dot } from '../shared/vectors.js';

/**
 * Choosing the list from scored candidates: the best first, near-duplicates
 * dropped, and optionally spread over the library's interests. Pure functions
 * of scores and unit vectors.
 */

/** The indexes (into `scores`) of the `k` best scores, best first; ties by index. */
export function bestFirst(scores: Float32Array, k: number): number[] {
  const order = Array.from({ length: scores.length }, (_, index) => index);
  order.sort((a, b) => scores[b] - scores[a] || a - b);
  return order.slice(0, k);
}

/**
 * Walks candidates best first and keeps one unless it is a near-duplicate
 * (cosine at least `threshold`) of one kept already, until `k` are kept: the
 * same paper listed twice (a new version under another id) shows once.
 */
export function withoutNearDuplicates(
  order: readonly number[],
  rows: ArrayLike<number>,
  corpus: Float32Array,
  dim: number,
  k: number,
  threshold: number,
): number[] {
  const kept: number[] = [];
  for (const index of order) {
    if (kept.length >= k) break;
    if (kept.some((other) => dot(corpus, rows[index] * dim, corpus, rows[other] * dim, dim) >= threshold)) continue;
    kept.push(index);
  }
  return kept;
}

/**
 * Maximal marginal relevance (Carbonell & Goldstein 1998) over the `pool`
 * best candidates: each next pick maximises λ·relevance − (1−λ)·(its highest
 * similarity to a pick so far), relevance being the score rescaled to [0, 1]
 * over the pool, so that the two terms are on one scale.
 */
export function maximalMarginalRelevance(
  order: readonly number[],
  scores: Float32Array,
  rows: ArrayLike<number>,
  corpus: Float32Array,
  dim: number,
  k: number,
  lambda: number,
  pool = 200,
): number[] {
  const candidates = order.slice(0, pool);
  if (candidates.length === 0) return [];
  const top = scores[candidates[0]];
  const bottom = scores[candidates[candidates.length - 1]];
  const relevance = (index: number) => (top === bottom ? 1 : (scores[index] - bottom) / (top - bottom));
  const closest = new Float32Array(candidates.length).fill(-Infinity);
  const taken = new Uint8Array(candidates.length);
  const picked: number[] = [];
  while (picked.length < Math.min(k, candidates.length)) {
    let best = -1;
    let bestValue = -Infinity;
    candidates.forEach((index, slot) => {
      if (taken[slot]) return;
      const value = lambda * relevance(index) - (1 - lambda) * (picked.length === 0 ? 0 : closest[slot]);
      if (value > bestValue) [best, bestValue] = [slot, value];
    });
    taken[best] = 1;
    picked.push(candidates[best]);
    candidates.forEach((index, slot) => {
      if (!taken[slot]) closest[slot] = Math.max(closest[slot], dot(corpus, rows[index] * dim, corpus, rows[candidates[best]] * dim, dim));
    });
  }
  return picked;
}

/**
 * A quota per library interest: each candidate belongs to a group (the
 * library's topic it is in), each group gets places in proportion to the
 * library's share in it (at least one), filled best first; places left over
 * go to the best candidates not yet taken, whatever their group.
 */
export function quotaPerGroup(order: readonly number[], groupOf: (index: number) => number, share: ReadonlyMap<number, number>, k: number): number[] {
  const quota = new Map([...share].map(([group, fraction]) => [group, Math.max(1, Math.round(k * fraction))]));
  const picked: number[] = [];
  const taken = new Set<number>();
  for (const index of order) {
    if (picked.length >= k) break;
    const group = groupOf(index);
    const left = quota.get(group) ?? 0;
    if (left <= 0) continue;
    quota.set(group, left - 1);
    picked.push(index);
    taken.add(index);
  }
  for (const index of order) {
    if (picked.length >= k) break;
    if (!taken.has(index)) picked.push(index);
  }
  return picked;
}

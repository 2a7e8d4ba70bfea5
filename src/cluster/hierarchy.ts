import { dot } from '../shared/vectors.js';

export interface Merge {
  /** The two clusters joined (ids: 0..n-1 the leaves, n + i the cluster made by merge i). */
  a: number;
  b: number;
  /** Average cosine distance between the two clusters' leaves, weighted by leaf size (UPGMA). */
  height: number;
}

/**
 * Average-linkage (UPGMA) agglomeration of n leaves given as unit centres with
 * sizes (each leaf stands for `sizes[i]` papers): the n - 1 merges in order,
 * each joining the two clusters with the least size-weighted mean cosine
 * distance between their leaves. O(n^3), meant for at most a few hundred leaves.
 */
export function averageLinkage(centres: Float32Array, dim: number, sizes: ArrayLike<number>): Merge[] {
  const n = centres.length / dim;
  // distance between live clusters, kept as size-weighted sums of leaf distances
  const distance = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) distance[i * n + j] = distance[j * n + i] = 1 - dot(centres, i * dim, centres, j * dim, dim);
  const weight = Float64Array.from({ length: n }, (_, i) => Math.max(1, sizes[i]));
  const id = Int32Array.from({ length: n }, (_, i) => i);
  const alive = new Uint8Array(n).fill(1);
  const merges: Merge[] = [];
  for (let step = 0; step < n - 1; step++) {
    let best = Infinity;
    let bi = -1;
    let bj = -1;
    for (let i = 0; i < n; i++) {
      if (!alive[i]) continue;
      for (let j = i + 1; j < n; j++) {
        if (alive[j] && distance[i * n + j] < best) {
          best = distance[i * n + j];
          bi = i;
          bj = j;
        }
      }
    }
    merges.push({ a: Math.min(id[bi], id[bj]), b: Math.max(id[bi], id[bj]), height: best });
    // cluster bi absorbs bj; Lance-Williams update for average linkage
    for (let o = 0; o < n; o++) {
      if (!alive[o] || o === bi || o === bj) continue;
      const merged = (weight[bi] * distance[bi * n + o] + weight[bj] * distance[bj * n + o]) / (weight[bi] + weight[bj]);
      distance[bi * n + o] = distance[o * n + bi] = merged;
    }
    weight[bi] += weight[bj];
    alive[bj] = 0;
    id[bi] = n + step;
  }
  return merges;
}

/** The leaves' groups when the hierarchy is cut into k clusters, numbered 0..k-1 in order of their first leaf. */
export function cutTree(merges: readonly Merge[], leaves: number, k: number): Int32Array {
  const parent = Int32Array.from({ length: leaves + merges.length }, (_, i) => i);
  const find = (x: number): number => (parent[x] === x ? x : (parent[x] = find(parent[x])));
  for (let step = 0; step < leaves - k; step++) {
    const node = leaves + step;
    parent[find(merges[step].a)] = node;
    parent[find(merges[step].b)] = node;
  }
  const numbers = new Map<number, number>();
  return Int32Array.from({ length: leaves }, (_, leaf) => {
    const root = find(leaf);
    if (!numbers.has(root)) numbers.set(root, numbers.size);
    return numbers.get(root)!;
  });
}

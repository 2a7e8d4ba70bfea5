import { dot } from '../shared/vectors.js';

import type { Neighbours } from '../store/neighbours.js';

export type { Neighbours };

/** Neighbour lists for `queries` queries with every slot empty: label -1, score -Infinity. */
export function emptyNeighbours(queries: number, k: number): Neighbours {
  return { k, labels: new Int32Array(queries * k).fill(-1), scores: new Float32Array(queries * k).fill(-Infinity) };
}

/**
 * Stores the best `neighbours.k` of `found` as the list of query `query`,
 * ordered as every search orders them: by similarity, ties by paper row.
 */
export function keepNearest(neighbours: Neighbours, query: number, found: { label: number; score: number }[]): void {
  const { k } = neighbours;
  found.sort((a, b) => b.score - a.score || a.label - b.label);
  found.slice(0, k).forEach(({ label, score }, slot) => {
    neighbours.labels[query * k + slot] = label;
    neighbours.scores[query * k + slot] = score;
  });
}

/**
 * Merges each query of `from` into query `at + q` of `into`, keeping the
 * best `into.k` of both lists: the nearest found in two parts of the papers
 * (an index in parts) as one search of all would rank them.
 */
export function mergeNearest(into: Neighbours, at: number, from: Neighbours): void {
  const queries = from.labels.length / from.k;
  for (let q = 0; q < queries; q++) {
    const found: { label: number; score: number }[] = [];
    for (const [list, query] of [
      [into, at + q],
      [from, q],
    ] as const)
      for (let slot = query * list.k; slot < (query + 1) * list.k; slot++)
        if (list.labels[slot] >= 0) found.push({ label: list.labels[slot], score: list.scores[slot] });
    keepNearest(into, at + q, found);
  }
}

/** The first `k` neighbours of each query. */
export function firstNeighbours(neighbours: Neighbours, k: number): Neighbours {
  if (k >= neighbours.k) return neighbours;
  const queries = neighbours.labels.length / neighbours.k;
  const first = emptyNeighbours(queries, k);
  for (let q = 0; q < queries; q++) {
    first.labels.set(neighbours.labels.subarray(q * neighbours.k, q * neighbours.k + k), q * k);
    first.scores.set(neighbours.scores.subarray(q * neighbours.k, q * neighbours.k + k), q * k);
  }
  return first;
}

/** Orders by similarity, ties by paper row, so results never depend on search order. */
function better(scoreA: number, labelA: number, scoreB: number, labelB: number): boolean {
  return scoreA > scoreB || (scoreA === scoreB && labelA < labelB);
}

/**
 * Exact nearest neighbours by dot product (cosine, since vectors are unit length).
 * `skip(query, label)` leaves out candidates, e.g. the query paper itself.
 * Cost is queries x papers x dim: the right tool below a few thousand papers.
 */
export function exactNeighbours(
  vectors: Float32Array,
  dim: number,
  queries: Float32Array,
  k: number,
  skip: (query: number, label: number) => boolean = () => false,
): Neighbours {
  const count = vectors.length / dim;
  const queryCount = queries.length / dim;
  const neighbours = emptyNeighbours(queryCount, k);
  const { labels, scores } = neighbours;
  for (let q = 0; q < queryCount; q++) {
    const base = q * k;
    const queryOffset = q * dim;
    for (let label = 0; label < count; label++) {
      if (skip(q, label)) continue;
      const score = Math.fround(dot(queries, queryOffset, vectors, label * dim, dim));
      // empty slots hold -Infinity, so any real score beats them
      if (!better(score, label, scores[base + k - 1], labels[base + k - 1])) continue;
      // insertion into the sorted top-k of this query
      let slot = k - 1;
      while (slot > 0 && better(score, label, scores[base + slot - 1], labels[base + slot - 1])) {
        scores[base + slot] = scores[base + slot - 1];
        labels[base + slot] = labels[base + slot - 1];
        slot--;
      }
      scores[base + slot] = score;
      labels[base + slot] = label;
    }
  }
  return neighbours;
}

/** Share of the true k nearest found by an approximate search, averaged over queries. */
export function recallAtK(approximate: Neighbours, exact: Neighbours): number {
  const queries = exact.labels.length / exact.k;
  let found = 0;
  let total = 0;
  for (let q = 0; q < queries; q++) {
    const truth = new Set(exact.labels.subarray(q * exact.k, (q + 1) * exact.k));
    truth.delete(-1);
    total += truth.size;
    for (const label of approximate.labels.subarray(q * approximate.k, q * approximate.k + exact.k)) if (truth.has(label)) found++;
  }
  return total === 0 ? 1 : found / total;
}

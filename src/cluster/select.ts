import { sampleRows } from '../shared/random.js';
import { dot, gatherRows } from '../shared/vectors.js';
import { clusterVectors } from './kmeans.js';

export interface KScore {
  k: number;
  /** Mean silhouette on cosine distance, in [-1, 1]: higher means tighter, better separated topics. */
  silhouette: number;
}

/** Cosine distances (1 - cos) between all pairs of unit vectors, as an m x m matrix. */
export function cosineDistances(vectors: Float32Array, dim: number): Float64Array {
  const count = vectors.length / dim;
  const distances = new Float64Array(count * count);
  for (let i = 0; i < count; i++) {
    for (let j = i + 1; j < count; j++) {
      const distance = 1 - dot(vectors, i * dim, vectors, j * dim, dim);
      distances[i * count + j] = distance;
      distances[j * count + i] = distance;
    }
  }
  return distances;
}

/**
 * Mean silhouette of a labelling over a precomputed distance matrix:
 * s(i) = (b - a) / max(a, b), a = mean distance to the own topic, b = mean
 * distance to the nearest other topic; 0 for a paper alone in its topic.
 */
export function silhouette(distances: Float64Array, labels: Int32Array, k: number): number {
  const count = labels.length;
  const sizes = new Int32Array(k);
  for (const label of labels) sizes[label]++;
  const sums = new Float64Array(k);
  let total = 0;
  for (let i = 0; i < count; i++) {
    sums.fill(0);
    for (let j = 0; j < count; j++) sums[labels[j]] += distances[i * count + j];
    const own = labels[i];
    if (sizes[own] <= 1) continue;
    const a = sums[own] / (sizes[own] - 1);
    let b = Infinity;
    for (let topic = 0; topic < k; topic++) if (topic !== own && sizes[topic] > 0) b = Math.min(b, sums[topic] / sizes[topic]);
    if (b === Infinity) continue;
    total += (b - a) / Math.max(a, b, 1e-12);
  }
  return total / count;
}

/** Papers the k sweep clusters and scores at most; beyond this a seeded sample stands for the corpus. */
export const K_SWEEP_SAMPLE = 1000;

/**
 * The ks the sweep tries: every k up to 12, then steps of about 12%, and kMax.
 * Neighbouring large ks give near-equal topics, so trying each one buys
 * nothing but time.
 */
export function kLadder(kMin: number, kMax: number): number[] {
  const ks: number[] = [];
  for (let k = kMin; k <= kMax; k = k < 12 ? k + 1 : Math.max(k + 1, Math.round(k * 1.12))) ks.push(k);
  if (ks[ks.length - 1] !== kMax) ks.push(kMax);
  return ks;
}

/**
 * A best mean silhouette at least this high means the papers fall into
 * separated topics: below 0.25 Kaufman and Rousseeuw find no substantial
 * structure.
 */
export const CLEAR_STRUCTURE_SILHOUETTE = 0.25;

export interface KChoice {
  k: number;
  scores: KScore[];
  /** Papers the sweep ran on. */
  sampled: number;
  /** Whether some k showed clearly separated topics, which decides the range the best silhouette is taken from. */
  structure: 'clear' | 'weak';
  /** The k range the winner was taken from. */
  range: [number, number];
}

/**
 * Chooses the number of topics: k-means for the ks of kLadder(kMin, kMax) on
 * (a seeded sample of) the papers, each scored by mean silhouette on cosine
 * distance. When some k reaches CLEAR_STRUCTURE_SILHOUETTE the best k wins.
 * Text embeddings of a corpus on one broad subject rarely do: their
 * silhouettes stay near zero and differ by noise, and the few broad topics
 * that noise tends to favour say nothing in a report; then the best k is taken
 * from the upper half of the range, topics of about one to two times the square
 * root of the corpus size. Ties go to the smaller k.
 */
export function chooseK(vectors: Float32Array, dim: number, kMin: number, kMax: number, seed: number, restarts: number): KChoice {
  const count = vectors.length / dim;
  const rows = sampleRows(count, K_SWEEP_SAMPLE, seed);
  const sample = gatherRows(vectors, dim, rows);
  const distances = cosineDistances(sample, dim);
  const scores: KScore[] = [];
  for (const k of kLadder(kMin, kMax)) {
    const clustering = clusterVectors(sample, dim, k, seed, restarts);
    scores.push({ k, silhouette: Math.round(silhouette(distances, clustering.assignments, clustering.k) * 1e6) / 1e6 });
  }
  const best = (from: number) => scores.filter((score) => score.k >= from).reduce((a, b) => (b.silhouette > a.silhouette ? b : a));
  const overall = best(kMin);
  if (overall.silhouette >= CLEAR_STRUCTURE_SILHOUETTE) return { k: overall.k, scores, sampled: rows.length, structure: 'clear', range: [kMin, kMax] };
  const readable = Math.max(kMin, Math.ceil(kMax / 2));
  return { k: best(readable).k, scores, sampled: rows.length, structure: 'weak', range: [readable, kMax] };
}

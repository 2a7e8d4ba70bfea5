import { sampleRows } from '../shared/random.js';
import { gatherRows } from '../shared/vectors.js';
import { assignToNearest, clusterVectors, compactTopics } from './kmeans.js';

/** k-means runs for the final topics; the tightest is kept. */
export const RESTARTS = 2;
/** Most papers k-means fits the topic centres on; every paper is then assigned to its nearest centre. */
export const KMEANS_SAMPLE = 5_000;

export interface Space {
  vectors: Float32Array;
  dim: number;
}

/** k-means topics of all rows: centres fitted on a seeded sample of at most KMEANS_SAMPLE rows, every row to its nearest centre. */
export function findTopics(space: Space, k: number, seed: number): { k: number; assignments: Int32Array; sampled: boolean } {
  const count = space.vectors.length / space.dim;
  // Past KMEANS_SAMPLE papers, a seeded sample finds the topic centres as well as all papers would, in a fraction of the time.
  const rows = sampleRows(count, KMEANS_SAMPLE, seed);
  const sample = rows.length < count ? gatherRows(space.vectors, space.dim, rows) : space.vectors;
  const found = clusterVectors(sample, space.dim, Math.min(k, count), seed, RESTARTS);
  return { ...compactTopics(assignToNearest(space.vectors, space.dim, found.centres).assignments), sampled: rows.length < count };
}

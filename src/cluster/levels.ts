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

/** Topics found: how many, each row's (0 to k - 1), and whether their centres were fitted on a sample. */
export interface FoundTopics {
  k: number;
  assignments: Int32Array;
  sampled: boolean;
}

/** The rows of `count` the topic centres are fitted on. */
export const centreRows = (count: number, seed: number) => sampleRows(count, KMEANS_SAMPLE, seed);

/** k-means centres of the sample (the rows centreRows gives, in the topic space), for a corpus of `count` rows. */
export function fitCentres(sample: Float32Array, dim: number, k: number, seed: number, count: number): Float32Array {
  return clusterVectors(sample, dim, Math.min(k, count), seed, RESTARTS).centres;
}

/** k-means topics of all rows: centres fitted on a seeded sample of at most KMEANS_SAMPLE rows, every row to its nearest centre. */
export function findTopics(space: Space, k: number, seed: number): FoundTopics {
  const count = space.vectors.length / space.dim;
  // Past KMEANS_SAMPLE papers, a seeded sample finds the topic centres as well as all papers would, in a fraction of the time.
  const rows = centreRows(count, seed);
  const sample = rows.length < count ? gatherRows(space.vectors, space.dim, rows) : space.vectors;
  const centres = fitCentres(sample, space.dim, k, seed, count);
  return { ...compactTopics(assignToNearest(space.vectors, space.dim, centres).assignments), sampled: rows.length < count };
}

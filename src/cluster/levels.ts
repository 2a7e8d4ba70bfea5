import { sampleRows } from '../shared/random.js';
import { gatherRows } from '../shared/vectors.js';
import { assignToNearest, clusterVectors, compactTopics } from './kmeans.js';
import { chooseK, MAX_BROAD_K, STABILITY_TOLERANCE, type KScore } from './select.js';

/** k-means runs for the final topics; the tightest is kept. */
export const RESTARTS = 2;
/** Most papers k-means fits the topic centres on; every paper is then assigned to its nearest centre. */
export const KMEANS_SAMPLE = 5_000;
/** The most fine topics `--k auto` considers within one broad topic. */
export const MAX_FINE_K = 12;
/** A broad topic of fewer papers is not split: too few papers to tell a stable split from noise. */
export const MIN_SPLIT = 30;

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

export interface Levels {
  /** Broad topic of each paper, 0..broadK-1. */
  broad: Int32Array;
  broadK: number;
  /** Fine topic of each paper, 0..fineK-1; the fine topics of broad topic b are numbered together. */
  fine: Int32Array;
  fineK: number;
  /** The broad topic of each fine topic. */
  parentOf: number[];
  /** The number of fine topics in each broad topic. */
  within: number[];
  sampled: boolean;
}

/** The rows of each group of a labelling. */
function groupRows(labels: Int32Array, k: number): number[][] {
  const groups: number[][] = Array.from({ length: k }, () => []);
  labels.forEach((label, row) => groups[label].push(row));
  return groups;
}

/** Fine topics inside each broad topic, `within[b]` of them (1: the broad topic stays whole). */
function splitEach(space: Space, broad: Int32Array, broadK: number, within: readonly number[], seed: number): Omit<Levels, 'sampled'> {
  const fine = new Int32Array(broad.length);
  const parentOf: number[] = [];
  const made: number[] = [];
  groupRows(broad, broadK).forEach((rows, group) => {
    const k = Math.min(within[group], rows.length);
    const found =
      k <= 1
        ? { k: 1, assignments: new Int32Array(rows.length) }
        : findTopics({ vectors: gatherRows(space.vectors, space.dim, rows), dim: space.dim }, k, seed);
    const first = parentOf.length;
    rows.forEach((row, index) => (fine[row] = first + found.assignments[index]));
    for (let topic = 0; topic < found.k; topic++) parentOf.push(group);
    made.push(found.k);
  });
  return { broad, broadK, fine, fineK: parentOf.length, parentOf, within: made };
}

export interface AutoLevels extends Levels {
  /** The broad level's sweep. */
  broadScores: Required<KScore>[];
  structure: 'clear' | 'weak';
  sampledPapers: number;
  /** Each broad topic's own sweep (empty for one too small to split). */
  withinScores: Required<KScore>[][];
}

/**
 * `--k auto` finds the topics in two steps: coarse groups first, by the most stable k from 2 to
 * MAX_BROAD_K over all papers; then each broad topic of at least MIN_SPLIT
 * papers is split the same way, by the most stable k from 2 to the smaller of
 * MAX_FINE_K and the square root of its size, on its own papers. The fine
 * topics are the parts; cluster() reports as broad topics the fine ones merged
 * by average linkage (BROAD_BY_MERGE), not these coarse groups.
 */
export function autoLevels(space: Space, seed: number, tolerance = STABILITY_TOLERANCE): AutoLevels {
  const count = space.vectors.length / space.dim;
  const broadMax = Math.max(2, Math.min(MAX_BROAD_K, count - 1));
  const chosen = chooseK(space.vectors, space.dim, 2, broadMax, seed, tolerance);
  const broad = findTopics(space, chosen.k, seed);
  const withinScores: Required<KScore>[][] = [];
  const within = groupRows(broad.assignments, broad.k).map((rows) => {
    const kMax = Math.min(MAX_FINE_K, Math.floor(Math.sqrt(rows.length)), rows.length - 1);
    if (rows.length < MIN_SPLIT || kMax < 2) {
      withinScores.push([]);
      return 1;
    }
    const inner = chooseK(gatherRows(space.vectors, space.dim, rows), space.dim, 2, kMax, seed, tolerance);
    withinScores.push(inner.scores);
    return inner.k;
  });
  return {
    ...splitEach(space, broad.assignments, broad.k, within, seed),
    sampled: broad.sampled,
    broadScores: chosen.scores,
    structure: chosen.structure,
    sampledPapers: chosen.sampled,
    withinScores,
  };
}

/**
 * The same numbers of topics from another seed, for measuring stability: the
 * broad topics by k-means with that seed, each split into as many fine topics
 * as the broad topic of `reference` it overlaps most.
 */
export function levelsLike(space: Space, reference: Levels, seed: number): Levels {
  const broad = findTopics(space, reference.broadK, seed);
  const overlap = new Float64Array(broad.k * reference.broadK);
  broad.assignments.forEach((group, row) => overlap[group * reference.broadK + reference.broad[row]]++);
  // broad topics matched one to one, largest overlaps first, so the number of fine topics stays the same
  const pairs = Array.from(overlap.keys()).sort((a, b) => overlap[b] - overlap[a] || a - b);
  const within = new Array<number>(broad.k).fill(0);
  const matched = new Set<number>();
  const used = new Set<number>();
  for (const pair of pairs) {
    const group = Math.floor(pair / reference.broadK);
    const other = pair % reference.broadK;
    if (matched.has(group) || used.has(other)) continue;
    within[group] = reference.within[other];
    matched.add(group);
    used.add(other);
  }
  for (let group = 0; group < broad.k; group++) if (!matched.has(group)) within[group] = 1;
  return { ...splitEach(space, broad.assignments, broad.k, within, seed), sampled: broad.sampled };
}

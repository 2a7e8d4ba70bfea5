import { sampleRows } from '../shared/random.js';
import { dot, gatherRows } from '../shared/vectors.js';
import { adjustedRand } from './agreement.js';
import { averageLinkage, type Merge } from './hierarchy.js';
import { assignToNearest, clusterVectors } from './kmeans.js';

export interface KScore {
  k: number;
  /** Mean silhouette on cosine distance, in [-1, 1]: higher means tighter, better separated topics. */
  silhouette: number;
  /** (stability and predictionStrength are optional only in what a reader may find: clusters.json from before them lacks them; scoreKs always gives them.) */
  /** Mean adjusted Rand index between k-means runs on different seeded subsamples, each extended to the whole sweep sample by nearest centre: 1 when every run finds the same topics. */
  stability?: number;
  /** Prediction strength (Tibshirani & Walther 2005): of each topic found on one half, the share of its pairs that centres fitted on the other half keep together; the worst topic's share. */
  predictionStrength?: number;
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
/** Seeded subsamples per k for the stability score, and the share of the sweep sample each holds. */
export const STABILITY_RUNS = 10;
export const STABILITY_SHARE = 0.8;
/** k-means restarts in each stability run (the tightest kept), so that a poor local optimum does not pass for instability. */
export const STABILITY_RESTARTS = 2;

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

/** Mean ARI over all pairs of labellings of the same papers. */
export function meanPairwiseAgreement(labellings: readonly Int32Array[]): number {
  let sum = 0;
  let pairs = 0;
  for (let i = 0; i < labellings.length; i++) {
    for (let j = i + 1; j < labellings.length; j++) {
      sum += adjustedRand(labellings[i], labellings[j]);
      pairs++;
    }
  }
  return pairs === 0 ? 1 : sum / pairs;
}

/**
 * Stability of k-means at k: `runs` runs, each fitted on its own seeded
 * subsample of the corpus (STABILITY_SHARE of it, at most K_SWEEP_SAMPLE
 * papers) from its own k-means++ seeds, each then extended by nearest centre
 * to the same evaluation papers (`evaluation`, rows of `vectors`); the mean
 * ARI between the runs on those papers. Drawing every run's papers from the
 * whole corpus, rather than from one sample, keeps the figure from hanging on
 * which sample a seed drew.
 */
export function stabilityAt(
  vectors: Float32Array,
  dim: number,
  evaluation: Float32Array,
  k: number,
  seed: number,
  runs = STABILITY_RUNS,
  restarts = STABILITY_RESTARTS,
): number {
  const count = vectors.length / dim;
  const size = Math.max(k + 1, Math.min(K_SWEEP_SAMPLE, Math.round(count * STABILITY_SHARE)));
  const labellings: Int32Array[] = [];
  for (let run = 0; run < runs; run++) {
    const rows = sampleRows(count, size, seed * 7919 + run * 104_729 + k);
    const clustering = clusterVectors(gatherRows(vectors, dim, rows), dim, k, seed + 1000 * (run + 1), restarts);
    labellings.push(assignToNearest(evaluation, dim, clustering.centres).assignments);
  }
  return meanPairwiseAgreement(labellings);
}

/** Prediction strength at k (Tibshirani & Walther 2005) on two seeded halves of the papers. */
export function predictionStrengthAt(vectors: Float32Array, dim: number, k: number, seed: number): number {
  const count = vectors.length / dim;
  const inTraining = new Uint8Array(count);
  for (const row of sampleRows(count, Math.floor(count / 2), seed * 31 + k)) inTraining[row] = 1;
  const trainingRows: number[] = [];
  const testRows: number[] = [];
  for (let row = 0; row < count; row++) (inTraining[row] ? trainingRows : testRows).push(row);
  if (testRows.length <= k || trainingRows.length < k) return 0;
  const test = gatherRows(vectors, dim, testRows);
  const training = clusterVectors(gatherRows(vectors, dim, trainingRows), dim, k, seed, 1);
  const own = clusterVectors(test, dim, k, seed, 1).assignments;
  const predicted = assignToNearest(test, dim, training.centres).assignments;
  let worst = 1;
  for (let topic = 0; topic < k; topic++) {
    const counts = new Map<number, number>();
    let members = 0;
    own.forEach((label, index) => {
      if (label !== topic) return;
      members++;
      counts.set(predicted[index], (counts.get(predicted[index]) ?? 0) + 1);
    });
    if (members < 2) continue;
    let together = 0;
    for (const c of counts.values()) together += (c * (c - 1)) / 2;
    worst = Math.min(worst, together / ((members * (members - 1)) / 2));
  }
  return worst;
}

const round6 = (value: number) => Math.round(value * 1e6) / 1e6;

/** Every score of every k of kLadder(kMin, kMax), on a seeded sample of at most K_SWEEP_SAMPLE papers. */
export function scoreKs(
  vectors: Float32Array,
  dim: number,
  kMin: number,
  kMax: number,
  seed: number,
  runs = STABILITY_RUNS,
  restarts = STABILITY_RESTARTS,
): { scores: Required<KScore>[]; sampled: number } {
  const count = vectors.length / dim;
  const rows = sampleRows(count, K_SWEEP_SAMPLE, seed);
  const sample = gatherRows(vectors, dim, rows);
  const distances = cosineDistances(sample, dim);
  const scores = kLadder(kMin, kMax).map((k) => {
    const clustering = clusterVectors(sample, dim, k, seed, 1);
    return {
      k,
      silhouette: round6(silhouette(distances, clustering.assignments, clustering.k)),
      stability: round6(stabilityAt(vectors, dim, sample, k, seed, runs, restarts)),
      predictionStrength: round6(predictionStrengthAt(sample, dim, k, seed)),
    };
  });
  return { scores, sampled: rows.length };
}

/** The merge heights' largest rise: the k (from kMin to kMax clusters) whose next merge joins the farthest-apart clusters relative to the merge before. */
export function largestGap(merges: readonly Merge[], leaves: number, kMin: number, kMax: number): { k: number; gaps: { k: number; gap: number }[] } {
  const gaps: { k: number; gap: number }[] = [];
  for (let k = kMin; k <= Math.min(kMax, leaves - 1); k++) {
    // with k clusters left the next merge is merges[leaves - k], the one that made them merges[leaves - k - 1]
    gaps.push({ k, gap: round6(merges[leaves - k].height - merges[leaves - k - 1].height) });
  }
  const best = gaps.reduce((a, b) => (b.gap > a.gap ? b : a), gaps[0] ?? { k: Math.min(kMin, leaves), gap: 0 });
  return { k: best.k, gaps };
}

export { averageLinkage };

/** The most broad topics: more than this is no longer a first look. */
export const MAX_BROAD_K = 8;
export const BROAD_CRITERION = `the fine topics' centres joined by average linkage, cut where the merge height rises most, between 2 and ${MAX_BROAD_K} broad topics`;

/** The number of broad topics from the merges of the fine ones: every fine topic its own broad one when there are 2 or fewer. */
export function chooseBroadK(merges: readonly Merge[], leaves: number): { k: number; gaps: { k: number; gap: number }[] } {
  if (leaves <= 2) return { k: leaves, gaps: [] };
  return largestGap(merges, leaves, 2, Math.min(MAX_BROAD_K, leaves - 1));
}

/**
 * How much less stable than the most stable k a smaller k may be and still be
 * chosen. 0: the most stable k wins (ties to the smaller). Measured on
 * OHSUMED with MiniLM vectors (scripts/eval-topics.ts): with 0 the whole
 * corpus (23 labels) got 18 topics (NMI 0.280, ARI 0.159 against its labels)
 * and the 6-label part 6 topics (NMI 0.468, ARI 0.413); with 0.1 both got 4
 * (NMI 0.157 / 0.418, ARI 0.094 / 0.420): a handful either way, whatever the
 * structure, so no tolerance.
 */
export const STABILITY_TOLERANCE = 0;
export const K_CRITERION = `stability: the k whose k-means (best of ${STABILITY_RESTARTS} restarts) agrees most with itself over ${STABILITY_RUNS} seeded subsamples of ${STABILITY_SHARE * 100}% of the papers (at most ${K_SWEEP_SAMPLE}), each extended by nearest centre to the same ${K_SWEEP_SAMPLE} papers: highest mean pairwise ARI, ties to the smaller k`;
/** A stability this high means the topics come back whatever the sample and the seeds. */
export const CLEAR_STABILITY = 0.75;

export interface KChoice {
  k: number;
  scores: Required<KScore>[];
  /** Papers the sweep ran on. */
  sampled: number;
  structure: 'clear' | 'weak';
}

/** The k K_CRITERION picks from a sweep's scores. */
export function stableK(scores: readonly Required<KScore>[], tolerance = STABILITY_TOLERANCE): number {
  const best = Math.max(...scores.map((score) => score.stability));
  return scores.find((score) => score.stability >= best - tolerance)!.k;
}

/** Chooses the number of topics (see K_CRITERION). */
export function chooseK(vectors: Float32Array, dim: number, kMin: number, kMax: number, seed: number, tolerance = STABILITY_TOLERANCE): KChoice {
  const { scores, sampled } = scoreKs(vectors, dim, kMin, kMax, seed);
  const k = stableK(scores, tolerance);
  return { k, scores, sampled, structure: scores.find((score) => score.k === k)!.stability >= CLEAR_STABILITY ? 'clear' : 'weak' };
}

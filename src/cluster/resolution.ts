import { sampleRows } from '../shared/random.js';
import { gatherRows } from '../shared/vectors.js';
import { adjustedRand, bestMatchJaccard } from './agreement.js';
import { assignToNearest, clusterVectors } from './kmeans.js';

/**
 * How many fine topics a corpus gets. A reader wants topics of a size to
 * read: on a few hundred papers some 15 to 30 topics of 10 to 40 papers; on
 * a large corpus more topics, each bigger, their number growing more slowly
 * than the corpus. The count is READING_SCALE x the cube root of the papers
 * (16 for 408 papers, 33 for 3,357, 47 for 10,000, 102 for 100,000).
 * Stability does not choose the count: on every corpus measured, agreement
 * across subsamples is highest for the fewest topics, so a rule that follows
 * it picks the coarsest split (docs/quality.md). Its figures are reported
 * (each topic's best-match Jaccard, the fits' agreement) but flag nothing:
 * measured on labelled corpora, a topic the fits do not find again is
 * hardly less pure than one they do (fit.ts flags by coherence instead).
 */
export const READING_SCALE = 2.2;
/** Seeded subsample fits each count is judged on, and the share of the judged papers each is fitted on. */
export const STABILITY_RUNS = 10;
export const STABILITY_SHARE = 0.8;
/** Papers the subsamples are drawn from at most, and per topic at least, so that a topic has papers enough to come back. */
const JUDGED_PAPERS = 1000;
const JUDGED_PER_TOPIC = 40;
const JUDGED_MAX = 5000;

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

export function readingCount(papers: number): number {
  return Math.max(2, Math.min(papers - 1, Math.round(READING_SCALE * Math.cbrt(papers))));
}

export interface Judged {
  /** Rows of the space the subsample fits are compared on. */
  rows: Int32Array;
  vectors: Float32Array;
}

/** The papers stability is judged on: all of them, or past the limit a seeded sample big enough for k topics. */
export function judgedPapers(space: { vectors: Float32Array; dim: number }, k: number, seed: number): Judged {
  const count = space.vectors.length / space.dim;
  const rows = sampleRows(count, Math.min(JUDGED_MAX, Math.max(JUDGED_PAPERS, JUDGED_PER_TOPIC * k)), seed);
  return { rows, vectors: rows.length < count ? gatherRows(space.vectors, space.dim, rows) : space.vectors };
}

/** One subsample fit: the judged papers it was fitted on (rows of the judged papers), and every judged paper's topic in it by nearest centre. */
export interface SubsampleFit {
  rows: Int32Array;
  assignments: Int32Array;
}

/** k-means with k topics on STABILITY_RUNS seeded subsamples of the judged papers, each extended by nearest centre to all of them. */
export function subsampleFits(judged: Judged, dim: number, k: number, seed: number): SubsampleFit[] {
  const count = judged.vectors.length / dim;
  const size = Math.max(k + 1, Math.round(count * STABILITY_SHARE));
  return Array.from({ length: STABILITY_RUNS }, (_, run) => {
    const rows = sampleRows(count, size, seed * 7919 + run * 104_729 + k);
    const fit = clusterVectors(gatherRows(judged.vectors, dim, rows), dim, k, seed + 1000 * (run + 1), 1);
    return { rows, assignments: assignToNearest(judged.vectors, dim, fit.centres).assignments };
  });
}

/** Topics a subsample fit has (k-means may leave fewer than asked). */
export const topicsIn = (fit: SubsampleFit) => fit.assignments.reduce((most, topic) => Math.max(most, topic + 1), 0);

/** For each topic of `labels`, its mean best-match Jaccard with the topics of each subsample fit: 1 when every fit finds it again. */
export function reproducibility(labels: Int32Array, k: number, fits: readonly SubsampleFit[]): number[] {
  const perTopic = new Array<number>(k).fill(0);
  for (const fit of fits) bestMatchJaccard(labels, k, fit.assignments, topicsIn(fit)).forEach((value, topic) => (perTopic[topic] += value / fits.length));
  return perTopic;
}

export interface Resolution {
  k: number;
  reading: number;
  /** Mean pairwise ARI of the subsample fits at k. */
  agreement: number;
  judged: Judged;
  /** The subsample fits at k. */
  fits: SubsampleFit[];
}

const round4 = (value: number) => Math.round(value * 10_000) / 10_000;

/** Subsample fits at k topics, judged with the fixed `seed` so that the figures follow from the vectors alone. */
export function resolutionAt(space: { vectors: Float32Array; dim: number }, k: number, seed: number): Resolution {
  const count = space.vectors.length / space.dim;
  const judged = judgedPapers(space, k, seed);
  const fits = subsampleFits(judged, space.dim, k, seed);
  return { k, reading: readingCount(count), agreement: round4(meanPairwiseAgreement(fits.map((fit) => fit.assignments))), judged, fits };
}

import { seededRandom } from '../shared/random.js';
import { dot } from '../shared/vectors.js';

/**
 * Ways to score a candidate paper against a library, each a pure function of
 * unit vectors. A library is a matrix of its entries' vectors, newest first
 * (row 0 is the entry added last), so that recency weighting can use the row.
 */
export interface Library {
  vectors: Float32Array;
  dim: number;
  count: number;
}

/** The scores of `rows` of `corpus` (unit vectors, row-major) against a library. */
export type Scorer = (library: Library, corpus: Float32Array, rows: ArrayLike<number>) => Float32Array;

/** Each library entry's similarity to each candidate, one candidate at a time. */
function forEachSimilarities(library: Library, corpus: Float32Array, rows: ArrayLike<number>, take: (index: number, similarities: Float32Array) => void): void {
  const similarities = new Float32Array(library.count);
  for (let index = 0; index < rows.length; index++) {
    for (let entry = 0; entry < library.count; entry++)
      similarities[entry] = dot(library.vectors, entry * library.dim, corpus, rows[index] * library.dim, library.dim);
    take(index, similarities);
  }
}

/** Mean cosine similarity to the library: the similarity to the sum of its vectors, divided by their number. */
export const meanSimilarity: Scorer = (library, corpus, rows) => {
  const { dim } = library;
  const centre = new Float32Array(dim);
  for (let entry = 0; entry < library.count; entry++) for (let d = 0; d < dim; d++) centre[d] += library.vectors[entry * dim + d] / library.count;
  return Float32Array.from({ length: rows.length }, (_, index) => dot(centre, 0, corpus, rows[index] * dim, dim));
};

/** Similarity to the closest library entry. */
export const maxSimilarity: Scorer = (library, corpus, rows) => {
  const scores = new Float32Array(rows.length);
  forEachSimilarities(library, corpus, rows, (index, similarities) => {
    scores[index] = similarities.reduce((best, value) => Math.max(best, value), -Infinity);
  });
  return scores;
};

/** Mean similarity to the `k` closest library entries (all of them in a smaller library). */
export function meanOfClosest(k: number): Scorer {
  return (library, corpus, rows) => {
    const scores = new Float32Array(rows.length);
    forEachSimilarities(library, corpus, rows, (index, similarities) => {
      const closest = similarities.slice().sort().reverse().subarray(0, Math.min(k, library.count));
      scores[index] = closest.reduce((sum, value) => sum + value, 0) / closest.length;
    });
    return scores;
  };
}

/**
 * A soft maximum of the similarities to the library: τ·log(mean(exp(s/τ))).
 * A small τ is the closest entry's similarity, a large one the mean: a paper
 * close to a few entries of one interest scores high without every other
 * interest pulling it down, and a single stray entry does not decide alone.
 */
export function softMaximum(temperature: number): Scorer {
  return (library, corpus, rows) => {
    const scores = new Float32Array(rows.length);
    forEachSimilarities(library, corpus, rows, (index, similarities) => {
      const top = similarities.reduce((best, value) => Math.max(best, value), -Infinity);
      let sum = 0;
      for (const value of similarities) sum += Math.exp((value - top) / temperature);
      scores[index] = top + temperature * Math.log(sum / library.count);
    });
    return scores;
  };
}

/**
 * zotero-arxiv-daily's ranking: similarities summed with weights that fall
 * with an entry's age in the library, 1 / (1 + log10(rank + 1)) for the
 * rank-th newest entry, normalised to sum to 1.
 */
export const recencyWeighted: Scorer = (library, corpus, rows) => {
  const weights = Float32Array.from({ length: library.count }, (_, rank) => 1 / (1 + Math.log10(rank + 1)));
  const total = weights.reduce((sum, weight) => sum + weight, 0);
  const scores = new Float32Array(rows.length);
  forEachSimilarities(library, corpus, rows, (index, similarities) => {
    let sum = 0;
    for (let entry = 0; entry < library.count; entry++) sum += (weights[entry] / total) * similarities[entry];
    scores[index] = sum;
  });
  return scores;
};

export interface LinearModel {
  /** The weights, then the bias as the last value. */
  weights: Float32Array;
}

/**
 * A linear SVM (L2-regularised, squared hinge loss, class weights balanced)
 * fitted by dual coordinate descent (Hsieh et al. 2008, liblinear's solver),
 * with a bias feature of 1. `x` holds the examples' vectors, `positive` which
 * of them are in the library.
 */
export function fitLinearSvm(x: Float32Array, dim: number, positive: Uint8Array, c: number, seed = 1): LinearModel {
  const count = positive.length;
  const positives = positive.reduce((sum, value) => sum + value, 0);
  const cost = (example: number) => (c * count) / (2 * (positive[example] ? positives : count - positives));
  const w = new Float64Array(dim + 1);
  const alpha = new Float64Array(count);
  const diagonal = Float64Array.from({ length: count }, (_, example) => 1 / (2 * cost(example)));
  const qii = Float64Array.from({ length: count }, (_, example) => dot(x, example * dim, x, example * dim, dim) + 1 + diagonal[example]);
  const order = Int32Array.from({ length: count }, (_, example) => example);
  const random = seededRandom(seed);
  for (let epoch = 0; epoch < 200; epoch++) {
    for (let slot = count - 1; slot > 0; slot--) {
      const pick = Math.floor(random() * (slot + 1));
      [order[slot], order[pick]] = [order[pick], order[slot]];
    }
    let largest = -Infinity;
    let smallest = Infinity;
    for (const example of order) {
      const y = positive[example] ? 1 : -1;
      let margin = w[dim];
      for (let d = 0; d < dim; d++) margin += w[d] * x[example * dim + d];
      const gradient = y * margin - 1 + diagonal[example] * alpha[example];
      const projected = alpha[example] === 0 ? Math.min(gradient, 0) : gradient;
      largest = Math.max(largest, projected);
      smallest = Math.min(smallest, projected);
      if (projected === 0) continue;
      const before = alpha[example];
      alpha[example] = Math.max(before - gradient / qii[example], 0);
      const step = (alpha[example] - before) * y;
      for (let d = 0; d < dim; d++) w[d] += step * x[example * dim + d];
      w[dim] += step;
    }
    if (largest - smallest < 1e-3) break;
  }
  return { weights: Float32Array.from(w) };
}

/** The decision values of a linear model for `rows` of `corpus`. */
export function decisionValues(model: LinearModel, corpus: Float32Array, dim: number, rows: ArrayLike<number>): Float32Array {
  return Float32Array.from({ length: rows.length }, (_, index) => dot(model.weights, 0, corpus, rows[index] * dim, dim) + model.weights[dim]);
}

export interface SvmOptions {
  /** The SVM's C: larger fits the library more closely. */
  c: number;
  /** How many papers not in the library are drawn (seeded) as negatives. */
  negatives: number;
  seed: number;
}

/**
 * A per-library classifier as arxiv-sanity-lite ranks papers: the library's
 * vectors against a seeded sample of the corpus's other papers, scored by
 * the SVM's decision value. `exclude` says which corpus rows are the
 * library's own papers (never drawn as negatives).
 */
export function svmScorer(options: SvmOptions, corpusSize: number, exclude: (row: number) => boolean): Scorer {
  return (library, corpus, rows) => {
    const { dim } = library;
    const drawn = negativeRows(corpusSize, options.negatives, options.seed, exclude);
    const x = new Float32Array((library.count + drawn.length) * dim);
    x.set(library.vectors.subarray(0, library.count * dim));
    drawn.forEach((row, index) => x.set(corpus.subarray(row * dim, (row + 1) * dim), (library.count + index) * dim));
    const positive = new Uint8Array(library.count + drawn.length).fill(1, 0, library.count);
    return decisionValues(fitLinearSvm(x, dim, positive, options.c, options.seed), corpus, dim, rows);
  };
}

/** Up to `count` rows of the corpus that `exclude` does not rule out, drawn with a fixed seed. */
function negativeRows(corpusSize: number, count: number, seed: number, exclude: (row: number) => boolean): number[] {
  const random = seededRandom(seed);
  const rows: number[] = [];
  // rejection sampling over a permutation: every eligible row at most once
  const order = Int32Array.from({ length: corpusSize }, (_, row) => row);
  for (let slot = 0; slot < corpusSize && rows.length < count; slot++) {
    const pick = slot + Math.floor(random() * (corpusSize - slot));
    [order[slot], order[pick]] = [order[pick], order[slot]];
    if (!exclude(order[slot])) rows.push(order[slot]);
  }
  return rows;
}

import { maxSimilarity, meanOfClosest, meanSimilarity, recencyWeighted, softMaximum, svmScorer, type Scorer } from './score.js';

/** Makes a scorer for a corpus of `corpusSize` papers, `inLibrary` saying which are the library's own. */
export type ScoringMaker = (corpusSize: number, inLibrary: (row: number) => boolean) => Scorer;

/** How many papers outside the library a classifier is fitted against. */
const NEGATIVES = 2000;

/** Every scoring measured by scripts/eval-recommend.ts, by name; `chosen` is what papermap recommend uses. */
export const SCORINGS = {
  chosen: () => chosenScoring,
  mean: () => meanSimilarity,
  max: () => maxSimilarity,
  top3: () => meanOfClosest(3),
  recency: () => recencyWeighted,
  'softmax-0.02': () => softMaximum(0.02),
  'softmax-0.05': () => softMaximum(0.05),
  'softmax-0.1': () => softMaximum(0.1),
  'svm-0.01': (size, inLibrary) => svmScorer({ c: 0.01, negatives: NEGATIVES, seed: 1 }, size, inLibrary),
  'svm-0.03': (size, inLibrary) => svmScorer({ c: 0.03, negatives: NEGATIVES, seed: 1 }, size, inLibrary),
  'svm-0.1': (size, inLibrary) => svmScorer({ c: 0.1, negatives: NEGATIVES, seed: 1 }, size, inLibrary),
  'svm-1': (size, inLibrary) => svmScorer({ c: 1, negatives: NEGATIVES, seed: 1 }, size, inLibrary),
  'svm-10': (size, inLibrary) => svmScorer({ c: 10, negatives: NEGATIVES, seed: 1 }, size, inLibrary),
} satisfies Record<string, ScoringMaker>;

export type ScoringName = keyof typeof SCORINGS;

/** Libraries of fewer entries than this are scored by mean similarity: with one entry every scoring is the same, and with two or three the mean did as well or better (docs/quality.md). */
export const SMALL_LIBRARY = 4;

/**
 * The scoring `papermap recommend` uses, chosen by measurement
 * (docs/quality.md, `npm run eval:recommend`): a soft maximum of the
 * similarities to the library's entries (τ 0.1), which found the held-out
 * reference and the library's smaller interests more often than the mean,
 * the closest entry, the recency-weighted sum and a per-library SVM; mean
 * similarity for very small libraries.
 */
export const chosenScoring: Scorer = (library, corpus, rows) => (library.count < SMALL_LIBRARY ? meanSimilarity : softMaximum(0.1))(library, corpus, rows);

/** The scoring for a library of `count` entries, and its name as the output gives it. */
export function chooseScoring(count: number): { name: string; make: ScoringMaker } {
  return {
    name: count < SMALL_LIBRARY ? `mean similarity (a library of under ${SMALL_LIBRARY} entries)` : 'soft maximum of the similarities to the library (τ 0.1)',
    make: () => chosenScoring,
  };
}

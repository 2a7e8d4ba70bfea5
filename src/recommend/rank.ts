import { maxSimilarity, meanOfClosest, meanSimilarity, recencyWeighted, softMaximum, svmScorer, type Scorer } from './score.js';

/** Makes a scorer for a corpus of `corpusSize` papers, `inLibrary` saying which are the library's own. */
export type ScoringMaker = (corpusSize: number, inLibrary: (row: number) => boolean) => Scorer;

/** How many papers outside the library a classifier is fitted against. */
const NEGATIVES = 2000;

/** Every scoring measured by scripts/eval-recommend.ts, by name. */
export const SCORINGS = {
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

/** The scoring `papermap recommend` uses for a library of `count` entries (chosen by measurement: docs/quality.md). */
export function chooseScoring(count: number): { name: string; make: ScoringMaker } {
  return count < 5 ? { name: 'mean similarity (library of under 5 entries)', make: SCORINGS.mean } : { name: 'top3', make: SCORINGS.top3 };
}

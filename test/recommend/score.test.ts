import { describe, expect, test } from 'vitest';
import { decisionValues, fitLinearSvm, maxSimilarity, meanSimilarity, recencyWeighted, softMaximum } from '../../src/recommend/score.js';
import { bestFirst, maximalMarginalRelevance, withoutNearDuplicates } from '../../src/recommend/select.js';

/** Unit vectors of 2 dimensions at these angles (degrees), row after row. */
const at = (...degrees: number[]) => Float32Array.from(degrees.flatMap((angle) => [Math.cos((angle * Math.PI) / 180), Math.sin((angle * Math.PI) / 180)]));

describe('scoring a paper against a library', () => {
  const library = { vectors: at(0, 90), dim: 2, count: 2 };
  const corpus = at(0, 45, 180);
  const rows = [0, 1, 2];

  test('the soft maximum lies between the mean and the closest entry, near the closest for a small τ', () => {
    const mean = meanSimilarity(library, corpus, rows);
    const max = maxSimilarity(library, corpus, rows);
    const soft = softMaximum(0.1)(library, corpus, rows);
    for (const row of rows) {
      expect(soft[row]).toBeGreaterThanOrEqual(mean[row] - 1e-6);
      expect(soft[row]).toBeLessThanOrEqual(max[row] + 1e-6);
    }
    expect(softMaximum(0.001)(library, corpus, rows)[0]).toBeCloseTo(max[0], 2);
    expect(softMaximum(100)(library, corpus, rows)[0]).toBeCloseTo(mean[0], 2);
  });

  test('recency weights fall with age: the newest entry (row 0) counts most', () => {
    const scores = recencyWeighted(library, at(0, 90), [0, 1]);
    expect(scores[0]).toBeGreaterThan(scores[1]);
    // weights 1 and 1 / (1 + log10 2), normalised
    expect(scores[0]).toBeCloseTo(1 / (1 + 1 / (1 + Math.log10(2))), 5);
  });

  test('the linear SVM puts the library side above the rest', () => {
    const x = at(10, 20, 30, 40, 190, 200, 210, 220, 230, 240);
    const positive = Uint8Array.from([1, 1, 1, 1, 0, 0, 0, 0, 0, 0]);
    const model = fitLinearSvm(x, 2, positive, 1);
    const values = decisionValues(model, at(25, 215), 2, [0, 1]);
    expect(values[0]).toBeGreaterThan(0);
    expect(values[1]).toBeLessThan(0);
  });
});

describe('picking the list', () => {
  test('near-duplicates of a paper already picked are dropped, others kept in order', () => {
    const corpus = at(0, 0.5, 30, 60);
    const scores = Float32Array.from([0.9, 0.89, 0.5, 0.4]);
    expect(withoutNearDuplicates(bestFirst(scores, 4), [0, 1, 2, 3], corpus, 2, 3, 0.98)).toEqual([0, 2, 3]);
  });

  test('maximal marginal relevance trades a little score for a paper unlike those picked', () => {
    const corpus = at(0, 1, 90);
    const scores = Float32Array.from([1, 0.99, 0.8]);
    expect(maximalMarginalRelevance(bestFirst(scores, 3), scores, [0, 1, 2], corpus, 2, 2, 0.5)).toEqual([0, 2]);
    expect(maximalMarginalRelevance(bestFirst(scores, 3), scores, [0, 1, 2], corpus, 2, 2, 1)).toEqual([0, 1]);
  });
});

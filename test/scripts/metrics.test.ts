import { describe, expect, test } from 'vitest';
import { adjustedRandIndex, meanReciprocalRank, normalizedMutualInformation, rankOf, shareRankedFirst, vMeasure } from '../../scripts/metrics.js';

describe('clustering metrics', () => {
  test('a perfect clustering scores 1 whatever the cluster names', () => {
    const truth = ['a', 'a', 'b', 'b', 'c'];
    const clusters = [7, 7, 3, 3, 0];
    expect(normalizedMutualInformation(truth, clusters)).toBeCloseTo(1, 12);
    expect(adjustedRandIndex(truth, clusters)).toBeCloseTo(1, 12);
    expect(vMeasure(truth, clusters)).toEqual({ homogeneity: 1, completeness: 1, vMeasure: 1 });
  });

  test('truth [0,0,1,2] vs clusters [0,0,1,1], worked by hand (scikit-learn docs: ARI 0.57, V-measure 0.8)', () => {
    // H(C) = 1.5 ln 2, H(K) = ln 2, H(C,K) = 1.5 ln 2, so I = ln 2
    const truth = [0, 0, 1, 2];
    const clusters = [0, 0, 1, 1];
    const v = vMeasure(truth, clusters);
    expect(v.homogeneity).toBeCloseTo(2 / 3, 12);
    expect(v.completeness).toBeCloseTo(1, 12);
    expect(v.vMeasure).toBeCloseTo(0.8, 12);
    expect(normalizedMutualInformation(truth, clusters)).toBeCloseTo(0.8, 12);
    // pairs: together in both 1, same class 1, same cluster 2, of 6: (1 - 1/3) / (1.5 - 1/3) = 4/7
    expect(adjustedRandIndex(truth, clusters)).toBeCloseTo(4 / 7, 12);
  });

  test('truth [0,0,0,1,1,1] vs clusters [0,0,1,1,2,2], worked by hand', () => {
    // I = (2/3) ln 2, H(C) = ln 2, H(K) = ln 3
    const truth = [0, 0, 0, 1, 1, 1];
    const clusters = [0, 0, 1, 1, 2, 2];
    const v = vMeasure(truth, clusters);
    expect(v.homogeneity).toBeCloseTo(2 / 3, 12);
    expect(v.completeness).toBeCloseTo((2 / 3) * (Math.LN2 / Math.log(3)), 12);
    const nmi = ((2 / 3) * Math.LN2) / ((Math.LN2 + Math.log(3)) / 2);
    expect(nmi).toBeCloseTo(0.5158, 4);
    expect(normalizedMutualInformation(truth, clusters)).toBeCloseTo(nmi, 12);
    expect(v.vMeasure).toBeCloseTo(nmi, 12);
    // together in both 2, same class 6, same cluster 3, of 15 pairs: (2 - 1.2) / (4.5 - 1.2) = 8/33
    expect(adjustedRandIndex(truth, clusters)).toBeCloseTo(8 / 33, 12);
  });

  test('independent and degenerate labellings (scikit-learn values)', () => {
    expect(adjustedRandIndex([0, 0, 1, 1], [0, 1, 0, 1])).toBeCloseTo(-0.5, 12);
    expect(normalizedMutualInformation([0, 0, 1, 1], [0, 1, 0, 1])).toBeCloseTo(0, 12);
    expect(adjustedRandIndex([0, 0, 0, 0], [0, 1, 2, 3])).toBe(0);
    expect(normalizedMutualInformation([0, 0, 0, 0], [0, 1, 2, 3])).toBe(0);
    expect(vMeasure([0, 0, 0, 0], [0, 1, 2, 3])).toEqual({ homogeneity: 1, completeness: 0, vMeasure: 0 });
    expect(normalizedMutualInformation([1, 1, 1], [5, 5, 5])).toBe(1);
    expect(adjustedRandIndex([1, 1, 1], [5, 5, 5])).toBe(1);
    expect(() => adjustedRandIndex([0, 1], [0])).toThrow(/differ in length/);
  });
});

describe('retrieval metrics', () => {
  test('rank counts ties against the item', () => {
    expect(rankOf([0.9, 0.5, 0.7], 0)).toBe(1);
    expect(rankOf([0.9, 0.5, 0.7], 1)).toBe(3);
    expect(rankOf([0.5, 0.5, 0.1], 1)).toBe(2);
    expect(rankOf([0, 0, 0, 0], 2)).toBe(4);
  });

  test('MRR and share ranked first', () => {
    expect(meanReciprocalRank([1, 2, 4])).toBeCloseTo((1 + 0.5 + 0.25) / 3, 12);
    expect(shareRankedFirst([1, 2, 1, 4])).toBe(0.5);
  });
});

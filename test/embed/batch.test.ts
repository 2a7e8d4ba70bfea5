import { describe, expect, test } from 'vitest';
import { padBatch, planBatches } from '../../src/embed/batch.js';

describe('planBatches', () => {
  test('groups texts shortest first, about as many word pieces per call as the budget allows', () => {
    // budget: 2 full texts of 8 word pieces = 16
    const lengths = [8, 2, 8, 3, 2, 8, 5, 2];
    expect(planBatches(lengths, 2, 8)).toEqual([
      [1, 4, 7, 3], // lengths 2, 2, 2, 3: four texts padded to 3 = 12 pieces; a fifth of 5 would make 25
      [6, 0], // 5 and 8: padded to 8, 16 pieces
      [2, 5], // 8 and 8
    ]);
  });

  test('every text lands in exactly one batch, even with a budget of one text', () => {
    const lengths = Array.from({ length: 50 }, (_, i) => 1 + ((i * 37) % 256));
    for (const fullTexts of [1, 2, 8]) {
      const batches = planBatches(lengths, fullTexts, 256);
      expect(batches.flat().sort((a, b) => a - b)).toEqual(lengths.map((_, i) => i));
      for (const batch of batches) expect(batch.length * Math.max(...batch.map((i) => lengths[i]))).toBeLessThanOrEqual(Math.max(fullTexts * 256, 256));
    }
  });
});

describe('padBatch', () => {
  test('pads to the longest text with a mask of the real word pieces', () => {
    const padded = padBatch([
      [101, 7, 102],
      [101, 102],
    ]);
    expect(padded.dims).toEqual([2, 3]);
    expect(Array.from(padded.inputIds)).toEqual([101n, 7n, 102n, 101n, 102n, 0n]);
    expect(Array.from(padded.attentionMask)).toEqual([1n, 1n, 1n, 1n, 1n, 0n]);
    expect(Array.from(padded.tokenTypeIds)).toEqual([0n, 0n, 0n, 0n, 0n, 0n]);
  });
});

import { expect, test } from 'vitest';
import { textHash, VectorCache } from '../../src/store/cache.js';
import { tempFolder } from '../temp.js';

/** A unit vector of 4 dimensions that says which text it belongs to. */
function vectorOf(row: number): Float32Array {
  const angle = row / 7;
  return Float32Array.of(Math.cos(angle) * 0.6, Math.sin(angle) * 0.6, 0.8, 0);
}

test('the cache keeps every vector under its hash past one block of its store, in the session that adds them and after it is opened again', () => {
  const dir = tempFolder('cache');
  // 40,000 vectors: more than two blocks of 16,384 slots, added in pieces of uneven size as batches are
  const count = 40_000;
  const cache = new VectorCache(dir, 'test-model', 4);
  for (let start = 0; start < count; start += 3_001) {
    const rows = Array.from({ length: Math.min(3_001, count - start) }, (_, offset) => start + offset);
    const vectors = new Float32Array(rows.length * 4);
    rows.forEach((row, offset) => vectors.set(vectorOf(row), offset * 4));
    cache.add(
      rows.map((row) => textHash(`paper ${row}`)),
      vectors,
    );
  }
  // a vector added again under a known hash takes the same slot: the last one wins
  cache.add([textHash('paper 5')], vectorOf(6));
  cache.close();
  const reopened = new VectorCache(dir, 'test-model', 4);
  for (const opened of [cache, reopened]) {
    expect(opened.size).toBe(count);
    for (const row of [0, 1, 16_383, 16_384, 16_385, 32_767, 32_768, count - 1])
      expect(Array.from(opened.get(textHash(`paper ${row}`))!)).toEqual(Array.from(vectorOf(row)));
    expect(Array.from(opened.get(textHash('paper 5'))!)).toEqual(Array.from(vectorOf(6)));
    expect(opened.get(textHash(`paper ${count}`))).toBeUndefined();
  }
});

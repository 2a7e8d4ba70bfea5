import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
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
    for (const row of [0, 1, 16_383, 16_384, 16_385, 32_767, 32_768, count - 1]) expect(vectorIn(opened, `paper ${row}`)).toEqual(Array.from(vectorOf(row)));
    expect(vectorIn(opened, 'paper 5')).toEqual(Array.from(vectorOf(6)));
    expect(opened.has(textHash(`paper ${count}`))).toBe(false);
    expect(() => opened.vectorsOf([textHash(`paper ${count}`)], new Float32Array(4))).toThrow(/holds no vector/);
  }
});

function vectorIn(cache: VectorCache, text: string): number[] {
  const into = new Float32Array(cache.dim);
  cache.vectorsOf([textHash(text)], into);
  return Array.from(into);
}

function addRows(cache: VectorCache, rows: readonly number[], vectorRow = (row: number) => row): void {
  const vectors = new Float32Array(rows.length * 4);
  rows.forEach((row, offset) => vectors.set(vectorOf(vectorRow(row)), offset * 4));
  cache.add(
    rows.map((row) => textHash(`paper ${row}`)),
    vectors,
  );
  cache.close();
}

test("a run that is not a shard gathers the shards' files into the main file and deletes them, the shard's vector winning for a hash both hold", () => {
  const dir = tempFolder('cache-shards');
  addRows(new VectorCache(dir, 'test-model', 4), [0, 1, 2]);
  addRows(new VectorCache(dir, 'test-model', 4, { index: 1, count: 2 }), [2, 3], (row) => row + 10);
  addRows(new VectorCache(dir, 'test-model', 4, { index: 2, count: 2 }), [4, 5]);
  expect(readdirSync(dir).filter((name) => name.includes('.shard-'))).toHaveLength(2);
  const gathered = new VectorCache(dir, 'test-model', 4);
  expect(readdirSync(dir).filter((name) => name.includes('.shard-'))).toEqual([]);
  for (const cache of [gathered, new VectorCache(dir, 'test-model', 4)]) {
    expect(cache.size).toBe(6);
    for (const row of [0, 1, 4, 5]) expect(vectorIn(cache, `paper ${row}`)).toEqual(Array.from(vectorOf(row)));
    for (const row of [2, 3]) expect(vectorIn(cache, `paper ${row}`)).toEqual(Array.from(vectorOf(row + 10)));
  }
});

test('a damaged record is dropped from the file, and an earlier sound record of the same hash serves', () => {
  const dir = tempFolder('cache-damaged');
  addRows(new VectorCache(dir, 'test-model', 4), [0, 1, 2]);
  addRows(new VectorCache(dir, 'test-model', 4), [1], (row) => row + 10);
  const file = join(dir, readdirSync(dir).find((name) => name.endsWith('.vectors'))!);
  const bytes = readFileSync(file);
  const record = bytes.length / 4;
  bytes[3 * record + 40] ^= 1; // a bit of the last record's vector
  writeFileSync(file, Buffer.concat([bytes, bytes.subarray(0, 10)])); // and a torn record after it
  const cache = new VectorCache(dir, 'test-model', 4);
  expect(readFileSync(file).length).toBe(3 * record);
  expect(cache.size).toBe(3);
  for (const row of [0, 1, 2]) expect(vectorIn(cache, `paper ${row}`)).toEqual(Array.from(vectorOf(row)));
});
